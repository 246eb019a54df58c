/**
 * `orgguard crds [--write DIR]`: prints the CRDs (for `kubectl apply -f -`), or writes one file
 * per kind into DIR (how crds/ is generated).
 */
import { mkdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { crdFileName, crdYaml } from "../api/crd.js";
import { API_DEFINITIONS } from "../kinds/index.js";
import { type Command, UsageError } from "./command.js";

const CRDS_OPTIONS = {
  write: {
    type: "string",
    valueName: "DIR",
    description:
      "write one file per kind into the folder DIR (made if its parent exists) instead of printing",
    completes: "directory",
  },
} as const;

/** What a failed file system call says, in one line: `EACCES (permission denied)`. */
function fsReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    EACCES: "permission denied",
    EPERM: "operation not permitted",
    EROFS: "read-only file system",
    ENOENT: "its parent folder does not exist",
    ENOTDIR: "a part of the path is a file",
    ENOSPC: "no space left on the device",
  };
  return e.code ? `${e.code} (${why[e.code] ?? "file system error"})` : String(err);
}

/**
 * The folder `--write` names, made when it is missing and its parent exists. A file, or a new
 * name that looks like one (`crds.yaml`), is refused: --write takes a folder. The folder is made
 * without `recursive` (Node's recursive mkdir can loop for ever on paths such as /proc/1/x).
 */
async function writableFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return undefined;
    throw new Error(`cannot use ${dir}: ${fsReason(err)}`);
  });
  if (info && !info.isDirectory()) {
    throw new UsageError(
      `--write takes a folder, and ${dir} is a file: to write every CRD into one file, run 'orgguard crds > ${dir}'`,
    );
  }
  if (info) return;
  if (/\.(ya?ml|json)$/i.test(dir)) {
    throw new UsageError(
      `--write takes a folder (one file per kind), not a file name: to write every CRD into one file, run 'orgguard crds > ${dir}'`,
    );
  }
  await mkdir(dir).catch(async (err: NodeJS.ErrnoException) => {
    // ENOENT with the parent there: a file system that makes no folders (/proc, /sys).
    const parentExists = await stat(path.dirname(dir)).then(
      (p) => p.isDirectory(),
      () => false,
    );
    const reason =
      err.code === "ENOENT" && parentExists ? "ENOENT (no folder can be made there)" : fsReason(err);
    throw new Error(`cannot make the folder ${dir}: ${reason}`);
  });
}

/** `orgguard crds`. */
export const crdsCommand: Command<typeof CRDS_OPTIONS> = {
  name: "crds",
  summary: "Prints the CustomResourceDefinitions of every orgguard kind, or writes one file per kind.",
  arguments: "",
  options: CRDS_OPTIONS,
  examples: ["orgguard crds | kubectl apply --server-side -f -", "orgguard crds --write crds/"],
  exitCodes: { 0: "printed or written", 1: "bad arguments, or the folder cannot be written" },
  run: async (values, positionals) => {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const dir = values.write;
    if (dir === undefined) {
      process.stdout.write(API_DEFINITIONS.map((k) => crdYaml(k)).join("---\n"));
      return 0;
    }
    try {
      await writableFolder(dir);
      for (const kind of API_DEFINITIONS) {
        const file = path.join(dir, crdFileName(kind));
        await writeFile(file, crdYaml(kind)).catch((err: unknown) => {
          throw new Error(`cannot write ${file}: ${fsReason(err)}`);
        });
      }
    } catch (err) {
      if (err instanceof UsageError) throw err;
      console.error(`orgguard crds: ${(err as Error).message}`);
      return 1;
    }
    console.log(`wrote ${API_DEFINITIONS.length} CRDs to ${dir}`);
    return 0;
  },
};
