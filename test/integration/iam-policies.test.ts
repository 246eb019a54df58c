/**
 * The documented IAM policies under moto's IAM enforcement: the controller runs as an IAM user
 * holding iam/management-account-policy.json and assumes a member role holding exactly
 * iam/member-account-policy.json. What moto does not evaluate (iam/README.md): ARNs in Resource
 * (every Organizations request is checked against "*", so those statements are widened to "*"
 * here, their actions unchanged), and identity-policy conditions (test/unit/iam-policies.test.ts
 * checks them); PublicAccessBlock stays out (moto uses other S3 action names than AWS). moto also
 * refuses to store a policy naming `arn:aws:iam::*:root`, the resource AWS documents for
 * sts:AssumeRoot (moto has no AssumeRoot): that statement is widened to "*" as well.
 */
import { readFile } from "node:fs/promises";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  IAMClient,
  PutRolePolicyCommand,
  PutUserPolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  memberCredentials,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { ControllerProcess } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import { installOrgguardCrds, orgguardClient, uniqueNames } from "../support/orgguard.js";

const USER = "orgguard-controller";
const kc = adminKubeConfig();
const scps = orgguardClient(kc, "ServiceControlPolicy");
const passwordPolicies = orgguardClient(kc, "PasswordPolicy");
/** The EC2 account attributes of issue 29, kept in a member account. */
const EC2_ATTRIBUTES = [
  "InstanceMetadataDefaults",
  "SnapshotBlockPublicAccess",
  "ImageBlockPublicAccess",
  "NoDefaultVpc",
];
const ec2Attributes = EC2_ATTRIBUTES.map((kind) => orgguardClient(kc, kind));
const uniqueName = uniqueNames();
let tree: TestOrganization;
let controller: ControllerProcess;

interface PolicyDocument {
  Version: string;
  Statement: Array<{ Action: string | string[]; Resource: string | string[]; [k: string]: unknown }>;
}

/** Switches moto's IAM enforcement on (every request from now) or off. */
async function enforceIam(on: boolean): Promise<void> {
  const res = await fetch(`${awsEndpoint()}/moto-api/reset-auth`, { method: "POST", body: on ? "0" : "inf" });
  if (!res.ok) throw new Error(`moto reset-auth: HTTP ${res.status}`);
}

/**
 * The documented management policy as moto can check it: Organizations statements with Resource
 * "*" (moto checks Organizations requests against "*" only), minus `without` actions.
 */
async function managementPolicyForMoto(without: string[] = []): Promise<string> {
  const doc = JSON.parse(await readFile("iam/management-account-policy.json", "utf8")) as PolicyDocument;
  const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
  doc.Statement = doc.Statement.map((s) => {
    const actions = list(s.Action).filter((a) => !without.includes(a));
    const organizations = actions.every((a) => a.startsWith("organizations:"));
    const rootSessions = list(s.Resource).includes("arn:aws:iam::*:root");
    return { ...s, Action: actions, ...(organizations || rootSessions ? { Resource: "*" } : {}) };
  }).filter((s) => list(s.Action).length > 0);
  return JSON.stringify(doc);
}

const object = (kind: string, name: string, spec: Record<string, unknown>): ManagedObject => ({
  apiVersion: API_GROUP_VERSION,
  kind,
  metadata: { name },
  spec: spec as ManagedObject["spec"],
});

async function waitForReady(client: typeof scps, name: string) {
  let last: ManagedObject | undefined;
  await waitUntil(
    async () => {
      last = await client.get(name);
      return findCondition(last?.status?.conditions, "Ready")?.status === "True";
    },
    30_000,
    () =>
      `${name} to be Ready with the documented policies (status: ${JSON.stringify(last?.status?.conditions)}; controller: ${controller.tail()})`,
  );
}

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({ ous: [{ name: "Workloads", accounts: ["dev-1"] }] });
  const iam = new IAMClient(awsClientConfig());
  const user = (await iam.send(new CreateUserCommand({ UserName: USER }))).User!;
  await iam.send(
    new PutUserPolicyCommand({
      UserName: USER,
      PolicyName: "orgguard",
      PolicyDocument: await managementPolicyForMoto(),
    }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: USER }))).AccessKey!;
  // The member role: exactly the documented member policy, trusting the controller's identity.
  const dev = tree.accountIds.get("dev-1")!;
  const memberIam = new IAMClient(awsClientConfig(await memberCredentials(dev)));
  await memberIam.send(
    new UpdateAssumeRolePolicyCommand({
      RoleName: "OrganizationAccountAccessRole",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: user.Arn }, Action: "sts:AssumeRole" }],
      }),
    }),
  );
  await memberIam.send(
    new PutRolePolicyCommand({
      RoleName: "OrganizationAccountAccessRole",
      PolicyName: "orgguard-member",
      PolicyDocument: await readFile("iam/member-account-policy.json", "utf8"),
    }),
  );
  await enforceIam(true);
  // moto enforces IAM for an IAM user's key (a long-term key, AKIA...), not for sessions: the one
  // place orgguard runs on a long-term key, allowed explicitly (and it warns, tested below).
  controller = new ControllerProcess(["--poll-interval=3s", "--allow-long-term-credentials"], {
    AWS_ACCESS_KEY_ID: key.AccessKeyId!,
    AWS_SECRET_ACCESS_KEY: key.SecretAccessKey!,
    AWS_SESSION_TOKEN: "",
  });
  await controller.ready();
}, 120_000);

afterAll(async () => {
  // Deleted while the controller runs (deletionPolicy Retain: it only drops its finalizers).
  for (const client of [scps, passwordPolicies, ...ec2Attributes]) {
    for (const o of (await client.list()).items) await client.delete(o.metadata.name);
    await waitUntil(async () => (await client.list()).items.length === 0, 30_000, "the objects to be gone");
  }
  await controller?.stop();
  // The worker's moto is shared with the next test files: enforcement off again.
  await enforceIam(false);
});

describe("the documented IAM policies, under moto's IAM enforcement", () => {
  it("are enough to manage SCPs and password policies in the own and a member account", async () => {
    const scp = uniqueName("iam-scp");
    await scps.create(
      object("ServiceControlPolicy", scp, {
        document: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
        },
        targets: [{ root: true }, { ouPath: "Root/Workloads" }],
      }),
    );
    const own = uniqueName("iam-own");
    const member = uniqueName("iam-member");
    await passwordPolicies.create(object("PasswordPolicy", own, { accountId: MANAGEMENT_ACCOUNT_ID }));
    await passwordPolicies.create(
      object("PasswordPolicy", member, { accountId: tree.accountIds.get("dev-1") }),
    );
    await waitForReady(scps, scp);
    await waitForReady(passwordPolicies, own);
    await waitForReady(passwordPolicies, member);
    expect(controller.lines.filter((l) => /AccessDenied/.test(l))).toEqual([]);
    // On the IAM user's key (allowed with --allow-long-term-credentials): said once at start.
    expect(controller.lines.filter((l) => l.includes("running on a long-term access key"))).toHaveLength(1);
  });

  it("are enough for the EC2 account attributes in a member account (the default VPC deleted with them)", async () => {
    const accountId = tree.accountIds.get("dev-1");
    const names = EC2_ATTRIBUTES.map((kind) => uniqueName(`iam-${kind.toLowerCase()}`));
    for (const [i, kind] of EC2_ATTRIBUTES.entries()) {
      await ec2Attributes[i]!.create(object(kind, names[i]!, { accountId, regions: ["us-east-1"] }));
    }
    for (const [i, client] of ec2Attributes.entries()) await waitForReady(client, names[i]!);
    expect(controller.lines.filter((l) => /AccessDenied|UnauthorizedOperation/.test(l))).toEqual([]);
  });

  it("are enforced: without organizations:AttachPolicy an SCP stalls with AccessDenied", async () => {
    await enforceIam(false);
    await new IAMClient(awsClientConfig()).send(
      new PutUserPolicyCommand({
        UserName: USER,
        PolicyName: "orgguard",
        PolicyDocument: await managementPolicyForMoto(["organizations:AttachPolicy"]),
      }),
    );
    await enforceIam(true);
    const name = uniqueName("iam-denied");
    await scps.create(
      object("ServiceControlPolicy", name, {
        document: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "s3:DeleteBucket", Resource: "*" }],
        },
        targets: [{ root: true }],
      }),
    );
    await waitUntil(
      async () =>
        findCondition((await scps.get(name))?.status?.conditions, "Stalled")?.reason === "AccessDenied",
      30_000,
      `${name} to stall with AccessDenied (controller: ${controller.tail()})`,
    );
  });
});
