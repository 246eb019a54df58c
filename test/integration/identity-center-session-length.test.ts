/**
 * IdentityCenterSessionLength against moto (Identity Center instances and permission sets, which
 * it emulates: SessionDuration stored unvalidated, the integer 3600 when omitted), with the
 * controller in-process on the real kube-apiserver: a permission set the spec names with 12 hours
 * is lowered to 10 and re-provisioned; one the spec does not name is reported only; the next
 * reconciles write nothing.
 */
import {
  CreatePermissionSetCommand,
  DescribePermissionSetCommand,
  ListInstancesCommand,
  ProvisionPermissionSetCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { identityCenterSessionLengthKind } from "../../src/kinds/identity-center-session-length/index.js";
import { managedController } from "../../src/runtime/controller.js";
import { KubeEventRecorder } from "../../src/runtime/event-recorder.js";
import { createLogger } from "../../src/runtime/logger.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { sleep } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
} from "../support/aws.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventMessages,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 1500;
const kc = adminKubeConfig();
const objects = orgguardClient(kc, "IdentityCenterSessionLength");
const uniqueName = uniqueNames();
const calls: string[] = [];
let running: RunningControllers<Runnable> | undefined;
const sso = new SSOAdminClient(awsClientConfig(MANAGEMENT_CREDENTIALS));
let instanceArn: string;
const arns = new Map<string, string>();

async function permissionSet(name: string, sessionDuration: string): Promise<string> {
  const out = await sso.send(
    new CreatePermissionSetCommand({
      InstanceArn: instanceArn,
      Name: name,
      SessionDuration: sessionDuration,
      Description: `${name} access`,
    }),
  );
  const arn = out.PermissionSet!.PermissionSetArn!;
  arns.set(name, arn);
  return arn;
}

const durationOf = async (name: string) =>
  (
    await sso.send(
      new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arns.get(name)! }),
    )
  ).PermissionSet;

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  await createOrganization({ ous: [{ name: "Workloads", accounts: ["sso-1"] }] });
  // moto makes one instance per account and region on first use.
  instanceArn = (await sso.send(new ListInstancesCommand({}))).Instances![0]!.InstanceArn!;
  const admin = await permissionSet("Admin", "PT12H");
  await permissionSet("Billing", "PT12H");
  await permissionSet("ReadOnly", "PT4H");
  // Admin is provisioned (to the accounts it is assigned in), so lowering it must re-provision it.
  await sso.send(
    new ProvisionPermissionSetCommand({
      InstanceArn: instanceArn,
      PermissionSetArn: admin,
      TargetType: "ALL_PROVISIONED_ACCOUNTS",
    }),
  );
  const aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) => calls.push(`${service}:${operation}`),
  });
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
  };
  const kind = identityCenterSessionLengthKind.runtime;
  if (kind.type !== "managed") throw new Error("a managed kind");
  const logger = createLogger("debug", {}, () => undefined);
  running = await runControllers(
    kc,
    { workers: 1, pollIntervalMs: POLL_MS, verifyAfterMs: 300, backoffBaseMs: 300, backoffMaxMs: 3000 },
    (runtime) => [managedController(runtime, kind.managed(context))],
    { logger, events: new KubeEventRecorder(kc, "orgguard-test", logger) },
  );
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([objects]);
  await running?.stop();
});

describe("IdentityCenterSessionLength against moto", () => {
  const name = uniqueName("sessions");

  it("ObserveOnly: reports the named permission set's 12 hours as drift and the other as over the limit, changing nothing", async () => {
    await objects.create(
      manifest("IdentityCenterSessionLength", name, {
        permissionSets: ["Admin"],
        managementPolicy: "ObserveOnly",
      }),
    );
    const drifted = await waitForReadyReason(objects, name, "Drifted", { timeoutMs: 30_000 });
    expect(drifted.status?.plannedChanges).toEqual([
      expect.objectContaining({ path: "permissionSets[Admin].sessionDuration", from: "PT12H", to: "PT10H" }),
    ]);
    expect(drifted.status?.atProvider).toMatchObject({
      instanceArn,
      permissionSets: 3,
      overLimit: 2,
      managedOverLimit: [{ name: "Admin", sessionDuration: "PT12H" }],
      unmanagedOverLimit: [{ name: "Billing", sessionDuration: "PT12H" }],
      unmanagedOverLimitCount: 1,
    });
    expect((await durationOf("Admin"))?.SessionDuration).toBe("PT12H");
    expect(calls).not.toContain("ssoadmin:UpdatePermissionSet");
  });

  it("Enforce: lowers Admin from 12 to 10 hours and re-provisions it; Billing (not named) keeps its 12 hours; then reads only", async () => {
    const current = await objects.get(name);
    await objects.replace({ ...current!, spec: { ...current!.spec, managementPolicy: "Enforce" } });
    const ready = await waitForReadyReason(objects, name, "Available", { timeoutMs: 30_000 });
    const admin = await durationOf("Admin");
    expect(admin?.SessionDuration).toBe("PT10H");
    // Sent as it was: moto would reset an omitted description.
    expect(admin?.Description).toBe("Admin access");
    expect((await durationOf("Billing"))?.SessionDuration).toBe("PT12H");
    expect(calls.filter((c) => c === "ssoadmin:UpdatePermissionSet")).toHaveLength(1);
    expect(calls.filter((c) => c === "ssoadmin:ProvisionPermissionSet")).toHaveLength(1);
    expect(ready.status?.atProvider).toMatchObject({ overLimit: 1, unmanagedOverLimitCount: 1 });
    expect(await eventMessages(kc, name)).toContain("applied permissionSets[Admin].sessionDuration");

    const before = calls.length;
    await sleep(2 * POLL_MS + 500);
    const since = calls.slice(before);
    expect(since.length).toBeGreaterThan(0);
    expect(since.filter((c) => /Update|Provision|Create|Delete/.test(c))).toEqual([]);
  });
});
