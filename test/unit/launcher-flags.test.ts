/**
 * bin/orgguard.js runs node with the image's flags (its first line, `env -S`), so that the CLI run
 * from a checkout uses as little memory as the image measured (the benches read both lines).
 * Two copies of one list: this keeps them equal.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { imageRuntime, launcherNodeFlags } from "../../bench/node-flags.js";

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
