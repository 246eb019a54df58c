/**
 * `orgguard plan` and `apply` of every example against moto's sample organization, without a
 * cluster: plan on an empty organization shows the creates, apply makes them, plan then shows
 * nothing, and after a console change exactly that drift; plan makes no write call (counted by
 * operation) and its client refuses writes. The examples never contend for one setting.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { IAMClient, UpdateAccountPasswordPolicyCommand } from "@aws-sdk/client-iam";
import {
  DetachPolicyCommand,
  ListPoliciesCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import fastJsonPatch, { type Operation } from "fast-json-patch";
import { beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { loadManifests } from "../../src/cli/manifests.js";
import { reconcileObjects } from "../../src/cli/plan.js";
import { loadConfig } from "../../src/config.js";
import { READ_OPERATIONS } from "../../src/kinds/index.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  EMULATOR_DEFAULT_REGIONS,
  MANAGEMENT_CREDENTIALS,
  MANAGEMENT_ENV,
  memberCredentials,
  resetMoto,
  SAMPLE_ORGANIZATION,
  type TestOrganization,
} from "../support/aws.js";
import { FaultProxy } from "../support/fault-proxy.js";

/** Every example: they are written to be applied together to the sample organization. */
const MANIFESTS = ["examples"];
let tree: TestOrganization;

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/orgguard.js", ...args],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: awsEndpoint(),
          AWS_REGION: "us-east-1",
          ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS,
          ...MANAGEMENT_ENV,
          ...env,
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
    readOnly: READ_OPERATIONS,
    observeCall: (service, operation) =>
      calls.set(`${service}/${operation}`, (calls.get(`${service}/${operation}`) ?? 0) + 1),
  });
  const objects = (await loadManifests(MANIFESTS)).map((d) => d.object as ManagedObject);
  const entries = await reconcileObjects(
    objects,
    aws,
    loadConfig([], { ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS }),
    false,
  );
  return { entries, calls };
}

/** The ObserveOnly objects and baseline settings that differ from AWS, and stay so. */
const DRIFT_IGNORED = [
  "PublicAccessBlock/security-account",
  "EbsEncryptionByDefault/security-account",
  "DefaultSecurityGroups/own-account",
  "NoDefaultVpc/own-account",
  "AccountBaseline/cis-baseline",
  // The sandbox and seeds baselines observe the default security groups and the default VPCs.
  "AccountBaseline/sandbox-baseline",
  "AccountBaseline/sandbox-baseline",
  "AccountBaseline/seeds-baseline",
  "AccountBaseline/seeds-baseline",
];

beforeAll(async () => {
  await resetMoto(awsEndpoint());
  tree = await createOrganization(SAMPLE_ORGANIZATION);
});

describe("orgguard plan and apply", () => {
  it("plans the creates on an empty organization, with no write call", async () => {
    const { entries, calls } = await countedPlan();
    expect(entries.filter((e) => e.action === "error")).toEqual([]);
    expect(entries.filter((e) => e.action === "conflict")).toEqual([]);
    // 12 SCPs and the RCP, tag policy and AI services opt-out of examples/organization-policies; standalone: a password policy, alternate contacts and AWS Config in the management
    // and in the security account, a public access block and EBS encryption in the management
    // account (the security account's are ObserveOnly), IMDS defaults and snapshot and AMI block
    // public access in both; of the four baselines, one member account each, every setting but
    // the default security groups and the default VPCs (ObserveOnly): 5 + 1 + 8 + 8; the
    // organization's structure: 2 OUs (Root/Sandbox/Labs and Experiments) and 4 accounts; the
    // organization trail. Besides: the two IncidentRoles examples (their roles do not exist yet).
    expect(entries.filter((e) => e.action === "create")).toHaveLength(12 + 3 + 14 + 22 + 2 + 4 + 1 + 2);
    // The organization exists (it is never created): trusted access and delegated administrators
    // to add are an update. The seeds' layout adopts the sample organization's five OUs (it tags
    // them as orgguard's): updates, after the organization, parents before children. moto's
    // default groups allow all traffic out and every region has a default VPC: the security
    // account's (Enforce) are updates. GuardDuty is never created either: its administrator
    // (Security Tooling, which the seeds' layout creates) is designated once it exists.
    expect(entries.filter((e) => e.action === "update").map((e) => e.object)).toEqual([
      "Organization/organization",
      "OrganizationalUnit/security",
      "OrganizationalUnit/workloads",
      "OrganizationalUnit/sandbox",
      "OrganizationalUnit/workloads-prod",
      "OrganizationalUnit/workloads-dev",
      "GuardDutyOrganization/guardduty",
      "DefaultSecurityGroups/security-account",
      "NoDefaultVpc/security-account",
    ]);
    // The sample organization has every policy type on already; audit-1 is resolved by name.
    const audit = tree.accountIds.get("audit-1")!;
    expect(entries.find((e) => e.object === "Organization/organization")?.changes).toEqual([
      ...[
        "cloudtrail.amazonaws.com",
        "guardduty.amazonaws.com",
        "securityhub.amazonaws.com",
        "config.amazonaws.com",
        "config-multiaccountsetup.amazonaws.com",
        "account.amazonaws.com",
        "sso.amazonaws.com",
      ].map((p) => ({
        path: `trustedAccess[${p}]`,
        from: "disabled",
        to: "enabled",
        description: "+ enable trusted access",
      })),
      // GuardDuty's administrator is not here: the GuardDutyOrganization designates it.
      {
        path: `delegatedAdministrators[config-multiaccountsetup.amazonaws.com/${audit}]`,
        to: "registered",
        description: `+ register ${audit} (audit-1) as delegated administrator`,
      },
    ]);
    expect(entries.find((e) => e.object === "GuardDutyOrganization/guardduty")?.changes).toEqual([
      {
        path: "administrator",
        from: "none",
        to: "Security Tooling",
        description:
          "once the account exists, designate Security Tooling as GuardDuty's delegated administrator in every region enabled in it, enable GuardDuty there, auto-enable it for every member account, existing and new and enrol the existing accounts",
      },
    ]);
    // The trail: created once trusted access for CloudTrail is on (the Organization enables it first).
    expect(
      entries.find((e) => e.object === "OrganizationTrail/organization-trail")?.changes?.[0]?.description,
    ).toBe(
      "create organization trail organization-trail in us-east-1: every account, every region, log file validation, logging to s3://example-org-cloudtrail-logs/cloudtrail/ (trusted access for cloudtrail.amazonaws.com is off; Organization/organization lists it under spec.trustedAccess: waiting for it to be enabled)",
    );
    expect(entries.filter((e) => e.action === "drift-ignored").map((e) => e.object)).toEqual(DRIFT_IGNORED);
    // A regional setting plans each region (moto has no ListRegions: --default-regions).
    expect(entries.find((e) => e.object === "EbsEncryptionByDefault/own-account")?.changes).toEqual([
      { path: "regions[us-east-1].enabled", from: false, to: true },
      { path: "regions[eu-west-1].enabled", from: false, to: true },
    ]);
    const writes = [...calls.keys()].filter((op) => !READ_OPERATIONS.has(op.replace("/", ":")));
    expect(writes).toEqual([]);
    expect(calls.get("organizations/ListRoots")).toBeGreaterThan(0);

    const text = await cli(["plan", ...MANIFESTS]);
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain("+ ServiceControlPolicy/deny-leave-organization: create");
    // The two IamCredentials examples find no IAM user (their first read above asked IAM for the
    // credential report, which moto then has), and the IdentityCenterSessionLength example names
    // no permission set: unchanged.
    expect(text.stdout).toContain("Plan: 59 to create, 8 to update, 3 unchanged, 9 drifted");
    // Each default VPC, and what Enforce does with it.
    expect(text.stdout).toMatch(
      /regions\[us-east-1\]\.defaultVpc\[vpc-[0-9a-f]+\]: delete the default VPC vpc-[0-9a-f]+ \(172\.31\.0\.0\/16\) with its 6 subnet\(s\) and its default security group/,
    );
    expect(text.stdout).toContain(
      `delegatedAdministrators[config-multiaccountsetup.amazonaws.com/${audit}]: + register`,
    );
    // What Enforce would revoke, by rule; and contacts without a single detail of theirs.
    expect(text.stdout).toMatch(
      /groups\[sg-[0-9a-f]+\]\.rules: revoke 1 rule\(s\) of the default group of vpc-/,
    );
    expect(text.stdout).toContain("security: set the SECURITY contact");
    expect(text.stdout).not.toMatch(/@example\.com|555 01/);
    const markdown = await cli(["plan", "--output", "markdown", ...MANIFESTS]);
    expect(markdown.stdout).toMatch(/^### orgguard plan/);
    expect(markdown.stdout).toContain("| + create | `AccountBaseline/cis-baseline` (PasswordPolicy of");
  });

  it("applies them; a plan afterwards shows no changes and exits 0", { timeout: 240_000 }, async () => {
    const applied = await cli(["apply", "--output", "json", ...MANIFESTS]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    // Baselines are expanded after the accounts the run creates: the sandbox baseline (Root/Sandbox)
    // gets the two new sandbox accounts (8 enforced settings each; their default security groups
    // and VPCs observed: 4 more drifted), the minimal one (Root/Security) the log archive and
    // security tooling accounts (1 each): 56 + 16 + 2 created. One apply leaves nothing to do.
    expect(JSON.parse(applied.stdout).summary).toContain("Applied: 77 created, 8 updated");
    const again = await cli(["plan", ...MANIFESTS]);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain("Plan: 0 to create, 0 to update, 88 unchanged, 13 drifted");
    // What deleting an object would destroy is said on every plan, changes or not.
    expect(again.stdout).toContain("! destructive: deleting sandbox-bob CLOSES account Sandbox Bob");
    // Every entry's patch turns what AWS has into what the manifests want.
    const json = JSON.parse((await cli(["plan", "--output", "json", ...MANIFESTS])).stdout) as {
      entries: Array<{ actual: object; desired: object; patch: Operation[] }>;
    };
    for (const e of json.entries)
      expect(fastJsonPatch.applyPatch(structuredClone(e.actual), e.patch, true, false).newDocument).toEqual(
        e.desired,
      );
    expect(json.entries.filter((e) => e.patch.length > 0).length).toBe(13);
  });

  it("after console changes shows exactly that drift, still without writing", async () => {
    const dev = tree.accountIds.get("dev-1")!;
    await new IAMClient(awsClientConfig(await memberCredentials(dev))).send(
      new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8 }),
    );
    const org = new OrganizationsClient(awsClientConfig());
    const denyLeave = (
      await org.send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }))
    ).Policies!.find((p) => p.Name === "deny-leave-organization")!;
    await org.send(new DetachPolicyCommand({ PolicyId: denyLeave.Id!, TargetId: tree.rootId }));

    const { entries, calls } = await countedPlan();
    // The ObserveOnly settings are never written: they stay drift (the sandbox baseline's now in
    // three accounts: the sample's and the two the apply created).
    expect(
      entries.filter((e) => !["unchanged", "create", "update"].includes(e.action)).map((e) => e.object),
    ).toEqual([
      ...DRIFT_IGNORED.slice(0, 5),
      ...Array.from({ length: 6 }, () => "AccountBaseline/sandbox-baseline"),
      ...DRIFT_IGNORED.slice(7),
    ]);
    const changed = entries.filter((e) => e.action === "create" || e.action === "update");
    expect(changed.map((e) => `${e.object}${e.via ? ` ${e.via}` : ""}`).sort()).toEqual(
      [
        `AccountBaseline/cis-baseline PasswordPolicy of ${dev}`,
        "ServiceControlPolicy/deny-leave-organization",
      ].sort(),
    );
    expect(changed.find((e) => e.object.startsWith("ServiceControlPolicy"))?.changes).toEqual([
      { path: `targets[${tree.rootId}]`, to: "attached", description: `+ root (${tree.rootId})` },
    ]);
    expect(changed.find((e) => e.object.startsWith("AccountBaseline"))?.changes.map((c) => c.path)).toContain(
      "minimumPasswordLength",
    );
    expect([...calls.keys()].filter((op) => !READ_OPERATIONS.has(op.replace("/", ":")))).toEqual([]);
    expect((await cli(["plan", ...MANIFESTS])).code).toBe(2);
  });

  it("selects a baseline's accounts with the schema's defaults (OU selectors are recursive)", async () => {
    const aws = new AwsClients({
      region: "us-east-1",
      endpoint: awsEndpoint(),
      roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
      maxAttempts: 1,
      credentials: MANAGEMENT_CREDENTIALS,
      readOnly: READ_OPERATIONS,
    });
    // Root/Workloads without saying recursive: both accounts are in OUs below it.
    const baseline: ManagedObject = {
      apiVersion: "orgguard.io/v1alpha1",
      kind: "AccountBaseline",
      metadata: { name: "workloads" },
      spec: {
        accounts: { organizationalUnits: [{ path: "Root/Workloads" }] },
        publicAccessBlock: {},
      } as ManagedObject["spec"],
    };
    const entries = await reconcileObjects(
      [baseline],
      aws,
      loadConfig([], { ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS }),
      false,
    );
    const accounts = entries.map((e) => e.via).sort();
    expect(accounts).toEqual(
      [
        `PublicAccessBlock of ${tree.accountIds.get("dev-1")}`,
        `PublicAccessBlock of ${tree.accountIds.get("prod-1")}`,
      ].sort(),
    );
  });

  it("applies the controller's conflict rule: a standalone object keeps an account a baseline also names", async () => {
    const aws = new AwsClients({
      region: "us-east-1",
      endpoint: awsEndpoint(),
      roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
      maxAttempts: 1,
      credentials: MANAGEMENT_CREDENTIALS,
      readOnly: READ_OPERATIONS,
    });
    const sandbox = tree.accountIds.get("sandbox-1")!;
    const objects: ManagedObject[] = [
      {
        apiVersion: "orgguard.io/v1alpha1",
        kind: "AccountBaseline",
        metadata: { name: "aaa-first-by-name" },
        spec: { accounts: { ids: [sandbox] }, passwordPolicy: {} } as ManagedObject["spec"],
      },
      {
        apiVersion: "orgguard.io/v1alpha1",
        kind: "PasswordPolicy",
        metadata: { name: "zzz-standalone" },
        spec: { accountId: sandbox } as ManagedObject["spec"],
      },
    ];
    const entries = await reconcileObjects(
      objects,
      aws,
      loadConfig([], { ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS }),
      false,
    );
    // The standalone object is planned as usual (what it plans depends on the earlier tests).
    expect(entries.map((e) => e.object)).toEqual([
      "PasswordPolicy/zzz-standalone",
      "AccountBaseline/aaa-first-by-name",
    ]);
    expect(entries[0]!.action).not.toMatch(/conflict|error/);
    expect(entries[1]!.action).toBe("conflict");
    // The controller's own words: plan runs the controller's steps.
    expect(entries[1]!.error).toBe(
      `PasswordPolicy/zzz-standalone manages the same account ${sandbox} and keeps it (an object written directly beats a baseline's, then the earlier claim): this object changes nothing while it does`,
    );
  });

  it("exits 1 on a conflict: the object that loses would never be applied", async () => {
    const sandbox = tree.accountIds.get("sandbox-1")!;
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-conflict-"));
    await writeFile(
      path.join(dir, "both.yaml"),
      [
        "apiVersion: orgguard.io/v1alpha1",
        "kind: AccountBaseline",
        "metadata: { name: aaa-first-by-name }",
        `spec: { accounts: { ids: ["${sandbox}"] }, passwordPolicy: {} }`,
        "---",
        "apiVersion: orgguard.io/v1alpha1",
        "kind: PasswordPolicy",
        "metadata: { name: zzz-standalone }",
        `spec: { accountId: "${sandbox}" }`,
        "",
      ].join("\n"),
    );
    const { code, stdout } = await cli(["plan", dir]);
    expect(stdout).toMatch(/1 conflict\(s\), 0 error\(s\)\./);
    expect(code).toBe(1);
  });

  it("a baseline selecting an OU or account the organization does not have is an error, as an SCP's target is", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-selector-"));
    await writeFile(
      path.join(dir, "baseline.yaml"),
      [
        "apiVersion: orgguard.io/v1alpha1",
        "kind: AccountBaseline",
        "metadata: { name: nowhere }",
        'spec: { accounts: { organizationalUnits: [{ path: Root/Nope }], ids: ["999999999999"] }, publicAccessBlock: {} }',
        "",
      ].join("\n"),
    );
    const { code, stdout } = await cli(["plan", dir]);
    expect(stdout).toContain(
      "AccountBaseline/nowhere: error: selects what the organization does not have: Root/Nope, 999999999999 (no such OU, or no ACTIVE account of that id)",
    );
    expect(code).toBe(1);
  });

  it("says a credentials problem once, not once per object, and exits 1", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "orgguard-no-credentials-"));
    const { code, stdout, stderr } = await cli(["plan", "examples/scp-library"], {
      AWS_ACCESS_KEY_ID: "",
      AWS_SECRET_ACCESS_KEY: "",
      AWS_SESSION_TOKEN: "",
      HOME: home,
      AWS_EC2_METADATA_DISABLED: "true",
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toEqual([
      "orgguard plan: cannot use the AWS credentials (sts:GetCallerIdentity): Could not load credentials from any providers",
    ]);
  });

  it("plans on a long-term key with one warning (the controller would refuse it)", async () => {
    const { code, stderr } = await cli(["plan", "examples/scp-library"], { AWS_SESSION_TOKEN: "" });
    expect([0, 2]).toContain(code);
    expect(
      stderr
        .trim()
        .split("\n")
        .filter((l) => l.includes("long-term")),
    ).toEqual([
      "orgguard plan: warning: the AWS credentials are a long-term access key: they have no session token (a key, not a role's session); give orgguard a role's session instead: IRSA or EKS Pod Identity in a cluster, an instance profile, or AWS SSO / sts assume-role for plan and apply",
    ]);
  });

  it("apply takes over its own policy after a lost CreatePolicy answer, as the controller does", async () => {
    // The first CreatePolicy reaches moto (the policy is made) and its answer is lost (a 500);
    // the SDK's own retry then meets DuplicatePolicyException for orgguard's own policy.
    const proxy = await FaultProxy.start({ target: awsEndpoint(), seed: 1, rate: 0 });
    try {
      proxy.scriptedFor.set("organizations/CreatePolicy", ["lost-500"]);
      const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-lost-create-"));
      const file = path.join(dir, "scp.yaml");
      await writeFile(
        file,
        [
          "apiVersion: orgguard.io/v1alpha1",
          "kind: ServiceControlPolicy",
          "metadata: { name: lost-create-answer }",
          "spec:",
          "  targets: [{ ouPath: Root/Sandbox }]",
          "  document:",
          '    Version: "2012-10-17"',
          '    Statement: [{ Effect: Deny, Action: "account:CloseAccount", Resource: "*" }]',
        ].join("\n"),
      );
      const applied = await cli(["apply", file], { AWS_ENDPOINT_URL: proxy.endpoint });
      expect(applied.code, `${applied.stdout}\n${applied.stderr}`).toBe(0);
      expect(applied.stdout).toContain("ServiceControlPolicy/lost-create-answer: create");
      expect(proxy.injected.get("organizations lost-500")).toBe(1);
      const org = new OrganizationsClient(awsClientConfig());
      const named = (
        await org.send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }))
      ).Policies?.filter((p) => p.Name === "lost-create-answer");
      expect(named).toHaveLength(1);
      const targets = await org.send(new ListTargetsForPolicyCommand({ PolicyId: named![0]!.Id! }));
      expect(targets.Targets?.map((t) => t.TargetId)).toEqual([tree.ouIds.get("Root/Sandbox")]);
      const again = await cli(["plan", file]);
      expect(again.code, again.stdout).toBe(0);
    } finally {
      await proxy.stop();
    }
  });

  it("a read-only client refuses a write before sending it", async () => {
    const aws = new AwsClients({
      region: "us-east-1",
      endpoint: awsEndpoint(),
      roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
      maxAttempts: 1,
      credentials: MANAGEMENT_CREDENTIALS,
      readOnly: READ_OPERATIONS,
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
