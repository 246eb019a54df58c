/**
 * Reads manifests from files and folders: every YAML document of every .yaml, .yml or .json file,
 * with the file and line it starts at, and the line of any field in it, so problems can point at
 * the line to fix.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseAllDocuments } from "yaml";

/** One YAML document of a manifest file. */
export interface ManifestDocument {
  file: string;
  /** 1-based line where the document starts. */
  line: number;
  /** The parsed object; undefined when the document could not be parsed. */
  object?: unknown;
  /** Why the document could not be parsed. */
  parseError?: string;
  /**
   * The line of a field, by its path as problems spell it (`spec.targets[0].ouId`): the deepest
   * part of the path the document has (a missing field points at its parent).
   */
  lineOf?(fieldPath: string): number;
}

const MANIFEST_EXTENSIONS = new Set([".yaml", ".yml", ".json"]);

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

/** Parses every document of every manifest file under the given paths. Empty documents are left out. */
export async function loadManifests(paths: string[]): Promise<ManifestDocument[]> {
  const documents: ManifestDocument[] = [];
  for (const file of await findManifestFiles(paths)) {
    const text = await readFile(file, "utf8");
    const lineCounter = new LineCounter();
    for (const doc of parseAllDocuments(text, { lineCounter })) {
      const line = lineCounter.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
      if (doc.errors.length > 0) {
        documents.push({
          file,
          line,
          parseError: doc.errors.map((e) => e.message.split("\n")[0]!.replace(/:$/, "")).join("; "),
        });
        continue;
      }
      const object: unknown = doc.toJS();
      if (object === null || object === undefined) continue;
      const lineOf = (fieldPath: string) => {
        const node = deepest(doc.contents, pathParts(fieldPath));
        return node?.range ? lineCounter.linePos(node.range[0]).line : line;
      };
      documents.push({ file, line, object, lineOf });
    }
  }
  return documents;
}
