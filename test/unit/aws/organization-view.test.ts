/**
 * Organization discovery in-process: the tree walk over a fake OrganizationReader (paths of nested
 * OUs, each account's parent, the root's policy types, errors with their meaning), the cache of
 * OrganizationDiscovery on a fake clock (max age, one refresh at a time, a failed refresh not
 * cached), and the SDK implementation's paging, with the SDK client's send stubbed by
 * aws-sdk-client-mock. test/integration/organization-discovery.test.ts reads moto's tree.
 */
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import {
  OrganizationDiscovery,
  type OrganizationReader,
  readOrganization,
  sdkOrganizationReader,
} from "../../../src/aws/organization-view.js";
import { BlockedError, RetryableError } from "../../../src/runtime/reconcile-errors.js";
import { awsError } from "../../support/fake-policy-api.js";

/** A container of the fake tree: its OUs (with their own containers) and its accounts. */
interface Container {
  ous?: Array<{ id: string; name: string } & Container>;
  accounts?: Array<{ id: string; name: string; status?: string }>;
}

/** An OrganizationReader over a tree; counts the calls it answers. */
function fakeReader(root: Container & { enabledPolicyTypes?: string[] }, extra: { noRoot?: boolean } = {}) {
  const containers = new Map<string, Container>();
  const index = (id: string, c: Container) => {
    containers.set(id, c);
    for (const ou of c.ous ?? []) index(ou.id, ou);
  };
  index("r-root", root);
  const calls: string[] = [];
  const reader: OrganizationReader = {
    describeOrganization: async () => {
      calls.push("DescribeOrganization");
      return { id: "o-fake", managementAccountId: "000000000000" };
    },
    roots: async () => {
      calls.push("ListRoots");
      return extra.noRoot ? [] : [{ id: "r-root", enabledPolicyTypes: root.enabledPolicyTypes ?? [] }];
    },
    ousFor: async (parentId) => {
      calls.push(`ListOrganizationalUnitsForParent ${parentId}`);
      return (containers.get(parentId)?.ous ?? []).map(({ id, name }) => ({ id, name }));
    },
    accountsFor: async (parentId) => {
      calls.push(`ListAccountsForParent ${parentId}`);
      return (containers.get(parentId)?.accounts ?? []).map((a) => ({ status: "ACTIVE", ...a }));
    },
  };
  return { reader, calls };
}

const TREE = {
  enabledPolicyTypes: ["SERVICE_CONTROL_POLICY"],
  accounts: [{ id: "000000000000", name: "mgmt" }],
  ous: [
    {
      id: "ou-work",
      name: "Workloads",
      accounts: [{ id: "111111111111", name: "dev" }],
      ous: [
        {
          id: "ou-prod",
          name: "Prod",
          accounts: [{ id: "222222222222", name: "prod", status: "SUSPENDED" }],
          ous: [{ id: "ou-legacy", name: "Legacy", accounts: [{ id: "333333333333", name: "legacy" }] }],
        },
      ],
    },
    { id: "ou-sand", name: "Sandbox" },
  ],
};

describe("readOrganization: the tree walk", () => {
  it("gives every OU its path of names from the root, and its parent", async () => {
    const view = await readOrganization(fakeReader(TREE).reader);
    expect(view.ous).toEqual([
      { id: "ou-work", name: "Workloads", parentId: "r-root", path: "Root/Workloads" },
      { id: "ou-sand", name: "Sandbox", parentId: "r-root", path: "Root/Sandbox" },
      { id: "ou-prod", name: "Prod", parentId: "ou-work", path: "Root/Workloads/Prod" },
      { id: "ou-legacy", name: "Legacy", parentId: "ou-prod", path: "Root/Workloads/Prod/Legacy" },
    ]);
  });

  const accounts = [
    {
      reason: "an account at the root has the root as parent",
      id: "000000000000",
      parentId: "r-root",
      status: "ACTIVE",
    },
    {
      reason: "an account in an OU has the OU as parent",
      id: "111111111111",
      parentId: "ou-work",
      status: "ACTIVE",
    },
    {
      reason: "an account three levels down is found",
      id: "333333333333",
      parentId: "ou-legacy",
      status: "ACTIVE",
    },
    {
      reason: "a suspended account is listed with its status (selection skips it)",
      id: "222222222222",
      parentId: "ou-prod",
      status: "SUSPENDED",
    },
  ];
  it.each(accounts)("$reason", async ({ id, parentId, status }) => {
    const view = await readOrganization(fakeReader(TREE).reader);
    expect(view.accounts.find((a) => a.id === id)).toMatchObject({ parentId, status });
  });

  it("takes the organization, its management account, the root and the root's enabled policy types", async () => {
    const view = await readOrganization(fakeReader(TREE).reader);
    expect(view).toMatchObject({
      organizationId: "o-fake",
      managementAccountId: "000000000000",
      rootId: "r-root",
      enabledPolicyTypes: ["SERVICE_CONTROL_POLICY"],
    });
  });

  it("lists each container once: one OU and one account listing per root and OU", async () => {
    const { reader, calls } = fakeReader(TREE);
    await readOrganization(reader);
    const containers = ["r-root", "ou-work", "ou-sand", "ou-prod", "ou-legacy"];
    expect(calls).toEqual([
      "DescribeOrganization",
      "ListRoots",
      ...containers.flatMap((c) => [`ListOrganizationalUnitsForParent ${c}`, `ListAccountsForParent ${c}`]),
    ]);
  });

  const failures: Array<{
    reason: string;
    reader: () => OrganizationReader;
    type: typeof RetryableError | typeof BlockedError;
    errorReason: string;
    message: RegExp;
  }> = [
    {
      reason: "an organization without a root: retried, saying so",
      reader: () => fakeReader(TREE, { noRoot: true }).reader,
      type: RetryableError,
      errorReason: "Error",
      message: /cannot read the organization's accounts and OUs: .*the organization has no root/,
    },
    {
      reason: "AWS's own error keeps its meaning (denied: blocked until a permission is granted)",
      reader: () => ({
        ...fakeReader(TREE).reader,
        accountsFor: () => Promise.reject(awsError("AccessDeniedException")),
      }),
      type: BlockedError,
      errorReason: "AccessDenied",
      message: /cannot read the organization's accounts and OUs: AccessDeniedException/,
    },
    {
      reason: "an answer without a field AWS always sends keeps its own reason",
      reader: () => ({
        ...fakeReader(TREE).reader,
        ousFor: () =>
          Promise.reject(
            new RetryableError("UnexpectedResponse", "AWS Organizations answered without the id"),
          ),
      }),
      type: RetryableError,
      errorReason: "UnexpectedResponse",
      message: /^AWS Organizations answered without the id$/,
    },
  ];
  it.each(failures)("$reason", async ({ reader, type, errorReason, message }) => {
    const error = await readOrganization(reader()).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ reason: errorReason });
    expect((error as Error).message).toMatch(message);
  });
});

describe("OrganizationDiscovery: the cache", () => {
  /** A discovery on a fake clock whose reads are counted and can be made to fail or wait. */
  function discovery() {
    const clock = { now: 1_000_000 };
    const state = { reads: 0, fail: false, gate: undefined as Promise<void> | undefined };
    const { reader } = fakeReader(TREE);
    const counting: OrganizationReader = {
      ...reader,
      describeOrganization: async () => {
        state.reads++;
        await state.gate;
        if (state.fail) throw awsError("ServiceException");
        return reader.describeOrganization();
      },
    };
    return {
      clock,
      state,
      discovery: new OrganizationDiscovery(
        () => counting,
        () => clock.now,
      ),
    };
  }

  const cases = [
    {
      reason: "younger than the max age: the cached view, no read",
      ageMs: 59_999,
      maxAgeMs: 60_000,
      reads: 1,
    },
    { reason: "as old as the max age: read again", ageMs: 60_000, maxAgeMs: 60_000, reads: 2 },
    { reason: "max age 0 (a spec change): read again at once", ageMs: 0, maxAgeMs: 0, reads: 2 },
    {
      reason: "a caller that allows more age is served the cache",
      ageMs: 120_000,
      maxAgeMs: 300_000,
      reads: 1,
    },
  ];
  it.each(cases)("$reason", async ({ ageMs, maxAgeMs, reads }) => {
    const { clock, state, discovery: d } = discovery();
    const first = await d.view(60_000);
    clock.now += ageMs;
    const second = await d.view(maxAgeMs);
    expect(state.reads).toBe(reads);
    expect(second === first).toBe(reads === 1);
  });

  it("concurrent callers share one refresh", async () => {
    const { state, discovery: d } = discovery();
    let open: () => void = () => undefined;
    state.gate = new Promise((resolve) => {
      open = resolve;
    });
    const views = [d.view(0), d.view(0), d.view(60_000)];
    open();
    const [a, b, c] = await Promise.all(views);
    expect(state.reads).toBe(1);
    expect(a).toBe(b);
    expect(b).toBe(c);
  });

  it("a refresh that began before an invalidate is neither kept nor shared with later callers", async () => {
    const { state, discovery: d } = discovery();
    let open: () => void = () => undefined;
    state.gate = new Promise((resolve) => {
      open = resolve;
    });
    const before = d.view(60_000);
    d.invalidate(); // orgguard created an account while that read was in flight
    const after = d.view(60_000);
    open();
    const [stale, fresh] = await Promise.all([before, after]);
    expect(state.reads).toBe(2);
    expect(fresh).not.toBe(stale);
    // The read that began after the invalidate is the one kept.
    expect(await d.view(60_000)).toBe(fresh);
    expect(state.reads).toBe(2);
  });

  it("a view is as old as the read that made it: aged from when the read began", async () => {
    const { clock, state, discovery: d } = discovery();
    let open: () => void = () => undefined;
    state.gate = new Promise((resolve) => {
      open = resolve;
    });
    const first = d.view(60_000);
    clock.now += 30_000; // a slow read
    open();
    await first;
    state.gate = undefined;
    clock.now += 30_000;
    await d.view(60_000);
    expect(state.reads).toBe(2);
  });

  it("a failed refresh is not cached: the next caller reads again, and the error is AWS's", async () => {
    const { state, discovery: d } = discovery();
    state.fail = true;
    await expect(d.view(60_000)).rejects.toMatchObject({ reason: "Service" });
    expect(d.readAt).toBeUndefined();
    state.fail = false;
    await d.view(60_000);
    expect(state.reads).toBe(2);
  });

  it("a failed refresh keeps the last good view for callers that allow its age", async () => {
    const { clock, state, discovery: d } = discovery();
    const good = await d.view(60_000);
    const readAt = d.readAt;
    clock.now += 120_000;
    state.fail = true;
    await expect(d.view(60_000)).rejects.toBeInstanceOf(RetryableError);
    expect(d.readAt).toBe(readAt);
    expect(await d.view(300_000)).toBe(good);
  });
});

describe("sdkOrganizationReader: the SDK calls behind the interface", () => {
  function mockedOrganizations() {
    const client = new OrganizationsClient({
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "test" },
    });
    return { client, mock: mockClient(client) };
  }

  it("follows every page of ListOrganizationalUnitsForParent and ListAccountsForParent", async () => {
    const { client, mock } = mockedOrganizations();
    const ouPages: Record<
      string,
      { OrganizationalUnits: Array<{ Id: string; Name: string }>; NextToken?: string }
    > = {
      "": { OrganizationalUnits: [{ Id: "ou-1", Name: "One" }], NextToken: "page-2" },
      "page-2": { OrganizationalUnits: [{ Id: "ou-2", Name: "Two" }] },
    };
    // The paginator reuses one input object: what each call asked for is noted as it is made.
    const asked: string[] = [];
    mock
      .on(ListOrganizationalUnitsForParentCommand)
      .callsFake((input: { ParentId?: string; NextToken?: string }) => {
        asked.push(`${input.ParentId} ${input.NextToken ?? "(first page)"}`);
        return ouPages[input.NextToken ?? ""];
      });
    mock
      .on(ListAccountsForParentCommand)
      .resolvesOnce({ Accounts: [{ Id: "111111111111", Name: "a", Status: "ACTIVE" }], NextToken: "next" })
      .resolvesOnce({ Accounts: [{ Id: "222222222222" }] });
    const reader = sdkOrganizationReader(client);
    expect(await reader.ousFor("r-1")).toEqual([
      { id: "ou-1", name: "One" },
      { id: "ou-2", name: "Two" },
    ]);
    // A field AWS may leave out gets the documented meaning: no name, ACTIVE.
    expect(await reader.accountsFor("r-1")).toEqual([
      { id: "111111111111", name: "a", status: "ACTIVE" },
      { id: "222222222222", name: "", status: "ACTIVE" },
    ]);
    expect(asked).toEqual(["r-1 (first page)", "r-1 page-2"]);
    expect(mock.commandCalls(ListAccountsForParentCommand)).toHaveLength(2);
  });

  it("keeps only the root's ENABLED policy types, and reads the organization's ids", async () => {
    const { client, mock } = mockedOrganizations();
    mock.on(ListRootsCommand).resolves({
      Roots: [
        {
          Id: "r-1",
          PolicyTypes: [
            { Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED" },
            { Type: "TAG_POLICY", Status: "PENDING_DISABLE" },
          ],
        },
      ],
    });
    mock
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { Id: "o-1", MasterAccountId: "000000000000" } });
    const reader = sdkOrganizationReader(client);
    expect(await reader.roots()).toEqual([{ id: "r-1", enabledPolicyTypes: ["SERVICE_CONTROL_POLICY"] }]);
    expect(await reader.describeOrganization()).toEqual({ id: "o-1", managementAccountId: "000000000000" });
  });

  const missing = [
    {
      reason: "an OU without an id",
      command: ListOrganizationalUnitsForParentCommand,
      answer: { OrganizationalUnits: [{ Name: "x" }] },
      read: (r: OrganizationReader) => r.ousFor("r-1"),
    },
    {
      reason: "an account without an id",
      command: ListAccountsForParentCommand,
      answer: { Accounts: [{ Name: "x" }] },
      read: (r: OrganizationReader) => r.accountsFor("r-1"),
    },
  ];
  it.each(missing)(
    "$reason is an UnexpectedResponse, not an account with no id",
    async ({ command, answer, read }) => {
      const { client, mock } = mockedOrganizations();
      mock.on(command).resolves(answer);
      await expect(read(sdkOrganizationReader(client))).rejects.toMatchObject({
        reason: "UnexpectedResponse",
        message: expect.stringMatching(
          /^AWS Organizations answered without the id of an (OU|account) under r-1$/,
        ),
      });
    },
  );

  it("an error from AWS reaches the caller as AWS sent it", async () => {
    const { client, mock } = mockedOrganizations();
    mock.on(ListRootsCommand).rejects(awsError("AWSOrganizationsNotInUseException"));
    await expect(sdkOrganizationReader(client).roots()).rejects.toMatchObject({
      name: "AWSOrganizationsNotInUseException",
    });
  });
});
