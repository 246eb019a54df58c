import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";

afterEach(() => vi.restoreAllMocks());

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  const code = await main(argv);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("orgguard version", () => {
  const cases = [
    { reason: "the command", argv: ["version"] },
    { reason: "the flag", argv: ["--version"] },
  ];
  it.each(cases)("$reason prints package.json's version", async ({ argv }) => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    expect(await run(argv)).toEqual({ code: 0, out: pkg.version, err: "" });
  });

  it("is listed in the help, with completion, and has its own help", async () => {
    const help = await run(["--help"]);
    expect(help.out).toMatch(/^ {2}version +Prints orgguard's version/m);
    expect(help.out).toMatch(/^ {2}completion +Prints a shell completion script for bash or zsh/m);
    expect((await run(["help", "version"])).out).toContain("usage: orgguard version [options]");
  });

  it("refuses an argument", async () => {
    const result = await run(["version", "extra"]);
    expect(result.code).toBe(1);
    expect(result.err).toContain("unexpected argument 'extra'");
  });
});

describe("the license", () => {
  it("LICENSE is the license package.json names", async () => {
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { license: string };
    const license = await readFile("LICENSE", "utf8");
    expect(pkg.license).toBe("Apache-2.0");
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain("END OF TERMS AND CONDITIONS");
  });
});
