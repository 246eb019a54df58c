/** orgguard report's arguments: each mistake is one line and a hint, before anything is read. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";

afterEach(() => vi.restoreAllMocks());

async function run(argv: string[]) {
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation(() => undefined);
  vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  const code = await main(argv);
  return { code, err: err.join("\n") };
}

describe("orgguard report", () => {
  const cases = [
    {
      reason: "an output it cannot make",
      args: ["-o", "pdf"],
      says: "--output must be html, markdown or json, not 'pdf'",
    },
    {
      reason: "a state that does not exist",
      args: ["--fail-on", "failing,bad"],
      says: "--fail-on: 'bad' is not a state",
    },
    {
      reason: "manifests without --from-aws (the cluster's objects are what it reads)",
      args: ["manifests/"],
      says: "unexpected argument 'manifests/' (manifests are read with --from-aws)",
    },
    {
      reason: "--from-aws without manifests",
      args: ["--from-aws"],
      says: "--from-aws: name the files or folders",
    },
    {
      reason: "--from-aws with a path that does not exist",
      args: ["--from-aws", "no/such"],
      says: "no such file or folder: no/such",
    },
  ];
  it.each(cases)("refuses $reason", async ({ args, says }) => {
    const { code, err } = await run(["report", ...args]);
    expect(code).toBe(1);
    expect(err).toContain(says);
    expect(err).toContain("run 'orgguard report --help' for usage");
  });

  it("explains itself in --help, with the states --fail-on takes", async () => {
    const out: string[] = [];
    vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
    expect(await main(["report", "--help"])).toBe(0);
    expect(out.join("\n")).toContain("compliant, pending, unmanaged, paused, drifted, failing");
    expect(out.join("\n")).toContain("2  written, and a cell is in a state --fail-on names");
  });
});
