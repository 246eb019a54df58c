/**
 * TemporaryAccess against moto (Identity Center instances, permission sets, account assignments and
 * the identity store, which it emulates), with the controller in-process on the real kube-apiserver
 * and a one-minute poll, so what happens at the expiry is the expiry's doing: a user gets a
 * permission set in two accounts until a few seconds from now (an Event, status counting down);
 * at the expiry the assignment orgguard created is removed without anyone acting (an Event), and
 * the one the user already had is left. A request longer than the permission set's ceiling grants
 * nothing; one already past its expiry is accepted by the apiserver (Kubernetes' CEL has no clock)
 * and refused by the controller.
 */
import { CreateUserCommand, IdentitystoreClient } from "@aws-sdk/client-identitystore";
import {
  CreateAccountAssignmentCommand,
  CreatePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  SSOAdminClient,
} from "@aws-sdk/client-sso-admin";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { temporaryAccessKind } from "../../src/kinds/temporary-access/index.js";
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
  resetMoto,
} from "../support/aws.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventMessages,
  eventReasons,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const H = 3_600_000;
const kc = adminKubeConfig();
const objects = orgguardClient(kc, "TemporaryAccess");
const uniqueName = uniqueNames();
const calls: string[] = [];
let running: RunningControllers<Runnable> | undefined;
const sso = new SSOAdminClient(awsClientConfig(MANAGEMENT_CREDENTIALS));
let instanceArn: string;
let permissionSetArn: string;
let johnId: string;
let prod1: string;
let prod2: string;

const assigned = async (account: string) =>
  (
    (
      await sso.send(
        new ListAccountAssignmentsCommand({
          InstanceArn: instanceArn,
          AccountId: account,
          PermissionSetArn: permissionSetArn,
        }),
      )
    ).AccountAssignments ?? []
  ).some((a) => a.PrincipalId === johnId);

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Prod", accounts: ["prod-1", "prod-2"] }] });
  prod1 = org.accountIds.get("prod-1")!;
  prod2 = org.accountIds.get("prod-2")!;
  const instance = (await sso.send(new ListInstancesCommand({}))).Instances![0]!;
  instanceArn = instance.InstanceArn!;
  const identityStore = new IdentitystoreClient(awsClientConfig(MANAGEMENT_CREDENTIALS));
  johnId = (
    await identityStore.send(
      new CreateUserCommand({
        IdentityStoreId: instance.IdentityStoreId!,
        UserName: "john",
        DisplayName: "John Developer",
        Name: { GivenName: "John", FamilyName: "Developer" },
      }),
    )
  ).UserId!;
  permissionSetArn = (
    await sso.send(
      new CreatePermissionSetCommand({
        InstanceArn: instanceArn,
        Name: "ProdDbMaintenance",
        SessionDuration: "PT4H",
      }),
    )
  ).PermissionSet!.PermissionSetArn!;
  // John already had it in prod-2, granted by someone else: orgguard must leave that one.
  await sso.send(
    new CreateAccountAssignmentCommand({
      InstanceArn: instanceArn,
      PermissionSetArn: permissionSetArn,
      PrincipalType: "USER",
      PrincipalId: johnId,
      TargetType: "AWS_ACCOUNT",
      TargetId: prod2,
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
    temporaryAccessMaxDurations: new Map([
      ["*", 96 * H],
      ["ProdDbMaintenance", 1 * H],
    ]),
  };
  const kind = temporaryAccessKind.runtime;
  if (kind.type !== "managed") throw new Error("a managed kind");
  const logger = createLogger("debug", {}, () => undefined);
  running = await runControllers(
    kc,
    // A one-minute poll: whatever happens at the expiry (seconds away) is the expiry's recheck.
    { workers: 1, pollIntervalMs: 60_000, verifyAfterMs: 300, backoffBaseMs: 300, backoffMaxMs: 3000 },
    (runtime) => [managedController(runtime, kind.managed(context))],
    { logger, events: new KubeEventRecorder(kc, "orgguard-test", logger) },
  );
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([objects]);
  await running?.stop();
});

const request = (expiresAt: Date, accounts: string[]) => ({
  permissionSet: "ProdDbMaintenance",
  principal: { userName: "john" },
  accounts,
  expiresAt: expiresAt.toISOString().replace(/\.\d+Z$/, "Z"),
  reason: "CHG-42: upload the new schema to the production database",
});

describe("TemporaryAccess against moto", () => {
  it("grants until the expiry, then removes what it granted without anyone acting, leaving what John already had", async () => {
    const name = uniqueName("john-prod");
    const expiresAt = new Date(Date.now() + 12_000);
    await objects.create(manifest("TemporaryAccess", name, request(expiresAt, [prod1, prod2])));
    const active = await waitForReadyReason(objects, name, "Available", { timeoutMs: 20_000 });
    expect(active.status).toMatchObject({ phase: "Active", granted: [prod1] });
    expect(active.status?.remaining).toMatch(/^\d+m$/);
    expect(await assigned(prod1)).toBe(true);
    expect(calls.filter((c) => c === "ssoadmin:CreateAccountAssignment")).toHaveLength(1);
    expect((await eventMessages(kc, name)).join("\n")).toContain(
      `granted ProdDbMaintenance to user john in ${prod1} until ${request(expiresAt, []).expiresAt}`,
    );

    await waitUntil(
      async () => (await objects.get(name))?.status?.phase === "Expired",
      30_000,
      "the grant to expire",
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(await assigned(prod1)).toBe(false);
    expect(await assigned(prod2)).toBe(true);
    expect(await eventReasons(kc, name)).toEqual(expect.arrayContaining(["Granted", "Revoked"]));
    const expired = await waitForReadyReason(objects, name, "Available", { timeoutMs: 10_000 });
    expect(expired.status).toMatchObject({ phase: "Expired", remaining: "0m" });
    expect(expired.status?.granted ?? []).toEqual([]);
  });

  it("refuses a request longer than the permission set's ceiling (1 h here), granting nothing", async () => {
    const name = uniqueName("too-long");
    const before = calls.filter((c) => c === "ssoadmin:CreateAccountAssignment").length;
    await objects.create(manifest("TemporaryAccess", name, request(new Date(Date.now() + 2 * H), [prod1])));
    const refused = await waitForReadyReason(objects, name, "LongerThanAllowed", {
      condition: "Stalled",
      timeoutMs: 20_000,
    });
    expect(findCondition(refused.status?.conditions, "Stalled")?.message).toContain("ceiling of 1h 0m");
    expect(refused.status?.phase).toBe("Refused");
    expect(calls.filter((c) => c === "ssoadmin:CreateAccountAssignment")).toHaveLength(before);
    expect(await assigned(prod1)).toBe(false);
  });

  it("an object already past its expiry: the apiserver accepts it (its CEL has no clock), the controller grants nothing", async () => {
    const name = uniqueName("late");
    await objects.create(manifest("TemporaryAccess", name, request(new Date(Date.now() - 60_000), [prod1])));
    const refused = await waitForReadyReason(objects, name, "ExpiredOnArrival", {
      condition: "Stalled",
      timeoutMs: 20_000,
    });
    expect(refused.status?.phase).toBe("Refused");
    expect(await assigned(prod1)).toBe(false);
  });
});
