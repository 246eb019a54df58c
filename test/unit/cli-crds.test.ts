/**
 * `orgguard crds --write`: a folder is written (made when its parent exists); a file, a file
 * name, or a place no folder can be made gives one line and exit 1, creates nothing and returns
 * at once (Node's recursive mkdir loops for ever on /proc/1/x, which this command no longer uses).
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { API_DEFINITIONS } from "../../src/kinds/index.js";

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  const code = await main(argv);
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

describe("orgguard crds --write", () => {
  const refusals = [
    {
      reason: "an existing file: refused, and left as it was",
      target: async (dir: string) => {
        const file = path.join(dir, "existing.yaml");
        await writeFile(file, "kept\n");
        return file;
      },
      says: /--write takes a folder, and .*existing\.yaml is a file: to write every CRD into one file, run 'orgguard crds > /,
    },
    {
      reason: "a new name that looks like a file: refused, no folder made",
      target: async (dir: string) => path.join(dir, "newfile.yaml"),
      says: /--write takes a folder \(one file per kind\), not a file name/,
    },
    {
      reason: "a folder whose parent does not exist: refused (no folders made on the way)",
      target: async (dir: string) => path.join(dir, "no", "such", "parent"),
      says: /cannot make the folder .*: ENOENT \(its parent folder does not exist\)/,
    },
    {
      reason: "a place where no folder can be made: one line, at once",
      target: async () => "/proc/1/orgguard-crds",
      says: /cannot make the folder \/proc\/1\/orgguard-crds: (ENOENT \(no folder can be made there\)|EACCES)/,
    },
  ];
  it.each(refusals)("$reason", async ({ target, says }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-crds-"));
    const where = await target(dir);
    const before = await readdir(dir);
    const contentBefore = existsSync(where) ? await readFile(where, "utf8") : undefined;
    const { code, out, err } = await run(["crds", "--write", where]);
    expect(code).toBe(1);
    expect(out).toEqual([]);
    expect(err[0]).toMatch(says);
    expect(err.join("\n")).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(where) ? await readFile(where, "utf8") : undefined).toBe(contentBefore);
    expect(await readdir(dir)).toEqual(before);
  });

  it.each([
    ["a new folder in an existing one", (dir: string) => path.join(dir, "crds")],
    ["an existing folder", (dir: string) => dir],
  ])("writes one file per kind into %s", async (_, folder) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-crds-"));
    const { code, out } = await run(["crds", "--write", folder(dir)]);
    expect(code).toBe(0);
    expect(out).toEqual([`wrote ${API_DEFINITIONS.length} CRDs to ${folder(dir)}`]);
    expect((await readdir(folder(dir))).length).toBe(API_DEFINITIONS.length);
  });
});
