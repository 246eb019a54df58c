/**
 * The decisions of OrganizationalUnit and Account, in-process: what changes, what is refused, and
 * when an account may be closed. The clients run against in-memory fakes of their narrow AWS
 * interfaces (OuApi, AccountApi) and a fixed organization view.
 */
import { describe, expect, it } from "vitest";
import type { OrganizationView } from "../../../src/aws/organization-view.js";
import type { AccountApi, AccountRecord, CreateStatus } from "../../../src/kinds/account/account-api.js";
import {
  AccountClient,
  closeDecision,
  createFailure,
  TAG_CREATED,
} from "../../../src/kinds/account/client.js";
import type { ViewReader } from "../../../src/kinds/organization.js";
import { desiredOu, OuClient, ouChanges, splitPath } from "../../../src/kinds/organizational-unit/client.js";
import type { OuApi, OuRecord } from "../../../src/kinds/organizational-unit/ou-api.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";
import { BlockedError, RetryableError, TerminalError } from "../../../src/runtime/reconcile-errors.js";

const OURS = { "orgguard.io/managed-by": "orgguard", "orgguard.io/name": "prod" };

describe("splitPath", () => {
  it.each([
    {
      reason: "a first-level OU's parent is the root",
      path: "Root/Security",
      name: "Security",
      parentPath: "Root",
    },
    { reason: "a nested OU", path: "Root/Workloads/Prod", name: "Prod", parentPath: "Root/Workloads" },
  ])("$reason", ({ path, name, parentPath }) => expect(splitPath(path)).toEqual({ name, parentPath }));
});

describe("ouChanges", () => {
  const desired = desiredOu(
    {
      path: "Root/Workloads/Prod",
      managementPolicy: "Enforce",
      deletionPolicy: "Retain",
      tags: { team: "a" },
    },
    "prod",
    "uid-1",
  );
  const observed = {
    id: "ou-1",
    arn: "",
    name: "Prod",
    parentId: "ou-w",
    tags: { ...OURS, "orgguard.io/uid": "uid-0", team: "a" },
  };
  it.each([
    {
      reason:
        "as the spec: nothing to change (another uid is not a change: a re-created object keeps its OU)",
      observed,
      changes: [],
    },
    {
      reason: "renamed by hand: renamed back in place",
      observed: { ...observed, name: "Production" },
      changes: [
        {
          path: "name",
          from: "Production",
          to: "Prod",
          description: "rename OU ou-1 from Production to Prod",
        },
      ],
    },
    {
      reason: "a spec tag changed by hand: set back; a tag others added is left",
      observed: { ...observed, tags: { ...observed.tags, team: "b", extra: "x" } },
      changes: [{ path: "tags[team]", from: "b", to: "a" }],
    },
    {
      reason: "adopted, untagged: the ownership tags are added",
      observed: { ...observed, tags: { team: "a" } },
      changes: [
        { path: "tags[orgguard.io/managed-by]", from: undefined, to: "orgguard" },
        { path: "tags[orgguard.io/name]", from: undefined, to: "prod" },
      ],
    },
  ])("$reason", ({ observed: o, changes }) => expect(ouChanges(desired, o)).toEqual(changes));
});

/** A fixed organization: the root r-1, Workloads (ou-w) and Workloads/Prod (ou-p). */
function reader(view: Partial<OrganizationView> = {}): ViewReader & { invalidated: number } {
  const fixed: OrganizationView = {
    organizationId: "o-1",
    managementAccountId: "999999999999",
    rootId: "r-1",
    enabledPolicyTypes: [],
    ous: [
      { id: "ou-w", name: "Workloads", parentId: "r-1", path: "Root/Workloads" },
      { id: "ou-p", name: "Prod", parentId: "ou-w", path: "Root/Workloads/Prod" },
    ],
    accounts: [],
    ...view,
  };
  const r = {
    invalidated: 0,
    current: async () => fixed,
    fresher: async () => fixed,
    invalidate: () => {
      r.invalidated += 1;
    },
  };
  return r;
}

const notFound = (name: string) => Object.assign(new Error(name), { name, $metadata: {} });

/** An in-memory OuApi: OUs by id with parents and tags, and every write recorded. */
class FakeOus implements OuApi {
  readonly writes: string[] = [];
  constructor(
    readonly ous: Map<string, OuRecord & { parentId: string; tags: Record<string, string> }> = new Map(),
    readonly accountsIn: Map<string, number> = new Map(),
  ) {}
  async describe(id: string) {
    const ou = this.ous.get(id);
    if (!ou) throw notFound("OrganizationalUnitNotFoundException");
    return ou;
  }
  async parentOf(id: string) {
    return (await this.describe(id)).parentId;
  }
  async ousUnder(parentId: string) {
    return [...this.ous.values()].filter((o) => o.parentId === parentId);
  }
  async hasAccounts(parentId: string) {
    return this.accountsIn.get(parentId) ?? 0;
  }
  async tagsOf(id: string) {
    return (await this.describe(id)).tags;
  }
  async create(parentId: string, name: string, tags: Record<string, string>) {
    this.writes.push(`create ${name} under ${parentId}`);
    const ou = { id: `ou-${name.toLowerCase()}`, arn: "", name, parentId, tags };
    this.ous.set(ou.id, ou);
    return ou;
  }
  async rename(id: string, name: string) {
    this.writes.push(`rename ${id} ${name}`);
  }
  async tag(id: string, tags: Record<string, string>) {
    this.writes.push(`tag ${id} ${Object.keys(tags).join(",")}`);
  }
  async untag(id: string) {
    this.writes.push(`untag ${id}`);
  }
  async delete(id: string) {
    this.writes.push(`delete ${id}`);
  }
}

const ouObject = (
  spec: Record<string, unknown>,
  extra: Partial<ManagedObject["metadata"]> = {},
  status = {},
) =>
  ({
    apiVersion: "orgguard.io/v1alpha1",
    kind: "OrganizationalUnit",
    metadata: { name: "prod", uid: "uid-1", generation: 1, ...extra },
    spec: { managementPolicy: "Enforce", deletionPolicy: "Retain", ...spec },
    status,
  }) as ManagedObject;

describe("OuClient", () => {
  it("plans a create under its parent when there is none, and refuses one whose parent is not there yet", async () => {
    const api = new FakeOus();
    const client = new OuClient(api, reader());
    const obs = await client.observe(ouObject({ path: "Root/Workloads/Dev" }));
    expect(obs.exists).toBe(false);
    await client.create(ouObject({ path: "Root/Workloads/Dev" }), obs);
    expect(api.writes).toEqual(["create Dev under ou-w"]);
    await expect(client.observe(ouObject({ path: "Root/Nope/Dev" }))).rejects.toBeInstanceOf(RetryableError);
  });

  it("refuses an OU of that name it did not create (AlreadyExists), unless adopted by annotation or id", async () => {
    const foreign = new Map([
      ["ou-ab12-xxxxxxxx", { id: "ou-ab12-xxxxxxxx", arn: "", name: "Dev", parentId: "ou-w", tags: {} }],
    ]);
    const client = new OuClient(new FakeOus(foreign), reader());
    await expect(client.observe(ouObject({ path: "Root/Workloads/Dev" }))).rejects.toMatchObject({
      reason: "AlreadyExists",
    });
    const annotated = await client.observe(
      ouObject({ path: "Root/Workloads/Dev" }, { annotations: { "orgguard.io/adopt": "true" } }),
    );
    expect(annotated.adopted).toMatch(/adopted OU ou-ab12-xxxxxxxx/);
    const byId = await client.observe(ouObject({ path: "Root/Workloads/Dev", ouId: "ou-ab12-xxxxxxxx" }));
    expect(byId.adopted).toMatch(/adopted OU ou-ab12-xxxxxxxx/);
    // ObserveOnly only reports: it may look at what it does not own.
    const observing = await client.observe(
      ouObject({ path: "Root/Workloads/Dev", managementPolicy: "ObserveOnly" }),
    );
    expect(observing.exists).toBe(true);
  });

  it("never moves an OU (AWS cannot): a parent that differs is terminal", async () => {
    const ous = new Map([["ou-p", { id: "ou-p", arn: "", name: "Prod", parentId: "r-1", tags: OURS }]]);
    const client = new OuClient(new FakeOus(ous), reader());
    await expect(
      client.observe(ouObject({ path: "Root/Workloads/Prod" }, {}, { ouId: "ou-p" })),
    ).rejects.toBeInstanceOf(TerminalError);
  });

  it("refuses a rename onto a sibling's name before calling AWS", async () => {
    const ous = new Map([
      ["ou-p", { id: "ou-p", arn: "", name: "Production", parentId: "ou-w", tags: OURS }],
      ["ou-q", { id: "ou-q", arn: "", name: "Prod", parentId: "ou-w", tags: {} }],
    ]);
    const api = new FakeOus(ous);
    const client = new OuClient(api, reader());
    const obs = await client.observe(ouObject({ path: "Root/Workloads/Prod" }, {}, { ouId: "ou-p" }));
    await expect(client.update(ouObject({ path: "Root/Workloads/Prod" }), obs)).rejects.toMatchObject({
      reason: "NameTaken",
    });
    expect(api.writes).toEqual([]);
  });

  it.each([
    { reason: "holding an account: kept, NotEmpty", accounts: 1, children: false, deleted: false },
    { reason: "holding an OU: kept, NotEmpty", accounts: 0, children: true, deleted: false },
    { reason: "empty: deleted", accounts: 0, children: false, deleted: true },
  ])("deleting with Delete, $reason", async ({ accounts, children, deleted }) => {
    const ous = new Map<string, OuRecord & { parentId: string; tags: Record<string, string> }>([
      ["ou-p", { id: "ou-p", arn: "", name: "Prod", parentId: "ou-w", tags: OURS }],
    ]);
    if (children) ous.set("ou-c", { id: "ou-c", arn: "", name: "Child", parentId: "ou-p", tags: {} });
    const api = new FakeOus(ous, new Map([["ou-p", accounts]]));
    const client = new OuClient(api, reader());
    const object = ouObject({ path: "Root/Workloads/Prod", deletionPolicy: "Delete" }, {}, { ouId: "ou-p" });
    const obs = await client.observe(object);
    const done = client.delete(object, obs);
    if (deleted) {
      await done;
      expect(api.writes).toEqual(["delete ou-p"]);
    } else {
      await expect(done).rejects.toBeInstanceOf(BlockedError);
      expect(api.writes).toEqual([]);
    }
  });
});

describe("closeDecision (no account is closed without closeOnDeletion)", () => {
  const created = {
    id: "111111111111",
    state: "ACTIVE",
    tags: { ...OURS, "orgguard.io/name": "acct", [TAG_CREATED]: "true" },
  };
  it.each([
    {
      reason: "closeOnDeletion unset: never closed",
      spec: { closeOnDeletion: false, deletionPolicy: "Delete" },
      account: created,
      close: false,
    },
    {
      reason: "closeOnDeletion with Retain: never closed",
      spec: { closeOnDeletion: true, deletionPolicy: "Retain" },
      account: created,
      close: false,
    },
    {
      reason: "the management account: never closed, whatever the spec says",
      spec: { closeOnDeletion: true, deletionPolicy: "Delete" },
      account: { ...created, id: "999999999999" },
      close: false,
    },
    {
      reason: "an account orgguard did not create (adopted or invited): never closed",
      spec: { closeOnDeletion: true, deletionPolicy: "Delete" },
      account: { ...created, tags: { ...OURS, "orgguard.io/name": "acct" } },
      close: false,
    },
    {
      reason: "created for another object: never closed by this one",
      spec: { closeOnDeletion: true, deletionPolicy: "Delete" },
      account: { ...created, tags: { ...created.tags, "orgguard.io/name": "other" } },
      close: false,
    },
    {
      reason: "already suspended: nothing to close",
      spec: { closeOnDeletion: true, deletionPolicy: "Delete" },
      account: { ...created, state: "SUSPENDED" },
      close: false,
    },
    {
      reason: "created by orgguard for this object, closeOnDeletion and Delete: closed",
      spec: { closeOnDeletion: true, deletionPolicy: "Delete" },
      account: created,
      close: true,
    },
  ] as const)("$reason", ({ spec, account, close }) => {
    expect(closeDecision(spec, account, "acct", "999999999999").close).toBe(close);
  });
});

describe("createFailure (a failed CreateAccount, by its reason)", () => {
  const request = (failureReason: string): CreateStatus => ({
    requestId: "car-1",
    state: "FAILED",
    failureReason,
  });
  it.each([
    {
      reason: "the email is taken: the spec must change",
      failure: "EMAIL_ALREADY_EXISTS",
      kind: TerminalError,
      as: "EmailAlreadyExists",
    },
    {
      reason: "the account quota: blocked, checked every poll",
      failure: "ACCOUNT_LIMIT_EXCEEDED",
      kind: BlockedError,
      as: "AccountLimitExceeded",
    },
    {
      reason: "a payment instrument missing: blocked with its reason",
      failure: "MISSING_PAYMENT_INSTRUMENT",
      kind: BlockedError,
      as: "MissingPaymentInstrument",
    },
  ])("$reason", ({ failure, kind, as }) => {
    const err = createFailure(request(failure), "a@example.com");
    expect(err).toBeInstanceOf(kind);
    expect(err).toMatchObject({ reason: as });
  });
});

/** An in-memory AccountApi: members with parents and tags; every write recorded. */
class FakeAccounts implements AccountApi {
  readonly writes: string[] = [];
  constructor(
    readonly members: Map<
      string,
      AccountRecord & { parentId: string; tags: Record<string, string> }
    > = new Map(),
  ) {}
  async describe(id: string) {
    const a = this.members.get(id);
    if (!a) throw notFound("AccountNotFoundException");
    return a;
  }
  async parentOf(id: string) {
    return (await this.describe(id)).parentId;
  }
  async tagsOf(id: string) {
    return (await this.describe(id)).tags;
  }
  async findByEmail(email: string) {
    return [...this.members.values()].find((a) => a.email === email);
  }
  async create(): Promise<CreateStatus> {
    this.writes.push("create");
    return { requestId: "car-1", state: "IN_PROGRESS" };
  }
  async createStatus(): Promise<CreateStatus> {
    return { requestId: "car-1", state: "IN_PROGRESS" };
  }
  async move(id: string, _from: string, to: string) {
    this.writes.push(`move ${id} to ${to}`);
  }
  async tag(id: string) {
    this.writes.push(`tag ${id}`);
  }
  async untag() {}
  async close(id: string) {
    this.writes.push(`close ${id}`);
  }
  async invite() {
    return { handshakeId: "h-1", state: "OPEN" };
  }
  async handshakeState() {
    return "OPEN";
  }
}

const accountObject = (
  spec: Record<string, unknown>,
  status: Record<string, unknown> = {},
  deleting = false,
) =>
  ({
    apiVersion: "orgguard.io/v1alpha1",
    kind: "Account",
    metadata: {
      name: "acct",
      uid: "uid-a",
      generation: 1,
      ...(deleting ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
    },
    spec: {
      name: "Acct",
      ouPath: "Root/Workloads/Prod",
      managementPolicy: "Enforce",
      deletionPolicy: "Retain",
      ...spec,
    },
    status,
  }) as ManagedObject;

describe("AccountClient", () => {
  const member = (
    extra: Partial<AccountRecord & { parentId: string; tags: Record<string, string> }> = {},
  ) => ({
    id: "111111111111",
    arn: "",
    name: "Acct",
    email: "acct@example.com",
    state: "ACTIVE",
    joinedMethod: "CREATED",
    parentId: "ou-p",
    tags: { "orgguard.io/managed-by": "orgguard", "orgguard.io/name": "acct", [TAG_CREATED]: "true" },
    ...extra,
  });

  it("creates when no member has its email; follows an in-progress request as Progressing", async () => {
    const api = new FakeAccounts();
    const client = new AccountClient(api, reader());
    const object = accountObject({ email: "acct@example.com" });
    const absent = await client.observe(object);
    expect(absent.exists).toBe(false);
    const created = await client.create(object, absent);
    expect(created.status).toMatchObject({ createRequestId: "car-1", createRequestGeneration: 1 });
    const creating = await client.observe(
      accountObject({ email: "acct@example.com" }, { createRequestId: "car-1" }),
    );
    expect(creating.progressing).toMatch(/car-1/);
  });

  it.each([
    {
      reason: "a create AWS finished after orgguard's write: found as a member once, the view is read again",
      status: { createRequestId: "car-1" },
      spec: {},
      invalidated: 1,
    },
    {
      reason: "an invitation by id, accepted: found as a member once, the view is read again",
      status: { handshakeId: "h-1" },
      spec: { invite: true, accountId: "111111111111" },
      invalidated: 1,
    },
    {
      reason: "an invitation by email, accepted: found as a member once, the view is read again",
      status: { handshakeId: "h-1" },
      spec: { invite: true },
      invalidated: 1,
    },
    {
      reason: "an adopted member (no invitation): it was in the view already, which is kept",
      status: {},
      spec: { accountId: "111111111111" },
      invalidated: 0,
    },
    {
      reason: "an account already recorded in status: the view is kept",
      status: { accountId: "111111111111" },
      spec: {},
      invalidated: 0,
    },
  ])("$reason", async ({ status, spec, invalidated }) => {
    const api = new FakeAccounts(new Map([["111111111111", member({ parentId: "ou-p" })]]));
    api.createStatus = async () => ({ requestId: "car-1", state: "SUCCEEDED", accountId: "111111111111" });
    api.handshakeState = async () => "ACCEPTED";
    const view = reader();
    const client = new AccountClient(api, view);
    const observed = await client.observe(accountObject({ email: "acct@example.com", ...spec }, status));
    expect(observed.exists).toBe(true);
    expect(view.invalidated).toBe(invalidated);
  });

  it("moves an account moved by hand back, and plans the move with where from and to", async () => {
    const api = new FakeAccounts(new Map([["111111111111", member({ parentId: "ou-w" })]]));
    const client = new AccountClient(api, reader());
    const object = accountObject({ email: "acct@example.com" }, { accountId: "111111111111" });
    const obs = await client.observe(object);
    expect(obs.diff).toEqual([
      {
        path: "ouPath",
        from: "Root/Workloads",
        to: "Root/Workloads/Prod",
        description: "move account 111111111111 (Acct) from Root/Workloads to Root/Workloads/Prod",
      },
    ]);
    await client.update(object, obs);
    expect(api.writes).toEqual(["move 111111111111 to ou-p"]);
  });

  it("never takes a member found by email that it did not create: AccountExists says how to adopt it", async () => {
    const api = new FakeAccounts(new Map([["111111111111", member({ tags: {} })]]));
    const client = new AccountClient(api, reader());
    await expect(client.observe(accountObject({ email: "acct@example.com" }))).rejects.toMatchObject({
      reason: "AccountExists",
      message: expect.stringContaining('accountId: "111111111111"'),
    });
  });

  it("an account id not in the organization: NotInOrganization, or an invitation with invite", async () => {
    const client = new AccountClient(new FakeAccounts(), reader());
    await expect(client.observe(accountObject({ accountId: "222222222222" }))).rejects.toMatchObject({
      reason: "NotInOrganization",
    });
    const invite = await client.observe(accountObject({ accountId: "222222222222", invite: true }));
    expect(invite.exists).toBe(false);
    expect(invite.diff?.[0]?.description).toMatch(/invite 222222222222/);
  });

  it.each([
    {
      reason: "deleting without closeOnDeletion: nothing left to do, never closed",
      spec: { deletionPolicy: "Delete" },
      exists: false,
    },
    {
      reason: "deleting with closeOnDeletion and Delete: the close is what is left",
      spec: { deletionPolicy: "Delete", closeOnDeletion: true },
      exists: true,
    },
  ])("$reason", async ({ spec, exists }) => {
    const api = new FakeAccounts(new Map([["111111111111", member()]]));
    const client = new AccountClient(api, reader());
    const object = accountObject({ email: "acct@example.com", ...spec }, { accountId: "111111111111" }, true);
    const obs = await client.observe(object);
    expect(obs.exists).toBe(exists);
    await client.delete(object, obs);
    expect(api.writes).toEqual(exists ? ["close 111111111111"] : []);
  });
});
