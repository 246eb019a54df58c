/**
 * OrganizationalUnit and Account against moto and the real kube-apiserver, with the controllers
 * in-process: the seeds' layout created from an empty organization and then left alone, an account
 * moved by hand moved back, an OU renamed by hand renamed back, a non-empty OU kept when its
 * object is deleted with Delete, accounts closed only with closeOnDeletion, and a baseline that
 * picks up an account an Account object created at once. What moto lacks (invitations and their
 * handshakes, AWS's refusals: email in use, account limit, OU depth, a duplicate OU name) is
 * answered by SDK-level stubs on the controller's own clients, named as such in each test.
 */
import {
  ConstraintViolationException,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  DescribeAccountCommand,
  DescribeOrganizationalUnitCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  OrganizationsClient,
  UpdateOrganizationalUnitCommand,
} from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { accountKind } from "../../src/kinds/account/index.js";
import { accountBaselineKind } from "../../src/kinds/account-baseline/index.js";
import { kindRef } from "../../src/kinds/kind-definition.js";
import { organizationalUnitKind } from "../../src/kinds/organizational-unit/index.js";
import { passwordPolicySetting } from "../../src/kinds/password-policy/index.js";
import { managedSetting } from "../../src/kinds/setting/setting-kind.js";
import { findCondition } from "../../src/runtime/conditions.js";
import { managedController } from "../../src/runtime/controller.js";
import type { ManagedKind } from "../../src/runtime/managed.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { awsException, injectFaults } from "../support/aws-faults.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  admissionRefusal,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 1500;
const kc = adminKubeConfig();
const ous = orgguardClient(kc, "OrganizationalUnit");
const accounts = orgguardClient(kc, "Account");
const baselines = orgguardClient(kc, "AccountBaseline");
const passwordPolicies = orgguardClient(kc, "PasswordPolicy");
const org = new OrganizationsClient(awsClientConfig());
let tree: TestOrganization;
let aws: AwsClients;
let running: RunningControllers<Runnable>;
/** Organizations writes the controller made, by operation (counted on its own client). */
const writes: string[] = [];

const WRITES = new Set([
  "CreateOrganizationalUnit",
  "UpdateOrganizationalUnit",
  "DeleteOrganizationalUnit",
  "CreateAccount",
  "MoveAccount",
  "CloseAccount",
  "TagResource",
  "UntagResource",
  "InviteAccountToOrganization",
]);

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({});
  aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) => {
      if (service === "organizations" && WRITES.has(operation)) writes.push(operation);
    },
  });
  await aws.ownAccountId();
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
    // The baseline's own look at the organization: far beyond the tests (what wakes it is watched).
    discoveryIntervalMs: 10 * 60_000,
    treeKinds: [kindRef(organizationalUnitKind.api), kindRef(accountKind.api)],
  };
  const managed = (kind: typeof accountKind): ManagedKind => {
    if (kind.runtime.type !== "managed") throw new Error(`${kind.api.kind} is managed`);
    return kind.runtime.managed(context);
  };
  running = await runControllers(
    kc,
    { workers: 2, pollIntervalMs: POLL_MS, verifyAfterMs: 300, backoffBaseMs: 300, backoffMaxMs: 3000 },
    (runtime) => {
      if (accountBaselineKind.runtime.type !== "composite") throw new Error("AccountBaseline is a composite");
      return [
        managedController(runtime, managed(organizationalUnitKind)),
        managedController(runtime, managed(accountKind)),
        managedController(runtime, managedSetting(passwordPolicySetting, context)),
        accountBaselineKind.runtime.controller(runtime, context),
      ];
    },
  );
}, 120_000);

afterAll(async () => {
  for (const client of [baselines, accounts, ous]) {
    for (const o of (await client.list()).items) await client.delete(o.metadata.name);
  }
  await waitUntil(async () => (await passwordPolicies.list()).items.length === 0, 30_000, "children gone");
  await running?.stop();
  for (const client of [accounts, ous]) {
    for (const o of (await client.list()).items) {
      if (o.metadata.finalizers?.length)
        await client.jsonPatch(o.metadata.name, [{ op: "remove", path: "/metadata/finalizers" }]);
    }
  }
});

/** The seeds' layout: a Security OU with the log archive and security tooling accounts, workloads, a sandbox. */
const SEEDS_OUS = [
  "Root/Security",
  "Root/Workloads",
  "Root/Workloads/Prod",
  "Root/Workloads/Dev",
  "Root/Sandbox",
];
const ouName = (path: string) => path.toLowerCase().replaceAll("/", "-");

async function ouIdAt(path: string): Promise<string | undefined> {
  let parent = tree.rootId;
  for (const name of path.split("/").slice(1)) {
    const children = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parent }));
    const match = children.OrganizationalUnits?.find((o) => o.Name === name);
    if (!match?.Id) return undefined;
    parent = match.Id;
  }
  return parent;
}

const parentOf = async (accountId: string) =>
  (await org.send(new ListParentsCommand({ ChildId: accountId }))).Parents?.[0]?.Id;

const accountIdOf = async (name: string) => (await accounts.get(name))?.status?.accountId as string;

describe("the organization's structure", () => {
  it("creates the seeds' layout from an empty organization, then changes nothing", async () => {
    // Children first in the list: the controller works it out (a child waits for its parent).
    for (const path of [...SEEDS_OUS].reverse())
      await ous.create(manifest("OrganizationalUnit", ouName(path), { path }));
    await accounts.create(
      manifest("Account", "log-archive", {
        name: "Log Archive",
        email: "log-archive@example.com",
        ouPath: "Root/Security",
      }),
    );
    await accounts.create(
      manifest("Account", "security-tooling", {
        name: "Security Tooling",
        email: "security-tooling@example.com",
        ouPath: "Root/Security",
        tags: { team: "security" },
      }),
    );
    for (const path of SEEDS_OUS)
      await waitForReadyReason(ous, ouName(path), "Available", { timeoutMs: 30_000 });
    for (const name of ["log-archive", "security-tooling"])
      await waitForReadyReason(accounts, name, "Available", { timeoutMs: 30_000 });
    for (const path of SEEDS_OUS) expect(await ouIdAt(path), path).toBeDefined();
    const security = await ouIdAt("Root/Security");
    for (const name of ["log-archive", "security-tooling"])
      expect(await parentOf(await accountIdOf(name))).toBe(security);
    const tags = await org.send(
      new ListTagsForResourceCommand({ ResourceId: await accountIdOf("security-tooling") }),
    );
    expect(tags.Tags).toEqual(
      expect.arrayContaining([
        { Key: "team", Value: "security" },
        { Key: "orgguard.io/managed-by", Value: "orgguard" },
        { Key: "orgguard.io/created", Value: "true" },
      ]),
    );
    // A second pass: two polls of every object make no write at all.
    const before = writes.length;
    await sleep(POLL_MS * 2.5);
    expect(writes.slice(before)).toEqual([]);
  }, 90_000);

  it("moves an account moved by hand back, and renames an OU renamed by hand back", async () => {
    const id = await accountIdOf("log-archive");
    const security = await ouIdAt("Root/Security");
    const sandbox = await ouIdAt("Root/Sandbox");
    await org.send(
      new MoveAccountCommand({ AccountId: id, SourceParentId: security, DestinationParentId: sandbox }),
    );
    const prod = await ouIdAt("Root/Workloads/Prod");
    await org.send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: prod, Name: "Production" }));
    await waitUntil(async () => (await parentOf(id)) === security, 15_000, "the account to be moved back");
    await waitUntil(
      async () =>
        (await org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: prod })))
          .OrganizationalUnit?.Name === "Prod",
      15_000,
      "the OU to be renamed back",
    );
  }, 60_000);

  it("keeps a non-empty OU whose object is deleted with Delete, and deletes it once it is empty", async () => {
    const security = await ouIdAt("Root/Security");
    const current = (await ous.get("root-security"))!;
    await ous.replace({ ...current, spec: { ...current.spec, deletionPolicy: "Delete" } });
    await ous.delete("root-security");
    const stalled = await waitForReadyReason(ous, "root-security", "NotEmpty", {
      condition: "Stalled",
      timeoutMs: 15_000,
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toMatch(/never moves/);
    expect(await ouIdAt("Root/Security")).toBe(security);
    // Move its accounts out through their own objects: then it is empty, and goes.
    for (const name of ["log-archive", "security-tooling"]) {
      const a = (await accounts.get(name))!;
      await accounts.replace({ ...a, spec: { ...a.spec, ouPath: "Root/Sandbox" } });
    }
    await waitUntil(
      async () => (await ous.get("root-security")) === undefined,
      20_000,
      "the emptied OU's object to go",
    );
    expect(await ouIdAt("Root/Security")).toBeUndefined();
  }, 60_000);

  it("closes an account only with closeOnDeletion, and never one it did not create or the management account", async () => {
    // Delete without closeOnDeletion: the object goes, the account stays, nothing is written.
    const kept = await accountIdOf("log-archive");
    const current = (await accounts.get("log-archive"))!;
    await accounts.replace({ ...current, spec: { ...current.spec, deletionPolicy: "Delete" } });
    await accounts.delete("log-archive");
    await waitUntil(
      async () => (await accounts.get("log-archive")) === undefined,
      15_000,
      "the object to go",
    );
    const stayed = await org.send(new DescribeAccountCommand({ AccountId: kept }));
    expect(stayed.Account?.Status).toBe("ACTIVE");
    expect(writes).not.toContain("CloseAccount");

    // Admission refuses closeOnDeletion for an adopted account (the management account is one).
    const refusal = await admissionRefusal(
      accounts,
      manifest("Account", "management", {
        name: "Management",
        accountId: MANAGEMENT_ACCOUNT_ID,
        closeOnDeletion: true,
        deletionPolicy: "Delete",
      }),
    );
    expect(refusal).toContain("closeOnDeletion applies only to an account orgguard creates");
    expect(
      await admissionRefusal(
        accounts,
        manifest("Account", "retain-close", { name: "X", email: "x@example.com", closeOnDeletion: true }),
      ),
    ).toContain("closeOnDeletion: true needs deletionPolicy: Delete");

    // Created by orgguard, closeOnDeletion and Delete: closed.
    await accounts.create(
      manifest("Account", "short-lived", {
        name: "Short lived",
        email: "short-lived@example.com",
        ouPath: "Root/Sandbox",
        closeOnDeletion: true,
        deletionPolicy: "Delete",
      }),
    );
    await waitForReadyReason(accounts, "short-lived", "Available", { timeoutMs: 20_000 });
    const closing = await accountIdOf("short-lived");
    await accounts.delete("short-lived");
    await waitUntil(
      async () => (await accounts.get("short-lived")) === undefined,
      15_000,
      "the object to go",
    );
    const closed = await org.send(new DescribeAccountCommand({ AccountId: closing }));
    expect(closed.Account?.Status).not.toBe("ACTIVE");
    expect(writes.filter((w) => w === "CloseAccount")).toHaveLength(1);
  }, 60_000);

  it("a baseline picks up an account an Account object creates at once, not at its next discovery", async () => {
    await baselines.create(
      manifest("AccountBaseline", "sandbox-baseline", {
        accounts: { organizationalUnits: [{ path: "Root/Sandbox" }] },
        passwordPolicy: { minimumPasswordLength: 16 },
      }),
    );
    await waitUntil(
      async () =>
        findCondition((await baselines.get("sandbox-baseline"))?.status?.conditions, "Ready")?.status ===
        "True",
      20_000,
      "the baseline to be Ready",
    );
    const before = (await passwordPolicies.list()).items.length;
    await accounts.create(
      manifest("Account", "sandbox-new", {
        name: "Sandbox new",
        email: "sandbox-new@example.com",
        ouPath: "Root/Sandbox",
      }),
    );
    await waitForReadyReason(accounts, "sandbox-new", "Available", { timeoutMs: 20_000 });
    const id = await accountIdOf("sandbox-new");
    await waitUntil(
      async () => (await passwordPolicies.get(`sandbox-baseline-${id}`)) !== undefined,
      10_000,
      "the baseline's child for the new account",
    );
    expect((await passwordPolicies.list()).items.length).toBe(before + 1);
  }, 60_000);
});

describe("what moto does not do (SDK-level stubs on the controller's own client)", () => {
  const stub = (faults: Parameters<typeof injectFaults>[1]) => injectFaults(aws.organizations(), faults);

  it("stub: CreateAccount fails with EMAIL_ALREADY_EXISTS (moto accepts any email): Stalled, no retry until the spec changes", async () => {
    stub([
      {
        operation: "DescribeCreateAccountStatus",
        times: 1_000,
        when: (input) => input.CreateAccountRequestId === "car-stub-email",
        respond: () => ({
          CreateAccountStatus: {
            Id: "car-stub-email",
            State: "FAILED",
            FailureReason: "EMAIL_ALREADY_EXISTS",
          },
        }),
      },
      {
        operation: "CreateAccount",
        times: 1,
        when: (input) => input.Email === "taken@example.com",
        respond: () => ({ CreateAccountStatus: { Id: "car-stub-email", State: "IN_PROGRESS" } }),
      },
    ]);
    await accounts.create(manifest("Account", "email-taken", { name: "Taken", email: "taken@example.com" }));
    const o = await waitForReadyReason(accounts, "email-taken", "EmailAlreadyExists", {
      condition: "Stalled",
      timeoutMs: 15_000,
    });
    expect(findCondition(o.status?.conditions, "Stalled")?.message).toMatch(
      /another AWS account already uses this email/,
    );
    await accounts.delete("email-taken");
  }, 30_000);

  it("stub: CreateAccount fails with ACCOUNT_LIMIT_EXCEEDED: blocked, checked again every poll", async () => {
    stub([
      {
        operation: "CreateAccount",
        times: 1,
        when: (input) => input.Email === "one-too-many@example.com",
        respond: () => ({
          CreateAccountStatus: {
            Id: "car-stub-limit",
            State: "FAILED",
            FailureReason: "ACCOUNT_LIMIT_EXCEEDED",
          },
        }),
      },
    ]);
    await accounts.create(
      manifest("Account", "over-limit", { name: "Over", email: "one-too-many@example.com" }),
    );
    const o = await waitForReadyReason(accounts, "over-limit", "AccountLimitExceeded", {
      condition: "Stalled",
      timeoutMs: 15_000,
    });
    expect(findCondition(o.status?.conditions, "Stalled")?.message).toMatch(/Service Quotas/);
    // The quota raised (the stub answered once): the next poll creates it.
    await waitForReadyReason(accounts, "over-limit", "Available", { timeoutMs: 20_000 });
    await accounts.delete("over-limit");
  }, 40_000);

  it("stub: AWS refuses an OU deeper than 5 levels (ConstraintViolation OU_DEPTH_LIMIT_EXCEEDED); admission refuses the path first", async () => {
    expect(
      await admissionRefusal(ous, manifest("OrganizationalUnit", "too-deep", { path: "Root/a/b/c/d/e/f" })),
    ).toContain("1 to 5 OU names");
    // Refuses until the test has seen the Stalled status: a single refusal let the next poll
    // (POLL_MS) create the OU before a loaded run looked, and the Stalled state went unseen.
    let refusing = true;
    stub([
      {
        operation: "CreateOrganizationalUnit",
        times: 1_000,
        when: (input) => refusing && input.Name === "Deep",
        error: () =>
          Object.assign(awsException(ConstraintViolationException, "You have exceeded the OU depth limit"), {
            Reason: "OU_DEPTH_LIMIT_EXCEEDED",
          }),
      },
    ]);
    await ous.create(manifest("OrganizationalUnit", "deep", { path: "Root/Deep" }));
    const o = await waitForReadyReason(ous, "deep", "ConstraintViolation", {
      condition: "Stalled",
      timeoutMs: 15_000,
    });
    expect(findCondition(o.status?.conditions, "Stalled")?.message).toMatch(/OU depth limit/);
    refusing = false;
    await ous.delete("deep");
  }, 30_000);

  it("an OU of that name made by someone else is never taken over without adoption (moto accepts duplicate names; AWS refuses them)", async () => {
    const made = await org.send(
      new CreateOrganizationalUnitCommand({ ParentId: tree.rootId, Name: "ByHand" }),
    );
    await ous.create(manifest("OrganizationalUnit", "by-hand", { path: "Root/ByHand" }));
    const o = await waitForReadyReason(ous, "by-hand", "AlreadyExists", {
      condition: "Stalled",
      timeoutMs: 15_000,
    });
    expect(findCondition(o.status?.conditions, "Stalled")?.message).toContain(made.OrganizationalUnit?.Id);
    // Adopted by id: taken over, renamed in place to the path's name (it has it), tagged.
    const current = (await ous.get("by-hand"))!;
    await ous.replace({ ...current, spec: { ...current.spec, ouId: made.OrganizationalUnit?.Id } });
    await waitForReadyReason(ous, "by-hand", "Available", { timeoutMs: 15_000 });
    const tags = await org.send(new ListTagsForResourceCommand({ ResourceId: made.OrganizationalUnit?.Id }));
    expect(tags.Tags).toContainEqual({ Key: "orgguard.io/managed-by", Value: "orgguard" });
    await ous.delete("by-hand");
  }, 30_000);

  it("stub: an invitation (moto has no handshakes) is followed in status until accepted, then the account is kept in its OU", async () => {
    // An account moto knows (made here), which the stubs say is outside the organization until
    // the handshake is accepted.
    const made = await org.send(
      new CreateAccountCommand({ AccountName: "Invited", Email: "invited@example.com" }),
    );
    const invited = made.CreateAccountStatus?.AccountId ?? "";
    let accepted = false;
    stub([
      {
        operation: "DescribeAccount",
        times: 1_000,
        when: (input) => input.AccountId === invited && !accepted,
        error: () =>
          Object.assign(new Error("You specified an account that doesn't exist."), {
            name: "AccountNotFoundException",
            $metadata: { httpStatusCode: 400 },
          }),
      },
      {
        operation: "InviteAccountToOrganization",
        times: 1,
        respond: () => ({ Handshake: { Id: "h-stubinvitation", State: "OPEN" } }),
      },
      {
        operation: "DescribeHandshake",
        times: 1_000,
        respond: () => ({ Handshake: { Id: "h-stubinvitation", State: accepted ? "ACCEPTED" : "OPEN" } }),
      },
    ]);
    await accounts.create(
      manifest("Account", "invited", {
        name: "Invited",
        accountId: invited,
        invite: true,
        ouPath: "Root/Sandbox",
      }),
    );
    const waiting = await waitForReadyReason(accounts, "invited", "Progressing", { timeoutMs: 15_000 });
    expect(waiting.status?.handshakeId).toBe("h-stubinvitation");
    expect(findCondition(waiting.status?.conditions, "Ready")?.message).toMatch(/must accept it/);
    accepted = true;
    await waitForReadyReason(accounts, "invited", "Available", { timeoutMs: 20_000 });
    expect(await parentOf(invited)).toBe(await ouIdAt("Root/Sandbox"));
    await accounts.delete("invited");
  }, 50_000);
});
