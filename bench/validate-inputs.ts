/**
 * What hostile input costs `orgguard validate`: for each file of test/support/hostile-inputs.ts
 * (a 2 MB file, an alias bomb, 10,000 statements, binary files...), the built CLI checks a folder
 * holding it beside a valid manifest, in a process of its own; printed per input: the file's
 * size, the lines validate printed, the wall time and the process's peak RSS, against a folder
 * with the valid manifest alone. Asserts nothing (test/unit/cli-validate-inputs.test.ts checks
 * the answers).
 * Usage: npx tsx bench/validate-inputs.ts   (after `make build`)
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { hostileInputs } from "../test/support/hostile-inputs.js";

const run = promisify(execFile);
const GOOD =
  'apiVersion: orgguard.io/v1alpha1\nkind: PublicAccessBlock\nmetadata:\n  name: good\nspec:\n  accountId: "111111111111"\n';

/** Runs the built CLI's validate on `dir` in a fresh node process; its output lines, time and peak RSS. */
async function measure(dir: string): Promise<{ lines: number; ms: number; rssMiB: number }> {
  const script = `import("./dist/cli/main.js").then(async (m) => {
    const started = performance.now();
    await m.main(["validate", ${JSON.stringify(dir)}]);
    process.stderr.write("\\nBENCH " + JSON.stringify({ ms: performance.now() - started, rss: process.resourceUsage().maxRSS }) + "\\n");
  });`;
  const { stdout, stderr } = await run(process.execPath, ["--input-type=module", "-e", script], {
    maxBuffer: 64 * 1024 * 1024,
  }).catch((err: { stdout: string; stderr: string }) => err);
  const figures = JSON.parse(/BENCH (.*)/.exec(stderr)?.[1] ?? "{}") as { ms?: number; rss?: number };
  return {
    lines: stdout.split("\n").filter(Boolean).length,
    ms: figures.ms ?? Number.NaN,
    rssMiB: (figures.rss ?? Number.NaN) / 1024,
  };
}

async function folder(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-bench-inputs-"));
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

const rows: string[] = [];
const baselineDir = await folder({ "good.yaml": GOOD });
const baseline = await measure(baselineDir);
rows.push(
  `| a valid manifest alone (baseline) | 0.0 MB | ${baseline.lines} | ${baseline.ms.toFixed(0)} | ${baseline.rssMiB.toFixed(0)} |`,
);
await rm(baselineDir, { recursive: true });
for (const input of hostileInputs()) {
  const dir = await folder({ "good.yaml": GOOD, [input.file]: input.content });
  const figures = await measure(dir);
  const size = (Buffer.byteLength(input.content) / 1_000_000).toFixed(1);
  rows.push(
    `| ${input.reason} | ${size} MB | ${figures.lines} | ${figures.ms.toFixed(0)} | ${figures.rssMiB.toFixed(0)} |`,
  );
  await rm(dir, { recursive: true });
}
console.log(
  ["| input | size | lines printed | ms | peak RSS MiB |", "|---|---|---|---|---|", ...rows].join("\n"),
);
