/**
 * `npm run generate`: writes every file generated from the kinds (crds/, the chart's CRD template
 * and ClusterRole, iam/*.json) and the generated parts of README.md. See hack/artefacts.ts.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { generatedFiles, withReadmeSections } from "./artefacts.js";

const files = generatedFiles();
// A CRD of a kind that no longer exists must go too.
for (const name of await readdir("crds")) {
  if (!files.has(`crds/${name}`)) await rm(path.join("crds", name));
}
for (const [file, content] of files) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}
await writeFile("README.md", withReadmeSections(await readFile("README.md", "utf8")));
console.log(
  `wrote ${files.size} files (${[...new Set([...files.keys()].map((f) => path.dirname(f)))].join(", ")}) and README.md's generated sections`,
);
