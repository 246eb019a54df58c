/**
 * Reads manifests from files and folders: every YAML document of every .yaml, .yml or .json file,
 * with the file and line it starts at, so problems can point at it.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseAllDocuments } from "yaml";

/** One YAML document of a manifest file. */
export interface ManifestDocument {
  file: string;
  /** 1-based line where the document starts. */
  line: number;
  /** The parsed object; undefined when the document could not be parsed. */
  object?: unknown;
  /** Why the document could not be parsed. */
  parseError?: string;
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
      documents.push({ file, line, object });
    }
  }
  return documents;
}
