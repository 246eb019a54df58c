/**
 * `orgguard completion bash|zsh` run by the real shells: the script is sourced, the completion
 * function is called with the words a user typed, and what it offers is checked. zsh runs it
 * through its own bash compatibility (bashcompinit), as a user's ~/.zshrc would.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { provision } from "../env/provision.js";

/** The script `orgguard completion <shell>` prints. */
async function script(shell: string): Promise<string> {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  });
  const code = await main(["completion", shell]);
  vi.restoreAllMocks();
  expect(code).toBe(0);
  return chunks.join("");
}

afterEach(() => vi.restoreAllMocks());

function runShell(binary: string, program: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      ["-c", program],
      { cwd, env: { PATH: process.env.PATH, HOME: cwd } },
      (err, stdout, stderr) => (err ? reject(new Error(`${binary} failed: ${stderr}`)) : resolve(stdout)),
    );
  });
}

/** A folder with files a user might complete: manifests and a subfolder. */
let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), "orgguard-completion-"));
  await writeFile(path.join(folder, "scp.yaml"), "");
  await writeFile(path.join(folder, "baseline.yaml"), "");
});

/** What a user typed (the last word being completed), and what must and must not be offered. */
const cases = [
  { reason: "commands", typed: ["orgguard", "v"], offers: ["validate", "version"], not: ["plan"] },
  {
    reason: "a command's flags",
    typed: ["orgguard", "plan", "--"],
    offers: ["--output", "--allow-empty", "--help"],
    not: ["--strict"],
  },
  {
    reason: "an option's values",
    typed: ["orgguard", "plan", "--output", ""],
    offers: ["text", "json", "markdown"],
    not: ["scp.yaml"],
  },
  {
    reason: "apply's outputs (no markdown)",
    typed: ["orgguard", "apply", "-o", ""],
    offers: ["text", "json"],
    not: ["markdown"],
  },
  {
    reason: "validate's outputs",
    typed: ["orgguard", "validate", "--output", "j"],
    offers: ["json"],
    not: ["text"],
  },
  {
    reason: "manifest files as arguments",
    typed: ["orgguard", "validate", "s"],
    offers: ["scp.yaml"],
    not: ["baseline.yaml"],
  },
  {
    reason: "the controller's options, from its configuration",
    typed: ["orgguard", "controller", "--log-l"],
    offers: ["--log-level"],
    not: [],
  },
  {
    reason: "the controller's log levels",
    typed: ["orgguard", "controller", "--log-level", ""],
    offers: ["debug", "info", "warn", "error"],
    not: [],
  },
  {
    reason: "the shells of completion",
    typed: ["orgguard", "completion", ""],
    offers: ["bash", "zsh"],
    not: ["fish"],
  },
  { reason: "commands after help", typed: ["orgguard", "help", "cr"], offers: ["crds"], not: ["plan"] },
  {
    reason: "nothing to offer for a free value",
    typed: ["orgguard", "validate", "--management-account-id", ""],
    offers: [],
    not: ["scp.yaml"],
  },
];

/** Sets the words as the shell would for a completion and prints what the function offers. */
const words = (typed: string[]) => typed.map((w) => `'${w}'`).join(" ");

describe("orgguard completion bash", () => {
  it.each(cases)("offers $reason", async ({ typed, offers, not }) => {
    const program = `${await script("bash")}
COMP_WORDS=(${words(typed)}); COMP_CWORD=${typed.length - 1}
_orgguard
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const offered = (await runShell("bash", program, folder)).split("\n").filter(Boolean);
    for (const word of offers) expect(offered).toContain(word);
    for (const word of not) expect(offered).not.toContain(word);
    if (offers.length === 0) expect(offered).toEqual([]);
  });

  it("registers the function for orgguard", async () => {
    const out = await runShell("bash", `${await script("bash")}\ncomplete -p orgguard`, folder);
    expect(out.trim()).toBe("complete -o filenames -F _orgguard orgguard");
  });
});

describe("orgguard completion zsh", () => {
  // zsh's compgen offers every word and leaves matching the typed prefix to zsh's own matcher,
  // so only what must be offered is checked here (what must not be is bash's test above).
  it.each(cases.filter((c) => c.offers.length > 0))("offers $reason", async ({ typed, offers }) => {
    const { zsh } = await provision(["zsh"]);
    const program = `autoload -U compinit && compinit -u -D
${await script("zsh")}
COMP_WORDS=(${words(typed)}); COMP_CWORD=${typed.length - 1}
PREFIX='${typed.at(-1)}'
compgen -F _orgguard -- '${typed.at(-1)}'`;
    const offered = (await runShell(zsh!, program, folder)).split("\n").filter(Boolean);
    for (const word of offers) expect(offered).toContain(word);
  });

  it("registers orgguard with zsh's completion system", async () => {
    const { zsh } = await provision(["zsh"]);
    const out = await runShell(
      zsh!,
      `autoload -U compinit && compinit -u -D\n${await script("zsh")}\nprint -r -- "$_comps[orgguard]"`,
      folder,
    );
    expect(out.trim()).toBe("_bash_complete -o filenames -F _orgguard");
  });
});
