/**
 * Pure judgement of an account's IAM credentials: the credential report read as IAM writes it
 * (CSV, one row per user and one for the root user), what is past the spec's limits, what status
 * shows (bounded, no key ids), and the changes Enforce makes (deactivating keys, never deleting).
 *
 * The report is a snapshot IAM regenerates at most every 4 hours, so it decides only what it is good
 * for: passwords, MFA, the root user, and which users have keys at all. Whether a key is active
 * now, how old it is and when it was last used come from IAM's live answers (ListAccessKeys,
 * GetAccessKeyLastUsed) for every user not excepted who has a key: a key orgguard just deactivated
 * reads Inactive at once, so a second reconcile changes nothing, whatever the report still says.
 */
import { parse } from "csv-parse/sync";
import type { Change } from "../../runtime/managed.js";
import {
  type IamCredentialsFields,
  type KeyPastLimits,
  MAX_LISTED,
  type ObservedIamCredentials,
} from "./schema.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** How the credential report names the root user's row. */
export const ROOT_ROW = "<root_account>";

/** One access key as the report gives it (its slot: 1 or 2). */
export interface ReportKey {
  slot: 1 | 2;
  active: boolean;
  /** When it was created or last rotated. */
  created?: Date;
  lastUsed?: Date;
}

/** One row of the credential report. */
export interface ReportRow {
  user: string;
  created?: Date;
  passwordEnabled: boolean;
  passwordLastUsed?: Date;
  passwordLastChanged?: Date;
  mfaActive: boolean;
  keys: ReportKey[];
}

/** The report's users and, where AWS includes it, the root user's row. */
export interface CredentialReport {
  users: ReportRow[];
  root?: ReportRow;
}

/** An access key as IAM lists it now (the id stays in memory: never in status, logs or events). */
export interface LiveKey {
  id: string;
  userName: string;
  status: "Active" | "Inactive";
  created: Date;
  /** undefined: never used. */
  lastUsed?: Date;
}

/** Everything one reading of an account gathers. */
export interface CredentialFacts {
  report: CredentialReport;
  reportGeneratedAt?: string;
  /** GetAccountSummary's AccountAccessKeysPresent and AccountMFAEnabled. */
  rootAccessKeysPresent: boolean;
  rootMfaEnabled: boolean;
  /** Users with managed policies attached or inline policies (GetAccountAuthorizationDetails). */
  usersWithDirectPolicies: string[];
  /** The live keys of the users whose keys were read (the users not excepted who have a key). */
  liveKeys: ReadonlyMap<string, readonly LiveKey[]>;
}

/** A date as the report writes it, or undefined for its "N/A", "no_information", "not_supported". */
function reportDate(value: string | undefined): Date | undefined {
  if (!value || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The columns after `arn`, which IAM writes before any free text: a user name may contain a comma
 * (IAM allows `+=,.@_-`), and a row with more columns than the header is read by taking these from
 * the end and splitting the rest between the user and its ARN (both hold the name).
 */
const FIXED_AFTER_ARN = (header: string[]) => header.length - 2;

/** The report's CSV as rows; every column looked up by its header name, so new columns change nothing. */
export function parseCredentialReport(csv: string): CredentialReport {
  const records: string[][] = parse(csv, { relax_column_count: true, skip_empty_lines: true, trim: true });
  const [header, ...rows] = records;
  if (!header) return { users: [] };
  const index = new Map(header.map((name, i) => [name, i]));
  const users: ReportRow[] = [];
  let root: ReportRow | undefined;
  for (const raw of rows) {
    const cells = normalizedCells(raw, header);
    const cell = (name: string) => cells[index.get(name) ?? -1];
    const key = (slot: 1 | 2): ReportKey | undefined => {
      const created = reportDate(cell(`access_key_${slot}_last_rotated`));
      const active = cell(`access_key_${slot}_active`) === "true";
      if (!created && !active) return undefined;
      const lastUsed = reportDate(cell(`access_key_${slot}_last_used_date`));
      return { slot, active, ...(created ? { created } : {}), ...(lastUsed ? { lastUsed } : {}) };
    };
    const row: ReportRow = {
      user: cell("user") ?? "",
      passwordEnabled: cell("password_enabled") === "true",
      mfaActive: cell("mfa_active") === "true",
      keys: [key(1), key(2)].filter((k): k is ReportKey => k !== undefined),
    };
    const dates = {
      created: reportDate(cell("user_creation_time")),
      passwordLastUsed: reportDate(cell("password_last_used")),
      passwordLastChanged: reportDate(cell("password_last_changed")),
    };
    for (const [name, date] of Object.entries(dates)) if (date) Object.assign(row, { [name]: date });
    if (row.user === ROOT_ROW) root = row;
    else if (row.user) users.push(row);
  }
  return { users, ...(root ? { root } : {}) };
}

/** A row with more cells than the header (a comma in a user name): the name put back together. */
function normalizedCells(raw: string[], header: string[]): string[] {
  if (raw.length <= header.length) return raw;
  const fixed = FIXED_AFTER_ARN(header);
  const front = raw.slice(0, raw.length - fixed);
  const half = front.length / 2;
  if (!Number.isInteger(half)) return raw;
  return [front.slice(0, half).join(","), front.slice(half).join(","), ...raw.slice(raw.length - fixed)];
}

/** Whole days between `from` and `now` (0 for a date in the future: clocks differ a little). */
const daysSince = (from: Date, now: Date) =>
  Math.max(0, Math.floor((now.getTime() - from.getTime()) / DAY_MS));

/** Whether more than `limitDays` whole days have passed: a 0-day limit is passed by any key. */
const past = (from: Date, limitDays: number, now: Date) =>
  now.getTime() - from.getTime() > limitDays * DAY_MS;

/** A key, live or from the report, as the judgement needs it. */
interface JudgedKey {
  userName: string;
  /** 1 the older, 2 the newer. */
  key: number;
  active: boolean;
  created?: Date;
  lastUsed?: Date;
  /** Present only for keys read live: what a deactivation names. */
  id?: string;
}

/** A user's keys: live when read, else the report's; numbered by age (1 the older). */
function keysOf(row: ReportRow, live: readonly LiveKey[] | undefined): JudgedKey[] {
  if (live) {
    return [...live]
      .sort((a, b) => a.created.getTime() - b.created.getTime())
      .map((k, i) => ({
        userName: row.user,
        key: i + 1,
        active: k.status === "Active",
        created: k.created,
        ...(k.lastUsed ? { lastUsed: k.lastUsed } : {}),
        id: k.id,
      }));
  }
  return row.keys.map((k) => ({
    userName: row.user,
    key: k.slot,
    active: k.active,
    ...(k.created ? { created: k.created } : {}),
    ...(k.lastUsed ? { lastUsed: k.lastUsed } : {}),
  }));
}

type Limit = KeyPastLimits["past"][number];

/** Which of the spec's limits a key is past: none, its age, its idleness, or both. */
function limitsPassed(key: JudgedKey, fields: IamCredentialsFields, now: Date): Limit[] {
  if (!key.active || !key.created) return [];
  const passed: Limit[] = [];
  if (past(key.created, fields.maxAccessKeyAgeDays, now)) passed.push("maxAccessKeyAgeDays");
  if (past(key.lastUsed ?? key.created, fields.maxUnusedDays, now)) passed.push("maxUnusedDays");
  return passed;
}

/** A key past the limits that Enforce deactivates (its id, for the write alone). */
export interface Deactivation {
  userName: string;
  key: number;
  id: string;
}

/** What one judgement of an account gives: what status shows, and what Enforce deactivates. */
export interface CredentialJudgement {
  observed: ObservedIamCredentials;
  deactivate: Deactivation[];
}

/** The users whose keys IAM is asked about live: those not excepted who have a key in the report. */
export function usersToReadLive(report: CredentialReport, fields: IamCredentialsFields): string[] {
  const excepted = new Set(fields.exceptions.map((e) => e.userName));
  return report.users.filter((u) => u.keys.length > 0 && !excepted.has(u.user)).map((u) => u.user);
}

/** The judgement of one account's credentials against the spec's limits, at `now`. */
export function judgeCredentials(
  facts: CredentialFacts,
  fields: IamCredentialsFields,
  now: Date,
): CredentialJudgement {
  const excepted = new Set(fields.exceptions.map((e) => e.userName));
  const users = facts.report.users;
  const keys = users.flatMap((row) => keysOf(row, facts.liveKeys.get(row.user)));
  const active = keys.filter((k) => k.active);
  const pastLimits = active.filter((k) => limitsPassed(k, fields, now).length > 0);
  const toDeactivate = pastLimits.filter((k) => !excepted.has(k.userName));
  const consoleWithoutMfa = users.filter((u) => u.passwordEnabled && !u.mfaActive).map((u) => u.user);
  const directPolicies = [...facts.usersWithDirectPolicies].sort();
  const oldest = Math.max(-1, ...active.flatMap((k) => (k.created ? [daysSince(k.created, now)] : [])));
  const unused = Math.max(
    -1,
    ...active.flatMap((k) => (k.created ? [daysSince(k.lastUsed ?? k.created, now)] : [])),
    ...users.flatMap((u) => {
      if (!u.passwordEnabled) return [];
      const since = u.passwordLastUsed ?? u.passwordLastChanged ?? u.created;
      return since ? [daysSince(since, now)] : [];
    }),
  );
  const listed: KeyPastLimits[] = toDeactivate.slice(0, MAX_LISTED).map((k) => ({
    userName: k.userName,
    key: k.key,
    ageDays: k.created ? daysSince(k.created, now) : 0,
    unusedDays: k.created ? daysSince(k.lastUsed ?? k.created, now) : 0,
    past: limitsPassed(k, fields, now),
  }));
  const root = facts.report.root;
  const observed: ObservedIamCredentials = {
    ...(facts.reportGeneratedAt ? { reportGeneratedAt: facts.reportGeneratedAt } : {}),
    users: users.length,
    // The summary says it; the report's root row, where AWS includes it, says it too.
    rootAccessKeysPresent: facts.rootAccessKeysPresent || (root?.keys.some((k) => k.active) ?? false),
    rootMfaEnabled: facts.rootMfaEnabled || (root?.mfaActive ?? false),
    consoleUsersWithoutMfa: consoleWithoutMfa.length,
    ...(consoleWithoutMfa.length > 0
      ? { consoleUsersWithoutMfaNames: consoleWithoutMfa.slice(0, MAX_LISTED) }
      : {}),
    usersWithDirectPolicies: directPolicies.length,
    ...(directPolicies.length > 0
      ? { usersWithDirectPoliciesNames: directPolicies.slice(0, MAX_LISTED) }
      : {}),
    activeAccessKeys: active.length,
    keysPastLimits: toDeactivate.length,
    ...(listed.length > 0 ? { keysPastLimitsList: listed } : {}),
    exceptedKeys: pastLimits.length - toDeactivate.length,
    ...(oldest >= 0 ? { oldestActiveKeyAgeDays: oldest } : {}),
    ...(unused >= 0 ? { longestUnusedCredentialDays: unused } : {}),
  };
  return {
    observed,
    deactivate: toDeactivate.flatMap((k) => (k.id ? [{ userName: k.userName, key: k.key, id: k.id }] : [])),
  };
}

/** `the user alice's access key #1`, as messages name a key (never by its id). */
export const keyLabel = (k: { userName: string; key: number }) => `${k.userName}'s access key #${k.key}`;

/**
 * One change per key Enforce deactivates (the first MAX_LISTED, then one for the rest): a
 * reviewer reads whose key, how old and why; no key id.
 */
export function diffIamCredentials(
  fields: IamCredentialsFields,
  observed: ObservedIamCredentials | undefined,
): Change[] {
  if (!observed || observed.reportState) return [];
  const listed = observed.keysPastLimitsList ?? [];
  const changes: Change[] = listed.map((k) => {
    const why = k.past.map((limit) =>
      limit === "maxAccessKeyAgeDays"
        ? `older than maxAccessKeyAgeDays (${fields.maxAccessKeyAgeDays})`
        : `unused for more than maxUnusedDays (${fields.maxUnusedDays})`,
    );
    return {
      path: `users[${k.userName}].accessKeys[${k.key}].status`,
      from: "Active",
      to: "Inactive",
      description: `deactivate ${keyLabel(k)} (${k.ageDays} day(s) old, unused for ${k.unusedDays} day(s)): ${why.join(" and ") || "past the limits"}; it is never deleted (reactivate it in IAM to undo)`,
    };
  });
  const more = (observed.keysPastLimits ?? 0) - listed.length;
  if (more > 0) {
    changes.push({
      path: "users[...].accessKeys",
      description: `deactivate ${more} more active access key(s) past the limits (status lists the first ${MAX_LISTED})`,
    });
  }
  return changes;
}

/** Text that may hold an access key id (AKIA..., ASIA..., 16 to 128 characters by IAM's rule). */
const KEY_ID = /\b(?:AKIA|ASIA|AIDA|AROA|ABIA|ACCA)[A-Z0-9]{12,124}\b/g;

/** `text` with every access key id replaced: what AWS's messages become before status, logs or events. */
export const withoutKeyIds = (text: string): string => text.replace(KEY_ID, "(an access key id)");
