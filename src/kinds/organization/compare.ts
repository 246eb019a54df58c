/**
 * The Organization kind's decisions, pure: given the spec (account names resolved), what AWS has
 * and what orgguard recorded as its own (status.managed), which policy types to enable, which
 * service principals to enable or disable and which delegated administrators to register or
 * deregister; and what status.managed says afterwards.
 *
 * Nothing here is exclusive. Trusted access and registrations carry no tags, so ownership is the
 * record in status: what orgguard enabled or registered itself, and what was already there when
 * the object said to adopt it (`orgguard.io/adopt: "true"`). Only owned things are ever disabled
 * or deregistered; everything else the spec does not name is left as it is, whoever made it.
 * Policy types are only ever enabled: disabling one detaches every policy of the type.
 */
import type { PolicyType } from "@aws-sdk/client-organizations";
import type { Change } from "../../runtime/managed.js";
import { POLICY_TYPES } from "../policy-types.js";

/** A delegated administrator: an account registered for a service. */
export interface Registration {
  servicePrincipal: string;
  accountId: string;
}

/** How a registration is named in sets and change paths: `guardduty.amazonaws.com/222222222222`. */
export const registrationKey = (r: Registration): string => `${r.servicePrincipal}/${r.accountId}`;

/** What the spec asks for, account names resolved to ids. */
export interface DesiredOrganization {
  /** AWS's names of the policy types (SERVICE_CONTROL_POLICY). */
  policyTypes: PolicyType[];
  trustedAccess: string[];
  delegatedAdministrators: Registration[];
}

/** What AWS has. */
export interface ObservedOrganization {
  rootId: string;
  enabledPolicyTypes: string[];
  trustedAccess: string[];
  delegatedAdministrators: Registration[];
}

/** What orgguard owns: it enabled or registered them itself, or adopted them (status.managed). */
export interface ManagedRecord {
  trustedAccess: string[];
  delegatedAdministrators: Registration[];
}

export const NOTHING_MANAGED: ManagedRecord = { trustedAccess: [], delegatedAdministrators: [] };

/** The writes that bring AWS to the spec, in the order they are made, and the record afterwards. */
export interface OrganizationPlan {
  enablePolicyTypes: PolicyType[];
  enableTrustedAccess: string[];
  register: Registration[];
  /** Owned registrations no longer in the spec: deregistered before trusted access is disabled. */
  deregister: Registration[];
  /** Owned principals no longer in the spec. */
  disableTrustedAccess: string[];
  /** What the spec names and AWS already had, taken over because the object says to adopt (no write). */
  adopt: ManagedRecord;
  /** status.managed once every write of the plan is done. */
  managed: ManagedRecord;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const sortedRegistrations = (registrations: Iterable<Registration>): Registration[] =>
  [...new Map([...registrations].map((r) => [registrationKey(r), r])).entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r);

/**
 * One list's decisions, the same for principals and registrations: what to add (wanted, absent),
 * what to remove (owned, no longer wanted, present), what to adopt (wanted, present, not owned:
 * only when told), and what is owned afterwards (owned and still wanted, added, adopted; an owned
 * thing no longer wanted leaves the record once it is gone).
 */
function listPlan<T>(
  wanted: readonly T[],
  present: readonly T[],
  owned: readonly T[],
  key: (t: T) => string,
  adopt: boolean,
): { add: T[]; remove: T[]; adopted: T[]; ownedAfter: T[] } {
  const has = (list: readonly T[]) => {
    const keys = new Set(list.map(key));
    return (t: T) => keys.has(key(t));
  };
  const isWanted = has(wanted);
  const isPresent = has(present);
  const isOwned = has(owned);
  const add = wanted.filter((t) => !isPresent(t));
  const adopted = adopt ? wanted.filter((t) => isPresent(t) && !isOwned(t)) : [];
  const remove = owned.filter((t) => !isWanted(t) && isPresent(t));
  const ownedAfter = [...owned.filter(isWanted), ...add, ...adopted];
  return { add, remove, adopted, ownedAfter };
}

/**
 * What Enforce does with `observed` to reach `desired`, given what orgguard owns (`managed`);
 * `adopt` takes over what the spec names and AWS already has.
 */
export function organizationPlan(
  desired: DesiredOrganization,
  observed: ObservedOrganization,
  managed: ManagedRecord,
  options: { adopt: boolean },
): OrganizationPlan {
  const trusted = listPlan(
    desired.trustedAccess,
    observed.trustedAccess,
    managed.trustedAccess,
    (p) => p,
    options.adopt,
  );
  const delegated = listPlan(
    desired.delegatedAdministrators,
    observed.delegatedAdministrators,
    managed.delegatedAdministrators,
    registrationKey,
    options.adopt,
  );
  return {
    enablePolicyTypes: desired.policyTypes.filter((t) => !observed.enabledPolicyTypes.includes(t)),
    enableTrustedAccess: trusted.add,
    register: delegated.add,
    deregister: delegated.remove,
    disableTrustedAccess: trusted.remove,
    adopt: { trustedAccess: trusted.adopted, delegatedAdministrators: delegated.adopted },
    managed: {
      trustedAccess: sorted(trusted.ownedAfter),
      delegatedAdministrators: sortedRegistrations(delegated.ownedAfter),
    },
  };
}

/**
 * Deleting with deletionPolicy Delete: undo what orgguard owns and AWS still has, and nothing
 * else (never a policy type, never what someone else enabled or registered).
 */
export function removalPlan(observed: ObservedOrganization, managed: ManagedRecord): OrganizationPlan {
  return organizationPlan(
    { policyTypes: [], trustedAccess: [], delegatedAdministrators: [] },
    observed,
    managed,
    { adopt: false },
  );
}

/** Whether a plan makes any write (adopting is a record in status, not a write). */
export const writesNothing = (plan: OrganizationPlan): boolean =>
  plan.enablePolicyTypes.length +
    plan.enableTrustedAccess.length +
    plan.register.length +
    plan.deregister.length +
    plan.disableTrustedAccess.length ===
  0;

/** Whether two records say the same (in their sorted form). */
export const sameRecord = (a: ManagedRecord, b: ManagedRecord): boolean =>
  JSON.stringify(normalRecord(a)) === JSON.stringify(normalRecord(b));

/** A record sorted and without duplicates, as status keeps it. */
export const normalRecord = (record: ManagedRecord): ManagedRecord => ({
  trustedAccess: sorted(record.trustedAccess),
  delegatedAdministrators: sortedRegistrations(record.delegatedAdministrators),
});

/** The spec's id of an AWS policy type name (`scp` for SERVICE_CONTROL_POLICY). */
const policyTypeId = (awsType: string): string =>
  POLICY_TYPES.find((t) => t.awsType === awsType)?.id ?? awsType;

/**
 * The plan as planned changes (status.plannedChanges, `orgguard plan`), in the order of the
 * writes; `accountLabel` names an account as the spec wrote it (`222222222222 (audit-1)`).
 */
export function plannedChanges(
  plan: OrganizationPlan,
  rootId: string,
  accountLabel: (accountId: string) => string = (id) => id,
): Change[] {
  const registration = (r: Registration) => `delegatedAdministrators[${registrationKey(r)}]`;
  return [
    ...plan.enablePolicyTypes.map((t) => ({
      path: `policyTypes[${policyTypeId(t)}]`,
      from: "disabled",
      to: "enabled",
      description: `enable ${t} on root ${rootId}`,
    })),
    ...plan.enableTrustedAccess.map((p) => ({
      path: `trustedAccess[${p}]`,
      from: "disabled",
      to: "enabled",
      description: "+ enable trusted access",
    })),
    ...plan.register.map((r) => ({
      path: registration(r),
      to: "registered",
      description: `+ register ${accountLabel(r.accountId)} as delegated administrator`,
    })),
    ...plan.deregister.map((r) => ({
      path: registration(r),
      from: "registered",
      description: `- deregister ${accountLabel(r.accountId)} (orgguard registered it; it left the spec)`,
    })),
    ...plan.disableTrustedAccess.map((p) => ({
      path: `trustedAccess[${p}]`,
      from: "enabled",
      to: "disabled",
      description: "- disable trusted access (orgguard enabled it; it left the spec)",
    })),
  ];
}

/** What an Adopted event says about what the annotation took over. */
export function adoptionNote(adopted: ManagedRecord): string | undefined {
  const parts = [
    ...adopted.trustedAccess.map((p) => `trusted access for ${p}`),
    ...adopted.delegatedAdministrators.map(
      (r) => `${r.accountId} as delegated administrator of ${r.servicePrincipal}`,
    ),
  ];
  if (parts.length === 0) return undefined;
  return `adopted ${parts.join(", ")}, already there, as the orgguard.io/adopt annotation says: orgguard now disables or deregisters them when they leave the spec (or on deletion with deletionPolicy Delete)`;
}
