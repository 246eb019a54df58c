/** `npm run generate`: writes crds/ and the chart's CRD template from the zod schemas in src/api. */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { chartCrdsTemplate, crdFileName, crdYaml } from "../src/api/crd.js";
import { KINDS } from "../src/api/kinds.js";

await mkdir("crds", { recursive: true });
for (const kind of KINDS) await writeFile(path.join("crds", crdFileName(kind)), crdYaml(kind));
await mkdir("charts/orgguard/templates", { recursive: true });
await writeFile("charts/orgguard/templates/crds.yaml", chartCrdsTemplate());
console.log(`wrote ${KINDS.length} CRDs to crds/ and charts/orgguard/templates/crds.yaml`);
