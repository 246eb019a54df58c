/**
 * The Organization kind's decisions (src/kinds/organization/compare.ts), in-process: what to
 * enable, disable, register and deregister given the spec, what AWS has and what orgguard owns
 * (status.managed); adoption; deletion; and what status.managed says afterwards. Never exclusive:
 * what someone else enabled or registered is never a write.
 */
import { describe, expect, it } from "vitest";
import {
  adoptionNote,
  type DesiredOrganization,
  type ManagedRecord,
  NOTHING_MANAGED,
  type ObservedOrganization,
  organizationPlan,
  plannedChanges,
  type Registration,
  removalPlan,
  writesNothing,
} from "../../../src/kinds/organization/compare.js";

const GD = "guardduty.amazonaws.com";
const CFG = "config-multiaccountsetup.amazonaws.com";
const SSO = "sso.amazonaws.com";
const HUB = "securityhub.amazonaws.com";
const AUDIT = "222222222222";
const OTHER = "333333333333";
const reg = (servicePrincipal: string, accountId = AUDIT): Registration => ({ servicePrincipal, accountId });

const want = (d: Partial<DesiredOrganization> = {}): DesiredOrganization => ({
  policyTypes: [],
  trustedAccess: [],
  delegatedAdministrators: [],
  ...d,
});
const aws = (o: Partial<ObservedOrganization> = {}): ObservedOrganization => ({
  rootId: "r-ab12",
  enabledPolicyTypes: [],
  trustedAccess: [],
  delegatedAdministrators: [],
  ...o,
});
const owned = (m: Partial<ManagedRecord> = {}): ManagedRecord => ({ ...NOTHING_MANAGED, ...m });

interface Case {
  reason: string;
  desired: DesiredOrganization;
  observed: ObservedOrganization;
  managed: ManagedRecord;
  adopt?: boolean;
  enablePolicyTypes?: string[];
  enable?: string[];
  register?: Registration[];
  deregister?: Registration[];
  disable?: string[];
  adopted?: ManagedRecord;
  after: ManagedRecord;
}

const cases: Case[] = [
  {
    reason: "nothing there: enable and register everything, all of it orgguard's",
    desired: want({ trustedAccess: [GD, CFG], delegatedAdministrators: [reg(GD)] }),
    observed: aws(),
    managed: owned(),
    enable: [GD, CFG],
    register: [reg(GD)],
    after: owned({ trustedAccess: [CFG, GD], delegatedAdministrators: [reg(GD)] }),
  },
  {
    reason: "already there (enabled by someone else): no write, and not orgguard's without the annotation",
    desired: want({ trustedAccess: [SSO], delegatedAdministrators: [reg(GD)] }),
    observed: aws({ trustedAccess: [SSO], delegatedAdministrators: [reg(GD)] }),
    managed: owned(),
    after: owned(),
  },
  {
    reason: "already there, with orgguard.io/adopt: taken over, no write",
    desired: want({ trustedAccess: [SSO], delegatedAdministrators: [reg(GD)] }),
    observed: aws({ trustedAccess: [SSO], delegatedAdministrators: [reg(GD)] }),
    managed: owned(),
    adopt: true,
    adopted: owned({ trustedAccess: [SSO], delegatedAdministrators: [reg(GD)] }),
    after: owned({ trustedAccess: [SSO], delegatedAdministrators: [reg(GD)] }),
  },
  {
    reason: "the annotation adopts only what the spec names: other principals stay someone else's",
    desired: want({ trustedAccess: [GD] }),
    observed: aws({ trustedAccess: [GD, SSO], delegatedAdministrators: [reg(HUB, OTHER)] }),
    managed: owned(),
    adopt: true,
    adopted: owned({ trustedAccess: [GD] }),
    after: owned({ trustedAccess: [GD] }),
  },
  {
    reason: "a principal orgguard enabled leaves the spec: disabled, and forgotten",
    desired: want({ trustedAccess: [GD] }),
    observed: aws({ trustedAccess: [GD, CFG] }),
    managed: owned({ trustedAccess: [GD, CFG] }),
    disable: [CFG],
    after: owned({ trustedAccess: [GD] }),
  },
  {
    reason: "a principal someone else enabled is not in the spec: never disabled (not exclusive)",
    desired: want({ trustedAccess: [GD] }),
    observed: aws({ trustedAccess: [GD, SSO] }),
    managed: owned({ trustedAccess: [GD] }),
    after: owned({ trustedAccess: [GD] }),
  },
  {
    reason: "a principal that was already there leaves the spec: left enabled (orgguard never enabled it)",
    desired: want(),
    observed: aws({ trustedAccess: [SSO] }),
    managed: owned(),
    after: owned(),
  },
  {
    reason: "a registration orgguard made leaves the spec: deregistered; one made by hand stays",
    desired: want(),
    observed: aws({ delegatedAdministrators: [reg(GD), reg(CFG, OTHER)] }),
    managed: owned({ delegatedAdministrators: [reg(GD)] }),
    deregister: [reg(GD)],
    after: owned(),
  },
  {
    reason:
      "the spec moves a service's administrator to another account: register the new, deregister the old",
    desired: want({ delegatedAdministrators: [reg(GD, OTHER)] }),
    observed: aws({ delegatedAdministrators: [reg(GD, AUDIT)] }),
    managed: owned({ delegatedAdministrators: [reg(GD, AUDIT)] }),
    register: [reg(GD, OTHER)],
    deregister: [reg(GD, AUDIT)],
    after: owned({ delegatedAdministrators: [reg(GD, OTHER)] }),
  },
  {
    reason:
      "orgguard's own principal disabled by hand, still in the spec: enabled again (drift), still orgguard's",
    desired: want({ trustedAccess: [GD] }),
    observed: aws(),
    managed: owned({ trustedAccess: [GD] }),
    enable: [GD],
    after: owned({ trustedAccess: [GD] }),
  },
  {
    reason: "orgguard's own principal gone and out of the spec: no write, forgotten",
    desired: want(),
    observed: aws(),
    managed: owned({ trustedAccess: [GD], delegatedAdministrators: [reg(GD)] }),
    after: owned(),
  },
  {
    reason: "policy types: enabled when off, never disabled when the spec drops them",
    desired: want({ policyTypes: ["SERVICE_CONTROL_POLICY", "TAG_POLICY"] }),
    observed: aws({ enabledPolicyTypes: ["SERVICE_CONTROL_POLICY", "BACKUP_POLICY"] }),
    managed: owned(),
    enablePolicyTypes: ["TAG_POLICY"],
    after: owned(),
  },
  {
    reason: "everything as the spec says: nothing to write",
    desired: want({
      policyTypes: ["SERVICE_CONTROL_POLICY"],
      trustedAccess: [GD],
      delegatedAdministrators: [reg(GD)],
    }),
    observed: aws({
      enabledPolicyTypes: ["SERVICE_CONTROL_POLICY"],
      trustedAccess: [GD, SSO],
      delegatedAdministrators: [reg(GD), reg(HUB, OTHER)],
    }),
    managed: owned({ trustedAccess: [GD], delegatedAdministrators: [reg(GD)] }),
    after: owned({ trustedAccess: [GD], delegatedAdministrators: [reg(GD)] }),
  },
];

describe("organizationPlan", () => {
  it.each(cases)("$reason", (c) => {
    const plan = organizationPlan(c.desired, c.observed, c.managed, { adopt: c.adopt ?? false });
    expect(plan.enablePolicyTypes).toEqual(c.enablePolicyTypes ?? []);
    expect(plan.enableTrustedAccess).toEqual(c.enable ?? []);
    expect(plan.register).toEqual(c.register ?? []);
    expect(plan.deregister).toEqual(c.deregister ?? []);
    expect(plan.disableTrustedAccess).toEqual(c.disable ?? []);
    expect(plan.adopt).toEqual(c.adopted ?? owned());
    expect(plan.managed).toEqual(c.after);
    const writes = [c.enablePolicyTypes, c.enable, c.register, c.deregister, c.disable].some(
      (w) => (w ?? []).length > 0,
    );
    expect(writesNothing(plan)).toBe(!writes);
  });
});

describe("removalPlan (deletionPolicy Delete)", () => {
  const cases = [
    {
      reason: "undoes what orgguard owns and AWS still has",
      observed: aws({ trustedAccess: [GD, SSO], delegatedAdministrators: [reg(GD), reg(HUB, OTHER)] }),
      managed: owned({ trustedAccess: [GD], delegatedAdministrators: [reg(GD)] }),
      deregister: [reg(GD)],
      disable: [GD],
    },
    {
      reason: "owns nothing: touches nothing, whatever AWS has",
      observed: aws({ trustedAccess: [GD, SSO], delegatedAdministrators: [reg(GD)] }),
      managed: owned(),
      deregister: [],
      disable: [],
    },
    {
      reason: "what it owned is gone already: done",
      observed: aws({ trustedAccess: [SSO] }),
      managed: owned({ trustedAccess: [GD], delegatedAdministrators: [reg(GD)] }),
      deregister: [],
      disable: [],
    },
  ];
  it.each(cases)("$reason", (c) => {
    const plan = removalPlan(c.observed, c.managed);
    expect(plan.deregister).toEqual(c.deregister);
    expect(plan.disableTrustedAccess).toEqual(c.disable);
    expect(plan.enableTrustedAccess).toEqual([]);
    expect(plan.register).toEqual([]);
    expect(plan.enablePolicyTypes).toEqual([]);
    expect(plan.managed).toEqual(owned());
  });
});

describe("plannedChanges", () => {
  it("names each write in the order it is made, accounts as the spec wrote them", () => {
    const plan = organizationPlan(
      want({ policyTypes: ["TAG_POLICY"], trustedAccess: [GD], delegatedAdministrators: [reg(GD)] }),
      aws({ trustedAccess: [CFG], delegatedAdministrators: [reg(CFG)] }),
      owned({ trustedAccess: [CFG], delegatedAdministrators: [reg(CFG)] }),
      { adopt: false },
    );
    const label = (id: string) => (id === AUDIT ? `${AUDIT} (audit-1)` : id);
    expect(plannedChanges(plan, "r-ab12", label)).toEqual([
      {
        path: "policyTypes[tag]",
        from: "disabled",
        to: "enabled",
        description: "enable TAG_POLICY on root r-ab12",
      },
      {
        path: `trustedAccess[${GD}]`,
        from: "disabled",
        to: "enabled",
        description: "+ enable trusted access",
      },
      {
        path: `delegatedAdministrators[${GD}/${AUDIT}]`,
        to: "registered",
        description: `+ register ${AUDIT} (audit-1) as delegated administrator`,
      },
      {
        path: `delegatedAdministrators[${CFG}/${AUDIT}]`,
        from: "registered",
        description: `- deregister ${AUDIT} (audit-1) (orgguard registered it; it left the spec)`,
      },
      {
        path: `trustedAccess[${CFG}]`,
        from: "enabled",
        to: "disabled",
        description: "- disable trusted access (orgguard enabled it; it left the spec)",
      },
    ]);
  });
});

describe("adoptionNote", () => {
  it("says what was taken over, and nothing when nothing was", () => {
    expect(adoptionNote(owned())).toBeUndefined();
    expect(adoptionNote(owned({ trustedAccess: [SSO], delegatedAdministrators: [reg(GD)] }))).toMatch(
      /^adopted trusted access for sso\.amazonaws\.com, 222222222222 as delegated administrator of guardduty\.amazonaws\.com, already there, as the orgguard\.io\/adopt annotation says/,
    );
  });
});
