/**
 * The TemporaryAccess kind's decisions, in-process: what is granted and removed at a given time
 * (within the ceiling, at expiry, an account taken off the list, an assignment the principal already
 * had), the countdown, the ceiling option, and the client over a fake Identity Center (grant,
 * expiry without anyone acting, a lost answer still counted as orgguard's).
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateObject } from "../../../src/api/validate.js";
import { loadConfig } from "../../../src/config.js";
import { API_DEFINITIONS } from "../../../src/kinds/index.js";
import type { AccessApi, PrincipalRef } from "../../../src/kinds/temporary-access/access-api.js";
import { temporaryAccessApi, temporaryAccessSpec } from "../../../src/kinds/temporary-access/api.js";
import {
  TemporaryAccessClient,
  type TemporaryAccessObject,
} from "../../../src/kinds/temporary-access/client.js";
import { accessChanges, durationInWords, planAccess } from "../../../src/kinds/temporary-access/compare.js";
import { maxDurationOf } from "../../../src/kinds/temporary-access/options.js";
import { FailureWithStatus, type TerminalError } from "../../../src/runtime/reconcile-errors.js";

const H = 3_600_000;
const T0 = Date.parse("2026-06-01T08:00:00Z");

describe("planAccess", () => {
  const base = {
    now: T0,
    createdAt: T0,
    expiresAt: T0 + 4 * 24 * H,
    maxMs: 96 * H,
    accounts: ["222222222222", "333333333333"],
    assignedIn: new Set<string>(),
    granted: [] as string[],
    wasActive: false,
  };
  const cases = [
    {
      reason: "four days within a four-day ceiling: grant in every account",
      facts: base,
      expected: {
        phase: "Pending",
        grant: ["222222222222", "333333333333"],
        revoke: [],
        grantedAfter: ["222222222222", "333333333333"],
      },
    },
    {
      reason: "granted everywhere: Active, nothing to do",
      facts: {
        ...base,
        now: T0 + H,
        assignedIn: new Set(base.accounts),
        granted: base.accounts,
        wasActive: true,
      },
      expected: { phase: "Active", grant: [], revoke: [] },
    },
    {
      reason: "at expiry: remove what orgguard granted",
      facts: {
        ...base,
        now: base.expiresAt,
        assignedIn: new Set(base.accounts),
        granted: base.accounts,
        wasActive: true,
      },
      expected: { phase: "Expired", grant: [], revoke: ["222222222222", "333333333333"], grantedAfter: [] },
    },
    {
      reason: "an assignment the principal already had is left, at expiry too",
      facts: {
        ...base,
        now: base.expiresAt,
        assignedIn: new Set(base.accounts),
        granted: ["222222222222"],
        wasActive: true,
      },
      expected: { phase: "Expired", revoke: ["222222222222"] },
    },
    {
      reason: "and while active it is reported as already there, never recorded as orgguard's",
      facts: { ...base, assignedIn: new Set(["333333333333"]) },
      expected: { grant: ["222222222222"], alreadyHad: ["333333333333"], grantedAfter: ["222222222222"] },
    },
    {
      reason: "an account taken off the list loses the access orgguard gave there",
      facts: {
        ...base,
        accounts: ["222222222222"],
        assignedIn: new Set(base.accounts),
        granted: base.accounts,
        wasActive: true,
      },
      expected: { phase: "Active", revoke: ["333333333333"], grantedAfter: ["222222222222"] },
    },
    {
      reason: "five days against a four-day ceiling: refused, nothing granted",
      facts: { ...base, expiresAt: T0 + 5 * 24 * H },
      expected: { phase: "Refused", grant: [], refusal: { reason: "LongerThanAllowed" } },
    },
    {
      reason: "lengthened after the grant: refused, and what was granted is removed",
      facts: {
        ...base,
        expiresAt: T0 + 5 * 24 * H,
        assignedIn: new Set(base.accounts),
        granted: base.accounts,
        wasActive: true,
      },
      expected: { phase: "Refused", revoke: ["222222222222", "333333333333"] },
    },
    {
      reason: "already past its expiry when first seen: refused, nothing granted",
      facts: { ...base, now: base.expiresAt + H },
      expected: { phase: "Refused", grant: [], revoke: [], refusal: { reason: "ExpiredOnArrival" } },
    },
  ];
  it.each(cases)("$reason", ({ facts, expected }) => {
    expect(planAccess(facts)).toMatchObject(expected);
  });

  it("says each change as a reviewer reads it", () => {
    const plan = planAccess(base);
    const what = {
      permissionSet: "ProdDbMaintenance",
      principal: "user john",
      expiresAt: "2026-06-05T08:00:00Z",
      reason: "CHG-42 schema upload",
    };
    expect(accessChanges(plan, what)[0]).toEqual({
      path: "accounts[222222222222]",
      from: "none",
      to: "ProdDbMaintenance",
      description:
        "grant ProdDbMaintenance to user john in account 222222222222 until 2026-06-05T08:00:00Z (CHG-42 schema upload)",
    });
  });

  it.each([
    { ms: 4 * 24 * H + 3 * H, words: "4d 3h" },
    { ms: 2 * H + 15 * 60_000, words: "2h 15m" },
    { ms: 45 * 60_000 + 59_000, words: "45m" },
    { ms: -5, words: "0m" },
  ])("counts down: $words", ({ ms, words }) => expect(durationInWords(ms)).toBe(words));
});

describe("the ceiling option (--temporary-access-max-durations)", () => {
  it.each([
    { value: "", set: "AdministratorAccess", hours: 96 },
    { value: "*=8h,AdministratorAccess=4h", set: "AdministratorAccess", hours: 4 },
    { value: "*=8h,AdministratorAccess=4h", set: "ReadOnly", hours: 8 },
  ])("$value: $set at most $hours h", ({ value, set, hours }) => {
    const config = loadConfig([`--temporary-access-max-durations=${value}`], {});
    expect(maxDurationOf(config.temporaryAccessMaxDurations, set)).toBe(hours * H);
  });
  it("refuses a name that is not a permission set's", () => {
    expect(() => loadConfig(["--temporary-access-max-durations=bad name=1h"], {})).toThrow(
      /not a permission set name/,
    );
  });
});

describe("the spec", () => {
  const manifest = (spec: Record<string, unknown>) => ({
    apiVersion: "orgguard.io/v1alpha1",
    kind: "TemporaryAccess",
    metadata: { name: "john-prod" },
    spec,
  });
  const valid = {
    permissionSet: "ProdDbMaintenance",
    principal: { userName: "john" },
    accounts: ["222222222222"],
    expiresAt: "2099-06-05T08:00:00Z",
    reason: "CHG-42",
  };
  it.each([
    { reason: "a user, an account, an expiry, a reason", spec: valid, problems: 0 },
    {
      reason: "both a user and a group",
      spec: { ...valid, principal: { userName: "john", groupName: "dba" } },
      problems: 1,
    },
    { reason: "no reason", spec: { ...valid, reason: undefined }, problems: 1 },
    { reason: "an expiry without a zone", spec: { ...valid, expiresAt: "2099-06-05T08:00:00" }, problems: 1 },
    { reason: "no account", spec: { ...valid, accounts: [] }, problems: 1 },
    {
      reason: "Retain would let access outlive its object",
      spec: { ...valid, deletionPolicy: "Retain" },
      problems: 1,
    },
  ])("$reason", ({ spec, problems }) => {
    expect(validateObject(manifest(spec), API_DEFINITIONS)).toHaveLength(problems);
  });
  it("warns (validate; the apiserver cannot: no clock in its CEL) about an expiry that has passed", () => {
    const parsed = temporaryAccessSpec.parse({ ...valid, expiresAt: "2020-01-01T00:00:00Z" });
    expect(temporaryAccessApi.lint?.(parsed, {})[0]?.message).toContain("has passed");
  });
});

class FakeIdentityCenter implements AccessApi {
  assigned = new Set<string>();
  calls: string[] = [];
  loseAnswer = 0;
  async instances() {
    return [{ arn: "arn:aws:sso:::instance/ssoins-0000000000000000", identityStoreId: "d-1" }];
  }
  async permissionSetArn(_i: string, name: string) {
    return name === "ProdDbMaintenance" ? "arn:ps-1" : undefined;
  }
  async principalId(_s: string, p: { userName?: string }) {
    return p.userName === "john" ? "u-john" : undefined;
  }
  async isAssigned(_i: string, _p: string, principal: PrincipalRef, account: string) {
    return this.assigned.has(`${principal.id}@${account}`);
  }
  async assign(_i: string, _p: string, principal: PrincipalRef, account: string) {
    this.calls.push(`assign ${account}`);
    this.assigned.add(`${principal.id}@${account}`);
    if (this.loseAnswer > 0) {
      this.loseAnswer -= 1;
      throw Object.assign(new Error("socket hang up"), { name: "TimeoutError" });
    }
    return { status: "IN_PROGRESS" };
  }
  async unassign(_i: string, _p: string, principal: PrincipalRef, account: string) {
    this.calls.push(`unassign ${account}`);
    this.assigned.delete(`${principal.id}@${account}`);
    return { status: "IN_PROGRESS" };
  }
}

const object = (spec: Record<string, unknown>, status?: Record<string, unknown>): TemporaryAccessObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "TemporaryAccess",
  metadata: { name: "john-prod", generation: 1, creationTimestamp: new Date(T0).toISOString() },
  spec: temporaryAccessSpec.parse({
    permissionSet: "ProdDbMaintenance",
    principal: { userName: "john" },
    accounts: ["222222222222"],
    expiresAt: new Date(T0 + 4 * H).toISOString(),
    reason: "CHG-42",
    ...spec,
  }),
  ...(status ? { status } : {}),
});

describe("the client over a fake Identity Center", () => {
  it("grants with an event, looks again at the expiry, and removes it then with an event", async () => {
    const api = new FakeIdentityCenter();
    let now = T0;
    const client = new TemporaryAccessClient(
      api,
      () => 8 * H,
      "here",
      () => now,
    );
    const first = await client.observe(object({}));
    expect(first.recheckAfterMs).toBe(4 * H + 1000);
    expect(first.status).toEqual({ phase: "Active", remaining: "4h 0m", granted: ["222222222222"] });
    expect(first.events?.map((e) => e.reason)).toEqual(["Granted"]);
    expect(first.events?.[0]?.message).toBe(
      "granted ProdDbMaintenance to user john in 222222222222 until 2026-06-01T12:00:00.000Z (4h 0m left): CHG-42",
    );
    await client.update(object({}), first);
    now = T0 + 4 * H;
    const atExpiry = await client.observe(object({}, { phase: "Active", granted: ["222222222222"] }));
    expect(atExpiry.diff?.map((c) => c.path)).toEqual(["accounts[222222222222]"]);
    expect(atExpiry.events?.map((e) => `${e.reason}: ${e.message}`)).toEqual([
      "Revoked: removed ProdDbMaintenance of user john in 222222222222: expired at 2026-06-01T12:00:00.000Z",
    ]);
    expect(atExpiry.recheckAfterMs).toBeUndefined();
    await client.update(object({}), atExpiry);
    expect(api.calls).toEqual(["assign 222222222222", "unassign 222222222222"]);
  });

  it("keeps an assignment whose answer was lost as orgguard's (recorded before the call)", async () => {
    const api = new FakeIdentityCenter();
    api.loseAnswer = 1;
    const client = new TemporaryAccessClient(
      api,
      () => 8 * H,
      "here",
      () => T0,
    );
    const err = await client.update(object({}), await client.observe(object({}))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailureWithStatus);
    expect((err as FailureWithStatus).status).toEqual({ granted: ["222222222222"] });
  });

  it("refuses a request longer than the ceiling without calling Identity Center's writes", async () => {
    const api = new FakeIdentityCenter();
    const client = new TemporaryAccessClient(
      api,
      () => H,
      "here",
      () => T0,
    );
    const err = await client.observe(object({})).catch((e: unknown) => e);
    expect(((err as FailureWithStatus).cause as TerminalError).reason).toBe("LongerThanAllowed");
    expect((err as FailureWithStatus).status).toMatchObject({ phase: "Refused" });
    expect(api.calls).toEqual([]);
  });

  it("on deletion removes only what it granted, and looks nothing up when it granted nothing", async () => {
    const api = new FakeIdentityCenter();
    api.assigned.add("u-john@222222222222");
    api.assigned.add("u-john@333333333333");
    const client = new TemporaryAccessClient(
      api,
      () => 8 * H,
      "here",
      () => T0,
    );
    const deleting = (status: Record<string, unknown>) => {
      const o = object({ accounts: ["222222222222", "333333333333"] }, status);
      return { ...o, metadata: { ...o.metadata, deletionTimestamp: new Date(T0).toISOString() } };
    };
    expect(await client.observe(deleting({}))).toEqual({ exists: false, upToDate: true });
    const observed = await client.observe(deleting({ granted: ["222222222222"] }));
    expect(observed.exists).toBe(true);
    await client.delete(deleting({ granted: ["222222222222"] }), observed);
    expect(api.calls).toEqual(["unassign 222222222222"]);
  });
});

describe("docs/examples/temporary-access.yaml (outside examples/: it names a user the demo lacks)", () => {
  it("is a manifest orgguard validate accepts", async () => {
    const object = parse(await readFile("docs/examples/temporary-access.yaml", "utf8"));
    expect(validateObject(object, API_DEFINITIONS)).toEqual([]);
  });
});
