/**
 * The CentralizedRootAccess kind's decisions, in-process over a fake of its narrow AWS interface:
 * trusted access for iam.amazonaws.com missing (read, never written), the features enabled, member
 * root credentials reported and deleted only with deleteMemberRootCredentials (never in an excepted
 * account), audits kept and batched, and what plan and status say (no ids).
 */
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { specProblems } from "../../../src/api/problems.js";
import { validateObject } from "../../../src/api/validate.js";
import type { OrganizationView } from "../../../src/aws/organization-view.js";
import { centralizedRootAccessSpec } from "../../../src/kinds/centralized-root-access/api.js";
import {
  AuditCache,
  RootAccessClient,
  type RootAccessObject,
} from "../../../src/kinds/centralized-root-access/client.js";
import { destructive as destructiveOf } from "../../../src/kinds/centralized-root-access/index.js";
import type {
  RootAccessApi,
  RootCredentials,
  RootFeature,
} from "../../../src/kinds/centralized-root-access/root-access-api.js";
import { API_DEFINITIONS } from "../../../src/kinds/index.js";
import { BlockedError, FailureWithStatus } from "../../../src/runtime/reconcile-errors.js";

const NONE: RootCredentials = { password: false, accessKeyIds: [], mfaSerialNumbers: [], certificateIds: [] };
const KEY: RootCredentials = { ...NONE, accessKeyIds: ["AKIAROOTKEY000000001"] };

class FakeRootAccess implements RootAccessApi {
  trusted = ["iam.amazonaws.com"];
  enabled: string[] = [];
  root = new Map<string, RootCredentials>();
  audited: string[] = [];
  deleted: string[] = [];
  featuresError?: Error;
  auditError = new Map<string, Error>();
  async trustedAccess() {
    return this.trusted;
  }
  async features() {
    if (this.featuresError) throw this.featuresError;
    return this.enabled;
  }
  async enable(feature: RootFeature) {
    this.enabled.push(feature);
  }
  async audit(accountId: string) {
    this.audited.push(accountId);
    const err = this.auditError.get(accountId);
    if (err) throw err;
    return this.root.get(accountId) ?? NONE;
  }
  async deleteRootCredentials(accountId: string) {
    this.deleted.push(accountId);
    const found = this.root.get(accountId) ?? NONE;
    this.root.set(accountId, NONE);
    return found;
  }
}

const view = (members: string[]): OrganizationView => ({
  organizationId: "o-example",
  managementAccountId: "111111111111",
  rootId: "r-1",
  enabledPolicyTypes: [],
  ous: [],
  accounts: [
    { id: "111111111111", name: "management", status: "ACTIVE", parentId: "r-1" },
    ...members.map((id, i) => ({ id, name: `member-${i + 1}`, status: "ACTIVE", parentId: "r-1" })),
    { id: "999999999999", name: "closed", status: "SUSPENDED", parentId: "r-1" },
  ],
});

const object = (spec: Record<string, unknown> = {}): RootAccessObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "CentralizedRootAccess",
  metadata: { name: "root-access", generation: 1 },
  spec: centralizedRootAccessSpec.parse(spec),
});

function client(
  api: FakeRootAccess,
  members: string[],
  limits = { batch: 100, maxAgeMs: 60_000 },
  cache = new AuditCache(),
) {
  const tree = view(members);
  return new RootAccessClient(api, { current: async () => tree, fresher: async () => tree }, cache, limits);
}

const ALL_ON = ["RootCredentialsManagement", "RootSessions"];

describe("CentralizedRootAccess observe and update", () => {
  it("stalls naming the Organization kind's field when trusted access for iam.amazonaws.com is off, and writes nothing", async () => {
    const api = new FakeRootAccess();
    api.trusted = ["guardduty.amazonaws.com"];
    const err = await client(api, ["222222222222"])
      .observe(object())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FailureWithStatus);
    const cause = (err as FailureWithStatus).cause;
    expect(cause).toBeInstanceOf(BlockedError);
    expect((cause as BlockedError).reason).toBe("TrustedAccessDisabled");
    expect((cause as Error).message).toContain("the Organization kind's spec.trustedAccess");
    expect((err as FailureWithStatus).status.atProvider).toEqual({
      organizationId: "o-example",
      trustedAccess: false,
    });
    expect(api.enabled).toEqual([]);
  });

  it("reads AWS's ServiceAccessNotEnabledException the same way", async () => {
    const api = new FakeRootAccess();
    api.featuresError = Object.assign(new Error("not enabled"), {
      name: "ServiceAccessNotEnabledException",
      $metadata: { httpStatusCode: 400 },
    });
    const err = await client(api, [])
      .observe(object())
      .catch((e: unknown) => e);
    expect((err as BlockedError).reason).toBe("TrustedAccessDisabled");
  });

  it("enables both features the spec asks for (and audits nothing before credentials management is on)", async () => {
    const api = new FakeRootAccess();
    const c = client(api, ["222222222222"]);
    const observed = await c.observe(object());
    expect(observed.diff).toEqual([
      { path: "rootCredentialsManagement", from: false, to: true },
      { path: "rootSessions", from: false, to: true },
    ]);
    expect(api.audited).toEqual([]);
    await c.update(object(), observed);
    expect(api.enabled).toEqual(ALL_ON);
  });

  it("enables only what the spec asks for", async () => {
    const api = new FakeRootAccess();
    const observed = await client(api, []).observe(object({ rootSessions: false }));
    expect(observed.diff?.map((c) => c.path)).toEqual(["rootCredentialsManagement"]);
  });

  it("reports member root credentials without deleting them by default (no diff: nothing to do)", async () => {
    const api = new FakeRootAccess();
    api.enabled = [...ALL_ON];
    api.root.set("222222222222", { ...KEY, password: true });
    const observed = await client(api, ["222222222222", "333333333333"]).observe(object());
    expect(observed.upToDate).toBe(true);
    expect(observed.observed).toMatchObject({
      rootCredentialsManagement: true,
      rootSessions: true,
      memberAccounts: 2,
      membersAudited: 2,
      membersWithRootCredentials: 1,
      membersWithRootCredentialsList: [
        {
          accountId: "222222222222",
          accountName: "member-1",
          password: true,
          accessKeys: 1,
          mfaDevices: 0,
          signingCertificates: 0,
        },
      ],
    });
    expect(JSON.stringify(observed.observed)).not.toContain("AKIA");
  });

  it("with deleteMemberRootCredentials: plans each deletion (destructive, named), deletes, and skips excepted accounts", async () => {
    const api = new FakeRootAccess();
    api.enabled = [...ALL_ON];
    api.root.set("222222222222", KEY);
    api.root.set("333333333333", { ...NONE, password: true });
    const spec = {
      deleteMemberRootCredentials: true,
      exceptions: [{ accountId: "333333333333", reason: "break-glass account, reviewed yearly" }],
    };
    const cache = new AuditCache();
    const c = client(api, ["222222222222", "333333333333"], undefined, cache);
    const observed = await c.observe(object(spec));
    expect(observed.diff).toEqual([
      {
        path: "members[222222222222].rootCredentials",
        from: "present",
        to: "deleted",
        description:
          "DELETE the root user's 1 access key(s) in member account 222222222222 (member-1) (destructive: orgguard cannot restore them; the account's root user comes back only through password recovery)",
      },
    ]);
    expect(observed.observed?.membersWithRootCredentialsList?.[1]).toMatchObject({
      accountId: "333333333333",
      excepted: true,
    });
    await c.update(object(spec), observed);
    expect(api.deleted).toEqual(["222222222222"]);
    // Audited afresh after a deletion: the next reconcile finds nothing left to do.
    const again = await client(api, ["222222222222", "333333333333"], undefined, cache).observe(object(spec));
    expect(again.diff).toEqual([]);
    expect(api.audited.filter((a) => a === "222222222222")).toHaveLength(2);
  });

  it("records a member it cannot audit (an SCP denying sts:AssumeRoot) without failing the others", async () => {
    const api = new FakeRootAccess();
    api.enabled = [...ALL_ON];
    api.auditError.set(
      "222222222222",
      Object.assign(new Error("explicit deny in a service control policy"), {
        name: "AccessDenied",
        $metadata: { httpStatusCode: 403 },
      }),
    );
    api.root.set("333333333333", KEY);
    const observed = await client(api, ["222222222222", "333333333333"]).observe(object());
    expect(observed.observed).toMatchObject({
      membersAudited: 1,
      membersWithRootCredentials: 1,
      auditFailureCount: 1,
    });
    expect(observed.observed?.auditFailures?.[0]?.reason).toContain("AccessDenied");
  });

  it("audits a large organization over several reconciles (Progressing), and keeps audits for their max age", async () => {
    const api = new FakeRootAccess();
    api.enabled = [...ALL_ON];
    const members = ["222222222222", "333333333333", "444444444444"];
    const cache = new AuditCache();
    const first = await client(api, members, { batch: 2, maxAgeMs: 60_000 }, cache).observe(object());
    expect(first.progressing).toContain("audited the root credentials of 2 of 3 member accounts");
    const second = await client(api, members, { batch: 2, maxAgeMs: 60_000 }, cache).observe(object());
    expect(second.progressing).toBeUndefined();
    expect(second.observed?.membersAudited).toBe(3);
    expect(api.audited).toHaveLength(3);
  });

  it("on deletion there is nothing to undo: no call at all", async () => {
    const api = new FakeRootAccess();
    const deleting = {
      ...object(),
      metadata: { ...object().metadata, deletionTimestamp: "2026-01-01T00:00:00Z" },
    };
    expect(await client(api, []).observe(deleting)).toEqual({ exists: false, upToDate: true });
  });
});

describe("CentralizedRootAccess spec and plan", () => {
  it.each([
    { reason: "the defaults: both features, nothing deleted", spec: {}, problems: 0 },
    {
      reason: "deleting without credentials management cannot work",
      spec: { deleteMemberRootCredentials: true, rootCredentialsManagement: false },
      problems: 1,
    },
    {
      reason: "an account excepted twice",
      spec: {
        exceptions: [
          { accountId: "222222222222", reason: "a" },
          { accountId: "222222222222", reason: "b" },
        ],
      },
      problems: 1,
    },
  ])("$reason", ({ spec, problems }) => {
    expect(specProblems(centralizedRootAccessSpec, spec)).toHaveLength(problems);
  });

  it.each([
    { spec: {}, destructive: false },
    { spec: { deleteMemberRootCredentials: true, managementPolicy: "ObserveOnly" }, destructive: false },
    { spec: { deleteMemberRootCredentials: true }, destructive: true },
  ])("plan says it is destructive: $destructive for $spec", ({ spec, destructive }) => {
    const said = destructiveOf(object(spec));
    expect(said !== undefined).toBe(destructive);
    if (said)
      expect(said).toContain(
        "DELETES the root user's password, access keys, MFA devices and signing certificates",
      );
  });
});

describe("docs/examples/centralized-root-access.yaml (outside examples/: moto cannot run it)", () => {
  it("is a manifest orgguard validate accepts, deleting nothing", async () => {
    const object = parse(await readFile("docs/examples/centralized-root-access.yaml", "utf8"));
    expect(validateObject(object, API_DEFINITIONS)).toEqual([]);
    expect(object.spec.deleteMemberRootCredentials).toBe(false);
  });
});
