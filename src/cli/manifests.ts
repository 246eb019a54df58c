/**
 * Reads manifests from files and folders: every YAML document of every .yaml, .yml or .json file,
 * with the file and line it starts at, and the line of any field in it, so problems can point at
 * the line to fix. Whatever a file holds, reading it costs bounded time and memory and ends in
 * documents or one located problem: a file too large, binary content, a syntax error at its line,
 * aliases that expand too far (a YAML "billion laughs"). One file's problem never stops the others.
 */
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  Scalar,
  visit,
  type YAMLMap,
} from "yaml";
import { cut, shown } from "../api/problems.js";

/** A problem found while reading a document, before any schema: at a field, or the document (""). */
export interface ReadProblem {
  path: string;
  line: number;
  message: string;
}

/** One YAML document of a manifest file. */
export interface ManifestDocument {
  file: string;
  /** 1-based line where the document starts (or where it stopped parsing). */
  line: number;
  /** The parsed object; undefined when the document could not be parsed. */
  object?: unknown;
  /** Why the document (or the whole file) could not be read. */
  parseError?: string;
  /** Why a file was left unread without being an error (too large, and naming no orgguard kind). */
  skipped?: string;
  /** What the YAML text says ambiguously (a scalar YAML 1.1 and 1.2 read differently). */
  readProblems?: ReadProblem[];
  /**
   * The line of a field, by its path as problems spell it (`spec.targets[0].ouId`): the deepest
   * part of the path the document has (a missing field points at its parent).
   */
  lineOf?(fieldPath: string): number;
  /** The text of the field's value when it is a plain scalar (`123456789012` unquoted), else undefined. */
  plainSourceOf?(fieldPath: string): string | undefined;
}

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

/**
 * The most orgguard reads of one manifest file: 1 MiB, less than the 1.5 MiB the kube-apiserver
 * stores of one object, and far more than any orgguard object needs (an SCP is at most 10 KiB).
 * Parsing costs about 150 bytes of memory per byte of YAML, so this bounds a run's memory too.
 */
export const MAX_MANIFEST_FILE_BYTES = 1024 * 1024;
/**
 * How far aliases may expand a document (the yaml library's measure: aliased nodes, weighted by
 * their size): far above what a manifest reuses, far below a "billion laughs" document.
 */
const MAX_ALIAS_COUNT = 100;
/** A parse error's message is cut to this (its first line, never the file's content). */
const MAX_ERROR_CHARS = 200;

/**
 * The manifest files under the given paths: a file named explicitly is always read; folders are
 * walked recursively in name order for .yaml, .yml and .json files (hidden entries skipped).
 */
export async function findManifestFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (!info) throw new Error(`no such file or folder: ${p}`);
    if (info.isDirectory()) files.push(...(await walk(p)));
    else files.push(p);
  }
  return files;
}

async function walk(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith(".")) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(full)));
    else if (MANIFEST_EXTENSIONS.has(path.extname(entry.name))) files.push(full);
  }
  return files;
}

/** `spec.targets[0].ouId` as path parts: ["spec", "targets", 0, "ouId"]. */
export function pathParts(fieldPath: string): Array<string | number> {
  const parts: Array<string | number> = [];
  for (const m of fieldPath.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    parts.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  }
  return parts;
}

/** The node at `parts` under `node`, as deep as the document goes; keys may contain dots. */
function deepest(node: Node | null | undefined, parts: Array<string | number>): Node | null | undefined {
  let current = node;
  /** The key of the last field found: where a missing field's parent is written. */
  let parentKey: Node | undefined;
  let i = 0;
  while (i < parts.length && current) {
    const part = parts[i]!;
    if (isSeq(current) && typeof part === "number") {
      const item = current.items[part];
      if (!item) break;
      current = item as Node;
      i += 1;
      continue;
    }
    if (!isMap(current)) break;
    const map = current;
    // A key such as `orgguard.io/name` was split at its dots: try the longest joined key first.
    let found = false;
    for (let j = parts.length; j > i && !found; j--) {
      const key = parts.slice(i, j).join(".");
      const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
      if (!pair) continue;
      // The last part is the field itself: its key's line is where it is written.
      current = (j === parts.length ? pair.key : (pair.value ?? pair.key)) as Node;
      parentKey = pair.key as Node;
      i = j;
      found = true;
    }
    if (!found) break;
  }
  return i < parts.length && parentKey ? parentKey : current;
}

/** The value node (never the key) at `parts`, walking maps and sequences. */
function valueAt(node: Node | null | undefined, parts: Array<string | number>): Node | undefined {
  let current: Node | null | undefined = node;
  for (const part of parts) {
    if (isSeq(current) && typeof part === "number") current = current.items[part] as Node;
    else if (isMap(current)) {
      const pair = current.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === part);
      current = pair?.value as Node | null | undefined;
    } else return undefined;
  }
  return current ?? undefined;
}

/** Parses every document of every manifest file under the given paths. Empty documents are left out. */
export async function loadManifests(paths: string[]): Promise<ManifestDocument[]> {
  const documents: ManifestDocument[] = [];
  for (const file of await findManifestFiles(paths)) documents.push(...(await readManifestFile(file)));
  return documents;
}

/** One file's documents, or one document standing for why the file could not be read. */
export async function readManifestFile(file: string): Promise<ManifestDocument[]> {
  const unreadable = (line: number, message: string): ManifestDocument[] => [
    { file, line, parseError: message },
  ];
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch (err) {
    return unreadable(1, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const { size } = await handle.stat();
    if (size > MAX_MANIFEST_FILE_BYTES) return await oversize(file, size, handle);
    const bytes = await handle.readFile();
    const binary = binaryContent(bytes);
    if (binary) return unreadable(binary.line, binary.message);
    return parseManifests(bytes.toString("utf8"), file);
  } catch (err) {
    return unreadable(1, `cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  } finally {
    await handle.close();
  }
}

/** How a size is said in messages: 2.0 MB. */
const megabytes = (bytes: number): string => `${(bytes / 1_000_000).toFixed(1)} MB`;

/**
 * A file over the limit is not parsed. It is an error when it may hold orgguard objects (it
 * names orgguard.io anywhere); otherwise it is skipped with a note, as a folder's vendored CRD
 * bundle of another tool should be.
 */
async function oversize(
  file: string,
  size: number,
  handle: Awaited<ReturnType<typeof open>>,
): Promise<ManifestDocument[]> {
  const limit = `orgguard reads manifest files of at most ${MAX_MANIFEST_FILE_BYTES / 1024 / 1024} MiB`;
  if (!(await mentions(handle, "orgguard.io"))) {
    return [{ file, line: 1, skipped: `${megabytes(size)}, more than ${limit}, and names no orgguard kind` }];
  }
  return [
    { file, line: 1, parseError: `the file is ${megabytes(size)}: ${limit}; split it into smaller files` },
  ];
}

/** Whether the file's bytes contain `needle`, read in chunks (memory stays bounded whatever the size). */
async function mentions(handle: Awaited<ReturnType<typeof open>>, needle: string): Promise<boolean> {
  const chunk = Buffer.alloc(1024 * 1024);
  let tail = Buffer.alloc(0);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
    if (bytesRead === 0) return false;
    const window = Buffer.concat([tail, chunk.subarray(0, bytesRead)]);
    if (window.includes(needle)) return true;
    tail = window.subarray(Math.max(0, window.length - needle.length));
    position += bytesRead;
  }
}

/** Why bytes are no YAML text (a NUL byte, or bytes that are not UTF-8), at the line they start. */
function binaryContent(bytes: Buffer): { line: number; message: string } | undefined {
  const lineAt = (offset: number) => bytes.subarray(0, offset).filter((b) => b === 0x0a).length + 1;
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    return { line: lineAt(nul), message: "binary content (a NUL byte): not a YAML or JSON text file" };
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { line: 1, message: "not UTF-8 text: manifests are YAML or JSON in UTF-8" };
  }
  return undefined;
}

/**
 * Plain scalars YAML 1.1 and YAML 1.2 read differently. kubectl, Helm, Argo CD and the
 * kube-apiserver read YAML 1.1 (the Go library sigs.k8s.io/yaml): `yes` is true and `024` is 20;
 * YAML 1.2 tools, this file's parser among them, read the string "yes" and 24. Such a value means
 * what the tool that applies it decides: orgguard refuses it and says how to write it.
 */
function yaml11Reading(source: string): string | undefined {
  if (/^(y|Y|yes|Yes|YES|on|On|ON)$/.test(source)) return "true";
  if (/^(n|N|no|No|NO|off|Off|OFF)$/.test(source)) return "false";
  const digits = source.replace(/^[-+]/, "");
  const sign = source.startsWith("-") ? -1 : 1;
  if (/^0[0-7_]*[1-7][0-7_]*$/.test(digits))
    return String(sign * Number.parseInt(digits.replaceAll("_", ""), 8));
  if (/^0b[01_]+$/.test(digits))
    return String(sign * Number.parseInt(digits.slice(2).replaceAll("_", ""), 2));
  if (/^[0-9][0-9_]*_[0-9_]*$/.test(digits)) return String(sign * Number(digits.replaceAll("_", "")));
  return undefined;
}

/** The advice for a scalar YAML 1.1 reads as `reading`. */
function yaml11Problem(source: string, reading: string, asKey: boolean): string {
  const quoted = JSON.stringify(source);
  const what = asKey ? "this key" : "this value";
  const as12 = /^(true|false)$/.test(reading) ? `the string ${quoted}` : "another value";
  return `${what} is written ${shown(source)}, which YAML 1.1 (kubectl, the kube-apiserver) reads as ${reading} and YAML 1.2 as ${as12}: write ${reading} or ${quoted} in quotes`;
}

/** A lone UTF-16 surrogate (a "\\ud800" escape): no Unicode character, refused by the kube-apiserver. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What a document's YAML says that the kube-apiserver reads otherwise or refuses, at the field
 * it concerns: plain scalars YAML 1.1 reads otherwise, escapes that are no Unicode, numbers JSON
 * cannot carry (.inf, .nan), and keys a merge key (<<) sets a second time.
 */
function writtenProblems(doc: Document, text: string, lineCounter: LineCounter): ReadProblem[] {
  const problems: ReadProblem[] = [];
  const lineOfNode = (node: Node) => (node.range ? lineCounter.linePos(node.range[0]).line : 1);
  visit(doc, {
    Scalar(key, node, ancestors) {
      // The path costs a walk up the document: made only for a problem (10,000 statements have none).
      const at = () => ({
        path: pathOfNode(ancestors, key === "key" ? undefined : node),
        line: lineOfNode(node),
      });
      const written = node.range ? text.slice(node.range[0], node.range[1]) : "";
      const separator = /[\u0085\u2028\u2029]/.exec(written);
      if (separator) {
        const code = `U+${separator[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
        problems.push({
          ...at(),
          message: `holds a raw ${code}, which YAML 1.1 (kubectl, the kube-apiserver) reads as a line break and YAML 1.2 as a character: write it as an escape in double quotes`,
        });
      }
      if (
        (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) &&
        blockScalarTab(written, parentColumn(ancestors, lineCounter))
      ) {
        problems.push({
          ...at(),
          message:
            "a line of this block scalar (| or >) has a tab where its indentation is: the YAML parser of kubectl and the kube-apiserver refuses it; quote the value instead",
        });
      }
      if (typeof node.value === "string" && LONE_SURROGATE.test(node.value)) {
        problems.push({
          ...at(),
          message:
            "holds an escape that is no Unicode character (a lone surrogate such as \\ud800): the kube-apiserver refuses it",
        });
      }
      if (typeof node.value === "number" && !Number.isFinite(node.value)) {
        problems.push({
          ...at(),
          message: `${shown(node.source ?? String(node.value))} is no number JSON can carry: the kube-apiserver refuses it; quote it if it is text`,
        });
      }
      if (node.type !== Scalar.PLAIN || node.source === undefined) return;
      const reading = yaml11Reading(node.source);
      if (reading !== undefined)
        problems.push({ ...at(), message: yaml11Problem(node.source, reading, key === "key") });
    },
    Map(_, map, ancestors) {
      const twice = keysMergedTwice(doc, map);
      if (twice.length > 0) {
        problems.push({
          path: pathOfNode(ancestors, map),
          line: lineOfNode(map),
          message: `${twice.map((k) => shown(k)).join(", ")} set both here and by a merge key (<<): the kube-apiserver's strict decoding refuses a key set twice`,
        });
      }
    },
  });
  return problems;
}

/**
 * Whether a block scalar's text (header line first) has a tab where the YAML 1.1 parser of
 * kubectl and the kube-apiserver reads indentation (its words: "found a tab character where an
 * indentation space is expected"): after a line's leading spaces while the indentation is not yet
 * known, or before the indentation column. An indentation indicator (`|2`) sets that column, from
 * `parent`, the column of the collection the scalar is in.
 */
function blockScalarTab(written: string, parent: number): boolean {
  const [header, ...lines] = written.split("\n");
  const indicator = /^[|>][+-]?(\d)|^[|>](\d)/.exec(header ?? "");
  const digit = indicator ? Number(indicator[1] ?? indicator[2]) : 0;
  let indent = digit > 0 ? parent + digit : 0;
  for (const line of lines) {
    const spaces = /^ */.exec(line)![0].length;
    if ((indent === 0 || spaces < indent) && line[spaces] === "\t") return true;
    if (indent === 0 && spaces < line.length) indent = spaces;
  }
  return false;
}

/** The column (0-based) of the mapping key or sequence a scalar is the value of: its parent's indentation. */
function parentColumn(ancestors: readonly unknown[], lineCounter: LineCounter): number {
  const parent = ancestors.at(-1);
  const at =
    isPair(parent) && isScalar(parent.key) ? parent.key.range : isSeq(parent) ? parent.range : undefined;
  return at ? lineCounter.linePos(at[0]).col - 1 : 0;
}

/** Whether a key is the merge key `<<` (the yaml library, merging, holds it as a symbol). */
const isMergeKey = (key: unknown): boolean =>
  isScalar(key) && (key.value === "<<" || typeof key.value === "symbol");

/** The keys of `map` that a merge key (<<) sets as well as the map itself, or two merges set. */
function keysMergedTwice(doc: Document, map: YAMLMap): string[] {
  const own = map.items.filter((p) => !isMergeKey(p.key));
  const merged = map.items
    .filter((p) => isMergeKey(p.key))
    .flatMap((p) => (isSeq(p.value) ? p.value.items : [p.value]))
    .map((source) => (isAlias(source) ? source.resolve(doc) : source))
    .filter(isMap);
  const counts = new Map<string, number>();
  for (const pair of [...own, ...merged.flatMap((m) => m.items)]) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return merged.length === 0 ? [] : [...counts].filter(([, n]) => n > 1).map(([k]) => k);
}

/** The field path (`spec.targets[0].ouId`) of a node from the visitor's ancestors. */
function pathOfNode(ancestors: readonly unknown[], node: Node | undefined): string {
  let out = "";
  for (let i = 0; i < ancestors.length; i++) {
    const here = ancestors[i];
    const next = i + 1 < ancestors.length ? ancestors[i + 1] : node;
    if (isPair(here) && isScalar(here.key)) {
      const key = String(here.key.value);
      out = out ? `${out}.${key}` : key;
    } else if (isSeq(here) && next !== undefined) {
      out = `${out}[${here.items.indexOf(next as Node)}]`;
    }
  }
  return out;
}

/** The first line of a parse error, without the code frame the yaml library adds, cut short. */
const errorText = (message: string): string =>
  cut(message.split("\n")[0]!.replace(/:$/, ""), MAX_ERROR_CHARS);

/** Parses every document of one manifest text; `file` names it in problems. Empty documents are left out. */
export function parseManifests(text: string, file: string): ManifestDocument[] {
  const documents: ManifestDocument[] = [];
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *defaults`) as kubectl and the kube-apiserver read them.
  for (const doc of parseAllDocuments(text, { lineCounter, merge: true })) {
    const line = lineCounter.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    if (doc.errors.length > 0) {
      const first = doc.errors[0]!;
      documents.push({
        file,
        line: first.linePos?.[0].line ?? line,
        parseError: `cannot parse YAML: ${doc.errors.map((e) => errorText(e.message)).join("; ")}`,
      });
      continue;
    }
    let object: unknown;
    try {
      object = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      documents.push({
        file,
        line,
        parseError: `cannot read YAML: its aliases (*name) expand it beyond ${MAX_ALIAS_COUNT} aliased nodes: refused as a resource-exhaustion attack (${errorText(String((err as Error).message))})`,
      });
      continue;
    }
    if (object === null || object === undefined) continue;
    const lineOf = (fieldPath: string) => {
      const node = deepest(doc.contents, pathParts(fieldPath));
      return node?.range ? lineCounter.linePos(node.range[0]).line : line;
    };
    const plainSourceOf = (fieldPath: string) => {
      const node = valueAt(doc.contents, pathParts(fieldPath));
      return isScalar(node) && node.type === Scalar.PLAIN ? node.source : undefined;
    };
    const readProblems = writtenProblems(doc, text, lineCounter);
    documents.push({
      file,
      line,
      object,
      lineOf,
      plainSourceOf,
      ...(readProblems.length ? { readProblems } : {}),
    });
  }
  return documents;
}
