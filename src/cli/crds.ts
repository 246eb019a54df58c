/**
 * `orgguard crds [--write DIR]`: prints the CRDs (for `kubectl apply -f -`), or writes one file
 * per kind into DIR (how crds/ is generated).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { crdFileName, crdYaml } from "../api/crd.js";
import { API_DEFINITIONS } from "../kinds/index.js";
import { type Command, UsageError } from "./command.js";

const CRDS_OPTIONS = {
  write: {
    type: "string",
    valueName: "DIR",
    description: "write one file per kind into DIR instead of printing",
    completes: "directory",
  },
} as const;

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
    await mkdir(dir, { recursive: true });
    for (const kind of API_DEFINITIONS) await writeFile(path.join(dir, crdFileName(kind)), crdYaml(kind));
    console.log(`wrote ${API_DEFINITIONS.length} CRDs to ${dir}`);
    return 0;
  },
};
