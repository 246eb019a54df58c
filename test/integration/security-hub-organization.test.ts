/**
 * SecurityHubOrganization against moto and the real kube-apiserver, its controller in-process, each
 * test on an organization of its own. moto 5.2.5 emulates Security Hub's hub
 * (EnableSecurityHub/DescribeHub), the organization administrator (EnableOrganizationAdminAccount,
 * with its management-account and membership checks), the organization configuration (with its
 * CENTRAL checks: AutoEnable false, AutoEnableStandards NONE) and members (CreateMembers,
 * ListMembers): those calls reach moto, and the tests read moto's state back. What moto lacks is
 * answered by SDK-level stubs on the controller's own Security Hub clients, from the model of
 * test/support/security-hub-stub.ts, as the Security Hub API reference documents it:
 * ListOrganizationAdminAccounts, the standards (DescribeStandards, GetEnabledStandards,
 * BatchEnableStandards), the controls (ListSecurityControlDefinitions, the standards control
 * associations), the finding aggregator, configuration policies and their associations. Tests
 * that rely on them say "stub" in their title; AWS's refusals moto does not make (the
 * administrator not ready yet, auto-enable refused under central configuration, a wrong control id,
 * Security Hub's administrator registered in Organizations for another account) are stubs too.
 */

import { EnableAWSServiceAccessCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import {
  DescribeHubCommand,
  DescribeOrganizationConfigurationCommand,
  InvalidAccessException,
  ListMembersCommand,
  SecurityHubClient as SdkSecurityHubClient,
  ValidationException,
} from "@aws-sdk/client-securityhub";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { WRITE_OPERATIONS } from "../../src/kinds/index.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { kubeStatusCode } from "../../src/runtime/reconcile-errors.js";
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
  eventReasons,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";
import { SecurityHubModel, standardArn } from "../support/security-hub-stub.js";

const POLL_MS = 1500;
const HOME = "us-east-1";
const OTHER = "eu-west-1";
const REGIONS = [HOME, OTHER];
const HUB = "securityhub.amazonaws.com";
const kc = adminKubeConfig();
const hubs = orgguardClient(kc, "SecurityHubOrganization");
const uniqueName = uniqueNames();

const DISABLED = [
  { control: "IAM.18", reason: "support cases are opened from the management account by the platform team" },
  {
    control: "IAM.28",
    reason: "one organization-wide external access analyzer runs in the security tooling account",
  },
  {
    control: "S3.5",
    reason: "TLS is required by the deny-s3-without-https SCP with the s3-organization-perimeter RCP",
  },
];
const STANDARDS = [
  { name: "cis-aws-foundations-benchmark", version: "5.0.0" },
  { name: "pci-dss", version: "4.0.1" },
];

let tree: TestOrganization;
let tooling: string;
let model: SecurityHubModel;
let aws: AwsClients;
let running: RunningControllers<Runnable> | undefined;
/** Every AWS call the controller made, by `service/Operation`. */
const calls = new Map<string, number>();
/** The stubs of each of the controller's Security Hub clients (refilled for each test's organization). */
const stubs = new Map<string, Fault[]>();
/** The stubs on the controller's Organizations client. */
const organizationStubs: Fault[] = [];

const writesSoFar = () =>
  [...calls].filter(([k]) => WRITE_OPERATIONS.has(k.replace("/", ":"))).reduce((n, [, v]) => n + v, 0);
const callsSince = (before: Map<string, number>) =>
  Object.fromEntries(
    [...calls].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0),
  );

/** The stubs of the controller's client of `account` in `region`: made once, refilled per test. */
async function stubsOf(account: string, region: string): Promise<Fault[]> {
  const key = `${account}/${region}`;
  let list = stubs.get(key);
  if (!list) {
    list = [];
    stubs.set(key, list);
    injectFaults(await aws.forAccount("securityhub", { accountId: account, region }), list);
  }
  return list;
}

/** An extra stub, before the model's, on the client of `account` in `region`. */
async function stubFirst(account: string, region: string, fault: Fault): Promise<void> {
  (await stubsOf(account, region)).unshift(fault);
}

/** moto's Security Hub as the administrator sees it (what moto emulates, read back). */
async function administratorHub(region: string): Promise<SdkSecurityHubClient> {
  return new SdkSecurityHubClient({ ...awsClientConfig(await memberCredentials(tooling)), region });
}

/** Replaces the object's spec (again on a 409: the controller may have written status meanwhile). */
async function replaceSpec(name: string, spec: Record<string, unknown>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const current = await hubs.get(name);
    if (!current) throw new Error(`${name} is gone`);
    try {
      await hubs.replace({ ...current, spec });
      return;
    } catch (err) {
      if (attempt >= 5 || kubeStatusCode(err) !== 409) throw err;
    }
  }
}

const waitForStalled = async (name: string, reason: string) => {
  let last: ManagedObject | undefined;
  await waitUntil(
    async () => {
      last = await hubs.get(name);
      return findCondition(last?.status?.conditions, "Stalled")?.reason === reason;
    },
    20_000,
    () => `${name} to be Stalled/${reason} (status: ${JSON.stringify(last?.status)})`,
  );
  return last as ManagedObject;
};

const seedsSpec = (overrides: Record<string, unknown> = {}) => ({
  administrator: { accountId: tooling },
  regions: REGIONS,
  homeRegion: HOME,
  standards: STANDARDS,
  disabledControls: DISABLED,
  ...overrides,
});

beforeAll(async () => {
  await installOrgguardCrds();
  aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) =>
      calls.set(`${service}/${operation}`, (calls.get(`${service}/${operation}`) ?? 0) + 1),
  });
  injectFaults(aws.organizations(), organizationStubs);
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
    // Each test makes an organization of its own: the view must not outlive it.
    discoveryIntervalMs: 1000,
  };
  running = await runKindController(
    kc,
    "SecurityHubOrganization",
    context,
    kindTestOptions(POLL_MS, { progressRecheckMs: 500 }),
  );
}, 120_000);

beforeEach(async () => {
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [
      { name: "Security", accounts: ["security-tooling", "log-archive"] },
      { name: "Workloads", accounts: ["dev-1"] },
    ],
  });
  tooling = tree.accountIds.get("security-tooling")!;
  await new OrganizationsClient(awsClientConfig()).send(
    new EnableAWSServiceAccessCommand({ ServicePrincipal: HUB }),
  );
  // moto was reset under the running controller: its organization view (re-read once older than
  // discoveryIntervalMs) may still hold the previous test's accounts. Let it age, so the first
  // reconcile of this test's object reads this organization.
  await sleep(1_100);
  model = new SecurityHubModel(MANAGEMENT_ACCOUNT_ID, () => [...tree.accountIds.values()]);
  for (const account of [MANAGEMENT_ACCOUNT_ID, tooling]) {
    for (const region of REGIONS) {
      const list = await stubsOf(account, region);
      list.splice(0, list.length, ...model.faults(account, region));
    }
  }
}, 60_000);

afterEach(async () => {
  organizationStubs.splice(0);
  await deleteEveryObject([hubs]);
});

afterAll(async () => {
  await running?.stop();
});

describe("SecurityHubOrganization, central configuration (the default)", () => {
  it("stub for what moto lacks: from an empty organization to CIS v5.0 and PCI DSS v4.0.1 with three disabled controls in two regions, then writes nothing", async () => {
    const name = uniqueName("shub");
    const before = new Map(calls);
    await hubs.create(
      manifest(
        "SecurityHubOrganization",
        name,
        seedsSpec({ administrator: { accountName: "security-tooling" } }),
      ),
    );
    const ready = await waitForReadyReason(hubs, name, "Available", { timeoutMs: 30_000 });
    console.log(`cold, from creation to Ready: ${JSON.stringify(callsSince(before))}`);

    // What moto emulates, read back from moto as the administrator: Security Hub on in both
    // regions, central configuration accepted (moto checks AutoEnable false and AutoEnableStandards NONE).
    for (const region of REGIONS) {
      await (await administratorHub(region)).send(new DescribeHubCommand({}));
    }
    const configuration = await (await administratorHub(HOME)).send(
      new DescribeOrganizationConfigurationCommand({}),
    );
    expect(configuration).toMatchObject({
      AutoEnable: false,
      AutoEnableStandards: "NONE",
      OrganizationConfiguration: { ConfigurationType: "CENTRAL" },
    });
    expect(model.admins).toEqual(
      new Map([
        [HOME, tooling],
        [OTHER, tooling],
      ]),
    );
    // What the stubs keep: the aggregator, the policy with the standards of the home region and the
    // disabled controls, associated with the root.
    const home = model.state(tooling, HOME);
    expect(home.aggregator).toMatchObject({ mode: "SPECIFIED_REGIONS", regions: [OTHER] });
    const [policy] = [...home.policies.values()];
    expect(policy?.configurationPolicy).toEqual({
      SecurityHub: {
        ServiceEnabled: true,
        EnabledStandardIdentifiers: [
          standardArn(HOME, "cis-aws-foundations-benchmark", "5.0.0"),
          standardArn(HOME, "pci-dss", "4.0.1"),
        ],
        SecurityControlsConfiguration: { DisabledSecurityControlIdentifiers: ["IAM.18", "IAM.28", "S3.5"] },
      },
    });
    expect(home.policyAssociations.get(tree.rootId)?.policyId).toBe(policy?.id);
    expect(ready.status?.disabledControls).toEqual(DISABLED);
    expect(ready.status?.configurationPolicyId).toBe(policy?.id);
    expect(ready.status?.atProvider).toMatchObject({
      administratorAccountId: tooling,
      configurationType: "CENTRAL",
      configurationPolicy: { targets: [{ target: `root ${tree.rootId}`, status: "SUCCESS" }] },
      regions: [
        { region: HOME, administrator: tooling, hubEnabled: true, accounts: 3 },
        { region: OTHER, administrator: tooling, hubEnabled: true, accounts: 3 },
      ],
    });
    expect(await eventReasons(kc, name)).toContain("Created");

    // A second pass changes nothing: polls read, never write.
    const writes = writesSoFar();
    const steady = new Map(calls);
    await sleep(POLL_MS * 4);
    expect(writesSoFar()).toBe(writes);
    const read = callsSince(steady);
    const polls = read["organizations/ListAWSServiceAccessForOrganization"] ?? 0;
    expect(polls).toBeGreaterThanOrEqual(2);
    console.log(
      `steady, per poll (${polls} polls): ${JSON.stringify(Object.fromEntries(Object.entries(read).map(([k, v]) => [k, v / polls])))}`,
    );
  });

  it("stub: a control enabled again by hand in the configuration policy is disabled again (DriftRepaired)", async () => {
    const name = uniqueName("shub");
    await hubs.create(manifest("SecurityHubOrganization", name, seedsSpec()));
    await waitForReadyReason(hubs, name, "Available", { timeoutMs: 30_000 });
    const [policy] = [...model.state(tooling, HOME).policies.values()];
    if (!policy) throw new Error("no policy");
    const hub = policy.configurationPolicy.SecurityHub as Record<string, unknown>;
    policy.configurationPolicy = {
      SecurityHub: {
        ...hub,
        SecurityControlsConfiguration: { DisabledSecurityControlIdentifiers: ["IAM.18", "IAM.28"] },
      },
    };
    await waitUntil(
      async () =>
        JSON.stringify(
          (policy.configurationPolicy.SecurityHub as Record<string, unknown>).SecurityControlsConfiguration,
        ).includes("S3.5"),
      10_000,
      "S3.5 disabled again",
    );
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "a DriftRepaired event",
    );
  });

  it("ObserveOnly on an empty organization: reports every planned change and writes nothing", async () => {
    const name = uniqueName("shub");
    const writes = writesSoFar();
    await hubs.create(
      manifest("SecurityHubOrganization", name, seedsSpec({ managementPolicy: "ObserveOnly" })),
    );
    const observed = await waitForReadyReason(hubs, name, "NotFound", { timeoutMs: 20_000 });
    expect(observed.status?.plannedChanges).toEqual([
      {
        path: "regions[us-east-1].administrator",
        to: tooling,
        description: `designate ${tooling} as Security Hub administrator (AWS enables Security Hub there)`,
      },
      {
        path: "regions[eu-west-1].administrator",
        to: tooling,
        description: `designate ${tooling} as Security Hub administrator (AWS enables Security Hub there)`,
      },
    ]);
    expect(model.admins.size).toBe(0);
    await sleep(POLL_MS);
    expect(writesSoFar()).toBe(writes);
  });

  it("stub: refuses an unknown standard, then an unknown control, before any write, listing the valid ones", async () => {
    const name = uniqueName("shub");
    const writes = writesSoFar();
    await hubs.create(
      manifest(
        "SecurityHubOrganization",
        name,
        seedsSpec({ standards: [{ name: "pci-dss", version: "4.0.0" }] }),
      ),
    );
    const stalled = await waitForStalled(name, "UnknownStandard");
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      "spec.standards[0].version: pci-dss has no version 4.0.0 in us-east-1; its versions: 3.2.1, 4.0.1",
    );
    await replaceSpec(name, seedsSpec({ disabledControls: [{ control: "IAM.188", reason: "a typo" }] }));
    const again = await waitForStalled(name, "UnknownControl");
    const message = findCondition(again.status?.conditions, "Stalled")?.message ?? "";
    expect(message).toContain("IAM.188 is not a control of the spec's standards in us-east-1");
    expect(message).toContain("(did you mean IAM.18?)");
    expect(message).toContain("IAM.18, IAM.28, KMS.4, S3.1, S3.5");
    expect(writesSoFar()).toBe(writes);
    expect(model.admins.size).toBe(0);
  });

  it("stub: waits while AWS has not made the administrator one yet (Progressing with the reason), then goes on", async () => {
    // AWS answers "not an administrator" for seconds after the designation (terraform-provider-aws#23079).
    let refused = 0;
    await stubFirst(tooling, HOME, {
      operation: "DescribeOrganizationConfiguration",
      times: 4,
      error: () => {
        refused += 1;
        return awsException(
          InvalidAccessException,
          `Account ${tooling} is not an administrator for this organization`,
        );
      },
    });
    const name = uniqueName("shub");
    await hubs.create(manifest("SecurityHubOrganization", name, seedsSpec()));
    const waiting = await waitForReadyReason(hubs, name, "Progressing", { timeoutMs: 20_000 });
    expect(findCondition(waiting.status?.conditions, "Ready")?.message).toContain(
      `AWS has not made ${tooling} the Security Hub administrator in us-east-1 yet`,
    );
    await waitForReadyReason(hubs, name, "Available", { timeoutMs: 30_000 });
    expect(refused).toBe(4);
  });

  it("stub: stalls when Organizations has another account registered for Security Hub (the Organization kind's delegatedAdministrators)", async () => {
    const other = tree.accountIds.get("log-archive")!;
    // moto refuses securityhub.amazonaws.com as a delegated administrator: AWS's lists, stubbed.
    organizationStubs.push(
      {
        operation: "ListDelegatedAdministrators",
        times: Number.POSITIVE_INFINITY,
        amend: (output) => ({
          ...output,
          DelegatedAdministrators: [
            ...((output.DelegatedAdministrators as unknown[] | undefined) ?? []),
            { Id: other, Status: "ACTIVE" },
          ],
        }),
      },
      {
        operation: "ListDelegatedServicesForAccount",
        times: Number.POSITIVE_INFINITY,
        when: (input) => input.AccountId === other,
        respond: () => ({ DelegatedServices: [{ ServicePrincipal: HUB }] }),
      },
    );
    const name = uniqueName("shub");
    const writes = writesSoFar();
    await hubs.create(manifest("SecurityHubOrganization", name, seedsSpec()));
    const stalled = await waitForStalled(name, "DelegatedAdministratorConflict");
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      `Remove securityhub.amazonaws.com from the Organization object's spec.delegatedAdministrators (and deregister ${other})`,
    );
    expect(writesSoFar()).toBe(writes);
  });

  it("stub: deletes its configuration policy with deletionPolicy Delete, and leaves Security Hub on", async () => {
    const name = uniqueName("shub");
    await hubs.create(manifest("SecurityHubOrganization", name, seedsSpec({ deletionPolicy: "Delete" })));
    await waitForReadyReason(hubs, name, "Available", { timeoutMs: 30_000 });
    await hubs.delete(name);
    await waitUntil(async () => (await hubs.get(name)) === undefined, 20_000, `${name} gone`);
    expect(model.state(tooling, HOME).policies.size).toBe(0);
    expect(model.state(tooling, HOME).policyAssociations.size).toBe(0);
    await (await administratorHub(HOME)).send(new DescribeHubCommand({}));
  });
});

describe("SecurityHubOrganization, local configuration", () => {
  const localSpec = (overrides: Record<string, unknown> = {}) =>
    seedsSpec({ configuration: "LOCAL", autoEnableStandards: "NONE", ...overrides });

  it("stub for standards and controls: enables them in the administrator in two regions, and the organization's accounts as members in moto", async () => {
    const name = uniqueName("shub");
    await hubs.create(manifest("SecurityHubOrganization", name, localSpec()));
    const ready = await waitForReadyReason(hubs, name, "Available", { timeoutMs: 40_000 });
    for (const region of REGIONS) {
      const state = model.state(tooling, region);
      expect([...state.standards.keys()].sort()).toEqual([
        standardArn(region, "cis-aws-foundations-benchmark", "5.0.0"),
        standardArn(region, "pci-dss", "4.0.1"),
      ]);
      for (const { control, reason } of DISABLED) {
        expect(
          state.associations.get(
            `${standardArn(region, "cis-aws-foundations-benchmark", "5.0.0")}|${control}`,
          ),
        ).toEqual({
          status: "DISABLED",
          reason,
        });
      }
      // Members are moto's: every account of the organization but the administrator.
      const members = await (await administratorHub(region)).send(new ListMembersCommand({}));
      expect((members.Members ?? []).map((m) => m.AccountId).sort()).toEqual(
        [MANAGEMENT_ACCOUNT_ID, tree.accountIds.get("log-archive"), tree.accountIds.get("dev-1")].sort(),
      );
    }
    const configuration = await (await administratorHub(OTHER)).send(
      new DescribeOrganizationConfigurationCommand({}),
    );
    expect(configuration).toMatchObject({
      AutoEnable: true,
      OrganizationConfiguration: { ConfigurationType: "LOCAL" },
    });
    expect(ready.status?.atProvider).toMatchObject({
      regions: [
        { region: HOME, membersEnabled: 3, accounts: 3 },
        { region: OTHER, membersEnabled: 3, accounts: 3 },
      ],
    });
    const writes = writesSoFar();
    await sleep(POLL_MS * 3);
    expect(writesSoFar()).toBe(writes);
  });

  it("stub: a control re-enabled by hand is disabled again with its reason; one disabled by hand is enabled again", async () => {
    const name = uniqueName("shub");
    await hubs.create(manifest("SecurityHubOrganization", name, localSpec()));
    await waitForReadyReason(hubs, name, "Available", { timeoutMs: 40_000 });
    const state = model.state(tooling, OTHER);
    const s35 = `${standardArn(OTHER, "pci-dss", "4.0.1")}|S3.5`;
    const iam6 = `${standardArn(OTHER, "cis-aws-foundations-benchmark", "5.0.0")}|IAM.6`;
    // What BatchUpdateStandardsControlAssociations by hand leaves.
    state.associations.set(s35, { status: "ENABLED" });
    state.associations.set(iam6, { status: "DISABLED", reason: "noisy" });
    await waitUntil(
      async () =>
        state.associations.get(s35)?.status === "DISABLED" &&
        state.associations.get(iam6)?.status === "ENABLED",
      10_000,
      "the controls repaired",
    );
    expect(state.associations.get(s35)?.reason).toBe(DISABLED[2]?.reason);
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "a DriftRepaired event",
    );
  });

  it("ObserveOnly reports a control re-enabled by hand, with its reason, and changes nothing", async () => {
    const name = uniqueName("shub");
    await hubs.create(manifest("SecurityHubOrganization", name, localSpec()));
    await waitForReadyReason(hubs, name, "Available", { timeoutMs: 40_000 });
    await replaceSpec(name, localSpec({ managementPolicy: "ObserveOnly" }));
    await waitForReadyReason(hubs, name, "Available");
    const s35 = `${standardArn(HOME, "cis-aws-foundations-benchmark", "5.0.0")}|S3.5`;
    model.state(tooling, HOME).associations.set(s35, { status: "ENABLED" });
    const drifted = await waitForReadyReason(hubs, name, "Drifted", { timeoutMs: 10_000 });
    expect(drifted.status?.plannedChanges).toEqual([
      {
        path: "regions[us-east-1].controls[S3.5@cis-aws-foundations-benchmark 5.0.0]",
        from: "enabled",
        to: "disabled",
        description: `disable S3.5: ${DISABLED[2]?.reason}`,
      },
    ]);
    await sleep(POLL_MS * 2);
    expect(model.state(tooling, HOME).associations.get(s35)?.status).toBe("ENABLED");
  });

  it("stub: a control id AWS refuses (INVALID_INPUT) stalls the object with AWS's reason", async () => {
    await stubFirst(tooling, OTHER, {
      operation: "BatchUpdateStandardsControlAssociations",
      times: Number.POSITIVE_INFINITY,
      respond: (input) => ({
        UnprocessedAssociationUpdates: (
          input.StandardsControlAssociationUpdates as Array<Record<string, unknown>>
        )
          .filter((u) => u.SecurityControlId === "S3.5")
          .map((u) => ({
            StandardsControlAssociationUpdate: u,
            ErrorCode: "INVALID_INPUT",
            ErrorReason: "Invalid security control id: S3.5 is not available in this Region",
          })),
      }),
    });
    const name = uniqueName("shub");
    await hubs.create(manifest("SecurityHubOrganization", name, localSpec()));
    const stalled = await waitForStalled(name, "UnknownControl");
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      "S3.5 (cis-aws-foundations-benchmark 5.0.0 in eu-west-1): INVALID_INPUT Invalid security control id: S3.5 is not available in this Region",
    );
  });

  it("stub: says so when AWS refuses auto-enable because the organization uses central configuration", async () => {
    const name = uniqueName("shub");
    await hubs.create(manifest("SecurityHubOrganization", name, seedsSpec()));
    await waitForReadyReason(hubs, name, "Available", { timeoutMs: 30_000 });
    // moto lets a request switch CENTRAL to LOCAL with auto-enable on; AWS documents AutoEnable as
    // "set to false and can't be changed" under central configuration.
    for (const region of REGIONS) {
      await stubFirst(tooling, region, {
        operation: "UpdateOrganizationConfiguration",
        times: Number.POSITIVE_INFINITY,
        when: (input) => input.AutoEnable === true,
        error: () =>
          awsException(
            ValidationException,
            "AutoEnable can't be changed when the organization uses central configuration",
          ),
      });
    }
    await replaceSpec(name, localSpec());
    const stalled = await waitForStalled(name, "CentralConfigurationRefusesAutoEnable");
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      "stop central configuration first (disassociate its configuration policies in the home region)",
    );
  });
});
