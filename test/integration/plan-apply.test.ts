/**
 * `orgguard plan` and `apply` against moto, without a cluster: plan on an empty organization shows
 * the creates, apply makes them, plan then shows nothing, and after a console change exactly that
 * drift; plan makes no write call (counted by operation) and its client refuses writes.
 */
import { execFile } from "node:child_process";
import { IAMClient, UpdateAccountPasswordPolicyCommand } from "@aws-sdk/client-iam";
import { DetachPolicyCommand, ListPoliciesCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE, isReadOnlyOperation } from "../../src/aws/clients.js";
import { loadManifests } from "../../src/cli/manifests.js";
import { reconcileObjects } from "../../src/cli/plan.js";
import { loadConfig } from "../../src/config.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  memberCredentials,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";

const MANIFESTS = [
  "examples/scp-library",
  "examples/account-baseline/cis-baseline.yaml",
  "examples/password-policy/minimal.yaml",
];
let tree: TestOrganization;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/orgguard.js", ...args],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: awsEndpoint(),
          AWS_REGION: "us-east-1",
          AWS_ACCESS_KEY_ID: MANAGEMENT_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: MANAGEMENT_CREDENTIALS.secretAccessKey,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs plan in-process with every AWS call counted by operation. */
async function countedPlan() {
  const calls = new Map<string, number>();
  const aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    readOnly: true,
    observeCall: (service, operation) =>
      calls.set(`${service}/${operation}`, (calls.get(`${service}/${operation}`) ?? 0) + 1),
  });
  const objects = (await loadManifests(MANIFESTS)).map((d) => d.object as ManagedObject);
  const entries = await reconcileObjects(objects, aws, loadConfig([], {}), false);
  return { entries, calls };
}

beforeAll(async () => {
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [
      { name: "Workloads", accounts: ["dev-1"], ous: [{ name: "Prod", accounts: ["prod-1"] }] },
      { name: "Sandbox", accounts: ["sandbox-1"] },
    ],
  });
});

describe("orgguard plan and apply", () => {
  it("plans the creates on an empty organization, with no write call", async () => {
    const { entries, calls } = await countedPlan();
    expect(entries.filter((e) => e.action === "error")).toEqual([]);
    // 8 SCPs, the management account's policy, and 3 member accounts x 2 settings of the baseline.
    expect(entries.filter((e) => e.action === "create")).toHaveLength(8 + 1 + 6);
    const writes = [...calls.keys()].filter((op) => !isReadOnlyOperation(op.split("/")[1]!));
    expect(writes).toEqual([]);
    expect(calls.get("organizations/ListRoots")).toBeGreaterThan(0);

    const text = await cli(["plan", ...MANIFESTS]);
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain("+ ServiceControlPolicy/deny-leave-organization: create");
    expect(text.stdout).toContain("Plan: 15 to create, 0 to update, 0 unchanged");
    const markdown = await cli(["plan", "--output", "markdown", ...MANIFESTS]);
    expect(markdown.stdout).toMatch(/^### orgguard plan/);
    expect(markdown.stdout).toContain("| + create | `AccountBaseline/cis-baseline` (PasswordPolicy of");
  });

  it("applies them; a plan afterwards shows no changes and exits 0", async () => {
    const applied = await cli(["apply", "--output", "json", ...MANIFESTS]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout).summary).toContain("Applied: 15 created, 0 updated");
    const again = await cli(["plan", ...MANIFESTS]);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain("Plan: 0 to create, 0 to update, 15 unchanged");
  });

  it("after console changes shows exactly that drift, still without writing", async () => {
    const prod = tree.accountIds.get("prod-1")!;
    await new IAMClient(awsClientConfig(await memberCredentials(prod))).send(
      new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8 }),
    );
    const org = new OrganizationsClient(awsClientConfig());
    const denyLeave = (
      await org.send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }))
    ).Policies!.find((p) => p.Name === "deny-leave-organization")!;
    await org.send(new DetachPolicyCommand({ PolicyId: denyLeave.Id!, TargetId: tree.rootId }));

    const { entries, calls } = await countedPlan();
    const changed = entries.filter((e) => e.action !== "unchanged");
    expect(changed.map((e) => `${e.object}${e.via ? ` ${e.via}` : ""}`).sort()).toEqual(
      [
        `AccountBaseline/cis-baseline PasswordPolicy of ${prod}`,
        "ServiceControlPolicy/deny-leave-organization",
      ].sort(),
    );
    expect(changed.find((e) => e.object.startsWith("ServiceControlPolicy"))?.changes).toEqual([
      { path: `targets[${tree.rootId}]`, to: "attached" },
    ]);
    expect(changed.find((e) => e.object.startsWith("AccountBaseline"))?.changes.map((c) => c.path)).toContain(
      "minimumPasswordLength",
    );
    expect([...calls.keys()].filter((op) => !isReadOnlyOperation(op.split("/")[1]!))).toEqual([]);
    expect((await cli(["plan", ...MANIFESTS])).code).toBe(2);
  });

  it("selects a baseline's accounts with the schema's defaults (OU selectors are recursive)", async () => {
    const aws = new AwsClients({
      region: "us-east-1",
      endpoint: awsEndpoint(),
      roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
      maxAttempts: 1,
      credentials: MANAGEMENT_CREDENTIALS,
      readOnly: true,
    });
    // examples/account-baseline/minimal.yaml selects Root/Workloads without saying recursive.
    const objects = (await loadManifests(["examples/account-baseline/minimal.yaml"])).map(
      (d) => d.object as ManagedObject,
    );
    const entries = await reconcileObjects(objects, aws, loadConfig([], {}), false);
    const accounts = entries.map((e) => e.via).sort();
    expect(accounts).toEqual(
      [
        `PublicAccessBlock of ${tree.accountIds.get("dev-1")}`,
        `PublicAccessBlock of ${tree.accountIds.get("prod-1")}`,
      ].sort(),
    );
  });

  it("a read-only client refuses a write before sending it", async () => {
    const aws = new AwsClients({
      region: "us-east-1",
      endpoint: awsEndpoint(),
      roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
      maxAttempts: 1,
      credentials: MANAGEMENT_CREDENTIALS,
      readOnly: true,
    });
    const { CreatePolicyCommand } = await import("@aws-sdk/client-organizations");
    const attempt = aws.organizations().send(
      new CreatePolicyCommand({
        Name: "x",
        Description: "",
        Type: "SERVICE_CONTROL_POLICY",
        Content: "{}",
      }),
    );
    await expect(attempt).rejects.toThrow(/refusing organizations:CreatePolicy: this client is read-only/);
    const org = new OrganizationsClient(awsClientConfig());
    expect(
      (await org.send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }))).Policies?.some(
        (p) => p.Name === "x",
      ),
    ).toBe(false);
  });
});
