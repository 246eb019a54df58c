/**
 * AccountBaseline through `orgguard controller` against moto and the real kube-apiserver: children
 * for exactly the selected accounts, settings applied in each member account, accounts created or
 * moved later, conflicts, ObserveOnly carried to the children, and deletion.
 */
import {
  GetAccountPasswordPolicyCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { MoveAccountCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { GetPublicAccessBlockCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP, API_VERSION } from "../../src/api/common.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import type { ResourceClient } from "../../src/runtime/resource-client.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createAccount,
  createOrganization,
  memberCredentials,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { ControllerProcess } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import { installOrgguardCrds, orgguardClient } from "../support/orgguard.js";

const DISCOVERY_MS = 3000;
const kc = adminKubeConfig();
const baselines = orgguardClient(kc, "AccountBaseline");
const passwordPolicies = orgguardClient(kc, "PasswordPolicy");
const accessBlocks = orgguardClient(kc, "PublicAccessBlock");
let tree: TestOrganization;
let org: OrganizationsClient;
let controller: ControllerProcess;
const id = (name: string) => tree.accountIds.get(name)!;

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [
      {
        name: "Workloads",
        accounts: ["dev-1", "dev-2"],
        ous: [
          { name: "Prod", accounts: ["prod-1"] },
          { name: "Legacy", accounts: ["legacy-1"] },
        ],
      },
      { name: "Sandbox", accounts: ["sandbox-1"] },
    ],
  });
  org = new OrganizationsClient(awsClientConfig());
  controller = new ControllerProcess(["--poll-interval=3s", `--discovery-interval=${DISCOVERY_MS}ms`]);
  await controller.ready();
}, 120_000);

afterAll(async () => {
  for (const client of [baselines, passwordPolicies, accessBlocks]) {
    for (const o of (await client.list()).items) await client.delete(o.metadata.name);
  }
  await waitUntil(
    async () => (await baselines.list()).items.length === 0,
    30_000,
    `baselines to be deleted (${controller?.tail()})`,
  );
  await controller?.stop();
});

const baseline = (name: string, spec: Record<string, unknown>): ManagedObject => ({
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  kind: "AccountBaseline",
  metadata: { name },
  spec: spec as ManagedObject["spec"],
});

const childAccounts = async (client: ResourceClient<ManagedObject>, name: string) =>
  (await client.list(`orgguard.io/baseline=${name}`)).items
    .map((c) => (c.spec as { accountId: string }).accountId)
    .sort();

async function waitForBaseline(
  name: string,
  predicate: (o: ManagedObject) => boolean,
  what: string,
  timeoutMs = 30_000,
) {
  let last: ManagedObject | undefined;
  await waitUntil(
    async () => {
      last = await baselines.get(name);
      return last !== undefined && predicate(last);
    },
    timeoutMs,
    () => `${name}: ${what} (status: ${JSON.stringify(last?.status)}; controller: ${controller.tail()})`,
  );
  return last!;
}
const ready = (o: ManagedObject) => findCondition(o.status?.conditions, "Ready")?.status === "True";

async function baselineEvents(name: string): Promise<Array<{ reason: string; message: string }>> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: "default" });
  return list.items
    .filter((e) => e.involvedObject.name === name && e.involvedObject.kind === "AccountBaseline")
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "" }));
}

const passwordLength = async (account: string) =>
  (
    await new IAMClient(awsClientConfig(await memberCredentials(account))).send(
      new GetAccountPasswordPolicyCommand({}),
    )
  ).PasswordPolicy?.MinimumPasswordLength;
const blocksPublicAcls = async (account: string) =>
  (
    await new S3ControlClient(awsClientConfig(await memberCredentials(account))).send(
      new GetPublicAccessBlockCommand({ AccountId: account }),
    )
  ).PublicAccessBlockConfiguration?.BlockPublicAcls;

describe("AccountBaseline", () => {
  it("applies the baseline to exactly the selected accounts, follows the organization, and cleans up", async () => {
    await baselines.create(
      baseline("workloads", {
        accounts: {
          organizationalUnits: [{ path: "Root/Workloads" }],
          exclude: { organizationalUnits: [{ path: "Root/Workloads/Legacy" }] },
        },
        passwordPolicy: { minimumPasswordLength: 16 },
        publicAccessBlock: {},
      }),
    );
    const selected = [id("dev-1"), id("dev-2"), id("prod-1")].sort();
    const b = await waitForBaseline("workloads", ready, "Ready");
    expect(b.status).toMatchObject({ matchedAccounts: 3, readyAccounts: 3, failingAccounts: 0 });
    expect(await childAccounts(passwordPolicies, "workloads")).toEqual(selected);
    expect(await childAccounts(accessBlocks, "workloads")).toEqual(selected);
    for (const account of selected) {
      expect(await passwordLength(account)).toBe(16);
      expect(await blocksPublicAcls(account)).toBe(true);
    }
    expect(await passwordLength(id("legacy-1")).catch((e: Error) => e.name)).toBe("NoSuchEntityException");

    // An account created under the OU later is picked up within a discovery interval.
    const newcomer = await createAccount(org, "dev-3");
    await org.send(
      new MoveAccountCommand({
        AccountId: newcomer,
        SourceParentId: tree.rootId,
        DestinationParentId: tree.ouIds.get("Root/Workloads")!,
      }),
    );
    const createdAt = Date.now();
    await waitUntil(
      async () => (await childAccounts(passwordPolicies, "workloads")).includes(newcomer),
      DISCOVERY_MS * 3 + 5000,
      "a child for the new account",
    );
    console.log(
      `new account picked up ${Date.now() - createdAt} ms after it was created (discovery interval ${DISCOVERY_MS} ms)`,
    );
    await waitUntil(
      async () => (await passwordLength(newcomer)) === 16,
      20_000,
      "the new account's password policy",
    );

    // An account moved out loses its children and keeps its settings (deletionPolicy Retain).
    await org.send(
      new MoveAccountCommand({
        AccountId: id("dev-2"),
        SourceParentId: tree.ouIds.get("Root/Workloads")!,
        DestinationParentId: tree.ouIds.get("Root/Sandbox")!,
      }),
    );
    await waitUntil(
      async () => !(await childAccounts(passwordPolicies, "workloads")).includes(id("dev-2")),
      DISCOVERY_MS * 3 + 5000,
      "the moved account's child to go",
    );
    await waitUntil(
      async () => !(await childAccounts(accessBlocks, "workloads")).includes(id("dev-2")),
      10_000,
      "the moved account's PAB child to go",
    );
    expect(await passwordLength(id("dev-2"))).toBe(16);
    // Each transition is an event; quiet passes are not.
    await waitUntil(
      async () => (await baselineEvents("workloads")).some((e) => e.reason === "AccountsDropped"),
      10_000,
      "the AccountsDropped event",
    );
    const events = await baselineEvents("workloads");
    expect(events).toContainEqual({
      reason: "AccountsAdded",
      message: `now applies to 3 more account(s): ${selected.join(", ")}`,
    });
    expect(events).toContainEqual({
      reason: "AccountsAdded",
      message: `now applies to 1 more account(s): ${newcomer}`,
    });
    expect(events).toContainEqual({
      reason: "AccountsDropped",
      message: `no longer applies to 1 account(s): ${id("dev-2")}`,
    });
    expect(events.filter((e) => e.reason === "Ready").length).toBeGreaterThanOrEqual(1);

    // Deleting the baseline deletes its children first.
    await baselines.delete("workloads");
    await waitUntil(
      async () => (await baselines.get("workloads")) === undefined,
      30_000,
      "the baseline to be gone",
    );
    expect(await childAccounts(passwordPolicies, "workloads")).toEqual([]);
    expect(await childAccounts(accessBlocks, "workloads")).toEqual([]);
  });

  it("does not fight a standalone object for the same account and setting, and says so", async () => {
    await passwordPolicies.create({
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: "PasswordPolicy",
      metadata: { name: "sandbox-standalone" },
      spec: { accountId: id("sandbox-1"), minimumPasswordLength: 20 } as ManagedObject["spec"],
    });
    await baselines.create(
      baseline("sandbox", {
        accounts: { ids: [id("sandbox-1")] },
        passwordPolicy: { minimumPasswordLength: 12 },
        publicAccessBlock: {},
      }),
    );
    const b = await waitForBaseline(
      "sandbox",
      (o) => findCondition(o.status?.conditions, "Conflict")?.status === "True",
      "Conflict",
    );
    expect(findCondition(b.status?.conditions, "Conflict")?.message).toContain(
      "PasswordPolicy/sandbox-standalone",
    );
    expect(b.status?.failures).toContainEqual(
      expect.objectContaining({ accountId: id("sandbox-1"), setting: "PasswordPolicy", reason: "Conflict" }),
    );
    expect(await childAccounts(passwordPolicies, "sandbox")).toEqual([]);
    expect(await childAccounts(accessBlocks, "sandbox")).toEqual([id("sandbox-1")]);
    await waitUntil(
      async () => (await passwordLength(id("sandbox-1"))) === 20,
      20_000,
      "the standalone policy in AWS",
    );
  });

  it("a selector naming an OU or account the organization does not have: SelectorNotFound, with one Warning", async () => {
    await baselines.create(
      baseline("nowhere", {
        accounts: { organizationalUnits: [{ path: "Root/Nope" }], ids: ["999999999999", id("dev-1")] },
        publicAccessBlock: {},
      }),
    );
    const b = await waitForBaseline(
      "nowhere",
      (o) => findCondition(o.status?.conditions, "Ready")?.reason === "SelectorNotFound",
      "SelectorNotFound",
    );
    expect(findCondition(b.status?.conditions, "Ready")?.message).toBe(
      "selects what the organization does not have: Root/Nope, 999999999999 (no such OU, or no ACTIVE account of that id)",
    );
    // What it does select is still applied.
    expect(await childAccounts(accessBlocks, "nowhere")).toEqual([id("dev-1")]);
    await waitUntil(
      async () => (await baselineEvents("nowhere")).some((e) => e.reason === "SelectorNotFound"),
      10_000,
      "the Warning",
    );
    // Said once: polls that find the same leave the Ready condition as it is and record nothing.
    await sleep(2 * DISCOVERY_MS);
    expect((await baselineEvents("nowhere")).filter((e) => e.reason === "SelectorNotFound")).toHaveLength(1);
    await baselines.delete("nowhere");
  });

  it("between two baselines the older wins", async () => {
    await baselines.create(
      baseline("prod-older", { accounts: { ids: [id("prod-1")] }, publicAccessBlock: {} }),
    );
    await waitForBaseline("prod-older", ready, "Ready");
    await baselines.create(
      baseline("prod-younger", {
        accounts: { ids: [id("prod-1")] },
        publicAccessBlock: { blockPublicAcls: false },
      }),
    );
    const younger = await waitForBaseline(
      "prod-younger",
      (o) => findCondition(o.status?.conditions, "Conflict")?.status === "True",
      "Conflict",
    );
    expect(findCondition(younger.status?.conditions, "Conflict")?.message).toContain(
      "AccountBaseline/prod-older",
    );
    expect(await childAccounts(accessBlocks, "prod-younger")).toEqual([]);
    expect(await blocksPublicAcls(id("prod-1"))).toBe(true);
  });

  it("paused, it pauses its children: nothing is repaired until it is resumed", async () => {
    await baselines.create(
      baseline("pausable", {
        accounts: { ids: [id("dev-2")] },
        passwordPolicy: { minimumPasswordLength: 18 },
      }),
    );
    await waitForBaseline("pausable", ready, "Ready");
    const paused = (await baselines.get("pausable"))!;
    await baselines.replace({
      ...paused,
      metadata: { ...paused.metadata, annotations: { "orgguard.io/paused": "true" } },
    });
    const b = await waitForBaseline(
      "pausable",
      (o) => findCondition(o.status?.conditions, "Synced")?.reason === "ReconcilePaused",
      "paused",
    );
    expect(findCondition(b.status?.conditions, "Ready")?.status).toBe("Unknown");
    const child = `pausable-${id("dev-2")}`;
    await waitUntil(
      async () =>
        findCondition((await passwordPolicies.get(child))?.status?.conditions, "Synced")?.reason ===
        "ReconcilePaused",
      20_000,
      "the child to be paused",
    );
    // A console change while paused stays.
    const iam = new IAMClient(awsClientConfig(await memberCredentials(id("dev-2"))));
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 7 }));
    await sleep(DISCOVERY_MS * 2);
    expect(await passwordLength(id("dev-2"))).toBe(7);

    const current = (await baselines.get("pausable"))!;
    await baselines.replace({ ...current, metadata: { ...current.metadata, annotations: {} } });
    await waitUntil(
      async () => (await passwordLength(id("dev-2"))) === 18,
      30_000,
      "the repair after resuming",
    );
    await waitForBaseline("pausable", ready, "Ready again");
    expect((await passwordPolicies.get(child))?.metadata.annotations?.["orgguard.io/paused"]).toBeUndefined();
  });

  it("carries ObserveOnly and deletionPolicy to the children", async () => {
    await baselines.create(
      baseline("observe", {
        accounts: { ids: [id("legacy-1")] },
        passwordPolicy: {},
        managementPolicy: "ObserveOnly",
        deletionPolicy: "Delete",
      }),
    );
    await waitUntil(
      async () => (await childAccounts(passwordPolicies, "observe")).length === 1,
      20_000,
      "the child",
    );
    const child = (await passwordPolicies.list("orgguard.io/baseline=observe")).items[0]!;
    expect(child.spec).toMatchObject({
      managementPolicy: "ObserveOnly",
      deletionPolicy: "Delete",
      accountId: id("legacy-1"),
    });
    await waitUntil(
      async () =>
        findCondition((await passwordPolicies.get(child.metadata.name))?.status?.conditions, "Ready")
          ?.reason === "NotFound",
      20_000,
      "the child to report NotFound without creating",
    );
    expect(await passwordLength(id("legacy-1")).catch((e: Error) => e.name)).toBe("NoSuchEntityException");
  });
});
