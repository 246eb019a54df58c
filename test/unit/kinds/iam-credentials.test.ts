/**
 * The IamCredentials setting's decisions, in-process: the credential report as IAM writes it, what
 * is past the limits (and what is excepted), what status, plans and events say (never a key id),
 * and the client over a fake of its narrow IAM interface (the report still generating, a second
 * reconcile after a deactivation, AWS's messages stripped of key ids).
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  type CredentialFacts,
  diffIamCredentials,
  judgeCredentials,
  type LiveKey,
  parseCredentialReport,
  withoutKeyIds,
} from "../../../src/kinds/iam-credentials/compare.js";
import type { CredentialsApi } from "../../../src/kinds/iam-credentials/credentials-api.js";
import { iamCredentialsClientOf, iamCredentialsSetting } from "../../../src/kinds/iam-credentials/index.js";
import { iamCredentialsFields } from "../../../src/kinds/iam-credentials/schema.js";
import { TerminalError } from "../../../src/runtime/reconcile-errors.js";

const HEADER =
  "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated";
const NOW = new Date("2026-06-01T00:00:00Z");
const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000);
const iso = (d: Date) => d.toISOString().replace(/\.000Z$/, "+00:00");

/** A report row: the user, its password (last used), MFA, and up to two keys (active, created, last used). */
function row(
  user: string,
  o: {
    password?: Date | "never";
    mfa?: boolean;
    keys?: Array<{ active: boolean; created: Date; used?: Date }>;
  } = {},
): string {
  const key = (k?: { active: boolean; created: Date; used?: Date }) =>
    k
      ? [String(k.active), iso(k.created), k.used ? iso(k.used) : "N/A", "N/A", "N/A"]
      : ["false", "N/A", "N/A", "N/A", "N/A"];
  const password =
    o.password === undefined
      ? ["false", "not_supported", "N/A"]
      : ["true", o.password === "never" ? "no_information" : iso(o.password), iso(daysAgo(400))];
  return [
    user,
    `arn:aws:iam::111111111111:user/${user}`,
    iso(daysAgo(500)),
    ...password,
    "N/A",
    String(o.mfa ?? false),
    ...key(o.keys?.[0]),
    ...key(o.keys?.[1]),
    "false",
    "N/A",
    "false",
    "N/A",
  ].join(",");
}

const fields = (spec: Record<string, unknown> = {}) => z.strictObject(iamCredentialsFields).parse(spec);

describe("parseCredentialReport", () => {
  const cases = [
    {
      reason: "users with their passwords, MFA and keys; N/A is no date",
      csv: [
        HEADER,
        row("alice", { password: daysAgo(3), mfa: true }),
        row("bob", { keys: [{ active: true, created: daysAgo(100) }] }),
      ].join("\n"),
      users: ["alice", "bob"],
      check: (r: ReturnType<typeof parseCredentialReport>) => {
        expect(r.users[0]).toMatchObject({ passwordEnabled: true, mfaActive: true, keys: [] });
        expect(r.users[1]?.keys).toEqual([{ slot: 1, active: true, created: daysAgo(100) }]);
        expect(r.root).toBeUndefined();
      },
    },
    {
      reason: "the root user's row is kept apart (AWS includes it; moto does not)",
      csv: [
        HEADER,
        row("<root_account>", { mfa: false, keys: [{ active: true, created: daysAgo(900) }] }),
        row("carol"),
      ].join("\n"),
      users: ["carol"],
      check: (r: ReturnType<typeof parseCredentialReport>) => expect(r.root?.keys[0]?.active).toBe(true),
    },
    {
      reason: "a user name with a comma, unquoted, is put back together from its row",
      csv: [HEADER, row("ci,deploy", { keys: [{ active: true, created: daysAgo(10) }] })].join("\n"),
      users: ["ci,deploy"],
      check: (r: ReturnType<typeof parseCredentialReport>) => expect(r.users[0]?.keys).toHaveLength(1),
    },
    {
      reason: "a quoted user name with a comma is read as CSV says",
      csv: [HEADER, row("x").replace(/^x,/, '"ops,bot",')].join("\n"),
      users: ["ops,bot"],
      check: () => undefined,
    },
    {
      reason: "columns are found by name: a report with columns in another order (or new ones) reads alike",
      csv: ["mfa_active,user,password_enabled,new_column", "true,dave,true,x"].join("\n"),
      users: ["dave"],
      check: (r: ReturnType<typeof parseCredentialReport>) =>
        expect(r.users[0]).toMatchObject({ mfaActive: true, passwordEnabled: true }),
    },
    { reason: "an empty report has no users", csv: "", users: [], check: () => undefined },
  ];
  it.each(cases)("$reason", ({ csv, users, check }) => {
    const report = parseCredentialReport(csv);
    expect(report.users.map((u) => u.user)).toEqual(users);
    check(report);
  });
});

/** Facts of an account from report rows, with the live keys of some users. */
function facts(
  rows: string[],
  live: Record<string, LiveKey[]> = {},
  more: Partial<CredentialFacts> = {},
): CredentialFacts {
  return {
    report: parseCredentialReport([HEADER, ...rows].join("\n")),
    rootAccessKeysPresent: false,
    rootMfaEnabled: true,
    usersWithDirectPolicies: [],
    liveKeys: new Map(Object.entries(live)),
    ...more,
  };
}
const liveKey = (
  userName: string,
  id: string,
  created: Date,
  o: { status?: "Active" | "Inactive"; used?: Date } = {},
): LiveKey => ({
  id,
  userName,
  status: o.status ?? "Active",
  created,
  ...(o.used ? { lastUsed: o.used } : {}),
});

describe("judgeCredentials", () => {
  const cases = [
    {
      reason: "a key older than 90 days is past the limits, whatever its use",
      facts: facts([row("bob")], {
        bob: [liveKey("bob", "AKIAOLD0000000000001", daysAgo(91), { used: daysAgo(1) })],
      }),
      spec: {},
      expected: { keysPastLimits: 1, exceptedKeys: 0, oldestActiveKeyAgeDays: 91 },
      deactivate: ["bob#1"],
    },
    {
      reason: "a young key unused for more than 45 days is past the limits (never used: since its creation)",
      facts: facts([row("bob")], { bob: [liveKey("bob", "AKIAIDLE000000000001", daysAgo(50))] }),
      spec: {},
      expected: { keysPastLimits: 1, longestUnusedCredentialDays: 50 },
      deactivate: ["bob#1"],
    },
    {
      reason: "a key within both limits is not",
      facts: facts([row("bob")], {
        bob: [liveKey("bob", "AKIAFINE000000000001", daysAgo(30), { used: daysAgo(2) })],
      }),
      spec: {},
      expected: { keysPastLimits: 0, activeAccessKeys: 1 },
      deactivate: [],
    },
    {
      reason:
        "an inactive key is never past the limits (what a deactivation leaves: the second reconcile changes nothing)",
      facts: facts([row("bob", { keys: [{ active: true, created: daysAgo(200) }] })], {
        bob: [liveKey("bob", "AKIADONE000000000001", daysAgo(200), { status: "Inactive" })],
      }),
      spec: {},
      expected: { keysPastLimits: 0, activeAccessKeys: 0 },
      deactivate: [],
    },
    {
      reason:
        "an excepted user's key is counted, reported as excepted, never deactivated (the report's reading)",
      facts: facts([row("legacy", { keys: [{ active: true, created: daysAgo(400) }] })]),
      spec: { exceptions: [{ userName: "legacy", reason: "vendor appliance, ticket SEC-12" }] },
      expected: { keysPastLimits: 0, exceptedKeys: 1, oldestActiveKeyAgeDays: 400 },
      deactivate: [],
    },
    {
      reason: "0-day limits (what moto tests with: key ages cannot be backdated there) pass any key",
      facts: facts([row("bob")], {
        bob: [liveKey("bob", "AKIANEW0000000000001", new Date(NOW.getTime() - 5000))],
      }),
      spec: { maxAccessKeyAgeDays: 0, maxUnusedDays: 0 },
      expected: { keysPastLimits: 1 },
      deactivate: ["bob#1"],
    },
    {
      reason: "keys are numbered by age (1 the older), whatever order IAM lists them in",
      facts: facts([row("bob")], {
        bob: [
          liveKey("bob", "AKIANEWER00000000001", daysAgo(10)),
          liveKey("bob", "AKIAOLDER00000000001", daysAgo(100)),
        ],
      }),
      spec: {},
      expected: { keysPastLimits: 1, activeAccessKeys: 2 },
      deactivate: ["bob#1"],
    },
    {
      reason: "console users without MFA, direct policies and the root user are reported, never acted on",
      facts: facts(
        [row("eve", { password: daysAgo(1), mfa: false }), row("fay", { password: "never", mfa: true })],
        {},
        {
          usersWithDirectPolicies: ["fay"],
          rootAccessKeysPresent: true,
          rootMfaEnabled: false,
        },
      ),
      spec: {},
      expected: {
        consoleUsersWithoutMfa: 1,
        consoleUsersWithoutMfaNames: ["eve"],
        usersWithDirectPolicies: 1,
        usersWithDirectPoliciesNames: ["fay"],
        rootAccessKeysPresent: true,
        rootMfaEnabled: false,
        // fay's password was never used: counted since it was set (400 days ago).
        longestUnusedCredentialDays: 400,
      },
      deactivate: [],
    },
    {
      reason: "the report's root row says what the summary may not (root keys)",
      facts: facts(
        [row("<root_account>", { mfa: true, keys: [{ active: true, created: daysAgo(3) }] })],
        {},
        { rootMfaEnabled: false },
      ),
      spec: {},
      expected: { rootAccessKeysPresent: true, rootMfaEnabled: true, users: 0 },
      deactivate: [],
    },
  ];
  it.each(cases)("$reason", ({ facts: given, spec, expected, deactivate }) => {
    const judged = judgeCredentials(given, fields(spec), NOW);
    expect(judged.observed).toMatchObject(expected);
    expect(judged.deactivate.map((d) => `${d.userName}#${d.key}`)).toEqual(deactivate);
    expect(JSON.stringify(judged.observed)).not.toMatch(/AKIA/);
  });

  it("lists at most 20 keys in status, counts every one, and plans one change for the rest", () => {
    const users = Array.from({ length: 25 }, (_, i) => `user${i}`);
    const given = facts(
      users.map((u) => row(u)),
      Object.fromEntries(
        users.map((u, i) => [u, [liveKey(u, `AKIA${String(i).padStart(16, "0")}`, daysAgo(120))]]),
      ),
    );
    const { observed, deactivate } = judgeCredentials(given, fields(), NOW);
    expect(observed.keysPastLimits).toBe(25);
    expect(observed.keysPastLimitsList).toHaveLength(20);
    expect(deactivate).toHaveLength(25);
    const changes = diffIamCredentials(fields(), observed);
    expect(changes).toHaveLength(21);
    expect(changes.at(-1)?.description).toContain("5 more");
  });
});

describe("diffIamCredentials", () => {
  const cases = [
    {
      reason: "a key past its age: whose key, how old, which limit, never deleted",
      spec: {},
      observed: {
        keysPastLimits: 1,
        keysPastLimitsList: [
          { userName: "bob", key: 2, ageDays: 120, unusedDays: 3, past: ["maxAccessKeyAgeDays" as const] },
        ],
      },
      expected: [
        {
          path: "users[bob].accessKeys[2].status",
          from: "Active",
          to: "Inactive",
          description:
            "deactivate bob's access key #2 (120 day(s) old, unused for 3 day(s)): older than maxAccessKeyAgeDays (90); it is never deleted (reactivate it in IAM to undo)",
        },
      ],
    },
    {
      reason: "nothing past the limits: nothing to change",
      spec: {},
      observed: { keysPastLimits: 0 },
      expected: [],
    },
    {
      reason: "a report still generating plans nothing (the object is Progressing)",
      spec: {},
      observed: { reportState: "STARTED" },
      expected: [],
    },
  ];
  it.each(cases)("$reason", ({ spec, observed, expected }) => {
    expect(diffIamCredentials(fields(spec), observed)).toEqual(expected);
  });
});

describe("withoutKeyIds", () => {
  it.each([
    {
      text: "The Access Key with id AKIAIOSFODNN7EXAMPLE cannot be found.",
      expected: "The Access Key with id (an access key id) cannot be found.",
    },
    { text: "session ASIAXXXXXXXXXXXXXXXX expired", expected: "session (an access key id) expired" },
    { text: "no id here: 123456789012", expected: "no id here: 123456789012" },
  ])("$text", ({ text, expected }) => expect(withoutKeyIds(text)).toBe(expected));
});

/** A fake IAM of one account: a report, keys by user, and what was deactivated. */
class FakeIam implements CredentialsApi {
  generated: string[] = ["STARTED", "COMPLETE"];
  reportError?: Error;
  deactivated: string[] = [];
  failDeactivate?: Error;
  constructor(
    public rows: string[],
    public keys: Record<string, Array<Omit<LiveKey, "lastUsed">>>,
  ) {}
  async generateReport() {
    return this.generated.length > 1
      ? (this.generated.shift() ?? "COMPLETE")
      : (this.generated[0] ?? "COMPLETE");
  }
  async report() {
    if (this.reportError) throw this.reportError;
    return { csv: [HEADER, ...this.rows].join("\n"), generatedAt: "2026-05-31T22:00:00.000Z" };
  }
  async rootCredentials() {
    return { accessKeysPresent: false, mfaEnabled: false };
  }
  async usersWithDirectPolicies() {
    return [];
  }
  async accessKeys(user: string) {
    return this.keys[user] ?? [];
  }
  async lastUsed() {
    return undefined;
  }
  async deactivate(user: string, id: string) {
    if (this.failDeactivate) throw this.failDeactivate;
    this.deactivated.push(id);
    for (const k of this.keys[user] ?? []) if (k.id === id) k.status = "Inactive";
  }
}

/** An SDK-shaped AWS error. */
const awsError = (name: string, message: string, status = 400) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });

describe("the IamCredentials client over a fake IAM", () => {
  const keyOf = (user: string, id: string, days: number) => ({
    id,
    userName: user,
    status: "Active" as const,
    created: daysAgo(days),
  });

  it("waits for the report without holding a worker: STARTED is a reading in transition, then it judges", async () => {
    const iam = new FakeIam([row("bob", { keys: [{ active: true, created: daysAgo(100) }] })], {
      bob: [keyOf("bob", "AKIABOB0000000000001", 100)],
    });
    const client = iamCredentialsClientOf(iam, "111111111111", () => NOW);
    const first = await client.read(fields());
    expect(first).toEqual({ reportState: "STARTED" });
    expect(iamCredentialsSetting.inTransition?.(first ?? {})).toContain("generating the credential report");
    expect(await client.read(fields())).toMatchObject({ keysPastLimits: 1 });
  });

  it("reads a report IAM answers ReportInProgress for as still generating", async () => {
    const iam = new FakeIam([], {});
    iam.generated = ["COMPLETE"];
    iam.reportError = awsError("CredentialReportNotReadyException", "Report is in progress", 404);
    const client = iamCredentialsClientOf(iam, "111111111111", () => NOW);
    expect(await client.read(fields())).toEqual({ reportState: "INPROGRESS" });
  });

  it("deactivates only keys of users not excepted, and a second reading finds nothing left", async () => {
    const iam = new FakeIam(
      [
        row("bob", { keys: [{ active: true, created: daysAgo(100) }] }),
        row("legacy", { keys: [{ active: true, created: daysAgo(100) }] }),
      ],
      {
        bob: [keyOf("bob", "AKIABOB0000000000001", 100)],
        legacy: [keyOf("legacy", "AKIALEGACY0000000001", 100)],
      },
    );
    iam.generated = ["COMPLETE"];
    const spec = fields({ exceptions: [{ userName: "legacy", reason: "appliance" }] });
    const client = iamCredentialsClientOf(iam, "111111111111", () => NOW);
    const before = await client.read(spec);
    expect(before).toMatchObject({ keysPastLimits: 1, exceptedKeys: 1 });
    await client.write(spec, before);
    expect(iam.deactivated).toEqual(["AKIABOB0000000000001"]);
    // The report still says active (it is a snapshot): the live list decides.
    const after = await client.read(spec);
    expect(after).toMatchObject({ keysPastLimits: 0, exceptedKeys: 1 });
    expect(diffIamCredentials(spec, after)).toEqual([]);
  });

  it("reports AWS's refusal of a deactivation without the key id it names", async () => {
    const iam = new FakeIam([row("bob", { keys: [{ active: true, created: daysAgo(100) }] })], {
      bob: [keyOf("bob", "AKIABOB0000000000001", 100)],
    });
    iam.generated = ["COMPLETE"];
    iam.failDeactivate = awsError(
      "AccessDenied",
      "not authorized to perform iam:UpdateAccessKey on AKIABOB0000000000001",
      403,
    );
    const client = iamCredentialsClientOf(iam, "111111111111", () => NOW);
    const err = await client.write(fields(), undefined).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as Error).message).toContain("cannot deactivate bob's access key #1 of account 111111111111");
    expect((err as Error).message).not.toContain("AKIA");
  });
});

describe("the setting's definition", () => {
  it("is ObserveOnly unless the spec says Enforce", () => {
    expect(iamCredentialsSetting.defaultManagementPolicy).toBe("ObserveOnly");
  });

  it("counts its findings for orgguard_findings, without names", () => {
    expect(
      iamCredentialsSetting.findings?.({
        keysPastLimits: 2,
        consoleUsersWithoutMfa: 1,
        rootAccessKeysPresent: true,
        rootMfaEnabled: true,
      }),
    ).toEqual({
      keys_past_limits: 2,
      excepted_keys: 0,
      console_users_without_mfa: 1,
      users_with_direct_policies: 0,
      root_access_keys: 1,
      root_without_mfa: 0,
    });
  });

  const controls = Object.fromEntries((iamCredentialsSetting.controls ?? []).map((c) => [c.id, c]));
  it.each([
    { id: "CIS 1.4", observed: { rootAccessKeysPresent: false }, holds: true },
    { id: "CIS 1.4", observed: { rootAccessKeysPresent: true }, holds: false },
    { id: "CIS 1.5", observed: { rootMfaEnabled: false }, holds: false },
    { id: "CIS 1.10", observed: { consoleUsersWithoutMfa: 0 }, holds: true },
    { id: "CIS 1.12", observed: { users: 3, longestUnusedCredentialDays: 45 }, holds: false },
    { id: "CIS 1.12", observed: { users: 0 }, holds: true },
    { id: "CIS 1.14", observed: { users: 1, oldestActiveKeyAgeDays: 91 }, holds: false },
    { id: "CIS 1.14", observed: { users: 1, oldestActiveKeyAgeDays: 90 }, holds: true },
    { id: "CIS 1.14", observed: { reportState: "STARTED" }, holds: false },
    { id: "CIS 1.15", observed: { usersWithDirectPolicies: 1 }, holds: false },
  ])("$id holds: $holds for $observed", ({ id, observed, holds }) => {
    expect(controls[id]?.holds(observed)).toBe(holds);
  });
});
