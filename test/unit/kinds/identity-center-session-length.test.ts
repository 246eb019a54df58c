/**
 * The IdentityCenterSessionLength kind's decisions, in-process: durations read as AWS and moto
 * write them, which permission sets are lowered (named) or only reported (not named), the plan's
 * words, and the client over a fake sso-admin: lowering then provisioning, a provisioning that
 * fails recorded and tried again, the instance found or refused.
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { validateObject } from "../../../src/api/validate.js";
import { sessionLengthSpec } from "../../../src/kinds/identity-center-session-length/api.js";
import {
  SessionLengthClient,
  type SessionLengthObject,
} from "../../../src/kinds/identity-center-session-length/client.js";
import {
  durationText,
  judgeSessions,
  sessionChanges,
  sessionSeconds,
} from "../../../src/kinds/identity-center-session-length/compare.js";
import type {
  PermissionSetRecord,
  SessionLengthApi,
} from "../../../src/kinds/identity-center-session-length/sso-admin-api.js";
import { API_DEFINITIONS } from "../../../src/kinds/index.js";
import { BlockedError, FailureWithStatus, TerminalError } from "../../../src/runtime/reconcile-errors.js";

describe("sessionSeconds", () => {
  it.each([
    { value: "PT10H", seconds: 36_000, reason: "hours, as AWS writes them" },
    { value: "PT1H30M", seconds: 5400, reason: "hours and minutes" },
    { value: "PT45M", seconds: 2700, reason: "minutes only" },
    { value: 3600, seconds: 3600, reason: "moto's integer for a permission set created without one" },
    { value: "P1D", seconds: undefined, reason: "days are not a session duration IAM writes" },
    { value: "PT", seconds: undefined, reason: "no length at all" },
    { value: undefined, seconds: undefined, reason: "absent" },
  ])("$reason: $value", ({ value, seconds }) => expect(sessionSeconds(value)).toBe(seconds));

  it("writes moto's seconds as ISO 8601 for status", () => {
    expect(durationText(3600)).toBe("PT1H");
    expect(durationText("PT12H")).toBe("PT12H");
  });
});

const set = (name: string, sessionDuration: unknown): PermissionSetRecord => ({
  arn: `arn:aws:sso:::permissionSet/ssoins-0000000000000000/ps-${name}`,
  name,
  sessionDuration,
});
const spec = (s: Record<string, unknown> = {}) => sessionLengthSpec.parse(s);

describe("judgeSessions and sessionChanges", () => {
  const cases = [
    {
      reason: "a named permission set with 12 hours is lowered to 10 (and re-provisioned)",
      spec: { permissionSets: ["Admin"] },
      sets: [set("Admin", "PT12H")],
      paths: ["permissionSets[Admin].sessionDuration"],
      observed: {
        overLimit: 1,
        managedOverLimit: [{ name: "Admin", sessionDuration: "PT12H" }],
        unmanagedOverLimitCount: 0,
      },
    },
    {
      reason: "one the spec does not name is only reported",
      spec: { permissionSets: ["Admin"] },
      sets: [set("Admin", "PT8H"), set("Billing", "PT12H")],
      paths: [],
      observed: {
        overLimit: 1,
        unmanagedOverLimit: [{ name: "Billing", sessionDuration: "PT12H" }],
        unmanagedOverLimitCount: 1,
      },
    },
    {
      reason: "exactly the limit holds",
      spec: { permissionSets: ["Admin"] },
      sets: [set("Admin", "PT10H")],
      paths: [],
      observed: { overLimit: 0 },
    },
    {
      reason: "moto's 3600 (one hour) is within any limit",
      spec: { permissionSets: ["Admin"], maxSessionHours: 1 },
      sets: [set("Admin", 3600)],
      paths: [],
      observed: { overLimit: 0 },
    },
    {
      reason: "an unreadable duration is not known to hold: lowered when named",
      spec: { permissionSets: ["Odd"] },
      sets: [set("Odd", "P1D")],
      paths: ["permissionSets[Odd].sessionDuration"],
      observed: { overLimit: 1 },
    },
    {
      reason: "a name the instance lacks is said",
      spec: { permissionSets: ["Admin", "Gone"] },
      sets: [set("Admin", "PT1H")],
      paths: [],
      observed: { missing: ["Gone"] },
    },
  ];
  it.each(cases)("$reason", ({ spec: s, sets, paths, observed }) => {
    const judged = judgeSessions(spec(s), "arn:aws:sso:::instance/ssoins-0000000000000000", sets, []);
    expect(sessionChanges(spec(s), judged).map((c) => c.path)).toEqual(paths);
    expect(judged.observed).toMatchObject(observed);
  });

  it("describes a lowering as a reviewer reads it", () => {
    const judged = judgeSessions(spec({ permissionSets: ["Admin"] }), "arn", [set("Admin", "PT12H")], []);
    expect(sessionChanges(spec(), judged)).toEqual([
      {
        path: "permissionSets[Admin].sessionDuration",
        from: "PT12H",
        to: "PT10H",
        description:
          "lower Admin's sessions from 12 h to 10 h, then re-provision it to the accounts it is provisioned to (sessions already open keep their length)",
      },
    ]);
  });
});

class FakeSso implements SessionLengthApi {
  instanceList = ["arn:aws:sso:::instance/ssoins-0000000000000000"];
  sets: PermissionSetRecord[] = [];
  provisioned = new Map<string, string[]>();
  updates: string[] = [];
  provisions: string[] = [];
  failProvision = 0;
  async instances() {
    return this.instanceList;
  }
  async permissionSets() {
    return this.sets.map((s) => ({ ...s }));
  }
  async setSessionDuration(_instance: string, s: PermissionSetRecord, duration: string) {
    this.updates.push(`${s.name}=${duration}`);
    const found = this.sets.find((x) => x.arn === s.arn);
    if (found) found.sessionDuration = duration;
  }
  async provisionedAccounts(_instance: string, arn: string) {
    return this.provisioned.get(arn) ?? [];
  }
  async provision(_instance: string, arn: string) {
    this.provisions.push(arn);
    if (this.failProvision > 0) {
      this.failProvision -= 1;
      return { status: "FAILED", failureReason: "Throttled by IAM in 222222222222" };
    }
    return { status: "IN_PROGRESS" };
  }
}

const object = (s: Record<string, unknown>, status?: Record<string, unknown>): SessionLengthObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "IdentityCenterSessionLength",
  metadata: { name: "sessions", generation: 1 },
  spec: spec(s),
  ...(status ? { status } : {}),
});

describe("the client over a fake sso-admin", () => {
  it("lowers, then provisions to the accounts it is provisioned to; the next observe is in sync", async () => {
    const api = new FakeSso();
    api.sets = [set("Admin", "PT12H"), set("Billing", "PT12H")];
    api.provisioned.set(set("Admin", "").arn, ["222222222222"]);
    const client = new SessionLengthClient(api, "in account 111111111111, us-east-1");
    const o = object({ permissionSets: ["Admin"] });
    const observed = await client.observe(o);
    await client.update(o, observed);
    expect(api.updates).toEqual(["Admin=PT10H"]);
    expect(api.provisions).toEqual([set("Admin", "").arn]);
    const again = await client.observe(o);
    expect(again.upToDate).toBe(true);
    expect(again.observed).toMatchObject({ overLimit: 1, unmanagedOverLimitCount: 1 });
  });

  it("records a provisioning that fails and provisions it again at the next reconcile", async () => {
    const api = new FakeSso();
    api.sets = [set("Admin", "PT12H")];
    api.provisioned.set(set("Admin", "").arn, ["222222222222"]);
    api.failProvision = 1;
    const client = new SessionLengthClient(api, "here");
    const o = object({ permissionSets: ["Admin"] });
    const err = await client.update(o, await client.observe(o)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailureWithStatus);
    const pending = (err as FailureWithStatus).status.provisionPending;
    expect(pending).toEqual([{ name: "Admin", arn: set("Admin", "").arn }]);
    // The duration is lowered already: only the record says the accounts are behind.
    const next = await client.observe(object({ permissionSets: ["Admin"] }, { provisionPending: pending }));
    expect(next.diff?.map((c) => c.path)).toEqual(["permissionSets[Admin].provisioned"]);
    await client.update(o, next);
    expect(api.provisions).toHaveLength(2);
    expect(next.status).toEqual({ provisionPending: undefined });
  });

  it.each([
    {
      reason: "no instance: Identity Center is not enabled there",
      instances: [],
      error: BlockedError,
      says: "IdentityCenterNotEnabled",
    },
    {
      reason: "two instances and none named",
      instances: ["a", "b"],
      error: TerminalError,
      says: "SeveralInstances",
    },
  ])("$reason", async ({ instances, error, says }) => {
    const api = new FakeSso();
    api.instanceList = instances;
    const err = await new SessionLengthClient(api, "in account 1")
      .observe(object({}))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect((err as TerminalError).reason).toBe(says);
  });

  it("stalls on a named permission set the instance lacks, with what it read", async () => {
    const api = new FakeSso();
    const err = await new SessionLengthClient(api, "here")
      .observe(object({ permissionSets: ["Gone"] }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailureWithStatus);
    expect(((err as FailureWithStatus).cause as BlockedError).reason).toBe("PermissionSetNotFound");
  });
});

describe("docs/examples/identity-center-session-length.yaml (outside examples/: it names permission sets the demo lacks)", () => {
  it("is a manifest orgguard validate accepts", async () => {
    const object = parse(await readFile("docs/examples/identity-center-session-length.yaml", "utf8"));
    expect(validateObject(object, API_DEFINITIONS)).toEqual([]);
  });
});
