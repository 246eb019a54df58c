/**
 * The Organization kind's client (src/kinds/organization/client.ts) in-process, against a fake of
 * its narrow OrganizationApi that answers as AWS documents (errors shaped like the SDK's): what
 * observe reports (feature set, names resolved, the management account refused before any write,
 * ObserveOnly, adoption), which writes update makes and what status.managed records when some
 * fail (an answer lost, a refusal), the answers that mean the goal holds, and deletion. The same
 * client runs against moto in test/integration/organization.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { OrganizationView } from "../../../src/aws/organization-view.js";
import { OrganizationClient, type OrganizationObject } from "../../../src/kinds/organization/client.js";
import type { Registration } from "../../../src/kinds/organization/compare.js";
import type { OrganizationApi } from "../../../src/kinds/organization/organization-api.js";
import type { TargetView } from "../../../src/kinds/organization.js";
import { findCondition } from "../../../src/runtime/conditions.js";
import { Lifecycle, type ObjectWriter } from "../../../src/runtime/lifecycle.js";
import { silentLogger } from "../../../src/runtime/logger.js";
import { ManagedReconciler } from "../../../src/runtime/managed-reconciler.js";
import { Metrics } from "../../../src/runtime/metrics.js";
import {
  BlockedError,
  FailureWithStatus,
  RetryableError,
  TerminalError,
} from "../../../src/runtime/reconcile-errors.js";

const MANAGEMENT = "111111111111";
const AUDIT = "222222222222";
const OTHER = "333333333333";
const GD = "guardduty.amazonaws.com";
const CFG = "config-multiaccountsetup.amazonaws.com";
const SSO = "sso.amazonaws.com";
const HUB = "securityhub.amazonaws.com";

/** An error shaped like the SDK's service exceptions. */
const awsError = (name: string, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: 400 }, ...fields });

type Operation = keyof OrganizationApi;

/** An organization as AWS would keep it, with scripted failures per operation. */
class FakeOrganization implements OrganizationApi {
  featureSet = "ALL";
  policyTypes = new Set<string>(["SERVICE_CONTROL_POLICY"]);
  trusted = new Set<string>();
  registrations = new Map<string, Registration>();
  calls: string[] = [];
  /** Answers instead of the fake's own: an error to throw (after doing the work when `afterWrite`). */
  failures: Array<{
    operation: Operation;
    when?: (arg: unknown) => boolean;
    error: Error;
    afterWrite?: boolean;
    times?: number;
  }> = [];
  /** Registrations ListDelegatedAdministrators does not show yet (AWS's eventual consistency). */
  unlisted = new Set<string>();

  private async step(operation: Operation, arg: unknown, work: () => void = () => undefined) {
    this.calls.push(
      arg === undefined ? operation : `${operation} ${typeof arg === "string" ? arg : JSON.stringify(arg)}`,
    );
    const failure = this.failures.find(
      (f) => f.operation === operation && (f.when?.(arg) ?? true) && (f.times ?? 1) > 0,
    );
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.afterWrite) work();
      throw failure.error;
    }
    work();
  }

  async describeOrganization() {
    await this.step("describeOrganization", undefined);
    return { id: "o-example", managementAccountId: MANAGEMENT, featureSet: this.featureSet };
  }
  async root() {
    await this.step("root", undefined);
    return { id: "r-ab12", enabledPolicyTypes: [...this.policyTypes] };
  }
  async trustedAccess() {
    await this.step("trustedAccess", undefined);
    return [...this.trusted];
  }
  async delegatedAdministratorAccounts() {
    await this.step("delegatedAdministratorAccounts", undefined);
    const listed = [...this.registrations.entries()].filter(([k]) => !this.unlisted.has(k));
    return [...new Set(listed.map(([, r]) => r.accountId))];
  }
  async delegatedServicesOf(accountId: string) {
    await this.step("delegatedServicesOf", accountId);
    const services = [...this.registrations.entries()]
      .filter(([k, r]) => r.accountId === accountId && !this.unlisted.has(k))
      .map(([, r]) => r.servicePrincipal);
    if (services.length === 0) throw awsError("AccountNotRegisteredException");
    return services;
  }
  async enablePolicyType(_rootId: string, type: string) {
    await this.step("enablePolicyType", type, () => {
      if (this.policyTypes.has(type)) throw awsError("PolicyTypeAlreadyEnabledException");
      this.policyTypes.add(type);
    });
  }
  async enableTrustedAccess(p: string) {
    await this.step("enableTrustedAccess", p, () => this.trusted.add(p));
  }
  async disableTrustedAccess(p: string) {
    await this.step("disableTrustedAccess", p, () => this.trusted.delete(p));
  }
  async register(r: Registration) {
    await this.step("register", `${r.servicePrincipal}/${r.accountId}`, () => {
      const key = `${r.servicePrincipal}/${r.accountId}`;
      if (this.registrations.has(key)) throw awsError("AccountAlreadyRegisteredException");
      this.registrations.set(key, r);
    });
  }
  async deregister(r: Registration) {
    await this.step("deregister", `${r.servicePrincipal}/${r.accountId}`, () => {
      const key = `${r.servicePrincipal}/${r.accountId}`;
      if (!this.registrations.delete(key)) throw awsError("AccountNotRegisteredException");
    });
  }

  registerByHand(servicePrincipal: string, accountId: string) {
    this.registrations.set(`${servicePrincipal}/${accountId}`, { servicePrincipal, accountId });
  }
  writes() {
    return this.calls.filter((c) => /^(enable|disable|register|deregister)/.test(c));
  }
}

/** The organization view (accounts by name), with how often a fresher one was asked for. */
function viewOf(accounts: ViewAccount[], later?: ViewAccount[]) {
  const view = (list: ViewAccount[]): OrganizationView => ({
    organizationId: "o-example",
    managementAccountId: MANAGEMENT,
    rootId: "r-ab12",
    enabledPolicyTypes: [],
    ous: [],
    accounts: list.map((a) => ({ id: a.id, name: a.name, status: a.status ?? "ACTIVE", parentId: "r-ab12" })),
  });
  const reads = { fresher: 0 };
  const target: TargetView = {
    current: async () => view(accounts),
    fresher: async () => {
      reads.fresher++;
      return view(later ?? accounts);
    },
  };
  return { target, reads };
}

interface ViewAccount {
  id: string;
  name: string;
  status?: string;
}

const ACCOUNTS: ViewAccount[] = [
  { id: MANAGEMENT, name: "management" },
  { id: AUDIT, name: "audit-1" },
  { id: OTHER, name: "log-archive" },
];

function organization(
  spec: Record<string, unknown>,
  extra: { managed?: unknown; annotations?: Record<string, string>; deleting?: boolean } = {},
): OrganizationObject {
  return {
    apiVersion: "orgguard.io/v1alpha1",
    kind: "Organization",
    metadata: {
      name: "organization",
      generation: 1,
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.deleting
        ? { deletionTimestamp: "2026-01-03T00:00:00Z", finalizers: ["orgguard.io/finalizer"] }
        : {}),
    },
    spec: spec as OrganizationObject["spec"],
    status: extra.managed === undefined ? {} : { managed: extra.managed },
  };
}

function clientFor(fake: FakeOrganization, accounts = ACCOUNTS, later?: ViewAccount[], signal?: AbortSignal) {
  const view = viewOf(accounts, later);
  return { client: new OrganizationClient(fake, view.target, signal), reads: view.reads };
}

/** observe, then update when it says so; the error update threw, if any. */
async function reconcile(client: OrganizationClient, object: OrganizationObject) {
  const observation = await client.observe(object);
  let error: unknown;
  if (!observation.upToDate) await client.update(object, observation).catch((e: unknown) => (error = e));
  return { observation, error };
}

describe("OrganizationClient.observe", () => {
  it("an organization with consolidated billing only: Stalled/AllFeaturesRequired with the steps, what was read in status", async () => {
    const fake = new FakeOrganization();
    fake.featureSet = "CONSOLIDATED_BILLING";
    const { client } = clientFor(fake);
    const thrown = await client.observe(organization({ trustedAccess: [GD] })).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(FailureWithStatus);
    const failure = thrown as FailureWithStatus;
    expect(failure.cause).toBeInstanceOf(BlockedError);
    expect((failure.cause as BlockedError).reason).toBe("AllFeaturesRequired");
    expect(failure.message).toMatch(/EnableAllFeatures.*handshake.*accept.*orgguard never starts it/);
    expect(failure.status).toEqual({
      atProvider: {
        organizationId: "o-example",
        managementAccountId: MANAGEMENT,
        featureSet: "CONSOLIDATED_BILLING",
      },
    });
    // Nothing past DescribeOrganization: trusted access needs all features anyway.
    expect(fake.calls).toEqual(["describeOrganization"]);
  });

  it("resolves an account name in the view; an unknown name is looked up once in a fresher view, then retried", async () => {
    const fake = new FakeOrganization();
    const known = clientFor(fake);
    const observed = await known.client.observe(
      organization({
        trustedAccess: [GD],
        delegatedAdministrators: [{ servicePrincipal: GD, accountName: "audit-1" }],
      }),
    );
    expect(observed.diff?.map((c) => c.path)).toContain(`delegatedAdministrators[${GD}/${AUDIT}]`);
    expect(observed.diff?.find((c) => c.path.startsWith("delegated"))?.description).toBe(
      `+ register ${AUDIT} (audit-1) as delegated administrator`,
    );
    expect(known.reads.fresher).toBe(0);

    const created = clientFor(fake, ACCOUNTS, [...ACCOUNTS, { id: "444444444444", name: "new-audit" }]);
    const found = await created.client.observe(
      organization({ delegatedAdministrators: [{ servicePrincipal: GD, accountName: "new-audit" }] }),
    );
    expect(found.diff?.[0]?.path).toBe(`delegatedAdministrators[${GD}/444444444444]`);
    expect(created.reads.fresher).toBe(1);

    const missing = await known.client
      .observe(organization({ delegatedAdministrators: [{ servicePrincipal: GD, accountName: "nobody" }] }))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(RetryableError);
    expect((missing as RetryableError).reason).toBe("AccountNotFound");
    expect((missing as Error).message).toBe(
      "spec.delegatedAdministrators[0]: no account in the organization is named nobody",
    );
    expect(fake.writes()).toEqual([]);
  });

  it("a name two accounts share: the active one if only one is active, else use accountId", async () => {
    const fake = new FakeOrganization();
    const spec = { delegatedAdministrators: [{ servicePrincipal: GD, accountName: "audit" }] };
    const oneActive = clientFor(fake, [
      { id: AUDIT, name: "audit" },
      { id: OTHER, name: "audit", status: "SUSPENDED" },
    ]);
    expect((await oneActive.client.observe(organization(spec))).diff?.[0]?.path).toBe(
      `delegatedAdministrators[${GD}/${AUDIT}]`,
    );
    const twoActive = clientFor(fake, [
      { id: AUDIT, name: "audit" },
      { id: OTHER, name: "audit" },
    ]);
    await expect(twoActive.client.observe(organization(spec))).rejects.toThrow(
      "spec.delegatedAdministrators[0]: 2 accounts are named audit: use accountId",
    );
  });

  it("refuses the management account as a delegated administrator before any write (AWS never accepts it)", async () => {
    const fake = new FakeOrganization();
    const { client } = clientFor(fake);
    for (const entry of [{ accountId: MANAGEMENT }, { accountName: "management" }]) {
      const thrown = await client
        .observe(
          organization({
            trustedAccess: [GD],
            delegatedAdministrators: [{ servicePrincipal: GD, ...entry }],
          }),
        )
        .catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(TerminalError);
      expect(thrown).not.toBeInstanceOf(BlockedError);
      expect((thrown as TerminalError).reason).toBe("ManagementAccountNotDelegable");
      expect((thrown as Error).message).toMatch(
        /^spec\.delegatedAdministrators\[0\]: 111111111111.* is the organization's management account/,
      );
    }
    expect(fake.writes()).toEqual([]);
  });

  it("ObserveOnly reports every planned change and records no ownership, annotation or not", async () => {
    const fake = new FakeOrganization();
    fake.trusted.add(SSO);
    const { client } = clientFor(fake);
    const object = organization(
      { managementPolicy: "ObserveOnly", trustedAccess: [GD, SSO], policyTypes: ["tag"] },
      {
        annotations: { "orgguard.io/adopt": "true" },
        managed: { trustedAccess: [], delegatedAdministrators: [] },
      },
    );
    const observed = await client.observe(object);
    expect(observed.upToDate).toBe(false);
    expect(observed.diff?.map((c) => c.path)).toEqual(["policyTypes[tag]", `trustedAccess[${GD}]`]);
    expect(observed.status).toEqual({ managed: { trustedAccess: [], delegatedAdministrators: [] } });
    expect(observed.adopted).toBeUndefined();
  });

  it("reads every principal and registration, whoever made them, sorted and counted", async () => {
    const fake = new FakeOrganization();
    fake.trusted = new Set([SSO, GD]);
    fake.registerByHand(HUB, OTHER);
    fake.registerByHand(GD, AUDIT);
    fake.registerByHand(CFG, AUDIT);
    const { client } = clientFor(fake);
    const observed = await client.observe(organization({}));
    expect(observed.observed).toEqual({
      organizationId: "o-example",
      managementAccountId: MANAGEMENT,
      featureSet: "ALL",
      rootId: "r-ab12",
      policyTypes: ["SERVICE_CONTROL_POLICY"],
      trustedAccess: [GD, SSO],
      trustedAccessCount: 2,
      delegatedAdministrators: [
        { servicePrincipal: CFG, accountId: AUDIT },
        { servicePrincipal: GD, accountId: AUDIT },
        { servicePrincipal: HUB, accountId: OTHER },
      ],
      delegatedAdministratorCount: 3,
    });
    // Nothing in the spec, nothing owned: nothing to do, whatever is there.
    expect(observed.upToDate).toBe(true);
  });
});

describe("OrganizationClient.update", () => {
  it("enables, registers, then deregisters and disables only what orgguard owns; the record follows", async () => {
    const fake = new FakeOrganization();
    fake.trusted = new Set([SSO, CFG]);
    fake.registerByHand(CFG, AUDIT);
    fake.registerByHand(HUB, OTHER);
    const { client } = clientFor(fake);
    const object = organization(
      {
        policyTypes: ["scp", "tag"],
        trustedAccess: [GD],
        delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }],
      },
      {
        managed: {
          trustedAccess: [CFG],
          delegatedAdministrators: [{ servicePrincipal: CFG, accountId: AUDIT }],
        },
      },
    );
    const { observation, error } = await reconcile(client, object);
    expect(error).toBeUndefined();
    expect(fake.writes()).toEqual([
      "enablePolicyType TAG_POLICY",
      `enableTrustedAccess ${GD}`,
      `register ${GD}/${AUDIT}`,
      `deregister ${CFG}/${AUDIT}`,
      `disableTrustedAccess ${CFG}`,
    ]);
    // IAM Identity Center's trusted access and Security Hub's administrator were never orgguard's.
    expect(fake.trusted).toEqual(new Set([SSO, GD]));
    expect([...fake.registrations.keys()].sort()).toEqual([`${GD}/${AUDIT}`, `${HUB}/${OTHER}`]);
    expect(observation.status).toEqual({
      managed: { trustedAccess: [GD], delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }] },
    });
  });

  it("a registration a stale list did not show is not made twice: AWS's AccountAlreadyRegistered means done", async () => {
    const fake = new FakeOrganization();
    fake.trusted.add(GD);
    fake.registerByHand(GD, AUDIT);
    fake.unlisted.add(`${GD}/${AUDIT}`);
    const { client } = clientFor(fake);
    const object = organization(
      { trustedAccess: [GD], delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }] },
      {
        managed: {
          trustedAccess: [GD],
          delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }],
        },
      },
    );
    const { error } = await reconcile(client, object);
    expect(error).toBeUndefined();
    expect(fake.writes()).toEqual([`register ${GD}/${AUDIT}`]);
    expect(fake.registrations.size).toBe(1);
  });

  it("a deregistration AWS says is done already (AccountNotRegistered), and a type already on, are no failure", async () => {
    const fake = new FakeOrganization();
    fake.registerByHand(GD, AUDIT);
    fake.failures.push(
      { operation: "deregister", error: awsError("AccountNotRegisteredException"), afterWrite: true },
      {
        operation: "enablePolicyType",
        error: awsError("PolicyTypeAlreadyEnabledException"),
        afterWrite: true,
      },
    );
    const { client } = clientFor(fake);
    const object = organization(
      { policyTypes: ["tag"] },
      {
        managed: { trustedAccess: [], delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }] },
      },
    );
    const { observation, error } = await reconcile(client, object);
    expect(error).toBeUndefined();
    expect(fake.registrations.size).toBe(0);
    expect(observation.status).toEqual({ managed: { trustedAccess: [], delegatedAdministrators: [] } });
  });

  it("one refused entry does not hold back the others; the object stalls (Blocked: rechecked every poll) with AWS's reason, naming the entry", async () => {
    const fake = new FakeOrganization();
    fake.failures.push({
      operation: "register",
      when: (arg) => arg === `${HUB}/${AUDIT}`,
      error: awsError("ConstraintViolationException", {
        Reason: "DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE",
      }),
      times: 1_000,
    });
    const { client } = clientFor(fake);
    const object = organization({
      trustedAccess: [GD, HUB],
      delegatedAdministrators: [
        { servicePrincipal: HUB, accountName: "audit-1" },
        { servicePrincipal: GD, accountName: "audit-1" },
      ],
    });
    const { error } = await reconcile(client, object);
    expect(fake.writes()).toEqual([
      `enableTrustedAccess ${GD}`,
      `enableTrustedAccess ${HUB}`,
      `register ${HUB}/${AUDIT}`,
      `register ${GD}/${AUDIT}`,
    ]);
    expect(error).toBeInstanceOf(FailureWithStatus);
    const { cause, status } = error as FailureWithStatus;
    expect(cause).toBeInstanceOf(BlockedError);
    expect((cause as BlockedError).reason).toBe("DelegatedAdministratorExistsForThisService");
    expect((cause as Error).message).toBe(
      `cannot register ${AUDIT} (audit-1) as delegated administrator of ${HUB}: ConstraintViolationException (DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE): ConstraintViolationException message`,
    );
    // The refused registration is not orgguard's; everything else it did is.
    expect(status).toEqual({
      managed: {
        trustedAccess: [GD, HUB],
        delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }],
      },
    });
  });

  it("a principal AWS does not accept (InvalidInput) stalls too, as Blocked, and is not recorded", async () => {
    const fake = new FakeOrganization();
    fake.failures.push({
      operation: "enableTrustedAccess",
      when: (arg) => arg === "nosuch.amazonaws.com",
      error: awsError("InvalidInputException", { Reason: "UNRECOGNIZED_SERVICE_PRINCIPAL" }),
    });
    const { client } = clientFor(fake);
    const { error } = await reconcile(client, organization({ trustedAccess: ["nosuch.amazonaws.com", GD] }));
    const { cause, status } = error as FailureWithStatus;
    expect(cause).toBeInstanceOf(BlockedError);
    expect((cause as BlockedError).reason).toBe("UnrecognizedServicePrincipal");
    expect((cause as Error).message).toContain("cannot enable trusted access for nosuch.amazonaws.com");
    expect(status).toEqual({ managed: { trustedAccess: [GD], delegatedAdministrators: [] } });
  });

  it("an answer lost after AWS enabled it (a reset, a 500): recorded as orgguard's all the same, retried with backoff", async () => {
    const fake = new FakeOrganization();
    fake.failures.push({
      operation: "enableTrustedAccess",
      error: awsError("ServiceException"),
      afterWrite: true,
    });
    const { client } = clientFor(fake);
    const object = organization({ trustedAccess: [GD] });
    const { error } = await reconcile(client, object);
    const { cause, status } = error as FailureWithStatus;
    expect(cause).toBeInstanceOf(RetryableError);
    expect(cause).not.toBeInstanceOf(TerminalError);
    expect(status).toEqual({ managed: { trustedAccess: [GD], delegatedAdministrators: [] } });
    // The next reconcile, with that record, finds it enabled and owned: no write, and the spec
    // dropping it later disables it (orgguard enabled it).
    const recorded = organization({ trustedAccess: [GD] }, { managed: status.managed });
    const again = await reconcile(client, recorded);
    expect(again.observation.upToDate).toBe(true);
    const dropped = await reconcile(client, organization({}, { managed: status.managed }));
    expect(dropped.error).toBeUndefined();
    expect(fake.trusted.has(GD)).toBe(false);
  });

  it("past the reconcile's deadline no further write is tried; the call in flight stays claimed", async () => {
    const fake = new FakeOrganization();
    const deadline = new AbortController();
    const aborted = Object.assign(new Error("Request aborted"), { name: "AbortError" });
    fake.failures.push({
      operation: "enableTrustedAccess",
      // The deadline passes while CFG's call is in flight.
      when: (arg) => {
        if (arg !== CFG) return false;
        deadline.abort();
        return true;
      },
      error: aborted,
    });
    const { client } = clientFor(fake, ACCOUNTS, undefined, deadline.signal);
    const object = organization({
      trustedAccess: [GD, CFG, SSO],
      delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }],
    });
    const { error } = await reconcile(client, object);
    expect(fake.writes()).toEqual([`enableTrustedAccess ${GD}`, `enableTrustedAccess ${CFG}`]);
    const { cause, status } = error as FailureWithStatus;
    expect(cause).toBe(aborted);
    expect(status).toEqual({ managed: { trustedAccess: [CFG, GD], delegatedAdministrators: [] } });
  });

  it("a deregistration that fails keeps the registration orgguard's, so it is tried again", async () => {
    const fake = new FakeOrganization();
    fake.registerByHand(GD, AUDIT);
    fake.failures.push({ operation: "deregister", error: awsError("TooManyRequestsException") });
    const { client } = clientFor(fake);
    const managed = {
      trustedAccess: [],
      delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }],
    };
    const { error } = await reconcile(client, organization({}, { managed }));
    const { cause, status } = error as FailureWithStatus;
    expect((cause as RetryableError).reason).toBe("Throttled");
    expect(status).toEqual({ managed });
  });
});

describe("OrganizationClient on deletion (deletionPolicy Delete)", () => {
  it("exists while something orgguard owns is there; delete undoes exactly that", async () => {
    const fake = new FakeOrganization();
    fake.trusted = new Set([GD, SSO]);
    fake.registerByHand(GD, AUDIT);
    fake.registerByHand(HUB, OTHER);
    const { client } = clientFor(fake);
    const managed = {
      trustedAccess: [GD],
      delegatedAdministrators: [{ servicePrincipal: GD, accountId: AUDIT }],
    };
    const object = organization(
      { deletionPolicy: "Delete", trustedAccess: [GD, SSO] },
      { managed, deleting: true },
    );
    const observation = await client.observe(object);
    expect(observation.exists).toBe(true);
    await client.delete(object, observation);
    expect(fake.writes()).toEqual([`deregister ${GD}/${AUDIT}`, `disableTrustedAccess ${GD}`]);
    expect(fake.trusted).toEqual(new Set([SSO]));
    expect([...fake.registrations.keys()]).toEqual([`${HUB}/${OTHER}`]);
    expect((await client.observe(object)).exists).toBe(false);
  });

  it("needs nothing of the spec: one that admission let through and validate refuses still deletes", async () => {
    const fake = new FakeOrganization();
    fake.trusted.add(GD);
    const { client } = clientFor(fake);
    const twice = { servicePrincipal: GD, accountId: AUDIT };
    const object = organization(
      { deletionPolicy: "Delete", delegatedAdministrators: [twice, twice] },
      { managed: { trustedAccess: [GD], delegatedAdministrators: [] }, deleting: true },
    );
    const observation = await client.observe(object);
    await client.delete(object, observation);
    expect(fake.trusted.size).toBe(0);
  });

  it("an organization without all features has nothing of orgguard's to undo", async () => {
    const fake = new FakeOrganization();
    fake.featureSet = "CONSOLIDATED_BILLING";
    const { client } = clientFor(fake);
    const object = organization(
      { deletionPolicy: "Delete" },
      { managed: { trustedAccess: [GD] }, deleting: true },
    );
    expect((await client.observe(object)).exists).toBe(false);
  });
});

describe("through the managed reconciler", () => {
  it("a reconcile whose second write fails still writes the first one's ownership to status", async () => {
    const fake = new FakeOrganization();
    fake.failures.push({
      operation: "enableTrustedAccess",
      when: (arg) => arg === CFG,
      error: awsError("ServiceUnavailableException"),
    });
    const { client } = clientFor(fake);
    const statuses: OrganizationObject["status"][] = [];
    const writer: ObjectWriter<OrganizationObject> = {
      replaceStatus: async (o) => {
        statuses.push(o.status);
        return o;
      },
      jsonPatch: async () => {
        throw new Error("no patch expected: the object has its finalizer");
      },
    };
    const object = organization({ trustedAccess: [GD, CFG] });
    object.metadata.finalizers = ["orgguard.io/finalizer"];
    const steps = new ManagedReconciler<OrganizationObject>(
      {
        ref: { group: "orgguard.io", version: "v1alpha1", plural: "organizations", kind: "Organization" },
        connect: async () => client,
      },
      new Metrics(),
    );
    const lifecycle = new Lifecycle<OrganizationObject>(
      "Organization",
      writer,
      { record: async () => undefined },
      silentLogger,
    );
    const result = await lifecycle.reconcile(object, steps);
    expect(result.failure?.reason).toBe("ServiceUnavailable");
    expect(statuses).toHaveLength(1);
    // CFG's answer was a 503: it may have been enabled, so it is recorded too.
    expect(statuses[0]?.managed).toEqual({ trustedAccess: [CFG, GD], delegatedAdministrators: [] });
    expect(findCondition(statuses[0]?.conditions, "Synced")?.reason).toBe("ServiceUnavailable");
  });
});
