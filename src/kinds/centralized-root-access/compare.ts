/**
 * Pure decisions of the CentralizedRootAccess kind: which features to enable, which member
 * accounts' root credentials Enforce deletes (only with deleteMemberRootCredentials, never in an
 * excepted account), the changes a plan shows for each, and what status says (bounded, no ids).
 */
import type { Change } from "../../runtime/managed.js";
import {
  type CentralizedRootAccessSpec,
  MAX_LISTED,
  type MemberRootCredentials,
  type ObservedRootAccess,
} from "./api.js";
import type { RootCredentials, RootFeature } from "./root-access-api.js";

/** One member account's audit: its root credentials, or why they could not be read. */
export interface MemberAudit {
  accountId: string;
  accountName?: string;
  credentials?: RootCredentials;
  failure?: string;
}

/** What a reconcile found. */
export interface RootAccessReading {
  organizationId: string;
  features: string[];
  memberAccounts: number;
  audits: MemberAudit[];
}

/** What Enforce does: features to enable, then members whose root credentials to delete. */
export interface RootAccessPlan {
  enable: RootFeature[];
  deleteIn: MemberRootCredentials[];
}

/** Whether a member's root user has anything left. */
export const hasRootCredentials = (c: RootCredentials): boolean =>
  c.password || c.accessKeyIds.length > 0 || c.mfaSerialNumbers.length > 0 || c.certificateIds.length > 0;

/** A member's root credentials as status shows them: counts, no ids. */
function summary(
  audit: MemberAudit & { credentials: RootCredentials },
  excepted: boolean,
): MemberRootCredentials {
  const c = audit.credentials;
  return {
    accountId: audit.accountId,
    ...(audit.accountName ? { accountName: audit.accountName } : {}),
    password: c.password,
    accessKeys: c.accessKeyIds.length,
    mfaDevices: c.mfaSerialNumbers.length,
    signingCertificates: c.certificateIds.length,
    ...(excepted ? { excepted: true } : {}),
  };
}

const withCredentials = (audits: MemberAudit[]) =>
  audits.filter((a): a is MemberAudit & { credentials: RootCredentials } =>
    a.credentials !== undefined ? hasRootCredentials(a.credentials) : false,
  );

/** The plan for a reading: only what the spec asks for, and deletions only when it says so. */
export function planRootAccess(spec: CentralizedRootAccessSpec, reading: RootAccessReading): RootAccessPlan {
  const enable: RootFeature[] = [];
  if (spec.rootCredentialsManagement && !reading.features.includes("RootCredentialsManagement"))
    enable.push("RootCredentialsManagement");
  if (spec.rootSessions && !reading.features.includes("RootSessions")) enable.push("RootSessions");
  const excepted = new Set(spec.exceptions.map((e) => e.accountId));
  const deleteIn = spec.deleteMemberRootCredentials
    ? withCredentials(reading.audits)
        .filter((a) => !excepted.has(a.accountId))
        .map((a) => summary(a, false))
    : [];
  return { enable, deleteIn };
}

/** `222222222222 (prod-1)` */
const named = (m: { accountId: string; accountName?: string }) =>
  `${m.accountId}${m.accountName ? ` (${m.accountName})` : ""}`;

/** What a member's root user has, in words: `a password, 1 access key(s) and 1 MFA device(s)`. */
export function credentialsInWords(m: MemberRootCredentials): string {
  const parts = [
    ...(m.password ? ["a password"] : []),
    ...(m.accessKeys > 0 ? [`${m.accessKeys} access key(s)`] : []),
    ...(m.mfaDevices > 0 ? [`${m.mfaDevices} MFA device(s)`] : []),
    ...(m.signingCertificates > 0 ? [`${m.signingCertificates} signing certificate(s)`] : []),
  ];
  return parts.length <= 1 ? (parts[0] ?? "nothing") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/** The plan's changes, as status and `orgguard plan` show them: each deletion named, destructive said. */
export function changesOf(plan: RootAccessPlan): Change[] {
  const features: Change[] = plan.enable.map((feature) => ({
    path: feature === "RootCredentialsManagement" ? "rootCredentialsManagement" : "rootSessions",
    from: false,
    to: true,
  }));
  const listed = plan.deleteIn.slice(0, MAX_LISTED);
  const deletions: Change[] = listed.map((m) => ({
    path: `members[${m.accountId}].rootCredentials`,
    from: "present",
    to: "deleted",
    description: `DELETE the root user's ${credentialsInWords(m)} in member account ${named(m)} (destructive: orgguard cannot restore them; the account's root user comes back only through password recovery)`,
  }));
  const more = plan.deleteIn.length - listed.length;
  if (more > 0) {
    deletions.push({
      path: "members[...].rootCredentials",
      description: `DELETE the root credentials of ${more} more member account(s) (status lists the first ${MAX_LISTED})`,
    });
  }
  return [...features, ...deletions];
}

/** status.atProvider for a reading. */
export function atProviderOf(
  spec: Pick<CentralizedRootAccessSpec, "exceptions">,
  reading: RootAccessReading,
): ObservedRootAccess {
  const excepted = new Set(spec.exceptions.map((e) => e.accountId));
  const found = withCredentials(reading.audits).map((a) => summary(a, excepted.has(a.accountId)));
  const failures = reading.audits.filter((a) => a.failure !== undefined);
  const audited = reading.audits.filter((a) => a.credentials !== undefined).length;
  return {
    organizationId: reading.organizationId,
    trustedAccess: true,
    rootCredentialsManagement: reading.features.includes("RootCredentialsManagement"),
    rootSessions: reading.features.includes("RootSessions"),
    memberAccounts: reading.memberAccounts,
    membersAudited: audited,
    membersWithRootCredentials: found.length,
    ...(found.length > 0 ? { membersWithRootCredentialsList: found.slice(0, MAX_LISTED) } : {}),
    ...(failures.length > 0
      ? {
          auditFailures: failures
            .slice(0, 10)
            .map((f) => ({ accountId: f.accountId, reason: (f.failure ?? "").slice(0, 512) })),
          auditFailureCount: failures.length,
        }
      : {}),
  };
}
