/**
 * What `orgguard validate` answers to hostile or mistaken input: each bad file gives one line
 * naming the file and the line, the files beside it are still checked, and nothing echoes the
 * input back. Time and memory are measured by bench/validate-inputs.ts, not here.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { MAX_MANIFEST_FILE_BYTES } from "../../src/cli/manifests.js";
import { hostileInputs } from "../support/hostile-inputs.js";

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  const code = await main(argv);
  return { code, out, err };
}

afterEach(() => vi.restoreAllMocks());

/** A folder with `name` holding `content`, beside a valid manifest and one with a known problem. */
async function folderWith(name: string, content: string | Buffer): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-inputs-"));
  await writeFile(path.join(dir, name), content);
  await writeFile(
    path.join(dir, "good.yaml"),
    'apiVersion: orgguard.io/v1alpha1\nkind: PublicAccessBlock\nmetadata:\n  name: good\nspec:\n  accountId: "111111111111"\n',
  );
  await writeFile(
    path.join(dir, "typo.yaml"),
    'apiVersion: orgguard.io/v1alpha1\nkind: PasswordPolicy\nmetadata:\n  name: typo\nspec:\n  accountId: "111111111111"\n  minimumPasswordLenght: 16\n',
  );
  return dir;
}

describe("orgguard validate on hostile input", () => {
  it.each(hostileInputs().map((c) => [c.reason, c] as const))("%s", async (_, input) => {
    const dir = await folderWith(input.file, input.content);
    const { code, out, err } = await run(["validate", dir]);
    const lines = out.map((l) => l.replaceAll(`${dir}/`, ""));
    const about = lines.filter((l) => l.startsWith(`${input.file}:`));
    expect(code).toBe(1);
    // One line for the file, at the line that says what is wrong, and no echo of its content.
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(new RegExp(`^${input.file.replace(".", "\\.")}:${input.line}: `));
    expect(about[0]).toContain(input.says);
    expect(about[0]!.length).toBeLessThan(600);
    // The other files were checked: the typo beside it is still reported, the good file is not.
    expect(lines).toContain(
      "typo.yaml:7: PasswordPolicy/typo: spec.minimumPasswordLenght: unknown field (did you mean minimumPasswordLength?)",
    );
    expect(lines.filter((l) => l.startsWith("good.yaml"))).toEqual([]);
    expect(err.at(-1)).toMatch(/checked \d+ object\(s\) in 3 file\(s\)/);
  });

  it("skips, with a note, a file over the limit that names no orgguard kind (a vendored CRD bundle)", async () => {
    const bundle = `# another tool's CRDs\n${"x: y\n".repeat(MAX_MANIFEST_FILE_BYTES / 4)}`;
    const dir = await folderWith("vendor-crds.yaml", bundle);
    const { out } = await run(["validate", dir]);
    const lines = out.map((l) => l.replaceAll(`${dir}/`, ""));
    expect(lines.filter((l) => l.startsWith("vendor-crds.yaml"))).toEqual([
      "vendor-crds.yaml:1: note: skipping the file: 1.3 MB, more than orgguard reads manifest files of at most 1 MiB, and names no orgguard kind",
    ]);
  });
});

describe("orgguard validate's answers to plausible mistakes", () => {
  const manifest = (spec: string, kind = "PublicAccessBlock", name = "m") =>
    `apiVersion: orgguard.io/v1alpha1\nkind: ${kind}\nmetadata:\n  name: ${name}\nspec:\n${spec}`;
  const cases = [
    {
      reason: "an unquoted account id: say to quote it",
      text: manifest("  accountId: 123456789012\n"),
      lines: [
        'm.yaml:6: PublicAccessBlock/m: spec.accountId: Invalid input: expected string, received number: write "123456789012" in quotes; unquoted, YAML reads a number',
      ],
    },
    {
      reason: "an unquoted account id with a leading zero: quote it as written, or the zero is lost",
      text: manifest("  accountId: 012345678901\n"),
      lines: [
        'm.yaml:6: PublicAccessBlock/m: spec.accountId: Invalid input: expected string, received number: write "012345678901" in quotes, keeping its leading zero; unquoted, YAML reads a number',
      ],
    },
    {
      reason:
        "a YAML syntax error is reported where the parser stopped (the line after an unclosed list), not at line 1",
      text: manifest('  accountId: "111111111111"\n  blockPublicAcls: [true\n'),
      lines: [
        "m.yaml:8: <unparsable>: cannot parse YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 8, column 1",
      ],
    },
    {
      reason: "yes means true to kubectl (YAML 1.1) and a string to YAML 1.2 tools: say to write true",
      text: manifest('  accountId: "111111111111"\n  blockPublicAcls: yes\n'),
      lines: [
        'm.yaml:7: PublicAccessBlock/m: spec.blockPublicAcls: this value is written "yes", which YAML 1.1 (kubectl, the kube-apiserver) reads as true and YAML 1.2 as the string "yes": write true or "yes" in quotes',
      ],
    },
    {
      reason: "a leading zero makes an octal number to kubectl: 024 is 20 there, 24 here",
      text: manifest('  accountId: "111111111111"\n  passwordReusePrevention: 024\n', "PasswordPolicy"),
      lines: [
        'm.yaml:7: PasswordPolicy/m: spec.passwordReusePrevention: this value is written "024", which YAML 1.1 (kubectl, the kube-apiserver) reads as 20 and YAML 1.2 as another value: write 20 or "024" in quotes',
      ],
    },
    {
      reason:
        "an underscore anywhere in a number: the Go library drops it (-.0_ is -0 to kubectl), YAML 1.2 keeps a string",
      text: manifest("  exceptions:\n    - userName: -.0_\n      reason: appliance\n", "IamCredentials"),
      lines: [
        'm.yaml:7: IamCredentials/m: spec.exceptions[0].userName: this value is written "-.0_", which YAML 1.1 (kubectl, the kube-apiserver) reads as 0 and YAML 1.2 as another value: write 0 or "-.0_" in quotes',
      ],
    },
    {
      reason: "two objects of one kind and name: an error at the second name (apply would overwrite one)",
      text: `${manifest('  accountId: "111111111111"\n', "PublicAccessBlock", "same")}---\n${manifest('  accountId: "222222222222"\n', "PublicAccessBlock", "same")}`,
      lines: [
        "m.yaml:11: PublicAccessBlock/same: metadata.name: PublicAccessBlock/same is also defined at m.yaml:1: one object per kind and name (applying both would overwrite one with the other)",
      ],
    },
    {
      reason:
        "two OUs of one path: AWS refuses a second OU of one name under one parent; an error at the second path",
      text: `${manifest("  path: Root/Workloads\n", "OrganizationalUnit", "workloads")}---\n${manifest("  path: Root/Workloads\n", "OrganizationalUnit", "workloads-again")}`,
      lines: [
        "m.yaml:13: OrganizationalUnit/workloads-again: spec.path: OU Root/Workloads is also kept by OrganizationalUnit/workloads (m.yaml:1): one object each (the controller would keep the earlier and report Conflict on this one)",
      ],
    },
    {
      reason: "two Accounts of one email (in any case): one account, kept by one object",
      text: `${manifest("  name: Alice\n  email: alice@example.com\n  ouPath: Root/Sandbox\n", "Account", "alice")}---\n${manifest("  name: Alice 2\n  email: Alice@Example.com\n  ouPath: Root/Sandbox\n", "Account", "alice-2")}`,
      lines: [
        "m.yaml:16: Account/alice-2: spec.email: account email alice@example.com is also kept by Account/alice (m.yaml:1): one object each (the controller would keep the earlier and report Conflict on this one)",
      ],
    },
    {
      reason: "two Organization objects: there is one organization",
      text: `${manifest("  policyTypes: [scp]\n", "Organization", "organization")}---\n${manifest("  policyTypes: [tag]\n", "Organization", "organization-2")}`,
      lines: [
        "m.yaml:11: Organization/organization-2: metadata.name: organization is also kept by Organization/organization (m.yaml:1): one object each (the controller would keep the earlier and report Conflict on this one)",
      ],
    },
    {
      reason: "the same name in two kinds is no conflict",
      text: `${manifest('  accountId: "111111111111"\n', "PublicAccessBlock", "same")}---\n${manifest('  accountId: "111111111111"\n', "PasswordPolicy", "same")}`,
      lines: [],
    },
  ];
  it.each(cases)("$reason", async ({ text, lines }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-mistakes-"));
    await writeFile(path.join(dir, "m.yaml"), text);
    const { code, out } = await run(["validate", dir]);
    expect(out.map((l) => l.replaceAll(`${dir}/`, "")).filter((l) => !l.includes("warning:"))).toEqual(lines);
    expect(code).toBe(lines.length > 0 ? 1 : 0);
  });
});

/**
 * What the agreement test (test/integration/validate-admission-agreement.test.ts) found validate
 * judging otherwise than the kube-apiserver, now judged alike: each case as the apiserver rules.
 */
describe("orgguard validate judges as admission does", () => {
  const scp = (spec: string, name = "m", metadata = "") =>
    `apiVersion: orgguard.io/v1alpha1\nkind: ServiceControlPolicy\nmetadata:\n  name: ${name}\n${metadata}spec:\n  document: { Version: "2012-10-17", Statement: { Effect: Deny, Action: "*", Resource: "*" } }\n${spec}`;
  const cases = [
    {
      reason: "metadata holds ObjectMeta's fields only (strict field validation refuses others)",
      text: scp("", "m", "  namespce: default\n"),
      lines: ["m.yaml:5: ServiceControlPolicy/m: metadata.namespce: unknown field (did you mean namespace?)"],
    },
    {
      reason: "kubectl drops the _ of 7_. and reads the float 7; YAML 1.2 reads a string",
      text: scp("  policyName: 7_.\n"),
      lines: [
        'm.yaml:7: ServiceControlPolicy/m: spec.policyName: this value is written "7_.", which YAML 1.1 (kubectl, the kube-apiserver) reads as 7 and YAML 1.2 as another value: write 7 or "7_." in quotes',
      ],
    },
    {
      reason:
        "kubectl drops the _ of 0_Xd and reads hex 0Xd, 13 (found by the agreement test); YAML 1.2 reads a string",
      text: scp("  policyName: 0_Xd\n"),
      lines: [
        'm.yaml:7: ServiceControlPolicy/m: spec.policyName: this value is written "0_Xd", which YAML 1.1 (kubectl, the kube-apiserver) reads as 13 and YAML 1.2 as another value: write 13 or "0_Xd" in quotes',
      ],
    },
    {
      reason: "a sign before 0x: -31 to kubectl (Go reads a signed base prefix), a string to YAML 1.2",
      text: scp("  policyName: -0x1f\n"),
      lines: [
        'm.yaml:7: ServiceControlPolicy/m: spec.policyName: this value is written "-0x1f", which YAML 1.1 (kubectl, the kube-apiserver) reads as -31 and YAML 1.2 as another value: write -31 or "-0x1f" in quotes',
      ],
    },
    {
      reason: "an uppercase prefix (0O7, 0B1, 0XA): a number to kubectl, a string to YAML 1.2",
      text: scp("  policyName: 0B101\n"),
      lines: [
        'm.yaml:7: ServiceControlPolicy/m: spec.policyName: this value is written "0B101", which YAML 1.1 (kubectl, the kube-apiserver) reads as 5 and YAML 1.2 as another value: write 5 or "0B101" in quotes',
      ],
    },
    {
      reason: "annotations are strings",
      text: scp("", "m", "  annotations:\n    orgguard.io/adopt: true\n"),
      lines: [
        "m.yaml:6: ServiceControlPolicy/m: metadata.annotations.orgguard.io/adopt: annotations are strings: quote true",
      ],
    },
    {
      reason: "a null field means its default, as the apiserver prunes it",
      text: scp("  description: null\n  managementPolicy: ~\n  targets: null\n"),
      lines: [],
    },
    {
      reason: "a null item of a list is refused, as the apiserver refuses it",
      text: scp("  targets: [null]\n"),
      lines: [
        "m.yaml:7: ServiceControlPolicy/m: spec.targets[0]: Invalid input: expected object, received null",
      ],
    },
    {
      reason: "policyName defaults to metadata.name: a name over AWS's 128 characters needs policyName",
      text: scp("", "a".repeat(129)),
      lines: [
        `m.yaml:5: ServiceControlPolicy/${"a".repeat(129)}: spec.policyName: set policyName: metadata.name is longer than AWS's 128 characters`,
      ],
    },
    {
      reason: "a tag key over 128 characters (the CRD checks map keys too)",
      text: scp(`  tags: { ${"k".repeat(129)}: v }\n`),
      lines: [
        `m.yaml:7: ServiceControlPolicy/m: spec.tags.${"k".repeat(129)}: invalid key: Too big: expected string to have <=128 characters`,
      ],
    },
    {
      reason: "an escape that is no Unicode character (a lone surrogate)",
      text: scp('  description: "\\ud800"\n'),
      lines: [
        "m.yaml:7: ServiceControlPolicy/m: spec.description: holds an escape that is no Unicode character (a lone surrogate such as \\ud800): the kube-apiserver refuses it",
      ],
    },
    {
      reason: "a tab where a block scalar's indentation is",
      text: scp("  description: |\n    \tindented with a tab\n"),
      lines: [
        "m.yaml:7: ServiceControlPolicy/m: spec.description: a line of this block scalar (| or >) has a tab where its indentation is: the YAML parser of kubectl and the kube-apiserver refuses it; quote the value instead",
      ],
    },
    {
      reason: "a raw line separator (U+2028), a line break to YAML 1.1",
      text: scp("  description: a\u2028b\n"),
      lines: [
        "m.yaml:7: ServiceControlPolicy/m: spec.description: holds a raw U+2028, which YAML 1.1 (kubectl, the kube-apiserver) reads as a line break and YAML 1.2 as a character: write it as an escape in double quotes",
      ],
    },
  ];
  it.each(cases)("$reason", async ({ text, lines }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-admission-"));
    await writeFile(path.join(dir, "m.yaml"), text);
    const { out } = await run(["validate", dir]);
    expect(out.map((l) => l.replaceAll(`${dir}/`, "")).filter((l) => !l.includes("warning:"))).toEqual(lines);
  });

  it("refuses a key a merge key (<<) sets a second time, as the apiserver's strict decoding does", async () => {
    const text = [
      "apiVersion: orgguard.io/v1alpha1",
      "kind: AccountBaseline",
      "metadata:",
      "  name: m",
      "spec:",
      "  accounts: { all: true }",
      "  passwordPolicy: &strict { managementPolicy: Enforce }",
      "  defaultSecurityGroups:",
      "    managementPolicy: ObserveOnly",
      "    <<: *strict",
      "",
    ].join("\n");
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-merge-"));
    await writeFile(path.join(dir, "m.yaml"), text);
    const { out } = await run(["validate", dir]);
    expect(out.map((l) => l.replaceAll(`${dir}/`, "")).filter((l) => !l.includes("warning:"))).toEqual([
      'm.yaml:9: AccountBaseline/m: spec.defaultSecurityGroups: "managementPolicy" set both here and by a merge key (<<): the kube-apiserver\'s strict decoding refuses a key set twice',
    ]);
  });
});
