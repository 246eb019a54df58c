/**
 * Reads manifests from files and folders: every YAML document of every .yaml, .yml or .json file,
 * with the file and line it starts at, and the line of any field in it, so problems can point at
 * the line to fix. Whatever a file holds, reading it costs bounded time and memory and ends in
 * documents or one located problem: a file too large, binary content, a syntax error at its line,
 * aliases that expand too far (a YAML "billion laughs"). One file's problem never stops the others.
 */
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseAllDocuments, Scalar } from "yaml";
import { cut } from "../api/problems.js";
import { type ReadProblem, writtenProblems } from "./yaml-dialect-problems.js";

export type { ReadProblem };

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
  /** What its YAML says that kubectl and the kube-apiserver read otherwise or refuse (yaml-dialect-problems.ts). */
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
