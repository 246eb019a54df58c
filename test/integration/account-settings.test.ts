/**
 * PasswordPolicy and PublicAccessBlock reconciled against moto by `orgguard controller`, run as
 * in production: settings land in the member account (read back with that account's own
 * credentials), console drift is repaired within one poll, ObserveOnly writes nothing, deletion
 * follows deletionPolicy, and a steady state makes only reads.
 */
import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3ControlClient,
} from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP, API_VERSION } from "../../src/api/common.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import type { ResourceClient } from "../../src/runtime/resource-client.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  memberCredentials,
  resetMoto,
} from "../support/aws.js";
import { ControllerProcess, countWrites } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  eventReasons as eventsAbout,
  installOrgguardCrds,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 3000;
const kc = adminKubeConfig();
const passwordPolicies = orgguardClient(kc, "PasswordPolicy");
const accessBlocks = orgguardClient(kc, "PublicAccessBlock");
let controller: ControllerProcess;
let memberIam: IAMClient;
let memberS3: S3ControlClient;
let member: string;
const uniqueName = uniqueNames();

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({
    ous: [{ name: "Workloads", accounts: ["dev-1", "dev-2", "dev-3", "dev-4", "dev-5"] }],
  });
  member = org.accountIds.get("dev-1")!;
  memberIam = new IAMClient(awsClientConfig(await memberCredentials(member)));
  memberS3 = new S3ControlClient(awsClientConfig(await memberCredentials(member)));
  controller = new ControllerProcess([`--poll-interval=${POLL_MS}ms`]);
  await controller.ready();
}, 120_000);

afterAll(async () => {
  for (const client of [passwordPolicies, accessBlocks]) {
    for (const o of (await client.list()).items) await client.delete(o.metadata.name);
    await waitUntil(
      async () => (await client.list()).items.length === 0,
      30_000,
      `${client.ref.plural} to be deleted (${controller?.tail()})`,
    );
  }
  await controller?.stop();
});

const manifest = (
  kind: "PasswordPolicy" | "PublicAccessBlock",
  name: string,
  spec: Record<string, unknown>,
): ManagedObject => ({
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  kind,
  metadata: { name },
  spec,
});

const waitForReason = (
  client: ResourceClient<ManagedObject>,
  name: string,
  reason: string,
  timeoutMs?: number,
) =>
  waitForReadyReason(client, name, reason, {
    ...(timeoutMs ? { timeoutMs } : {}),
    context: () => `controller: ${controller.tail()}`,
  });
const eventReasons = (name: string) => eventsAbout(kc, name);

const readPasswordPolicy = async () =>
  (await memberIam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy;

describe("PasswordPolicy", () => {
  it("sets the policy in a member account, repairs console drift, and deletes it with deletionPolicy Delete", async () => {
    const name = uniqueName("pw");
    await passwordPolicies.create(
      manifest("PasswordPolicy", name, {
        accountId: member,
        minimumPasswordLength: 16,
        passwordReusePrevention: 24,
        deletionPolicy: "Delete",
      }),
    );
    const ready = await waitForReason(passwordPolicies, name, "Available");
    expect(ready.status).toMatchObject({
      accountId: member,
      atProvider: { minimumPasswordLength: 16, passwordReusePrevention: 24 },
    });
    expect(await readPasswordPolicy()).toMatchObject({
      MinimumPasswordLength: 16,
      PasswordReusePrevention: 24,
      RequireSymbols: true,
    });
    expect(await eventReasons(name)).toContain("Created");

    // A spec change is applied.
    const current = (await passwordPolicies.get(name))!;
    await passwordPolicies.replace({
      ...current,
      spec: { ...current.spec, minimumPasswordLength: 20 } as ManagedObject["spec"],
    });
    await waitUntil(
      async () => (await readPasswordPolicy())?.MinimumPasswordLength === 20,
      15_000,
      "the new length in AWS",
    );

    // A console user weakens the policy (IAM drops every field not sent): repaired within a poll.
    await memberIam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8 }));
    const changedAt = Date.now();
    await waitUntil(
      async () => (await readPasswordPolicy())?.MinimumPasswordLength === 20,
      POLL_MS * 1.1 + 5000,
      "drift repair",
    );
    expect(Date.now() - changedAt).toBeLessThan(POLL_MS * 1.1 + 3000);
    expect(await readPasswordPolicy()).toMatchObject({ PasswordReusePrevention: 24, RequireSymbols: true });
    await waitUntil(
      async () => (await eventReasons(name)).includes("DriftRepaired"),
      10_000,
      "a DriftRepaired event",
    );

    await passwordPolicies.delete(name);
    await waitUntil(
      async () => (await passwordPolicies.get(name)) === undefined,
      20_000,
      "the object to be gone",
    );
    const after = await memberIam.send(new GetAccountPasswordPolicyCommand({})).then(
      () => "exists",
      (e: Error) => e.name,
    );
    expect(after).toBe("NoSuchEntityException");
  });

  it("ObserveOnly reports Drifted with plannedChanges and makes no AWS writes", async () => {
    const account = await createOrgAccountCredentials("dev-2");
    await account.iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8 }));
    const writesBefore = countWrites(await controller.awsCalls());
    const name = uniqueName("pw-observe");
    await passwordPolicies.create(
      manifest("PasswordPolicy", name, { accountId: account.id, managementPolicy: "ObserveOnly" }),
    );
    const drifted = await waitForReason(passwordPolicies, name, "Drifted");
    expect(drifted.status?.plannedChanges).toContainEqual({ path: "minimumPasswordLength", from: 8, to: 14 });
    expect(drifted.status?.plannedChanges).toContainEqual({ path: "requireSymbols", from: false, to: true });
    await sleep(POLL_MS * 1.2);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    expect(
      (await account.iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength,
    ).toBe(8);
  });

  it("deletionPolicy Retain leaves the policy in AWS", async () => {
    const account = await createOrgAccountCredentials("dev-3");
    const name = uniqueName("pw-retain");
    await passwordPolicies.create(
      manifest("PasswordPolicy", name, { accountId: account.id, minimumPasswordLength: 15 }),
    );
    await waitForReason(passwordPolicies, name, "Available");
    await passwordPolicies.delete(name);
    await waitUntil(
      async () => (await passwordPolicies.get(name)) === undefined,
      20_000,
      "the object to be gone",
    );
    expect(
      (await account.iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength,
    ).toBe(15);
    await account.iam.send(new DeleteAccountPasswordPolicyCommand({}));
  });
});

describe("PublicAccessBlock", () => {
  it("blocks public access in a member account, repairs drift, and stays put with Retain", async () => {
    const name = uniqueName("pab");
    await accessBlocks.create(manifest("PublicAccessBlock", name, { accountId: member }));
    await waitForReason(accessBlocks, name, "Available");
    const read = async () =>
      (await memberS3.send(new GetPublicAccessBlockCommand({ AccountId: member })))
        .PublicAccessBlockConfiguration;
    expect(await read()).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });

    await memberS3.send(
      new PutPublicAccessBlockCommand({
        AccountId: member,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: false,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    );
    await waitUntil(
      async () => (await read())?.BlockPublicAcls === true,
      POLL_MS * 1.1 + 5000,
      "drift repair",
    );
    await waitUntil(
      async () => (await eventReasons(name)).includes("DriftRepaired"),
      10_000,
      "a DriftRepaired event",
    );

    // A spec change is applied.
    const current = (await accessBlocks.get(name))!;
    await accessBlocks.replace({
      ...current,
      spec: { ...current.spec, restrictPublicBuckets: false } as ManagedObject["spec"],
    });
    await waitUntil(
      async () => (await read())?.RestrictPublicBuckets === false,
      15_000,
      "the changed flag in AWS",
    );
    // The event is recorded just after the write that the read above may already see.
    await waitUntil(async () => (await eventReasons(name)).includes("Updated"), 10_000, "an Updated event");

    await accessBlocks.delete(name);
    await waitUntil(
      async () => (await accessBlocks.get(name)) === undefined,
      20_000,
      "the object to be gone",
    );
    expect(await read()).toMatchObject({ BlockPublicAcls: true, RestrictPublicBuckets: false });
  });
});

describe("two objects for one account and setting", () => {
  it("the earlier keeps it, the other reports Conflict and writes nothing; it takes over when the first goes", async () => {
    // An absent accountId means the controller's own account: the same account as its id spelled out.
    const implicit = uniqueName("own-implicit");
    const explicit = uniqueName("own-explicit");
    await passwordPolicies.create(manifest("PasswordPolicy", implicit, { minimumPasswordLength: 15 }));
    await waitForReason(passwordPolicies, implicit, "Available");
    const writesBefore = countWrites(await controller.awsCalls());
    await passwordPolicies.create(
      manifest("PasswordPolicy", explicit, { accountId: MANAGEMENT_ACCOUNT_ID, minimumPasswordLength: 19 }),
    );
    const loser = await waitForReason(passwordPolicies, explicit, "Conflict");
    expect(findCondition(loser.status?.conditions, "Stalled")?.message).toContain(
      `PasswordPolicy/${implicit}`,
    );
    await sleep(POLL_MS * 1.5);
    // Neither flaps: no write at all since the second object appeared, and the first's value holds.
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    const own = new IAMClient(awsClientConfig());
    expect(
      (await own.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength,
    ).toBe(15);
    expect(await eventReasons(explicit)).toContain("Conflict");

    await passwordPolicies.delete(implicit);
    await waitForReason(passwordPolicies, explicit, "Available");
    expect(
      (await own.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy?.MinimumPasswordLength,
    ).toBe(19);
    await passwordPolicies.delete(explicit);
  });
});

describe("steady state", () => {
  it("once everything is Ready, polls make only reads", async () => {
    const pw = uniqueName("steady-pw");
    const pab = uniqueName("steady-pab");
    await passwordPolicies.create(
      manifest("PasswordPolicy", pw, { accountId: member, minimumPasswordLength: 17 }),
    );
    await accessBlocks.create(manifest("PublicAccessBlock", pab, { accountId: member }));
    await waitForReason(passwordPolicies, pw, "Available");
    await waitForReason(accessBlocks, pab, "Available");
    await sleep(1000);
    const before = await controller.awsCalls();
    await sleep(POLL_MS * 2.5);
    const after = await controller.awsCalls();
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    console.log(
      `steady state over ${POLL_MS * 2.5} ms: ${JSON.stringify(Object.fromEntries([...after].map(([k]) => [k, delta(k)]).filter(([, v]) => v !== 0)))}`,
    );
    expect(countWrites(after)).toBe(countWrites(before));
    expect(delta("iam/GetAccountPasswordPolicy")).toBeGreaterThanOrEqual(2);
    expect(delta("s3control/GetPublicAccessBlock")).toBeGreaterThanOrEqual(2);
  });
});

/** IAM for a member account of the organization created in beforeAll, by name. */
async function createOrgAccountCredentials(accountName: string): Promise<{ id: string; iam: IAMClient }> {
  const { OrganizationsClient, ListAccountsCommand } = await import("@aws-sdk/client-organizations");
  const accounts = await new OrganizationsClient(awsClientConfig()).send(new ListAccountsCommand({}));
  const id = accounts.Accounts!.find((a) => a.Name === accountName)!.Id!;
  return { id, iam: new IAMClient(awsClientConfig(await memberCredentials(id))) };
}
