import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { validateOutput } from "../../src/cli/validate-output.js";

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
    { reason: "every example is valid, with no warning either", args: ["--strict", "examples"], code: 0 },
    { reason: "the invalid corpus fails", args: ["test/fixtures/invalid"], code: 1 },
    { reason: "a missing path is an error, not an empty success", args: ["no/such/folder"], code: 1 },
    { reason: "no paths at all prints usage", args: [], code: 1 },
    {
      reason: "a bad --policy-size-limits is refused",
      args: ["--policy-size-limits", "scp=big", "examples"],
      code: 1,
    },
    {
      reason: "a lower size limit makes a valid SCP fail",
      args: [
        "--policy-size-limits",
        "scp=100",
        "examples/scp-library/protect-cloudtrail-and-log-buckets.yaml",
      ],
      code: 1,
    },
  ];
  it.each(cases)("$reason", async ({ args, code }) => {
    expect((await run(["validate", ...args])).code).toBe(code);
  });

  it("prints warnings without failing, unless --strict", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-validate-"));
    const file = path.join(dir, "weak.yaml");
    await writeFile(
      file,
      "apiVersion: orgguard.io/v1alpha1\nkind: PasswordPolicy\nmetadata:\n  name: weak\nspec:\n  minimumPasswordLength: 14\n",
    );
    const relaxed = await run(["validate", file]);
    expect(relaxed.code).toBe(0);
    // A missing field is reported at the line of its parent.
    expect(relaxed.out).toEqual([
      `${file}:5: PasswordPolicy/weak: spec.passwordReusePrevention: warning: CIS asks to prevent reuse of the last 24 passwords (no reuse check here)`,
    ]);
    expect((await run(["validate", "--strict", file])).code).toBe(1);
  });

  it("prints one line per problem with file, line, object, field and message", async () => {
    const { out } = await run(["validate", "test/fixtures/invalid/password-length-too-short.yaml"]);
    expect(out).toEqual([
      "test/fixtures/invalid/password-length-too-short.yaml:9: PasswordPolicy/too-short: spec.minimumPasswordLength: Too small: expected number to be >=6",
    ]);
  });
});

describe("orgguard validate on a GitOps folder", () => {
  const files: Record<string, string> = {
    "kustomization.yaml":
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [policies.yaml]\n",
    "policies.yaml": [
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: settings}",
      "---",
      "apiVersion: orgguard.io/v1alpha1",
      "kind: PasswordPolicy",
      "metadata:",
      "  name: typo",
      "spec:",
      '  accountId: "111111111111"',
      "  minimumPasswordLenght: 16",
      "",
    ].join("\n"),
    "empty.yaml": "# nothing yet\n",
  };
  async function folder(names: string[]): Promise<string> {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-gitops-"));
    for (const n of names) await writeFile(path.join(dir, n), files[n]!);
    return dir;
  }

  const cases = [
    {
      reason: "other kinds are skipped with one note each; the typo is at its own line, with a suggestion",
      names: ["kustomization.yaml", "policies.yaml"],
      args: [],
      code: 1,
      out: [
        "kustomization.yaml:1: note: skipping kustomize.config.k8s.io/v1beta1/Kustomization: not an orgguard kind",
        "policies.yaml:1: note: skipping v1/ConfigMap settings: not an orgguard kind",
        "policies.yaml:11: PasswordPolicy/typo: spec.minimumPasswordLenght: unknown field (did you mean minimumPasswordLength?)",
      ],
    },
    {
      reason: "--strict-kinds makes other kinds errors",
      names: ["kustomization.yaml"],
      args: ["--strict-kinds"],
      code: 1,
      out: [
        "kustomization.yaml:1: kustomize.config.k8s.io/v1beta1/Kustomization: not an orgguard kind (--strict-kinds)",
        "<dir>: <none>: no orgguard manifest found (pass --allow-empty if that is expected)",
      ],
    },
    {
      reason: "no orgguard manifest at all is an error: a CI step that checks nothing must not pass",
      names: ["empty.yaml", "kustomization.yaml"],
      args: [],
      code: 1,
      out: [
        "kustomization.yaml:1: note: skipping kustomize.config.k8s.io/v1beta1/Kustomization: not an orgguard kind",
        "<dir>:1: <none>: no orgguard manifest found (pass --allow-empty if that is expected)",
      ],
    },
    {
      reason: "--allow-empty says that is expected",
      names: ["empty.yaml"],
      args: ["--allow-empty"],
      code: 0,
      out: [],
    },
  ];
  it.each(cases)("$reason", async ({ names, args, code, out }) => {
    const dir = await folder(names);
    const result = await run(["validate", ...args, dir]);
    expect(result.code).toBe(code);
    const lines = result.out.map((l) => l.replaceAll(`${dir}/`, "").replace(dir, "<dir>"));
    expect(lines).toEqual(out.map((l) => l.replace(/^<dir>: /, "<dir>:1: ")));
  });
});

describe("orgguard validate --output json", () => {
  /** The fenced block between a doc's markers. */
  const block = (doc: string, marker: string) =>
    new RegExp(
      `<!-- ${marker}:start[^>]*-->\\n\`\`\`\\w+\\n([\\s\\S]*?)\`\`\`\\n<!-- ${marker}:end -->`,
    ).exec(doc)?.[1];

  it("prints what docs/validate-json.md shows for its example, and fails as the text output does", async () => {
    const doc = await readFile("docs/validate-json.md", "utf8");
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-validate-json-"));
    await mkdir(path.join(dir, "manifests"));
    await writeFile(path.join(dir, "manifests", "accounts.yaml"), block(doc, "validate-json-input")!);
    const result = await run(["validate", "--output", "json", path.join(dir, "manifests")]);
    expect(result.code).toBe(1);
    const printed = result.out.join("\n").replaceAll(`${dir}/`, "");
    expect(JSON.parse(printed)).toEqual(JSON.parse(block(doc, "validate-json-output")!));
  });

  const cases = [
    {
      reason: "every example is valid: nothing to report, valid true",
      args: ["examples"],
      code: 0,
      valid: true,
      severities: [],
    },
    {
      reason: "the invalid corpus: one error per fixture at least, each located",
      args: ["test/fixtures/invalid"],
      code: 1,
      valid: false,
      severities: ["error"],
    },
  ];
  it.each(cases)("$reason", async ({ args, code, valid, severities }) => {
    const result = await run(["validate", "-o", "json", ...args]);
    expect(result.code).toBe(code);
    const output = validateOutput.parse(JSON.parse(result.out.join("\n")));
    expect(output.valid).toBe(valid);
    expect([...new Set(output.problems.map((p) => p.severity))]).toEqual(severities);
    expect(output.summary.errors + output.summary.warnings).toBe(output.problems.length);
    for (const p of output.problems) expect(p.file.length > 0 && p.line >= 1, JSON.stringify(p)).toBe(true);
  });

  it("says which warning fails --strict, in the same JSON", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-validate-json-"));
    const file = path.join(dir, "weak.yaml");
    await writeFile(
      file,
      "apiVersion: orgguard.io/v1alpha1\nkind: PasswordPolicy\nmetadata:\n  name: weak\nspec:\n  minimumPasswordLength: 14\n",
    );
    for (const [args, code] of [
      [[], 0],
      [["--strict"], 1],
    ] as const) {
      const result = await run(["validate", "-o", "json", ...args, file]);
      expect(result.code).toBe(code);
      const output = validateOutput.parse(JSON.parse(result.out.join("\n")));
      expect(output.valid).toBe(code === 0);
      expect(output.problems).toEqual([
        {
          severity: "warning",
          file,
          line: 5,
          object: "PasswordPolicy/weak",
          field: "spec.passwordReusePrevention",
          message: "CIS asks to prevent reuse of the last 24 passwords (no reuse check here)",
        },
      ]);
    }
  });

  it("refuses an output it does not know", async () => {
    const result = await run(["validate", "--output", "yaml", "examples"]);
    expect(result.code).toBe(1);
    expect(result.err.join("\n")).toContain("--output must be text or json, not 'yaml'");
  });
});
