/**
 * Pure decisions of the TemporaryAccess kind, at a given time: whether the request is within its
 * permission set's ceiling and still ahead of its expiry, which accounts to grant, which of the
 * assignments orgguard created to remove (at expiry, for an account no longer listed, or when the
 * request turns out too long), which it leaves (the principal had them already), what status says
 * (a countdown) and what a plan shows.
 */
import type { Change } from "../../runtime/managed.js";

/** What one reconcile knows. */
export interface AccessFacts {
  now: number;
  /** When the object was created (the approval landed): the grant is measured from here. */
  createdAt: number;
  expiresAt: number;
  /** The permission set's ceiling (--temporary-access-max-durations). */
  maxMs: number;
  /** The accounts the spec lists. */
  accounts: readonly string[];
  /** Where the principal has the permission set now. */
  assignedIn: ReadonlySet<string>;
  /** Where orgguard created it (status.granted): the only assignments it ever removes. */
  granted: readonly string[];
  /** Whether the object ever granted anything (its last phase was Active or Expired). */
  wasActive: boolean;
}

export type Phase = "Pending" | "Active" | "Expired" | "Refused";

export interface AccessPlan {
  phase: Phase;
  /** Why nothing is granted: too long, or already past its expiry when first seen. */
  refusal?: { reason: "LongerThanAllowed" | "ExpiredOnArrival"; message: string };
  grant: string[];
  revoke: string[];
  /** Listed accounts where the principal had the permission set before: left as they are, at expiry too. */
  alreadyHad: string[];
  /** What status.granted is once the plan's writes are made. */
  grantedAfter: string[];
}

/** A length as people say it: `3d 4h`, `2h 15m`, `45m`. */
export function durationInWords(ms: number): string {
  const m = Math.max(0, Math.floor(ms / 60_000));
  const d = Math.floor(m / 1440);
  const h = Math.floor((m % 1440) / 60);
  const min = m % 60;
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${min}m`;
  return `${min}m`;
}

/** The plan at `facts.now`. */
export function planAccess(facts: AccessFacts): AccessPlan {
  const ours = facts.granted.filter((a) => facts.assignedIn.has(a));
  const keep = (revoke: string[]) => facts.granted.filter((a) => !revoke.includes(a));
  const expired = facts.now >= facts.expiresAt;
  const asked = facts.expiresAt - facts.createdAt;
  if (expired) {
    const refusal =
      !facts.wasActive && facts.granted.length === 0
        ? {
            reason: "ExpiredOnArrival" as const,
            message: `expiresAt ${new Date(facts.expiresAt).toISOString()} had passed when orgguard first saw the object: nothing granted (the apiserver cannot refuse it: Kubernetes' CEL has no clock; orgguard validate warns)`,
          }
        : undefined;
    return {
      phase: refusal ? "Refused" : "Expired",
      ...(refusal ? { refusal } : {}),
      grant: [],
      revoke: ours,
      alreadyHad: [],
      grantedAfter: [],
    };
  }
  if (asked > facts.maxMs) {
    return {
      phase: "Refused",
      refusal: {
        reason: "LongerThanAllowed",
        message: `asks for ${durationInWords(asked)} from the object's creation to expiresAt, more than this permission set's ceiling of ${durationInWords(facts.maxMs)} (--temporary-access-max-durations): nothing granted${ours.length > 0 ? "; what was granted is removed" : ""}. Shorten expiresAt`,
      },
      grant: [],
      revoke: ours,
      alreadyHad: [],
      grantedAfter: keep(ours),
    };
  }
  const listed = new Set(facts.accounts);
  const grant = facts.accounts.filter((a) => !facts.assignedIn.has(a));
  const alreadyHad = facts.accounts.filter((a) => facts.assignedIn.has(a) && !facts.granted.includes(a));
  // An account taken off the list loses the access orgguard gave there.
  const revoke = ours.filter((a) => !listed.has(a));
  return {
    phase: grant.length === 0 ? "Active" : "Pending",
    grant,
    revoke,
    alreadyHad,
    grantedAfter: [...new Set([...keep(revoke), ...grant])].filter((a) => listed.has(a)).sort(),
  };
}

/** Who, as messages name them: `user john`, `group Database Admins`. */
export const principalLabel = (p: { userName?: string; groupName?: string }): string =>
  p.userName ? `user ${p.userName}` : `group ${p.groupName ?? "?"}`;

/** The plan's changes, as status and `orgguard plan` show them. */
export function accessChanges(
  plan: AccessPlan,
  what: { permissionSet: string; principal: string; expiresAt: string; reason: string },
): Change[] {
  const why =
    plan.phase === "Expired"
      ? `it expired at ${what.expiresAt}`
      : plan.phase === "Refused"
        ? "the request is longer than allowed"
        : "the account is no longer listed";
  return [
    ...plan.grant.map((account) => ({
      path: `accounts[${account}]`,
      from: "none",
      to: what.permissionSet,
      description: `grant ${what.permissionSet} to ${what.principal} in account ${account} until ${what.expiresAt} (${what.reason})`,
    })),
    ...plan.revoke.map((account) => ({
      path: `accounts[${account}]`,
      from: what.permissionSet,
      to: "none",
      description: `remove ${what.permissionSet} of ${what.principal} in account ${account}: ${why}`,
    })),
  ];
}
