/**
 * `orgguard crds [--write DIR]`: prints the CRDs (for `kubectl apply -f -`), or writes one file
 * per kind into DIR (how crds/ is generated).
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { crdFileName, crdYaml } from "../api/crd.js";
import { KINDS } from "../api/kinds.js";

export async function runCrds(args: string[]): Promise<number> {
  if (args[0] === "--write") {
    const dir = args[1];
    if (!dir) {
      console.error("orgguard crds: --write needs a directory");
      return 1;
    }
    await mkdir(dir, { recursive: true });
    for (const kind of KINDS) await writeFile(path.join(dir, crdFileName(kind)), crdYaml(kind));
    console.log(`wrote ${KINDS.length} CRDs to ${dir}`);
    return 0;
  }
  if (args.length > 0) {
    console.error(`orgguard crds: unexpected argument '${args[0]}' (usage: orgguard crds [--write DIR])`);
    return 1;
  }
  process.stdout.write(KINDS.map((k) => crdYaml(k)).join("---\n"));
  return 0;
}
