/**
 * IncidentRoles against moto (IAM roles, trust policies, AWS managed policies), with the controller
 * in-process on the real kube-apiserver: the support and audit roles are created in a member account,
 * assumable by the declared principal only, with AWSSupportAccess and SecurityAudit attached; a trust
 * policy widened by hand is narrowed back; a role of that name orgguard did not create is never
 * changed (Stalled/RoleNameTaken); deletion with Delete removes only orgguard's roles. The two AWS
 * managed policies it attaches are in every moto account through the test environment
 * (test/env/moto_iam_managed_policies.py: moto loads AWS's managed policies only when told to, and
 * then all of them, for every account).
 */
import {
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { incidentRolesSetting } from "../../src/kinds/incident-roles/index.js";
import { managedSetting } from "../../src/kinds/setting/setting-kind.js";
import { findCondition } from "../../src/runtime/conditions.js";
import { managedController } from "../../src/runtime/controller.js";
import { KubeEventRecorder } from "../../src/runtime/event-recorder.js";
import { createLogger } from "../../src/runtime/logger.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  memberCredentials,
  resetMoto,
} from "../support/aws.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 1500;
const RESPONDERS = "arn:aws:iam::123456789012:role/IncidentResponders";
const kc = adminKubeConfig();
const objects = orgguardClient(kc, "IncidentRoles");
const uniqueName = uniqueNames();
let running: RunningControllers<Runnable> | undefined;
let member: string;
let other: string;
let iam: IAMClient;

const trustOf = async (client: IAMClient, role: string) =>
  JSON.parse(
    decodeURIComponent(
      (await client.send(new GetRoleCommand({ RoleName: role }))).Role!.AssumeRolePolicyDocument!,
    ),
  );
const policiesOf = async (client: IAMClient, role: string) =>
  ((await client.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map(
    (p) => p.PolicyArn,
  );
const roleExists = (client: IAMClient, role: string) =>
  client.send(new GetRoleCommand({ RoleName: role })).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ["roles-1", "roles-2"] }] });
  member = org.accountIds.get("roles-1")!;
  other = org.accountIds.get("roles-2")!;
  iam = new IAMClient(awsClientConfig(await memberCredentials(member)));
  const aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
  });
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
  };
  const logger = createLogger("debug", {}, () => undefined);
  running = await runControllers(
    kc,
    { workers: 1, pollIntervalMs: POLL_MS, verifyAfterMs: 300, backoffBaseMs: 300, backoffMaxMs: 3000 },
    (runtime) => [managedController(runtime, managedSetting(incidentRolesSetting, context))],
    { logger, events: new KubeEventRecorder(kc, "orgguard-test", logger) },
  );
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([objects]);
  await running?.stop();
});

describe("IncidentRoles against moto", () => {
  const name = uniqueName("incident-roles");

  it("creates the support and audit roles, assumable by the declared principal only, with AWS's policies", async () => {
    await objects.create(
      manifest("IncidentRoles", name, {
        accountId: member,
        trustedPrincipal: RESPONDERS,
        auditRole: true,
        deletionPolicy: "Delete",
      }),
    );
    const ready = await waitForReadyReason(objects, name, "Available", { timeoutMs: 30_000 });
    expect(await trustOf(iam, "incident-support")).toMatchObject({
      Statement: [{ Effect: "Allow", Principal: { AWS: RESPONDERS }, Action: "sts:AssumeRole" }],
    });
    expect(await policiesOf(iam, "incident-support")).toEqual(["arn:aws:iam::aws:policy/AWSSupportAccess"]);
    expect(await policiesOf(iam, "incident-audit")).toEqual(["arn:aws:iam::aws:policy/SecurityAudit"]);
    expect(ready.status?.atProvider).toMatchObject({
      supportRole: { exists: true, ownedByOrgguard: true, trustMatches: true, policyAttached: true },
      auditRole: { exists: true, ownedByOrgguard: true },
    });
  });

  it("narrows a trust policy widened by hand back to the declared principal at the next poll", async () => {
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: "incident-support",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::999999999999:root" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
    );
    await waitUntil(
      async () => JSON.stringify(await trustOf(iam, "incident-support")).includes(RESPONDERS),
      20_000,
      "the trust policy to be narrowed back",
    );
  });

  it("never changes a role of that name it did not create", async () => {
    const otherIam = new IAMClient(awsClientConfig(await memberCredentials(other)));
    const foreign = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    await otherIam.send(
      new CreateRoleCommand({ RoleName: "incident-support", AssumeRolePolicyDocument: foreign }),
    );
    const foreignName = uniqueName("foreign");
    await objects.create(
      manifest("IncidentRoles", foreignName, { accountId: other, trustedPrincipal: RESPONDERS }),
    );
    const stalled = await waitForReadyReason(objects, foreignName, "RoleNameTaken", {
      condition: "Stalled",
      timeoutMs: 30_000,
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      "orgguard did not create it",
    );
    expect(JSON.stringify(await trustOf(otherIam, "incident-support"))).toContain("ec2.amazonaws.com");
    expect(await policiesOf(otherIam, "incident-support")).toEqual([]);
    await objects.delete(foreignName);
  });

  it("deletion with Delete removes the roles it created", async () => {
    await objects.delete(name);
    await waitUntil(async () => (await objects.get(name)) === undefined, 30_000, "the object to go");
    expect(await roleExists(iam, "incident-support")).toBe(false);
    expect(await roleExists(iam, "incident-audit")).toBe(false);
  });
});
