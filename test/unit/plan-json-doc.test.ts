/**
 * docs/plan-json.md's example is what `orgguard plan --output json` prints for its entries: the
 * test takes the entries as the doc shows them (object, via, action, changes, error,
 * destructive), prints them with the plan's own formatJson, and compares with the whole example,
 * so `actual`, `desired`, `patch` and the summary in the doc are the code's. Each patch applied to
 * `actual` gives `desired`.
 */
import { readFile } from "node:fs/promises";
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { formatJson, type PlanEntry } from "../../src/cli/plan-format.js";

interface DocPlan {
  organizationId: string;
  account: string;
  entries: Array<PlanEntry & { actual: object; desired: object; patch: Operation[] }>;
}

async function docExample(): Promise<string> {
  const doc = await readFile("docs/plan-json.md", "utf8");
  const block =
    /<!-- plan-json-output:start[^>]*-->\n```json\n([\s\S]*?)\n```\n<!-- plan-json-output:end -->/.exec(doc);
  if (!block?.[1]) throw new Error("docs/plan-json.md has no plan-json-output block");
  return block[1];
}

describe("docs/plan-json.md", () => {
  it("shows what formatJson prints for the example's entries", async () => {
    const text = await docExample();
    const shown = JSON.parse(text) as DocPlan;
    const entries: PlanEntry[] = shown.entries.map(
      ({ actual: _a, desired: _d, patch: _p, ...entry }) => entry,
    );
    expect(formatJson(entries, { organizationId: shown.organizationId, account: shown.account }, false)).toBe(
      text,
    );
  });

  it("each patch turns actual into desired", async () => {
    const shown = JSON.parse(await docExample()) as DocPlan;
    for (const e of shown.entries) {
      expect(
        fastJsonPatch.applyPatch(structuredClone(e.actual), e.patch, true, false).newDocument,
        e.object,
      ).toEqual(e.desired);
    }
  });
});
