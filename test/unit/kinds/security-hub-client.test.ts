/**
 * The SecurityHubOrganization client (src/kinds/security-hub-organization/client.ts) in-process,
 * through its SDK implementation, on SDK clients answered by the Security Hub model of
 * test/support/security-hub-stub.ts (as the API reference documents it; no network): from an empty
 * organization to the steady state in two regions (central and local configuration), a second
 * reconcile that writes nothing, what is refused before any write (an unknown standard or control,
 * the management account as administrator), what blocks (trusted access off, another
 * administrator, another account registered in Organizations), AWS's documented refusals (the
 * administrator not ready yet, auto-enable under central configuration, a wrong control id),
 * repairs of hand changes, adoption and deletion. test/integration/security-hub-organization.test.ts
 * runs the same client against moto and these stubs.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { OrganizationView } from "../../../src/aws/organization-view.js";
import type { ServiceIntegration } from "../../../src/aws/service-integration.js";
import type { ViewReader } from "../../../src/kinds/organization.js";
import {
  SecurityHubClient,
  type SecurityHubObject,
} from "../../../src/kinds/security-hub-organization/client.js";
import { sdkSecurityHubApi } from "../../../src/kinds/security-hub-organization/security-hub-api.js";
import type { Observation } from "../../../src/runtime/managed.js";
import { BlockedError, RetryableError, TerminalError } from "../../../src/runtime/reconcile-errors.js";
import { SecurityHubModel, standardArn, stubbedSecurityHubClient } from "../../support/security-hub-stub.js";

const MANAGEMENT = "111111111111";
const TOOLING = "222222222222";
const LOG = "333333333333";
const HOME = "us-east-1";
const OTHER = "eu-west-1";
const HUB = "securityhub.amazonaws.com";

const VIEW: OrganizationView = {
  organizationId: "o-example",
  managementAccountId: MANAGEMENT,
  rootId: "r-ab12",
  enabledPolicyTypes: [],
  ous: [{ id: "ou-ab12-security1", name: "Security", parentId: "r-ab12", path: "Root/Security" }],
  accounts: [
    { id: MANAGEMENT, name: "Management", status: "ACTIVE", parentId: "r-ab12" },
    { id: TOOLING, name: "Security Tooling", status: "ACTIVE", parentId: "ou-ab12-security1" },
    { id: LOG, name: "Log Archive", status: "ACTIVE", parentId: "ou-ab12-security1" },
  ],
};
const view: ViewReader = {
  current: async () => VIEW,
  fresher: async () => VIEW,
  invalidate: () => undefined,
};

/** Trusted access and delegated administrators as Organizations would list them. */
class FakeIntegration implements ServiceIntegration {
  trusted = new Set([HUB]);
  delegated = new Map<string, string[]>();
  async trustedAccess(principal: string) {
    return this.trusted.has(principal);
  }
  async delegatedAdministrators(principal: string) {
    return this.delegated.get(principal) ?? [];
  }
}

const WRITES = new Set([
  "EnableOrganizationAdminAccount",
  "EnableSecurityHub",
  "UpdateOrganizationConfiguration",
  "CreateFindingAggregator",
  "UpdateFindingAggregator",
  "BatchEnableStandards",
  "BatchUpdateStandardsControlAssociations",
  "CreateMembers",
  "CreateConfigurationPolicy",
  "UpdateConfigurationPolicy",
  "DeleteConfigurationPolicy",
  "StartConfigurationPolicyAssociation",
  "StartConfigurationPolicyDisassociation",
]);

const SEEDS_SPEC = {
  administrator: { accountName: "Security Tooling" },
  regions: [HOME, OTHER],
  homeRegion: HOME,
  standards: [
    { name: "cis-aws-foundations-benchmark", version: "5.0.0" },
    { name: "pci-dss", version: "4.0.1" },
  ],
  disabledControls: [
    { control: "IAM.18", reason: "support cases are opened from the management account" },
    { control: "IAM.28", reason: "one organization analyzer runs in the security tooling account" },
    { control: "S3.5", reason: "TLS is required by the deny-s3-without-https SCP and the S3 perimeter RCP" },
  ],
};

let model: SecurityHubModel;
let integration: FakeIntegration;
let client: SecurityHubClient;

beforeEach(() => {
  model = new SecurityHubModel(MANAGEMENT, () => VIEW.accounts.map((a) => a.id));
  integration = new FakeIntegration();
  const api = (account: string, region: string) =>
    sdkSecurityHubApi(stubbedSecurityHubClient(model, account, region));
  client = new SecurityHubClient(
    {
      integration,
      management: async (region) => api(MANAGEMENT, region),
      administrator: async (account, region) => api(account, region),
    },
    view,
  );
});

const object = (
  spec: Record<string, unknown>,
  annotations: Record<string, string> = {},
): SecurityHubObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "SecurityHubOrganization",
  metadata: { name: "organization", uid: "uid-1", generation: 1, annotations },
  spec,
  status: {},
});

const writes = () =>
  model.calls.filter((c) => WRITES.has(c.operation)).map((c) => `${c.operation} ${c.account} ${c.region}`);

/** One reconcile as the managed reconciler runs it (Enforce); the status it leaves on the object. */
async function reconcile(o: SecurityHubObject): Promise<Observation> {
  const observation = await client.observe(o);
  o.status = { ...o.status, ...observation.status };
  const hasDiff = (observation.diff ?? []).length > 0;
  if (observation.progressing && !hasDiff) return observation;
  if (!observation.exists) await client.create(o, observation);
  else if (!observation.upToDate) await client.update(o, observation);
  return observation;
}

/** Reconciles until AWS matches the spec (at most `max` times); the last observation. */
async function converge(o: SecurityHubObject, max = 6): Promise<Observation> {
  for (let i = 0; i < max; i++) {
    const observation = await reconcile(o);
    if (observation.upToDate && !observation.progressing && observation.exists) return observation;
  }
  throw new Error(`not converged after ${max} reconciles: ${JSON.stringify((await client.observe(o)).diff)}`);
}

const thrown = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("expected a failure");
};

describe("central configuration (the default)", () => {
  it("goes from an empty organization to the seeds' setup in two regions, then writes nothing", async () => {
    const o = object(SEEDS_SPEC);
    const first = await client.observe(o);
    expect(first.exists).toBe(false);
    // The plan of an empty organization: the designation first (AWS enables Security Hub there).
    expect(first.diff?.map((c) => c.path)).toEqual([
      "regions[us-east-1].administrator",
      "regions[eu-west-1].administrator",
    ]);
    await converge(o);
    expect(model.admins).toEqual(
      new Map([
        [HOME, TOOLING],
        [OTHER, TOOLING],
      ]),
    );
    const home = model.state(TOOLING, HOME);
    expect(home.aggregator).toMatchObject({ mode: "SPECIFIED_REGIONS", regions: [OTHER] });
    expect(home.configuration).toMatchObject({
      type: "CENTRAL",
      autoEnable: false,
      autoEnableStandards: "NONE",
    });
    const [policy] = [...home.policies.values()];
    expect(policy?.name).toBe("orgguard-organization");
    expect(policy?.tags).toMatchObject({
      "orgguard.io/managed-by": "orgguard",
      "orgguard.io/name": "organization",
    });
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
    expect(home.policyAssociations.get("r-ab12")?.policyId).toBe(policy?.id);

    const before = writes().length;
    const steady = await client.observe(o);
    expect(steady.upToDate).toBe(true);
    expect(steady.progressing).toBeUndefined();
    expect(writes().length).toBe(before);
    expect(o.status?.configurationPolicyId).toBe(policy?.id);
    expect(o.status?.disabledControls).toEqual(SEEDS_SPEC.disabledControls);
    expect(steady.observed).toMatchObject({
      administratorAccountId: TOOLING,
      configurationType: "CENTRAL",
      findingAggregator: { region: HOME, regionLinkingMode: "SPECIFIED_REGIONS", regions: [OTHER] },
      configurationPolicy: {
        standards: ["cis-aws-foundations-benchmark 5.0.0", "pci-dss 4.0.1"],
        disabledControls: ["IAM.18", "IAM.28", "S3.5"],
        targets: [{ target: "root r-ab12", policy: "orgguard-organization", status: "SUCCESS" }],
      },
    });
  });

  it("disables a control enabled again by hand in the policy, and enables one disabled by hand", async () => {
    const o = object(SEEDS_SPEC);
    await converge(o);
    const [policy] = [...model.state(TOOLING, HOME).policies.values()];
    if (!policy) throw new Error("no policy");
    policy.configurationPolicy = {
      SecurityHub: {
        ServiceEnabled: true,
        EnabledStandardIdentifiers: (
          policy.configurationPolicy.SecurityHub as { EnabledStandardIdentifiers: string[] }
        ).EnabledStandardIdentifiers,
        SecurityControlsConfiguration: { DisabledSecurityControlIdentifiers: ["IAM.18", "IAM.28", "IAM.6"] },
      },
    };
    const drift = await client.observe(o);
    expect(drift.diff?.map((c) => [c.path, c.description])).toEqual([
      [
        "configurationPolicy.disabledControls[S3.5]",
        `disable S3.5: ${SEEDS_SPEC.disabledControls[2]?.reason}`,
      ],
      ["configurationPolicy.disabledControls[IAM.6]", "enable IAM.6 again: the spec does not list it"],
    ]);
    await client.update(o, drift);
    expect(
      (policy.configurationPolicy.SecurityHub as { SecurityControlsConfiguration: unknown })
        .SecurityControlsConfiguration,
    ).toEqual({ DisabledSecurityControlIdentifiers: ["IAM.18", "IAM.28", "S3.5"] });
  });

  it("refuses an unknown standard before any write, listing the standards and versions the region offers", async () => {
    const o = object({
      ...SEEDS_SPEC,
      standards: [{ name: "cis-aws-foundations-benchmark", version: "4.0.0" }],
    });
    const err = await thrown(client.observe(o));
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as TerminalError).reason).toBe("UnknownStandard");
    expect(err.message).toContain(
      "nothing written: spec.standards[0].version: cis-aws-foundations-benchmark has no version 4.0.0 in us-east-1; its versions: 1.2.0, 3.0.0, 5.0.0",
    );
    expect(writes()).toEqual([]);
  });

  it("refuses an unknown control before any write, with the nearest and every valid id", async () => {
    const o = object({ ...SEEDS_SPEC, disabledControls: [{ control: "IAM.288", reason: "typo" }] });
    const err = await thrown(client.observe(o));
    expect((err as TerminalError).reason).toBe("UnknownControl");
    expect(err.message).toContain("IAM.288 is not a control of the spec's standards in us-east-1");
    expect(err.message).toContain("(did you mean IAM.28?)");
    expect(err.message).toContain("CloudTrail.1, CloudTrail.2, Config.1, EC2.2");
    expect(writes()).toEqual([]);
  });

  it("refuses the management account as administrator before any write", async () => {
    const err = await thrown(
      client.observe(object({ ...SEEDS_SPEC, administrator: { accountId: MANAGEMENT } })),
    );
    expect((err as TerminalError).reason).toBe("ManagementAccountNotDelegable");
    expect(writes()).toEqual([]);
  });

  it("waits for an administrator named by an account that does not exist yet, planning everything", async () => {
    const o = object({ ...SEEDS_SPEC, administrator: { accountName: "Audit" } });
    const observation = await client.observe(o);
    expect(observation.exists).toBe(false);
    expect(observation.diff?.[0]?.description).toBe(
      "designate the account named Audit as Security Hub administrator (no account in the organization is named Audit yet)",
    );
    expect(observation.diff?.map((c) => c.path)).toContain("disabledControls[S3.5]");
    const err = await thrown(client.create(o, observation));
    expect((err as RetryableError).reason).toBe("AccountNotFound");
    expect(writes()).toEqual([]);
  });

  const blocked = [
    {
      reason:
        "another account is registered in Organizations for Security Hub (the Organization kind names it)",
      setup: () => integration.delegated.set(HUB, [LOG]),
      condition: "DelegatedAdministratorConflict",
      says: "Remove securityhub.amazonaws.com from the Organization object's spec.delegatedAdministrators",
    },
    {
      reason: "another account is Security Hub's administrator in a region: never replaced",
      setup: () => model.admins.set(OTHER, LOG),
      condition: "AdministratorConflict",
      says: `Security Hub's administrator in eu-west-1 is ${LOG}`,
    },
  ];
  it.each(blocked)("stalls, rechecked every poll, when $reason", async ({ setup, condition, says }) => {
    setup();
    const err = await thrown(client.observe(object(SEEDS_SPEC)));
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).reason).toBe(condition);
    expect(err.message).toContain(says);
    expect(writes()).toEqual([]);
  });

  it("plans everything while trusted access is off, naming the Organization kind's field; a write waits for it", async () => {
    integration.trusted.clear();
    const o = object(SEEDS_SPEC);
    const observation = await client.observe(o);
    expect(observation.exists).toBe(false);
    expect(observation.diff?.[0]).toEqual({
      path: "organization.trustedAccess[securityhub.amazonaws.com]",
      description:
        "needs trusted access for securityhub.amazonaws.com, which is off: list securityhub.amazonaws.com under the Organization object's spec.trustedAccess (or, from the management account: aws organizations enable-aws-service-access --service-principal securityhub.amazonaws.com)",
    });
    const err = await thrown(client.create(o, observation));
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).reason).toBe("TrustedAccessDisabled");
    expect(writes()).toEqual([]);
  });

  it("takes an empty organization to the spec in one reconcile when AWS lets it (rounds after the designation)", async () => {
    const o = object(SEEDS_SPEC);
    await reconcile(o);
    expect((await client.observe(o)).upToDate).toBe(true);
  });

  it("accepts the same account registered in Organizations (Security Hub registers it itself)", async () => {
    integration.delegated.set(HUB, [TOOLING]);
    await converge(object(SEEDS_SPEC));
  });

  it("reports AWS not having made the administrator one yet as progress, then goes on", async () => {
    model.adminNotReadyCalls = 2;
    const o = object(SEEDS_SPEC);
    await reconcile(o); // designates
    const waiting = await client.observe(o);
    expect(waiting.progressing).toContain(
      "AWS has not made 222222222222 (Security Tooling) the Security Hub administrator in us-east-1 yet",
    );
    expect(waiting.diff).toEqual([]);
    await converge(o);
  });

  it("adopts a policy of its name only when told to", async () => {
    const o = object(SEEDS_SPEC);
    await converge(o);
    const [policy] = [...model.state(TOOLING, HOME).policies.values()];
    if (!policy) throw new Error("no policy");
    policy.tags = {};
    const again = object(SEEDS_SPEC);
    const err = await thrown(client.observe(again));
    expect((err as BlockedError).reason).toBe("NameTaken");
    const adopting = object(SEEDS_SPEC, { "orgguard.io/adopt": "true" });
    expect((await client.observe(adopting)).adopted).toBe(
      `adopted configuration policy orgguard-organization (${policy.id})`,
    );
  });

  it("deletes its configuration policy (disassociated first) with deletionPolicy Delete, and nothing else", async () => {
    const o = object({ ...SEEDS_SPEC, deletionPolicy: "Delete" });
    await converge(o);
    o.metadata.deletionTimestamp = "2026-12-01T00:00:00Z";
    const observation = await client.observe(o);
    expect(observation.exists).toBe(true);
    await client.delete(o, observation);
    const home = model.state(TOOLING, HOME);
    expect(home.policies.size).toBe(0);
    expect(home.policyAssociations.size).toBe(0);
    expect(home.aggregator).toBeDefined();
    expect(model.admins.get(HOME)).toBe(TOOLING);
    expect((await client.observe(o)).exists).toBe(false);
  });
});

describe("local configuration", () => {
  const LOCAL_SPEC = { ...SEEDS_SPEC, configuration: "LOCAL", autoEnableStandards: "NONE" };

  it("enables the standards in the administrator, disables the controls with their reasons, and enables the members", async () => {
    const o = object(LOCAL_SPEC);
    await converge(o, 8);
    for (const region of [HOME, OTHER]) {
      const s = model.state(TOOLING, region);
      expect([...s.standards.keys()].sort()).toEqual([
        standardArn(region, "cis-aws-foundations-benchmark", "5.0.0"),
        standardArn(region, "pci-dss", "4.0.1"),
      ]);
      expect(s.associations.get(`${standardArn(region, "pci-dss", "4.0.1")}|S3.5`)).toEqual({
        status: "DISABLED",
        reason: SEEDS_SPEC.disabledControls[2]?.reason,
      });
      // IAM.28 is a CIS control only: PCI DSS has none to disable.
      expect(s.associations.has(`${standardArn(region, "pci-dss", "4.0.1")}|IAM.28`)).toBe(false);
      expect(s.configuration).toMatchObject({ type: "LOCAL", autoEnable: true, autoEnableStandards: "NONE" });
      expect([...s.members.keys()].sort()).toEqual([MANAGEMENT, LOG]);
    }
    const steady = await client.observe(o);
    expect(steady.upToDate).toBe(true);
    expect(steady.observed).toMatchObject({
      regions: [
        expect.objectContaining({ region: HOME, membersEnabled: 2, accounts: 2 }),
        expect.objectContaining({ region: OTHER, membersEnabled: 2, accounts: 2 }),
      ],
    });
  });

  it("waits while AWS enables a standard, and writes its controls once it is ready", async () => {
    model.pendingReads = 2;
    const o = object(LOCAL_SPEC);
    let sawPending = false;
    for (let i = 0; i < 10; i++) {
      const observation = await reconcile(o);
      if (observation.progressing?.includes("is being enabled")) sawPending = true;
      if (observation.upToDate && !observation.progressing && observation.exists) break;
    }
    expect(sawPending).toBe(true);
    expect(
      model.state(TOOLING, HOME).associations.get(`${standardArn(HOME, "pci-dss", "4.0.1")}|S3.5`)?.status,
    ).toBe("DISABLED");
  });

  it("disables again a control enabled by hand, with its reason; enables one disabled by hand", async () => {
    const o = object(LOCAL_SPEC);
    await converge(o, 8);
    const s = model.state(TOOLING, OTHER);
    const pciS35 = `${standardArn(OTHER, "pci-dss", "4.0.1")}|S3.5`;
    const cisIam6 = `${standardArn(OTHER, "cis-aws-foundations-benchmark", "5.0.0")}|IAM.6`;
    s.associations.set(pciS35, { status: "ENABLED" });
    s.associations.set(cisIam6, { status: "DISABLED", reason: "someone's" });
    const drift = await client.observe(o);
    expect(drift.diff?.map((c) => c.description)).toEqual([
      "enable IAM.6 again: disabled outside orgguard, and spec.disabledControls does not list it",
      `disable S3.5: ${SEEDS_SPEC.disabledControls[2]?.reason}`,
    ]);
    await client.update(o, drift);
    expect(s.associations.get(pciS35)).toEqual({
      status: "DISABLED",
      reason: SEEDS_SPEC.disabledControls[2]?.reason,
    });
    expect(s.associations.get(cisIam6)).toEqual({ status: "ENABLED" });
  });

  it("stalls with AWS's reason when AWS refuses a control id (a wrong id for that region)", async () => {
    const o = object(LOCAL_SPEC);
    await converge(o, 8);
    // The catalogue lists S3.5 for PCI DSS, but the region has no association of it: AWS refuses the id.
    const s = model.state(TOOLING, OTHER);
    s.associations.delete(`${standardArn(OTHER, "pci-dss", "4.0.1")}|S3.5`);
    const observation = await client.observe(o);
    const err = await thrown(client.update(o, observation));
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as TerminalError).reason).toBe("UnknownControl");
    expect(err.message).toContain("S3.5 (pci-dss 4.0.1 in eu-west-1): INVALID_INPUT");
  });

  it("says so when AWS refuses auto-enable because the organization uses central configuration", async () => {
    await converge(object(SEEDS_SPEC));
    const o = object(LOCAL_SPEC);
    const observation = await client.observe(o);
    expect(observation.diff?.map((c) => c.path)).toContain("regions[us-east-1].organizationConfiguration");
    const err = await thrown(client.update(o, observation));
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).reason).toBe("CentralConfigurationRefusesAutoEnable");
    expect(err.message).toContain("stop central configuration first");
  });
});
