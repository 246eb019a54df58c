/**
 * Pure decisions of the IdentityCenterSessionLength kind: a permission set's SessionDuration read
 * as a length (ISO 8601 as AWS writes it, or the seconds moto answers), which ones are over the
 * limit, which of those Enforce lowers (those the spec names) and which are only reported, and the
 * changes a plan shows.
 */
import type { Change } from "../../runtime/managed.js";
import { MAX_LISTED, type ObservedSessionLength, type SessionLengthSpec } from "./api.js";
import type { PermissionSetRecord } from "./sso-admin-api.js";

/** The seconds an ISO 8601 duration (PT10H, PT1H30M, PT45M) or a number of seconds stands for. */
export function sessionSeconds(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  if (typeof value !== "string") return undefined;
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$/.exec(value.trim());
  if (!match || (!match[1] && !match[2] && !match[3])) return undefined;
  return Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0);
}

/** A duration as Identity Center takes it: PT10H. */
export const isoHours = (hours: number): string => `PT${hours}H`;

/** A duration as status shows it: AWS's own string, or moto's seconds written as ISO 8601. */
export function durationText(value: unknown): string {
  if (typeof value === "string") return value;
  const seconds = sessionSeconds(value);
  if (seconds === undefined) return String(value);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `PT${h > 0 ? `${h}H` : ""}${m > 0 ? `${m}M` : ""}${h === 0 && m === 0 ? `${seconds}S` : ""}`;
}

/** `12 h`, `1 h 30 min` */
function inWords(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return [h > 0 ? `${h} h` : "", m > 0 ? `${m} min` : ""].filter(Boolean).join(" ") || `${seconds} s`;
}

/** What a reading decides. */
export interface SessionJudgement {
  observed: ObservedSessionLength;
  /** Named in the spec and over the limit: lowered (and re-provisioned) in Enforce. */
  lower: PermissionSetRecord[];
  /** Lowered earlier, their provisioning failed: provisioned again. */
  reprovision: Array<{ name: string; arn: string }>;
}

/** The judgement of an instance's permission sets against the spec (and what is still to be provisioned). */
export function judgeSessions(
  spec: Pick<SessionLengthSpec, "maxSessionHours" | "permissionSets">,
  instanceArn: string,
  sets: readonly PermissionSetRecord[],
  pendingProvisioning: ReadonlyArray<{ name: string; arn: string }>,
): SessionJudgement {
  const limit = spec.maxSessionHours * 3600;
  const managed = new Set(spec.permissionSets);
  // An unreadable duration counts as over the limit: it is not known to hold.
  const over = sets.filter((s) => (sessionSeconds(s.sessionDuration) ?? Number.POSITIVE_INFINITY) > limit);
  const lower = over.filter((s) => managed.has(s.name));
  const unmanaged = over.filter((s) => !managed.has(s.name));
  const names = new Set(sets.map((s) => s.name));
  const missing = spec.permissionSets.filter((n) => !names.has(n));
  const existing = new Set(sets.map((s) => s.arn));
  const listed = (list: PermissionSetRecord[]) =>
    list
      .slice(0, MAX_LISTED)
      .map((s) => ({ name: s.name, sessionDuration: durationText(s.sessionDuration) }));
  return {
    observed: {
      instanceArn,
      permissionSets: sets.length,
      overLimit: over.length,
      ...(lower.length > 0 ? { managedOverLimit: listed(lower) } : {}),
      ...(unmanaged.length > 0 ? { unmanagedOverLimit: listed(unmanaged) } : {}),
      unmanagedOverLimitCount: unmanaged.length,
      ...(missing.length > 0 ? { missing } : {}),
    },
    lower,
    // A permission set deleted since needs no provisioning; one lowered now is provisioned anyway.
    reprovision: pendingProvisioning.filter(
      (p) => existing.has(p.arn) && !lower.some((s) => s.arn === p.arn),
    ),
  };
}

/** The judgement's changes, as status and `orgguard plan` show them. */
export function sessionChanges(
  spec: Pick<SessionLengthSpec, "maxSessionHours">,
  judged: SessionJudgement,
): Change[] {
  const to = isoHours(spec.maxSessionHours);
  return [
    ...judged.lower.map((s) => {
      const seconds = sessionSeconds(s.sessionDuration);
      return {
        path: `permissionSets[${s.name}].sessionDuration`,
        from: durationText(s.sessionDuration),
        to,
        description: `lower ${s.name}'s sessions from ${seconds === undefined ? durationText(s.sessionDuration) : inWords(seconds)} to ${spec.maxSessionHours} h, then re-provision it to the accounts it is provisioned to (sessions already open keep their length)`,
      };
    }),
    ...judged.reprovision.map((p) => ({
      path: `permissionSets[${p.name}].provisioned`,
      from: "outdated",
      to: "latest",
      description: `provision ${p.name} again to the accounts it is provisioned to (its earlier provisioning failed: their roles still allow the old session length)`,
    })),
  ];
}
