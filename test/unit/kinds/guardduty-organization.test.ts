/**
 * The GuardDutyOrganization kind in-process: its pure decisions (compare.ts) as tables, and its
 * client against a fake of its narrow GuardDutyApi that answers as the GuardDuty API reference
 * documents: a cold start in three regions (designate, detector, organization configuration, then
 * the existing accounts enrolled), AWS refusing a new administrator for a while, an administrator
 * someone else designated, the Organization kind naming the administrator too, a member whose
 * monitoring was stopped, ObserveOnly, adoption and deletion. The same client runs against moto
 * plus SDK stubs in test/integration/guardduty-organization.test.ts.
 */
import { describe, expect, it } from "vitest";
import { guardDutyOrganizationSpec } from "../../../src/kinds/guardduty-organization/api.js";
import { GuardDutyOrganizationClient } from "../../../src/kinds/guardduty-organization/client.js";
import {
  type DesiredGuardDuty,
  desiredFeatures,
  detectorChanges,
  guardDutyCompliance,
  memberPlan,
  organizationChanges,
} from "../../../src/kinds/guardduty-organization/compare.js";
import type { NamedObject } from "../../../src/kinds/guardduty-organization/one-place.js";
import { organizationDesignations } from "../../../src/kinds/guardduty-organization/one-place.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";
import { BlockedError, RetryableError } from "../../../src/runtime/reconcile-errors.js";
import {
  FakeGuardDuty,
  GD_ADMIN,
  GD_MANAGEMENT,
  GD_MEMBERS,
  guardDutyOrganization,
} from "../../support/fake-guardduty-api.js";

const REGIONS = ["eu-central-1", "eu-west-1", "us-east-1"];
/** The accounts that should be members: every active account but the administrator. */
const MEMBERS = [GD_MANAGEMENT, ...GD_MEMBERS].sort();

const desired = (spec: Record<string, unknown> = {}): DesiredGuardDuty => {
  const parsed = guardDutyOrganizationSpec.parse({ administrator: { accountId: GD_ADMIN }, ...spec });
  return {
    adminAccountId: GD_ADMIN,
    adminLabel: GD_ADMIN,
    autoEnableMembers: parsed.autoEnableMembers,
    findingPublishingFrequency: parsed.findingPublishingFrequency,
    features: desiredFeatures(parsed.protection),
  };
};

function gdObject(
  spec: Record<string, unknown> = {},
  extra: {
    annotations?: Record<string, string>;
    deleting?: boolean;
    designated?: string[];
    admin?: string;
  } = {},
): ManagedObject {
  return {
    apiVersion: "orgguard.io/v1alpha1",
    kind: "GuardDutyOrganization",
    metadata: {
      name: "guardduty",
      generation: 1,
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.deleting ? { deletionTimestamp: "2026-01-03T00:00:00Z" } : {}),
    },
    spec: { administrator: { accountName: "Security Tooling" }, regions: REGIONS, ...spec },
    status: {
      ...(extra.designated ? { managed: { designatedRegions: extra.designated } } : {}),
      ...(extra.admin ? { atProvider: { administratorAccountId: extra.admin } } : {}),
    },
  };
}

function clientOf(fake: FakeGuardDuty, organizationObjects: NamedObject[] = []) {
  return new GuardDutyOrganizationClient(fake, {
    organization: guardDutyOrganization(),
    regionsOf: async () => ({ regions: ["ap-south-1", "us-east-1"], from: "ListRegions" }),
    organizationObjects: () => organizationObjects,
  });
}

/** observe, then update when it says so; the error update threw, if any. */
async function reconcile(fake: FakeGuardDuty, object: ManagedObject, others: NamedObject[] = []) {
  const client = clientOf(fake, others);
  const observation = await client.observe(object);
  let error: unknown;
  if (!observation.upToDate) await client.update(object, observation).catch((e: unknown) => (error = e));
  return { observation, error };
}

describe("detectorChanges", () => {
  const detector = (over: Record<string, unknown> = {}) => ({
    id: "det-1",
    status: "ENABLED",
    findingPublishingFrequency: "SIX_HOURS",
    features: desired().features.map((f) => ({
      name: f.name,
      value: f.enabled ? "ENABLED" : "DISABLED",
      additional: [],
    })),
    ...over,
  });
  const cases = [
    {
      reason: "as the spec asks (runtime monitoring off, its agents not looked at)",
      spec: {},
      over: {},
      paths: [],
    },
    {
      reason: "suspended by hand",
      spec: {},
      over: { status: "DISABLED" },
      paths: ["regions[r].detector"],
    },
    {
      reason: "another publishing frequency",
      spec: { findingPublishingFrequency: "FIFTEEN_MINUTES" },
      over: {},
      paths: ["regions[r].findingPublishingFrequency"],
    },
    {
      reason: "S3 protection switched off, a plan the spec wants: reported by its name",
      spec: {},
      over: { features: [{ name: "S3_DATA_EVENTS", value: "DISABLED", additional: [] }] },
      paths: [
        "regions[r].features[S3_DATA_EVENTS]",
        "regions[r].features[EKS_AUDIT_LOGS]",
        "regions[r].features[EBS_MALWARE_PROTECTION]",
        "regions[r].features[RDS_LOGIN_EVENTS]",
        "regions[r].features[LAMBDA_NETWORK_LOGS]",
      ],
    },
    {
      reason: "runtime monitoring asked for: the plan and its three agents",
      spec: { protection: { runtimeMonitoring: { enabled: true } } },
      over: {},
      paths: [
        "regions[r].features[RUNTIME_MONITORING]",
        "regions[r].features[RUNTIME_MONITORING].EKS_ADDON_MANAGEMENT",
        "regions[r].features[RUNTIME_MONITORING].ECS_FARGATE_AGENT_MANAGEMENT",
        "regions[r].features[RUNTIME_MONITORING].EC2_AGENT_MANAGEMENT",
      ],
    },
    {
      reason: "a plan orgguard does not keep (AI_PROTECTION) is never looked at",
      spec: {},
      over: {
        features: [...detector().features, { name: "AI_PROTECTION", value: "ENABLED", additional: [] }],
      },
      paths: [],
    },
  ];
  it.each(cases)("$reason", ({ spec, over, paths }) => {
    expect(detectorChanges("r", desired(spec), detector(over)).map((c) => c.path)).toEqual(paths);
  });
});

describe("organizationChanges", () => {
  const all = desired().features.map((f) => ({
    name: f.name,
    value: f.enabled ? "ALL" : "NONE",
    additional: [],
  }));
  const cases = [
    {
      reason: "auto-enable ALL with every plan",
      spec: {},
      config: { autoEnableMembers: "ALL", features: all },
      paths: [],
    },
    {
      reason: "nothing configured yet",
      spec: {},
      config: { autoEnableMembers: "NONE", features: [] },
      paths: [
        "regions[r].autoEnableMembers",
        "regions[r].organizationFeatures[S3_DATA_EVENTS]",
        "regions[r].organizationFeatures[EKS_AUDIT_LOGS]",
        "regions[r].organizationFeatures[EBS_MALWARE_PROTECTION]",
        "regions[r].organizationFeatures[RDS_LOGIN_EVENTS]",
        "regions[r].organizationFeatures[LAMBDA_NETWORK_LOGS]",
      ],
    },
    {
      reason: "NEW members only, while AWS has ALL",
      spec: { autoEnableMembers: "NEW" },
      config: {
        autoEnableMembers: "ALL",
        features: all.map((f) => ({ ...f, value: f.value === "ALL" ? "NEW" : f.value })),
      },
      paths: ["regions[r].autoEnableMembers"],
    },
  ];
  it.each(cases)("$reason", ({ spec, config, paths }) => {
    expect(
      organizationChanges("r", desired(spec), { ...config, memberAccountLimitReached: false }).map(
        (c) => c.path,
      ),
    ).toEqual(paths);
  });
});

describe("memberPlan", () => {
  const accounts = ["1", "2", "3", "4", "5", "6"];
  const members = [
    { accountId: "1", status: "Enabled" },
    { accountId: "2", status: "Disabled" },
    { accountId: "3", status: "Removed" },
    { accountId: "5", status: "Created" },
    { accountId: "6", status: "Resigned" },
  ];
  it("ALL: enrols accounts not members (or removed), starts again the ones stopped, reports the rest", () => {
    expect(memberPlan(accounts, members, "ALL")).toEqual({
      enrol: ["3", "4", "6"],
      monitorAgain: ["2"],
      accounts: 6,
      enabled: 1,
      notEnabled: [
        { accountId: "2", status: "Disabled" },
        { accountId: "3", status: "Removed" },
        { accountId: "4", status: "not a member" },
        { accountId: "5", status: "Created" },
        { accountId: "6", status: "Resigned" },
      ],
    });
  });
  it("NEW: counts and reports, changes nothing for accounts that already exist", () => {
    const plan = memberPlan(accounts, members, "NEW");
    expect([plan.enrol, plan.monitorAgain, plan.enabled, plan.notEnabled.length]).toEqual([[], [], 1, 5]);
  });
  it("a member that is not an account of the organization (an invited outsider) is not counted", () => {
    expect(
      memberPlan(["1"], [...members, { accountId: "999999999999", status: "Enabled" }], "ALL").accounts,
    ).toBe(1);
  });
});

describe("guardDutyCompliance (Security Hub GuardDuty.1)", () => {
  const cases = [
    {
      reason: "every region enabled, every member monitored",
      states: [{ detectorStatus: "ENABLED", membersEnabled: 3, accounts: 3 }],
      compliant: true,
    },
    {
      reason: "a member not monitored",
      states: [{ detectorStatus: "ENABLED", membersEnabled: 2, accounts: 3 }],
      compliant: false,
    },
    {
      reason: "a region suspended",
      states: [{ detectorStatus: "DISABLED", membersEnabled: 3, accounts: 3 }],
      compliant: false,
    },
    { reason: "members not read yet", states: [{ detectorStatus: "ENABLED" }], compliant: false },
    { reason: "no region at all", states: [], compliant: false },
  ];
  it.each(cases)("$reason", ({ states, compliant }) => {
    const control = guardDutyCompliance(states);
    expect(control.control).toBe("GuardDuty.1");
    expect(control.title).toContain("no CIS AWS Foundations v3.0 recommendation covers GuardDuty");
    expect(control.compliant).toBe(compliant);
  });
});

describe("organizationDesignations (one place only)", () => {
  const org = (entries: unknown[]): NamedObject => ({
    kind: "Organization",
    metadata: { name: "organization" },
    spec: { delegatedAdministrators: entries },
  });
  const cases = [
    {
      reason: "GuardDuty among the Organization's delegated administrators",
      objects: [
        org([
          { servicePrincipal: "config-multiaccountsetup.amazonaws.com" },
          { servicePrincipal: "guardduty.amazonaws.com" },
        ]),
      ],
      found: ["Organization/organization spec.delegatedAdministrators[1]"],
    },
    {
      reason: "other services only",
      objects: [org([{ servicePrincipal: "macie.amazonaws.com" }])],
      found: [],
    },
    { reason: "no Organization object", objects: [], found: [] },
    {
      reason: "another kind naming guardduty is not a designation",
      objects: [
        {
          kind: "ServiceControlPolicy",
          metadata: { name: "x" },
          spec: { delegatedAdministrators: [{ servicePrincipal: "guardduty.amazonaws.com" }] },
        },
      ],
      found: [],
    },
  ];
  it.each(cases)("$reason", ({ objects, found }) => {
    expect(organizationDesignations(objects).map((d) => `${d.object} ${d.path}`)).toEqual(found);
  });
});

describe("GuardDutyOrganizationClient", () => {
  it("cold, in three regions: designates, enables, configures and enrols the existing accounts in one reconcile; then nothing", async () => {
    const fake = new FakeGuardDuty();
    const first = await reconcile(fake, gdObject());
    expect(first.error).toBeUndefined();
    // Recorded before the calls: a designation whose answer is lost is still orgguard's.
    expect(first.observation.status?.managed).toEqual({ designatedRegions: REGIONS });
    expect(first.observation.diff?.map((c) => c.path)).toEqual(
      REGIONS.flatMap((r) => [
        `regions[${r}].administrator`,
        `regions[${r}].detector`,
        `regions[${r}].autoEnableMembers`,
      ]),
    );
    expect(fake.writes()).toEqual(
      REGIONS.flatMap((r) => [
        `enableAdmin ${r} ${GD_ADMIN}`,
        `createDetector ${r} ${GD_ADMIN}`,
        `updateOrganizationConfiguration ${r} det-${GD_ADMIN}-${r}`,
        // The members are read once the configuration is written: one pass leaves nothing to do.
        `createMembers ${r} ${MEMBERS.join(",")}`,
      ]),
    );
    // The accounts' emails (CreateMembers takes them) are read once for the three regions.
    expect(fake.calls.filter((c) => c === "accountEmails")).toHaveLength(1);
    const second = await clientOf(fake).observe(gdObject({}, { designated: REGIONS }));
    expect(second.upToDate).toBe(true);
    expect(second.status?.members).toBe(`${MEMBERS.length}/${MEMBERS.length}`);
    expect(second.status?.compliance).toEqual([
      expect.objectContaining({ control: "GuardDuty.1", compliant: true }),
    ]);
    expect(second.observed?.regions["eu-west-1"]).toMatchObject({
      administrator: `${GD_ADMIN} (ENABLED)`,
      detectorStatus: "ENABLED",
      autoEnableMembers: "ALL",
      membersEnabled: 3,
      accounts: 3,
    });
  });

  it("enrols accounts that join later (or were removed) at the next reconcile", async () => {
    const fake = new FakeGuardDuty();
    await reconcile(fake, gdObject({ regions: ["us-east-1"] }));
    const detector = fake.region("us-east-1").detectors.get(GD_ADMIN)?.id ?? "";
    fake.region("us-east-1").members.set(
      detector,
      (fake.region("us-east-1").members.get(detector) ?? []).filter((m) => m.accountId !== GD_MEMBERS[1]),
    );
    fake.calls = [];
    const { observation } = await reconcile(
      fake,
      gdObject({ regions: ["us-east-1"] }, { designated: ["us-east-1"] }),
    );
    expect(observation.diff?.map((c) => c.description)).toEqual([
      `enrol 1 account(s) as GuardDuty members in us-east-1: ${GD_MEMBERS[1]}`,
    ]);
    expect(fake.writes()).toEqual([`createMembers us-east-1 ${GD_MEMBERS[1]}`]);
  });

  it("AWS refusing the new administrator for a while: the write is retried with the reason, observe says Progressing, then it goes through", async () => {
    const fake = new FakeGuardDuty();
    fake.refuseNewAdministrator = 2;
    const spec = { regions: ["us-east-1"] };
    const first = await reconcile(fake, gdObject(spec));
    expect(first.error).toBeInstanceOf(RetryableError);
    expect((first.error as RetryableError).reason).toBe("AdministratorNotReady");
    expect((first.error as Error).message).toContain(
      "do not have required AWS Organization master permission",
    );
    const second = await reconcile(fake, gdObject(spec, { designated: ["us-east-1"] }));
    expect(second.observation.progressing).toContain("GuardDuty does not accept it as administrator yet");
    // Progressing and nothing else to write: the reconciler writes nothing; here, nothing was planned.
    expect(second.observation.diff).toEqual([]);
    const third = await reconcile(fake, gdObject(spec, { designated: ["us-east-1"] }));
    expect(third.error).toBeUndefined();
    expect(fake.writes().filter((w) => w.startsWith("updateOrganizationConfiguration"))).toHaveLength(2);
  });

  it("an administrator someone else designated in a region is never replaced: Stalled, nothing written", async () => {
    const fake = new FakeGuardDuty();
    fake.region("eu-west-1").admins.push({ accountId: "999999999999", status: "ENABLED" });
    const error = await clientOf(fake)
      .observe(gdObject())
      .catch((e: unknown) => e);
    expect((error as BlockedError).reason).toBe("AdministratorExists");
    expect((error as Error).message).toContain(
      "eu-west-1: account 999999999999 is GuardDuty's delegated administrator",
    );
    expect(fake.writes()).toEqual([]);
  });

  it("the Organization kind naming GuardDuty's administrator too: Stalled before any AWS call", async () => {
    const fake = new FakeGuardDuty();
    const organization: NamedObject = {
      kind: "Organization",
      metadata: { name: "organization" },
      spec: {
        delegatedAdministrators: [
          { servicePrincipal: "guardduty.amazonaws.com", accountName: "Security Tooling" },
        ],
      },
    };
    const error = await clientOf(fake, [organization])
      .observe(gdObject())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockedError);
    expect((error as BlockedError).reason).toBe("AdministratorDesignatedTwice");
    expect((error as Error).message).toContain("Organization/organization spec.delegatedAdministrators[0]");
    expect(fake.calls).toEqual([]);
  });

  it("monitors again a member whose GuardDuty was stopped by hand, and enables a suspended detector", async () => {
    const fake = new FakeGuardDuty();
    await reconcile(fake, gdObject({ regions: ["us-east-1"] }));
    await reconcile(fake, gdObject({ regions: ["us-east-1"] }, { designated: ["us-east-1"] }));
    const detector = fake.region("us-east-1").detectors.get(GD_ADMIN);
    if (!detector) throw new Error("no detector");
    detector.status = "DISABLED";
    const member = fake
      .region("us-east-1")
      .members.get(detector.id)
      ?.find((m) => m.accountId === GD_MEMBERS[0]);
    if (!member) throw new Error("no member");
    member.status = "Disabled";
    fake.calls = [];
    const { observation } = await reconcile(
      fake,
      gdObject({ regions: ["us-east-1"] }, { designated: ["us-east-1"] }),
    );
    expect(observation.diff?.map((c) => c.path)).toEqual([
      "regions[us-east-1].detector",
      "regions[us-east-1].monitoring",
    ]);
    expect(observation.observed?.regions["us-east-1"]?.notEnabled).toEqual([
      { accountId: GD_MEMBERS[0], status: "Disabled" },
    ]);
    expect(fake.writes()).toEqual([
      `updateDetector us-east-1 ${detector.id}`,
      `startMonitoring us-east-1 ${GD_MEMBERS[0]}`,
    ]);
  });

  it("ObserveOnly plans everything and records nothing as its own", async () => {
    const fake = new FakeGuardDuty();
    const observation = await clientOf(fake).observe(gdObject({ managementPolicy: "ObserveOnly" }));
    expect(observation.upToDate).toBe(false);
    expect(observation.diff?.filter((c) => c.path.endsWith(".administrator"))).toHaveLength(3);
    expect(observation.status?.managed).toEqual({ designatedRegions: [] });
  });

  it("an administrator already designated (by hand) is not orgguard's unless adopted", async () => {
    const fake = new FakeGuardDuty();
    fake.region("us-east-1").admins.push({ accountId: GD_ADMIN, status: "ENABLED" });
    fake.addDetector(GD_ADMIN, "us-east-1");
    const spec = { regions: ["us-east-1"] };
    expect((await clientOf(fake).observe(gdObject(spec))).status?.managed).toEqual({ designatedRegions: [] });
    const adopted = await clientOf(fake).observe(
      gdObject(spec, { annotations: { "orgguard.io/adopt": "true" } }),
    );
    expect(adopted.status?.managed).toEqual({ designatedRegions: ["us-east-1"] });
    expect(adopted.adopted).toContain(
      "adopted 222222222222 (Security Tooling) as GuardDuty's administrator in us-east-1",
    );
  });

  it("deleting with Delete removes the designation only where orgguard made it", async () => {
    const fake = new FakeGuardDuty();
    for (const r of REGIONS) fake.region(r).admins.push({ accountId: GD_ADMIN, status: "ENABLED" });
    const object = gdObject(
      { deletionPolicy: "Delete" },
      { deleting: true, designated: ["eu-west-1"], admin: GD_ADMIN },
    );
    const client = clientOf(fake);
    const observation = await client.observe(object);
    expect(observation.exists).toBe(true);
    await client.delete(object, observation);
    expect(fake.writes()).toEqual([`disableAdmin eu-west-1 ${GD_ADMIN}`]);
    expect((await client.observe(object)).exists).toBe(false);
  });

  it("without spec.regions, every region enabled in the administrator account (status says where they came from)", async () => {
    const fake = new FakeGuardDuty();
    const { regions: _r, ...spec } = gdObject().spec;
    const observation = await clientOf(fake).observe({ ...gdObject(), spec });
    expect(observation.status).toMatchObject({
      regions: ["ap-south-1", "us-east-1"],
      regionsFrom: "ListRegions",
    });
  });

  it("an administrator account that does not exist yet: the plan says what happens once it does, a write waits for it", async () => {
    const fake = new FakeGuardDuty();
    const { observation, error } = await reconcile(
      fake,
      gdObject({ administrator: { accountName: "Security Tooling 2" } }),
    );
    expect(observation.diff?.[0]?.description).toContain(
      "once the account exists, designate Security Tooling 2 as GuardDuty's delegated administrator in eu-central-1, eu-west-1, us-east-1",
    );
    expect((error as RetryableError).reason).toBe("AccountNotFound");
    expect(fake.calls).toEqual([]);
  });

  it("a detector GuardDuty made meanwhile (designation makes one) is taken instead of failing the create", async () => {
    const fake = new FakeGuardDuty();
    const client = clientOf(fake);
    const object = gdObject({ regions: ["us-east-1"] });
    const observation = await client.observe(object);
    fake.addDetector(GD_ADMIN, "us-east-1", { findingPublishingFrequency: "ONE_HOUR" });
    await client.update(object, observation);
    expect(fake.writes()).toContain(`updateDetector us-east-1 det-${GD_ADMIN}-us-east-1`);
    expect(fake.region("us-east-1").detectors.get(GD_ADMIN)?.findingPublishingFrequency).toBe("SIX_HOURS");
  });

  it("accounts GuardDuty does not process: Stalled/MembersNotEnrolled with AWS's reason, the other regions done", async () => {
    const fake = new FakeGuardDuty();
    fake.accountEmails = async () => new Map([[GD_MEMBERS[0] ?? "", "a@example.com"]]);
    const { error } = await reconcile(fake, gdObject({ regions: ["eu-west-1", "us-east-1"] }));
    expect((error as BlockedError).reason).toBe("MembersNotEnrolled");
    expect((error as Error).message).toContain("2 regions failed");
    expect(fake.writes().filter((w) => w.startsWith("createMembers"))).toHaveLength(2);
  });
});
