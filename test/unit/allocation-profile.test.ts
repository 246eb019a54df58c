/**
 * bench/allocation-profile.ts's summary of a sampling heap profile: bytes are a frame's own
 * (selfSize), summed over every place the same function appears in the tree, and grouped as the
 * CPU profile's summary groups them.
 */
import { describe, expect, it } from "vitest";
import { type HeapProfileNode, summarizeAllocations } from "../../bench/allocation-profile.js";

const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });
const node = (
  callFrame: HeapProfileNode["callFrame"],
  selfSize: number,
  children: HeapProfileNode[] = [],
): HeapProfileNode => ({ callFrame, selfSize, children });

const SDK = "file:///app/node_modules/@smithy/core/dist-cjs/index.js";
const OWN = "file:///app/dist/runtime/lifecycle.js";

describe("summarizeAllocations", () => {
  const profile = {
    head: node(frame("(root)", ""), 0, [
      node(frame("send", SDK, 9), 1000, [node(frame("parse", SDK, 20), 4000)]),
      node(frame("reconcile", OWN, 4), 300, [node(frame("send", SDK, 9), 500)]),
      node(frame("push", ""), 200),
    ]),
  };
  const summary = summarizeAllocations(profile);

  it.each([
    { reason: "every frame's own bytes count once, callees apart", name: "total", bytes: 6000 },
    {
      reason: "the same function reached from two callers is one row",
      name: "send @smithy/core/dist-cjs/index.js:10",
      bytes: 1500,
    },
    { reason: "a builtin has no file: named as it is", name: "push", bytes: 200 },
  ])("$reason", ({ name, bytes }) => {
    const found = name === "total" ? summary.totalBytes : summary.functions.find((f) => f.name === name)?.us;
    expect(found).toBe(bytes);
  });

  it("groups as the CPU profile does, largest first", () => {
    expect(summary.groups.map((g) => [g.name, g.us])).toEqual([
      ["AWS SDK (@aws-sdk, @smithy, its XML parser)", 5500],
      ["orgguard: runtime/lifecycle.js", 300],
      ["native: push", 200],
    ]);
  });
});
