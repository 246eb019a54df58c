import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";

afterEach(() => vi.restoreAllMocks());

describe("orgguard controller", () => {
  it("--help prints every option with its flag, environment variable and default", async () => {
    const out: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
    expect(await main(["controller", "--help"])).toBe(0);
    const text = out.join("\n");
    for (const expected of [
      "--poll-interval",
      "ORGGUARD_POLL_INTERVAL",
      "`5m`",
      "--leader-elect",
      "--metrics-bind-address",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("refuses an invalid configuration before connecting to anything", async () => {
    const err: string[] = [];
    vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
    expect(await main(["controller", "--poll-interval", "often"])).toBe(1);
    expect(err.join("\n")).toMatch(/--poll-interval \(ORGGUARD_POLL_INTERVAL\): 'often' is not a duration/);
  });
});
