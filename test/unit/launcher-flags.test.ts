/**
 * bin/orgguard.js runs node with the image's flags (its first line, `env -S`), so that the CLI run
 * from a checkout uses as little memory as the image measured (bench/peers.ts reads the same line).
 * Two copies of one list: this keeps them equal.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { launcherNodeFlags } from "../../bench/peers/orgguard.js";

/** The node flags of the Dockerfile's `ENTRYPOINT ["node", ...]`. */
function imageNodeFlags(): string[] {
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync("Dockerfile", "utf8"))?.[1];
  if (!entrypoint) throw new Error("the Dockerfile has no ENTRYPOINT [...] line");
  return (JSON.parse(entrypoint) as string[]).filter((arg) => arg.startsWith("--"));
}

describe("bin/orgguard.js", () => {
  it("runs node with the Dockerfile's flags", () => {
    expect(imageNodeFlags()).toContain("--max-semi-space-size=4");
    expect(launcherNodeFlags("bin/orgguard.js")).toEqual(imageNodeFlags());
  });

  it("passes them through env -S (a plain shebang gives node one argument, flags and all)", () => {
    const first = readFileSync("bin/orgguard.js", "utf8").split("\n", 1)[0];
    expect(first).toBe(`#!/usr/bin/env -S node ${imageNodeFlags().join(" ")}`);
  });
});
