/**
 * bin/orgguard.js runs node with the image's flags (its first line, `env -S`), so that the CLI run
 * from a checkout uses as little memory as the image measured (the benches read both lines).
 * Two copies of one list: this keeps them equal. And a V8 flag can silently cancel another: this
 * checks that the young generation is the size the flags ask for.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { imageRuntime, launcherNodeFlags } from "../../bench/node-flags.js";

/**
 * Allocates young garbage with some survivors (as a reconcile does: most of it dies, the in-flight
 * calls' objects survive a scavenge) and prints the largest the new space grew to, in bytes.
 */
const YOUNG_GENERATION_PROBE = `
const v8 = require("node:v8");
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size;
const kept = new Array(50000);
let largest = newSpace();
for (let i = 0; i < 3e6; i++) {
  const garbage = { i, pair: [i, i + 1], key: "k" + (i % 1000) };
  if (i % 100 === 0) kept[i % 50000] = garbage;
  if (i % 10000 === 0) largest = Math.max(largest, newSpace());
}
console.log(largest);
`;

describe("the image's node flags", () => {
  it("give V8 the young generation --max-semi-space-size asks for (no other flag overrides it)", () => {
    // --optimize-for-size, which the image once had beside it, implies --max-semi-space-size=1 in
    // V8 and wins over the command line: the young generation stayed at 1 MiB semi-spaces while
    // the Dockerfile said 4, and a steady reconcile paid for the extra scavenges.
    const flags = imageRuntime().nodeFlags;
    expect(flags).toContain("--max-semi-space-size=4");
    const largest = Number(
      execFileSync(process.execPath, [...flags, "-e", YOUNG_GENERATION_PROBE], { encoding: "utf8" }),
    );
    const mib = 1024 * 1024;
    // The new space is two semi-spaces: more than 1 MiB ones allow, no more than 4 MiB ones do.
    expect(largest).toBeGreaterThan(2 * mib);
    expect(largest).toBeLessThanOrEqual(2 * 4 * mib);
  });

  it("would not with --optimize-for-size beside them: the probe tells the two apart", () => {
    const largest = Number(
      execFileSync(
        process.execPath,
        ["--max-semi-space-size=4", "--optimize-for-size", "-e", YOUNG_GENERATION_PROBE],
        {
          encoding: "utf8",
        },
      ),
    );
    expect(largest).toBeLessThanOrEqual(2 * 1024 * 1024);
  });
});

describe("bin/orgguard.js", () => {
  it("runs node with the Dockerfile's flags", () => {
    expect(imageRuntime().nodeFlags).toContain("--max-semi-space-size=4");
    expect(launcherNodeFlags("bin/orgguard.js")).toEqual(imageRuntime().nodeFlags);
  });

  it("passes them through env -S (a plain shebang gives node one argument, flags and all)", () => {
    const first = readFileSync("bin/orgguard.js", "utf8").split("\n", 1)[0];
    expect(first).toBe(`#!/usr/bin/env -S node ${imageRuntime().nodeFlags.join(" ")}`);
  });
});
