/**
 * The GuardDutyOrganization kind against moto and the real kube-apiserver, with its controller
 * in-process, in three regions. moto keeps the delegated administrator list (called from the
 * management account) and the administrator's detectors (through its role); it lacks GuardDuty's
 * organization configuration, its member operations and DisableOrganizationAdminAccount, and
 * never refuses a new administrator. Those are SDK-level stubs on the controller's own GuardDuty
 * clients, each named "stub" below, answering as the GuardDuty API reference documents, from
 * state kept here: DescribeOrganizationConfiguration / UpdateOrganizationConfiguration (only for
 * the designated administrator), ListMembers / CreateMembers / StartMonitoringMembers, AWS's
 * "...is not an administrator for this organization" right after designation, and
 * DisableOrganizationAdminAccount. (The test environment's moto also has its own emulation of
 * these calls for the examples, test/env/moto_guardduty_organization.py; the stubs answer first.)
 */
import {
  BadRequestException,
  EnableOrganizationAdminAccountCommand,
  GetDetectorCommand,
  GuardDutyClient,
  ListDetectorsCommand,
  ListOrganizationAdminAccountsCommand,
  UpdateDetectorCommand,
} from "@aws-sdk/client-guardduty";
import type { AwsCredentialIdentity } from "@smithy/types";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { WRITE_OPERATIONS } from "../../src/kinds/index.js";
import type { KindContext } from "../../src/kinds/kind-definition.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ControllerRuntime } from "../../src/runtime/controller.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  MANAGEMENT_CREDENTIALS,
  memberCredentials,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { awsException, type Fault, injectFaults } from "../support/aws-faults.js";
import { kindTestOptions, type RunningControllers, runKindController } from "../support/controllers.js";
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
import { readsPerWholePoll } from "../support/steady-polls.js";

const POLL_MS = 1500;
const REGIONS = ["eu-central-1", "eu-west-1", "us-east-1"];
/** Regions of one test each, fresh for it: the stubs are on the controller's clients there too. */
const OTHER_REGIONS = ["ap-southeast-2", "ap-northeast-1", "sa-east-1", "ca-central-1"];
const kc = adminKubeConfig();
const guardduty = orgguardClient(kc, "GuardDutyOrganization");
const organizations = orgguardClient(kc, "Organization");
const uniqueName = uniqueNames();

let tree: TestOrganization;
let admin: string;
let adminCredentials: AwsCredentialIdentity;
/** Every account that should be a member: all but the administrator. */
let memberAccounts: string[];
let runtime: ControllerRuntime | undefined;
let running: RunningControllers<Runnable> | undefined;
const calls = new Map<string, number>();
const writesSoFar = () =>
  [...calls].filter(([k]) => WRITE_OPERATIONS.has(k.replace("/", ":"))).reduce((n, [, v]) => n + v, 0);

const gdAs = (credentials: AwsCredentialIdentity, region: string) =>
  new GuardDutyClient({ ...awsClientConfig(credentials), region });
const management = (region: string) => gdAs(MANAGEMENT_CREDENTIALS, region);

/**
 * What the stubs keep per region, as GuardDuty would: the organization configuration of the
 * administrator's detector, its members, and how many more times a new administrator is refused.
 */
interface StubRegion {
  autoEnableOrganizationMembers: string;
  features: Array<Record<string, unknown>>;
  members: Map<string, string>;
  refuseAdministrator: number;
  /** Set once DisableOrganizationAdminAccount is stubbed: moto keeps listing it, the stub hides it. */
  disabled: boolean;
}
const stub = new Map<string, StubRegion>();
const stubOf = (region: string): StubRegion => {
  let s = stub.get(region);
  if (!s) {
    s = {
      autoEnableOrganizationMembers: "NONE",
      features: [],
      members: new Map(),
      refuseAdministrator: 0,
      disabled: false,
    };
    stub.set(region, s);
  }
  return s;
};
/** Every stubbed call, as `Operation region`. */
const stubbed: string[] = [];
const NOT_ADMIN = () => `Account ${admin} is not an administrator for this organization`;

/** The stubs on the administrator's GuardDuty client in `region`. */
function adminStubs(region: string): Fault[] {
  const forever = 1_000_000;
  const refusing = () => stubOf(region).refuseAdministrator > 0;
  const refuse = () => {
    stubOf(region).refuseAdministrator--;
    return awsException(BadRequestException, NOT_ADMIN());
  };
  const log = (operation: string) => stubbed.push(`${operation} ${region}`);
  return [
    { operation: "DescribeOrganizationConfiguration", times: forever, when: refusing, error: refuse },
    { operation: "UpdateOrganizationConfiguration", times: forever, when: refusing, error: refuse },
    {
      operation: "DescribeOrganizationConfiguration",
      times: forever,
      respond: () => {
        log("DescribeOrganizationConfiguration");
        const s = stubOf(region);
        return {
          AutoEnable: s.autoEnableOrganizationMembers !== "NONE",
          AutoEnableOrganizationMembers: s.autoEnableOrganizationMembers,
          MemberAccountLimitReached: false,
          Features: s.features,
        };
      },
    },
    {
      operation: "UpdateOrganizationConfiguration",
      times: forever,
      respond: (input) => {
        log("UpdateOrganizationConfiguration");
        const s = stubOf(region);
        s.autoEnableOrganizationMembers = String(input.AutoEnableOrganizationMembers);
        s.features = (input.Features as Array<Record<string, unknown>>) ?? [];
        return {};
      },
    },
    {
      operation: "ListMembers",
      times: forever,
      respond: () => {
        log("ListMembers");
        return {
          Members: [...stubOf(region).members].map(([AccountId, RelationshipStatus]) => ({
            AccountId,
            RelationshipStatus,
            Email: `${AccountId}@example.com`,
            MasterId: admin,
          })),
        };
      },
    },
    {
      operation: "CreateMembers",
      times: forever,
      respond: (input) => {
        log("CreateMembers");
        for (const d of input.AccountDetails as Array<{ AccountId: string; Email: string }>) {
          // An organization account becomes a member at once (no invitation); it needs its email.
          if (d.Email) stubOf(region).members.set(d.AccountId, "Enabled");
        }
        return { UnprocessedAccounts: [] };
      },
    },
    {
      operation: "StartMonitoringMembers",
      times: forever,
      respond: (input) => {
        log("StartMonitoringMembers");
        for (const id of input.AccountIds as string[]) stubOf(region).members.set(id, "Enabled");
        return { UnprocessedAccounts: [] };
      },
    },
  ];
}

/** The stubs on the management account's GuardDuty client in `region`. */
function managementStubs(region: string): Fault[] {
  return [
    {
      operation: "DisableOrganizationAdminAccount",
      times: 1_000_000,
      respond: () => {
        stubbed.push(`DisableOrganizationAdminAccount ${region}`);
        stubOf(region).disabled = true;
        return {};
      },
    },
    {
      operation: "ListOrganizationAdminAccounts",
      times: 1_000_000,
      when: () => stubOf(region).disabled,
      amend: (output) => ({
        ...output,
        AdminAccounts: ((output.AdminAccounts as Array<{ AdminAccountId: string }>) ?? []).filter(
          (a) => a.AdminAccountId !== admin,
        ),
      }),
    },
  ];
}

async function detectorOf(
  region: string,
): Promise<{ id: string; status: string; frequency: string } | undefined> {
  const [id] = (await gdAs(adminCredentials, region).send(new ListDetectorsCommand({}))).DetectorIds ?? [];
  if (!id) return undefined;
  const d = await gdAs(adminCredentials, region).send(new GetDetectorCommand({ DetectorId: id }));
  return { id, status: d.Status ?? "", frequency: d.FindingPublishingFrequency ?? "" };
}

const adminsIn = async (region: string) =>
  ((await management(region).send(new ListOrganizationAdminAccountsCommand({}))).AdminAccounts ?? []).map(
    (a) => a.AdminAccountId,
  );

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [
      { name: "Security", accounts: ["security-tooling", "log-archive"] },
      { name: "Workloads", accounts: ["prod-1"] },
    ],
  });
  admin = tree.accountIds.get("security-tooling")!;
  adminCredentials = await memberCredentials(admin);
  memberAccounts = [
    MANAGEMENT_ACCOUNT_ID,
    tree.accountIds.get("log-archive")!,
    tree.accountIds.get("prod-1")!,
  ].sort();
  const aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) =>
      calls.set(`${service}/${operation}`, (calls.get(`${service}/${operation}`) ?? 0) + 1),
  });
  for (const region of [...REGIONS, ...OTHER_REGIONS]) {
    injectFaults(await aws.forAccount("guardduty", { accountId: admin, region }), adminStubs(region));
    injectFaults(
      await aws.forAccount("guardduty", { accountId: MANAGEMENT_ACCOUNT_ID, region }),
      managementStubs(region),
    );
  }
  const context: KindContext = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
    discoveryIntervalMs: 10 * 60_000,
    // As the controller does: the Organization objects its informers hold.
    objectsOf: (kind) =>
      kind === "Organization" && runtime
        ? runtime.informers.informer<ManagedObject>(organizations.ref).list()
        : [],
  };
  running = await runKindController(
    kc,
    "GuardDutyOrganization",
    context,
    kindTestOptions(POLL_MS, {
      // AWS takes seconds to accept a new administrator: looked at again this soon (15 s by default).
      progressRecheckMs: 500,
    }),
    (r) => {
      runtime = r;
      r.informers.informer(organizations.ref);
    },
  );
}, 120_000);

afterEach(async () => {
  await deleteEveryObject([guardduty, organizations]);
});

afterAll(async () => {
  await running?.stop();
});

describe("GuardDutyOrganization against moto plus SDK stubs", () => {
  it("stub (organization configuration, members): enables GuardDuty in 3 regions of the administrator account, auto-enable ALL, every account a member; polls then write nothing", async () => {
    const name = uniqueName("gd");
    await guardduty.create(
      manifest("GuardDutyOrganization", name, {
        administrator: { accountName: "security-tooling" },
        regions: REGIONS,
        findingPublishingFrequency: "FIFTEEN_MINUTES",
      }),
    );
    const ready = await waitForReadyReason(guardduty, name, "Available", { timeoutMs: 30_000 });
    for (const region of REGIONS) {
      // moto: designated from the management account, a detector in the administrator account.
      expect(await adminsIn(region)).toEqual([admin]);
      expect(await detectorOf(region)).toMatchObject({ status: "ENABLED", frequency: "FIFTEEN_MINUTES" });
      // The stubs: what UpdateOrganizationConfiguration and CreateMembers were sent.
      const s = stubOf(region);
      expect(s.autoEnableOrganizationMembers).toBe("ALL");
      expect(s.features).toEqual(
        expect.arrayContaining([
          { Name: "S3_DATA_EVENTS", AutoEnable: "ALL" },
          { Name: "EBS_MALWARE_PROTECTION", AutoEnable: "ALL" },
          expect.objectContaining({ Name: "RUNTIME_MONITORING", AutoEnable: "NONE" }),
        ]),
      );
      expect([...s.members.keys()].sort()).toEqual(memberAccounts);
    }
    expect(ready.status).toMatchObject({
      regions: REGIONS,
      regionsFrom: "spec.regions",
      members: `${memberAccounts.length}/${memberAccounts.length}`,
      managed: { designatedRegions: REGIONS },
    });
    expect(ready.status?.compliance).toEqual([
      expect.objectContaining({ control: "GuardDuty.1", compliant: true }),
    ]);
    expect(ready.status?.atProvider).toMatchObject({ administratorAccountId: admin });

    const writes = writesSoFar();
    const before = new Map(calls);
    await sleep(POLL_MS * 4);
    const { perPoll } = await readsPerWholePoll(calls, before, {
      pollOperation: "guardduty/ListDetectors",
      callsPerPoll: REGIONS.length,
      timeoutMs: POLL_MS * 4,
    });
    expect(writesSoFar()).toBe(writes);
    console.log(`steady state, per poll (${REGIONS.length} regions): ${JSON.stringify(perPoll)}`);
    expect(perPoll).toEqual({
      "guardduty/ListOrganizationAdminAccounts": 3,
      "guardduty/ListDetectors": 3,
      "guardduty/GetDetector": 3,
      "guardduty/DescribeOrganizationConfiguration": 3,
      "guardduty/ListMembers": 3,
    });
  });

  it("stub (members): a member whose GuardDuty was stopped by hand is monitored again; a detector suspended by hand is enabled again", async () => {
    const name = uniqueName("gd");
    await guardduty.create(
      manifest("GuardDutyOrganization", name, { administrator: { accountId: admin }, regions: REGIONS }),
    );
    await waitForReadyReason(guardduty, name, "Available", { timeoutMs: 30_000 });
    const prod = tree.accountIds.get("prod-1")!;
    // By hand: StopMonitoringMembers for prod-1 in eu-west-1 (kept by the stubs), and UpdateDetector(Enable false) in moto.
    stubOf("eu-west-1").members.set(prod, "Disabled");
    const detector = await detectorOf("us-east-1");
    await gdAs(adminCredentials, "us-east-1").send(
      new UpdateDetectorCommand({ DetectorId: detector!.id, Enable: false }),
    );
    await waitUntil(
      async () =>
        stubOf("eu-west-1").members.get(prod) === "Enabled" &&
        (await detectorOf("us-east-1"))?.status === "ENABLED",
      POLL_MS * 5,
      "the member monitored and the detector enabled again",
    );
    expect(stubbed).toContain("StartMonitoringMembers eu-west-1");
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );
  });

  it("stub (AWS's refusal right after designation): 'is not an administrator for this organization' is retried with the reason, then Ready", async () => {
    // A fresh organization configuration and members in a region not designated yet.
    await resetRegion("ap-southeast-2");
    stubOf("ap-southeast-2").refuseAdministrator = 3;
    const name = uniqueName("gd");
    await guardduty.create(
      manifest("GuardDutyOrganization", name, {
        administrator: { accountId: admin },
        regions: ["ap-southeast-2"],
      }),
    );
    const seen = new Set<string>();
    await waitUntil(
      async () => {
        const o = await guardduty.get(name);
        const ready = findCondition(o?.status?.conditions, "Ready");
        const synced = findCondition(o?.status?.conditions, "Synced");
        if (synced?.reason) seen.add(`Synced/${synced.reason}`);
        if (ready?.reason) seen.add(`Ready/${ready.reason}`);
        return ready?.reason === "Available";
      },
      30_000,
      "Ready after the refusals",
    );
    // In between, the object said why it was waiting: the write's retry, then observe's Progressing.
    console.log(`conditions seen on the way: ${[...seen].join(", ")}`);
    expect(seen).toContain("Synced/AdministratorNotReady");
    expect(seen).toContain("Ready/Progressing");
    expect(
      (await eventMessages(kc, name)).some((m) =>
        m.includes("is not an administrator for this organization"),
      ),
    ).toBe(true);
    expect(stubOf("ap-southeast-2").refuseAdministrator).toBe(0);
    expect(stubOf("ap-southeast-2").autoEnableOrganizationMembers).toBe("ALL");
  });

  it("an administrator someone else designated in a region is never replaced: Stalled naming it, nothing written", async () => {
    await resetRegion("ap-northeast-1");
    const other = tree.accountIds.get("log-archive")!;
    await management("ap-northeast-1").send(
      new EnableOrganizationAdminAccountCommand({ AdminAccountId: other }),
    );
    const writes = writesSoFar();
    const name = uniqueName("gd");
    await guardduty.create(
      manifest("GuardDutyOrganization", name, {
        administrator: { accountId: admin },
        regions: ["ap-northeast-1"],
      }),
    );
    const stalled = await waitForReadyReason(guardduty, name, "AdministratorExists", {
      condition: "Stalled",
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      `ap-northeast-1: account ${other} is GuardDuty's delegated administrator`,
    );
    await sleep(POLL_MS);
    expect(writesSoFar()).toBe(writes);
    expect(await adminsIn("ap-northeast-1")).toEqual([other]);
  });

  it("the Organization kind also naming GuardDuty's administrator: a clear condition, nothing written", async () => {
    await organizations.create(
      manifest("Organization", uniqueName("org"), {
        trustedAccess: ["guardduty.amazonaws.com"],
        delegatedAdministrators: [
          { servicePrincipal: "guardduty.amazonaws.com", accountName: "security-tooling" },
        ],
      }),
    );
    const writes = writesSoFar();
    const name = uniqueName("gd");
    await guardduty.create(
      manifest("GuardDutyOrganization", name, { administrator: { accountId: admin }, regions: REGIONS }),
    );
    const stalled = await waitForReadyReason(guardduty, name, "AdministratorDesignatedTwice", {
      condition: "Stalled",
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toMatch(
      /designated in one place only, a GuardDutyOrganization's spec.administrator .* but Organization\/org-[^ ]+ spec.delegatedAdministrators\[0\] names guardduty.amazonaws.com too/,
    );
    expect(writesSoFar()).toBe(writes);
    // The entry removed: the object proceeds (checked again every poll).
    await deleteEveryObject([organizations]);
    await waitForReadyReason(guardduty, name, "Available", { timeoutMs: 30_000 });
  });

  it("ObserveOnly reports the planned changes and writes nothing", async () => {
    await resetRegion("sa-east-1");
    const writes = writesSoFar();
    const name = uniqueName("gd");
    await guardduty.create(
      manifest("GuardDutyOrganization", name, {
        administrator: { accountId: admin },
        regions: ["sa-east-1"],
        managementPolicy: "ObserveOnly",
      }),
    );
    const drifted = await waitForReadyReason(guardduty, name, "Drifted");
    expect(((drifted.status?.plannedChanges ?? []) as Array<{ path: string }>).map((c) => c.path)).toEqual([
      "regions[sa-east-1].administrator",
      "regions[sa-east-1].detector",
      "regions[sa-east-1].autoEnableMembers",
    ]);
    await sleep(POLL_MS * 2);
    expect(writesSoFar()).toBe(writes);
    expect(await adminsIn("sa-east-1")).toEqual([]);
  });

  it("stub (DisableOrganizationAdminAccount): deletionPolicy Delete removes the designations it made; Retain leaves them", async () => {
    await resetRegion("ca-central-1");
    const spec = { administrator: { accountId: admin }, regions: ["ca-central-1"] };
    const kept = uniqueName("gd");
    await guardduty.create(manifest("GuardDutyOrganization", kept, spec));
    await waitForReadyReason(guardduty, kept, "Available", { timeoutMs: 30_000 });
    await deleteEveryObject([guardduty]);
    expect(stubbed).not.toContain("DisableOrganizationAdminAccount ca-central-1");

    // Already designated and not adopted: nothing is this object's to remove.
    const notOwned = uniqueName("gd");
    await guardduty.create(
      manifest("GuardDutyOrganization", notOwned, { ...spec, deletionPolicy: "Delete" }),
    );
    const ready = await waitForReadyReason(guardduty, notOwned, "Available", { timeoutMs: 30_000 });
    expect(ready.status?.managed).toEqual({ designatedRegions: [] });
    await deleteEveryObject([guardduty]);
    expect(stubbed).not.toContain("DisableOrganizationAdminAccount ca-central-1");

    // Adopted: now it is, and Delete removes it.
    const adopted = uniqueName("gd");
    const object = manifest("GuardDutyOrganization", adopted, { ...spec, deletionPolicy: "Delete" });
    object.metadata.annotations = { "orgguard.io/adopt": "true" };
    await guardduty.create(object);
    const owned = await waitForReadyReason(guardduty, adopted, "Available", { timeoutMs: 30_000 });
    expect(owned.status?.managed).toEqual({ designatedRegions: ["ca-central-1"] });
    expect(await eventReasons(kc, adopted)).toContain("Adopted");
    await deleteEveryObject([guardduty]);
    expect(stubbed).toContain("DisableOrganizationAdminAccount ca-central-1");
    expect(await eventReasons(kc, adopted)).toContain("Deleted");
  });
});

/** A region the stubs know nothing of yet (a fresh organization configuration, no members). */
async function resetRegion(region: string): Promise<void> {
  stub.delete(region);
}
