/**
 * Everything generated from the kinds (hack/artefacts.ts) is committed as generated, and says what
 * the kinds need: a kind whose IAM actions, RBAC, AWS operations or apply order are missing from
 * the artefacts fails here. `npm run generate` rewrites them.
 */
import { readdir, readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  clusterRoleRules,
  generatedFiles,
  IAM_FILES,
  type IamPolicyDocument,
  README_SECTIONS,
} from "../../hack/artefacts.js";
import {
  API_DEFINITIONS,
  applyOrder,
  KINDS,
  READ_OPERATIONS,
  WRITE_OPERATIONS,
} from "../../src/kinds/index.js";
import { iamActionOf } from "../../src/kinds/kind-definition.js";
import { filesUnder, operationsIn } from "../support/sdk-operations.js";

const files = generatedFiles();

describe("generated files", () => {
  it.each([...files.keys()].map((file) => [file]))(
    "%s is as generated (run `npm run generate`)",
    async (file) => {
      expect(await readFile(file, "utf8")).toBe(files.get(file));
    },
  );

  it("crds/ holds no CRD of a kind that no longer exists", async () => {
    const committed = (await readdir("crds")).map((f) => `crds/${f}`).sort();
    expect(committed).toEqual([...files.keys()].filter((f) => f.startsWith("crds/")).sort());
  });

  it.each(README_SECTIONS.map((s) => [s.start, s]))(
    "README.md's section %s is current",
    async (_, section) => {
      expect(await readFile("README.md", "utf8")).toContain(
        `${section.start}\n${section.content}\n${section.end}`,
      );
    },
  );
});

async function committedPolicy(account: keyof typeof IAM_FILES): Promise<Set<string>> {
  const doc = JSON.parse(await readFile(IAM_FILES[account], "utf8")) as IamPolicyDocument;
  return new Set(doc.Statement.flatMap((s) => s.Action));
}

describe.each(KINDS.map((k) => [k.api.kind, k] as const))("what %s needs", (_, kind) => {
  it("every AWS operation it declares is allowed in the controller's own account", async () => {
    const allowed = await committedPolicy("management");
    expect(kind.operations.map(iamActionOf).filter((a) => !allowed.has(a))).toEqual([]);
  });

  it("and, when it acts in member accounts, in the member role", async () => {
    const allowed = await committedPolicy("member");
    const needed = kind.iam.member.flatMap((s) => s.actions);
    expect(needed.filter((a) => !allowed.has(a))).toEqual([]);
    // A kind acting in members needs every one of its operations there, but those it declares as
    // made from the management account only (GuardDuty's designation).
    if (needed.length > 0)
      expect(
        kind.operations
          .filter((op) => !op.managementOnly)
          .map(iamActionOf)
          .filter((a) => !allowed.has(a)),
      ).toEqual([]);
  });

  it("the chart's ClusterRole lets the controller watch it, write its status and its finalizer", async () => {
    const template = await readFile("charts/orgguard/templates/clusterrole.yaml", "utf8");
    const rules =
      // Helm's comments go, its other actions become a plain value: the rest is the YAML Kubernetes gets.
      (
        parse(template.replace(/^\{\{-? \/\*.*\*\/ ?\}\}\n/, "").replace(/\{\{.*?\}\}/g, "x")) as {
          rules: Array<{ resources: string[]; verbs: string[] }>;
        }
      ).rules;
    const verbsOn = (resource: string) =>
      new Set(rules.filter((r) => r.resources.includes(resource)).flatMap((r) => r.verbs));
    expect([...verbsOn(kind.api.plural)]).toEqual(expect.arrayContaining(["get", "list", "watch", "patch"]));
    expect([...verbsOn(`${kind.api.plural}/status`)]).toEqual(expect.arrayContaining(["get", "update"]));
    expect([...verbsOn(`${kind.api.plural}/finalizers`)]).toContain("update");
    if (kind.runtime.type === "composite") {
      for (const child of kind.runtime.childKinds) {
        const plural = KINDS.find((k) => k.api.kind === child)!.api.plural;
        expect([...verbsOn(plural)], `${kind.api.kind} manages ${child}`).toEqual(
          expect.arrayContaining(["create", "update", "delete"]),
        );
      }
    }
  });

  it("has a CRD and a place in the apply order after every kind it stands for", () => {
    expect(files.has(`crds/${kind.api.plural}.orgguard.io.yaml`)).toBe(true);
    const children = kind.runtime.type === "composite" ? kind.runtime.childKinds : [];
    for (const child of children) expect(applyOrder(child)).toBeLessThan(applyOrder(kind.api.kind));
  });
});

describe("clusterRoleRules", () => {
  it("gives write verbs only on the kinds a composite owns", () => {
    const writable = clusterRoleRules(KINDS)
      .filter((r) => r.verbs.includes("create"))
      .flatMap((r) => r.resources);
    const owned = KINDS.flatMap((k) => (k.runtime.type === "composite" ? k.runtime.childKinds : [])).map(
      (child) => API_DEFINITIONS.find((d) => d.kind === child)!.plural,
    );
    expect(writable.sort()).toEqual([...new Set(owned)].sort());
  });
});

describe("the kinds' declared AWS operations", () => {
  it("cover every AWS call in src (plan's read-only guard and the IAM policies depend on it)", async () => {
    const used = new Map<string, string>();
    for (const file of filesUnder("src"))
      for (const op of operationsIn(await readFile(file, "utf8"))) used.set(op, file);
    expect(used.size).toBeGreaterThan(20);
    // The events queue's SQS calls are the controller's own (iam: EVENTS_QUEUE_IAM), not a kind's.
    const undeclared = [...used].filter(
      ([op]) => !op.startsWith("sqs:") && !READ_OPERATIONS.has(op) && !WRITE_OPERATIONS.has(op),
    );
    expect(undeclared.map(([op, file]) => `${op} (${file})`)).toEqual([]);
  });

  it("class each operation once, as a read or a write", () => {
    expect([...READ_OPERATIONS].filter((op) => WRITE_OPERATIONS.has(op))).toEqual([]);
  });
});
