import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { NEXT_COMMANDS } from "../../hack/try-it.js";
import { validateObject } from "../../src/api/validate.js";
import { optionsTable } from "../../src/config.js";
import { API_DEFINITIONS } from "../../src/kinds/index.js";

describe("README.md", () => {
  it("opens with the two commands", async () => {
    const head = (await readFile("README.md", "utf8")).split("\n").slice(0, 20).join("\n");
    expect(head).toContain("make test");
    expect(head).toContain("make demo");
  });

  it("documents exactly the controller options the code has (`npm run generate` regenerates the table)", async () => {
    expect(await readFile("README.md", "utf8")).toContain(optionsTable());
  });

  it("shows manifests that orgguard validate accepts", async () => {
    const readme = await readFile("README.md", "utf8");
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((b) => b.includes("orgguard.io/v1alpha1"));
    const objects = blocks.flatMap((b) => parseAllDocuments(b).map((d) => d.toJS()));
    expect(objects.length).toBeGreaterThanOrEqual(4);
    for (const o of objects) expect(validateObject(o, API_DEFINITIONS), JSON.stringify(o)).toEqual([]);
  });

  it("shows exactly the five commands make env-up prints under Try it by hand", async () => {
    const readme = await readFile("README.md", "utf8");
    const block = /<!-- try-it:start[^>]*-->\n```sh\n([\s\S]*?)```\n<!-- try-it:end -->/.exec(readme)?.[1];
    expect(block?.trimEnd().split("\n")).toEqual(NEXT_COMMANDS);
  });
});
