import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";

/** Runs the CLI in-process and captures what it prints. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  const code = await main(argv);
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

describe("orgguard validate", () => {
  const cases = [
    { reason: "every example is valid", args: ["examples"], code: 0 },
    { reason: "the invalid corpus fails", args: ["test/fixtures/invalid"], code: 1 },
    { reason: "a missing path is an error, not an empty success", args: ["no/such/folder"], code: 1 },
    { reason: "no paths at all prints usage", args: [], code: 1 },
    { reason: "a bad --scp-size-limit is refused", args: ["--scp-size-limit", "big", "examples"], code: 1 },
    {
      reason: "a lower size limit makes a valid SCP fail",
      args: ["--scp-size-limit", "100", "examples/scp-library/protect-cloudtrail-and-log-buckets.yaml"],
      code: 1,
    },
  ];
  it.each(cases)("$reason", async ({ args, code }) => {
    expect((await run(["validate", ...args])).code).toBe(code);
  });

  it("prints warnings without failing, unless --strict", async () => {
    const file = "examples/password-policy/minimal.yaml";
    const relaxed = await run(["validate", file]);
    expect(relaxed.code).toBe(0);
    expect(relaxed.out).toEqual([
      `${file}:3: PasswordPolicy/own-account: spec.passwordReusePrevention: warning: CIS asks to prevent reuse of the last 24 passwords (no reuse check here)`,
    ]);
    expect((await run(["validate", "--strict", file])).code).toBe(1);
  });

  it("prints one line per problem with file, line, object, field and message", async () => {
    const { out } = await run(["validate", "test/fixtures/invalid/password-length-too-short.yaml"]);
    expect(out).toEqual([
      "test/fixtures/invalid/password-length-too-short.yaml:4: PasswordPolicy/too-short: spec.minimumPasswordLength: Too small: expected number to be >=6",
    ]);
  });
});
