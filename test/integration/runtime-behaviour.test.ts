/**
 * What the runtime guarantees every kind, against the real kube-apiserver and moto, with the
 * controllers in-process: a composite hears its children at once (AccountBaseline owns them, it
 * never polls them), and a hung AWS endpoint ends a reconcile at its deadline with a retryable
 * condition while the worker goes on to the next key.
 */
import net from "node:net";
import { AccessDeniedException, ListRootsCommand } from "@aws-sdk/client-organizations";
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
import { DEADLINE_REASON } from "../../src/runtime/lifecycle.js";
import type { ManagedKind, ManagedObject } from "../../src/runtime/managed.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { Metrics } from "../../src/runtime/metrics.js";
import { ResourceClient } from "../../src/runtime/resource-client.js";
import { waitUntil } from "../env/process.js";
import {
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { awsException, injectFaults } from "../support/aws-faults.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { FakeExternal, GADGET, type Gadget, gadget, installGadgetCrd } from "../support/fake-kind.js";
import { adminKubeConfig } from "../support/kube.js";
import { installOrgguardCrds, manifest, orgguardClient, uniqueNames } from "../support/orgguard.js";

const kc = adminKubeConfig();
const uniqueName = uniqueNames();

describe("a composite hears its children (AccountBaseline owns them)", () => {
  const SETTING_POLL_MS = 1500;
  /** The baseline's own poll (--discovery-interval): far beyond the test, so only its children can wake it. */
  const BASELINE_POLL_MS = 10 * 60_000;
  const baselines = orgguardClient(kc, "AccountBaseline");
  const passwordPolicies = orgguardClient(kc, "PasswordPolicy");
  const metrics = new Metrics();
  let tree: TestOrganization;
  let aws: AwsClients;
  let running: RunningControllers<Runnable>;

  beforeAll(async () => {
    await installOrgguardCrds();
    await resetMoto(awsEndpoint());
    tree = await createOrganization({ ous: [{ name: "Owned", accounts: ["owned-1"] }] });
    aws = new AwsClients({
      region: "us-east-1",
      endpoint: awsEndpoint(),
      roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
      maxAttempts: 1,
      credentials: MANAGEMENT_CREDENTIALS,
    });
    await aws.ownAccountId();
    const context = {
      aws,
      policies: {},
      regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
      discoveryIntervalMs: BASELINE_POLL_MS,
    };
    running = await runControllers(
      kc,
      { workers: 2, pollIntervalMs: SETTING_POLL_MS, verifyAfterMs: 300, backoffBaseMs: 300 },
      (runtime) => {
        if (accountBaselineKind.runtime.type !== "composite")
          throw new Error("AccountBaseline is a composite");
        return [
          managedController(runtime, managedSetting(passwordPolicySetting, context)),
          accountBaselineKind.runtime.controller(runtime, context),
        ];
      },
      { metrics },
    );
  }, 120_000);

  afterAll(async () => {
    for (const o of (await baselines.list()).items) await baselines.delete(o.metadata.name);
    await waitUntil(async () => (await passwordPolicies.list()).items.length === 0, 30_000, "children gone");
    await running?.stop();
  });

  const transitionOf = (object: ManagedObject | undefined, type: string) =>
    Date.parse(findCondition(object?.status?.conditions, type)?.lastTransitionTime ?? "");

  it("a child that turns Stalled flips its AccountBaseline to not Ready within 2 s, with no poll", async () => {
    const account = tree.accountIds.get("owned-1")!;
    const name = uniqueName("owns");
    await baselines.create(
      manifest("AccountBaseline", name, {
        accounts: { ids: [account] },
        passwordPolicy: { minimumPasswordLength: 16 },
      }),
    );
    const ready = async () => {
      const b = await baselines.get(name);
      return findCondition(b?.status?.conditions, "Ready")?.status === "True";
    };
    await waitUntil(ready, 30_000, "the baseline to be Ready");
    const polls = async () =>
      (await metrics.reconcileTriggers.get()).values.find(
        (v) => v.labels.kind === "AccountBaseline" && v.labels.trigger === "poll",
      )?.value ?? 0;
    const pollsBefore = await polls();

    // The member account's role loses iam:GetAccountPasswordPolicy: the child's next poll stalls
    // it (AccessDenied is blocked, not transient). A stub on the very client the controller uses.
    const iam = await aws.forAccount("iam", { accountId: account });
    injectFaults(iam, [
      {
        operation: "GetAccountPasswordPolicy",
        error: () =>
          awsException(AccessDeniedException, "not authorized to perform iam:GetAccountPasswordPolicy"),
        times: 1_000,
      },
    ]);
    const child = `${name}-${account}`;
    let stalledChild: ManagedObject | undefined;
    await waitUntil(
      async () => {
        stalledChild = await passwordPolicies.get(child);
        return findCondition(stalledChild?.status?.conditions, "Stalled")?.status === "True";
      },
      15_000,
      "the child to stall",
    );
    let notReady: ManagedObject | undefined;
    await waitUntil(
      async () => {
        notReady = await baselines.get(name);
        return findCondition(notReady?.status?.conditions, "Ready")?.status === "False";
      },
      5_000,
      "the baseline to turn not Ready",
    );
    const lag = transitionOf(notReady, "Ready") - transitionOf(stalledChild, "Stalled");
    console.log(`child Stalled -> baseline not Ready: ${lag} ms`);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(2000);
    expect(findCondition(notReady?.status?.conditions, "Ready")?.reason).toBe("ChildrenFailing");
    // Its own poll never ran: the child's change woke it.
    expect(await polls()).toBe(pollsBefore);
    const owned = (await metrics.reconcileTriggers.get()).values.find(
      (v) => v.labels.kind === "AccountBaseline" && v.labels.trigger === "owned",
    );
    expect(owned?.value).toBeGreaterThan(0);
  }, 90_000);
});

describe("a hung AWS endpoint (accepts, never answers)", () => {
  const TIMEOUT_MS = 1500;
  let hung: net.Server;
  const sockets: net.Socket[] = [];
  let running: RunningControllers<Runnable>;
  const gadgets = new ResourceClient<Gadget>(kc, GADGET);
  const external = new FakeExternal();

  beforeAll(async () => {
    await installGadgetCrd(kc);
    hung = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => hung.listen(0, "127.0.0.1", resolve));
    const port = (hung.address() as net.AddressInfo).port;
    // No SDK timeout and one attempt: only the reconcile's deadline can end a call to it.
    const clientsFor = (endpoint: string) =>
      new AwsClients({
        region: "us-east-1",
        endpoint,
        roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
        maxAttempts: 1,
        credentials: MANAGEMENT_CREDENTIALS,
      });
    const hungAws = clientsFor(`http://127.0.0.1:${port}`);
    const motoAws = clientsFor(awsEndpoint());
    const fake = external.kind();
    // A kind whose observe first asks AWS Organizations, at the endpoint its spec names, through
    // the clients bound to the reconcile's signal, as every orgguard kind does.
    const kind: ManagedKind<Gadget> = {
      ...fake,
      connect: async (object, context) => {
        const inner = await fake.connect(object, context);
        const aws = (object.spec.value.startsWith("hung") ? hungAws : motoAws).bind(context.signal);
        return {
          ...inner,
          observe: async (g) => {
            await aws.organizations().send(new ListRootsCommand({}));
            return inner.observe(g);
          },
        };
      },
    };
    running = await runControllers(
      kc,
      {
        workers: 1,
        pollIntervalMs: 60_000,
        reconcileTimeoutMs: TIMEOUT_MS,
        verifyAfterMs: 200,
        backoffBaseMs: 500,
        backoffMaxMs: 2000,
      },
      (runtime) => [managedController(runtime, kind)],
    );
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    for (const g of (await gadgets.list()).items) {
      if (g.metadata.finalizers?.length)
        await gadgets.jsonPatch(g.metadata.name, [{ op: "remove", path: "/metadata/finalizers" }]);
      await gadgets.delete(g.metadata.name);
    }
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => hung.close(() => resolve()));
  });

  it("ends the reconcile at its deadline with a retryable condition, and the worker serves the next key", async () => {
    const stuck = uniqueName("hung");
    const next = uniqueName("fine");
    const started = Date.now();
    await gadgets.create(gadget(stuck, { value: "hung-1" }));
    await gadgets.create(gadget(next, { value: "fine-1" }));
    // One worker: the second object is served although the first hangs on every attempt.
    let fine: Gadget | undefined;
    await waitUntil(
      async () => {
        fine = await gadgets.get(next);
        return findCondition(fine?.status?.conditions, "Ready")?.status === "True";
      },
      20_000,
      () => `${next} to be Ready (${JSON.stringify(fine?.status)})`,
    );
    let hungObject: Gadget | undefined;
    await waitUntil(
      async () => {
        hungObject = await gadgets.get(stuck);
        return findCondition(hungObject?.status?.conditions, "Synced")?.reason === DEADLINE_REASON;
      },
      20_000,
      () => `${stuck} to report ${DEADLINE_REASON} (${JSON.stringify(hungObject?.status)})`,
    );
    const synced = findCondition(hungObject?.status?.conditions, "Synced");
    console.log(
      `deadline ${TIMEOUT_MS} ms: ${stuck} reported '${synced?.message}' after ${Date.now() - started} ms`,
    );
    expect(synced?.status).toBe("False");
    expect(synced?.message).toMatch(/deadline of 1500 ms/);
    // Retryable, not Stalled: it is tried again with backoff (the endpoint may answer again).
    expect(findCondition(hungObject?.status?.conditions, "Stalled")).toBeUndefined();
    // Each attempt's connection was closed by the abort, none left hanging open on our side.
    await waitUntil(async () => sockets.length >= 2, 15_000, "a retry of the hung object");
  }, 60_000);
});

describe("an object waiting for another is looked at again when that one becomes Ready (waitsFor)", () => {
  /** Far beyond the test: neither a retry nor a poll can make the account Ready in time, only its OU turning Ready. */
  const BACKOFF_MS = 120_000;
  const ous = orgguardClient(kc, "OrganizationalUnit");
  const accounts = orgguardClient(kc, "Account");
  const metrics = new Metrics();
  let running: RunningControllers<Runnable>;

  beforeAll(async () => {
    await installOrgguardCrds();
    await resetMoto(awsEndpoint());
    await createOrganization({});
    const aws = new AwsClients({
      region: "us-east-1",
      endpoint: awsEndpoint(),
      roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
      maxAttempts: 1,
      credentials: MANAGEMENT_CREDENTIALS,
    });
    await aws.ownAccountId();
    const context = {
      aws,
      policies: {},
      regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
      discoveryIntervalMs: 10 * 60_000,
      treeKinds: [kindRef(organizationalUnitKind.api), kindRef(accountKind.api)],
    };
    const managed = (kind: typeof accountKind): ManagedKind => {
      if (kind.runtime.type !== "managed") throw new Error(`${kind.api.kind} is managed`);
      return kind.runtime.managed(context);
    };
    running = await runControllers(
      kc,
      {
        workers: 2,
        pollIntervalMs: 10 * 60_000,
        verifyAfterMs: 300,
        backoffBaseMs: BACKOFF_MS,
        backoffMaxMs: BACKOFF_MS,
      },
      (runtime) => [
        managedController(runtime, managed(organizationalUnitKind)),
        managedController(runtime, managed(accountKind)),
      ],
      { metrics },
    );
  }, 120_000);

  afterAll(async () => {
    await running?.stop();
    for (const client of [accounts, ous]) {
      for (const o of (await client.list()).items) {
        if (o.metadata.finalizers?.length)
          await client.jsonPatch(o.metadata.name, [{ op: "remove", path: "/metadata/finalizers" }]);
        await client.delete(o.metadata.name);
      }
    }
  });

  it("an Account whose OU does not exist yet is Ready within seconds of the OU's object turning Ready, not after its backoff", async () => {
    const ouName = uniqueName("later");
    const path = `Root/${ouName}`;
    const account = uniqueName("waits");
    await accounts.create(
      manifest("Account", account, { name: account, email: `${account}@example.com`, ouPath: path }),
    );
    await waitUntil(
      async () =>
        findCondition((await accounts.get(account))?.status?.conditions, "Synced")?.status === "False",
      20_000,
      `${account} to report that its OU is missing`,
    );
    const waitingSince = Date.now();
    await ous.create(manifest("OrganizationalUnit", ouName, { path }));
    let ready: ManagedObject | undefined;
    await waitUntil(
      async () => {
        ready = await accounts.get(account);
        return findCondition(ready?.status?.conditions, "Ready")?.status === "True";
      },
      20_000,
      () => `${account} to be Ready (${JSON.stringify(ready?.status?.conditions)})`,
    );
    console.log(
      `OU created -> account Ready: ${Date.now() - waitingSince} ms (its backoff: ${BACKOFF_MS} ms)`,
    );
    const woken = (await metrics.reconcileTriggers.get()).values.find(
      (v) => v.labels.kind === "Account" && v.labels.trigger === "watch",
    );
    expect(woken?.value).toBeGreaterThan(0);
  }, 90_000);
});
