/**
 * The reconcile engine against the real kube-apiserver, with a test CRD and a scripted fake
 * ExternalClient: create, update, drift repair, ObserveOnly, terminal and transient errors,
 * deletion with Retain and Delete, conflicts, pausing, and events only on transitions.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCondition } from "../../src/runtime/conditions.js";
import { type Controller, managedController } from "../../src/runtime/controller.js";
import { FINALIZER } from "../../src/runtime/finalizer.js";
import { Lifecycle } from "../../src/runtime/lifecycle.js";
import { createLogger, silentLogger } from "../../src/runtime/logger.js";
import { ConflictError, ManagedReconciler } from "../../src/runtime/managed-reconciler.js";
import { Metrics } from "../../src/runtime/metrics.js";
import { AlreadyExistsError, BlockedError, TerminalError } from "../../src/runtime/reconcile-errors.js";
import { ResourceClient } from "../../src/runtime/resource-client.js";
import { sleep, waitUntil } from "../env/process.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import {
  FakeExternal,
  GADGET,
  type Gadget,
  type GadgetSpec,
  gadget,
  installGadgetCrd,
} from "../support/fake-kind.js";
import { adminKubeConfig } from "../support/kube.js";
import { uniqueNames } from "../support/orgguard.js";

const POLL_MS = 1500;
const BACKOFF_BASE_MS = 200;

let kc: KubeConfig;
let client: ResourceClient<Gadget>;
let running: RunningControllers<Controller<Gadget>>;
const external = new FakeExternal();
const metrics = new Metrics();
const uniqueName = uniqueNames();

beforeAll(async () => {
  kc = adminKubeConfig();
  await installGadgetCrd(kc);
  client = new ResourceClient<Gadget>(kc, GADGET);
  running = await runControllers(
    kc,
    {
      workers: 2,
      pollIntervalMs: POLL_MS,
      pollJitter: 0.1,
      verifyAfterMs: 300,
      backoffBaseMs: BACKOFF_BASE_MS,
      backoffMaxMs: 5000,
    },
    (runtime) => [managedController<Gadget>(runtime, external.kind())],
    {
      metrics,
      logger: process.env.DEBUG_ENGINE ? createLogger("debug") : silentLogger,
    },
  );
});

// Later files on this worker share the apiserver: leave no objects (nor finalizers) behind.
afterAll(async () => {
  await running?.stop();
  for (const g of (await client.list()).items) {
    if (g.metadata.finalizers?.length)
      await client.jsonPatch(g.metadata.name, [{ op: "remove", path: "/metadata/finalizers" }]);
    await client.delete(g.metadata.name);
  }
});

async function create(name: string, spec: GadgetSpec): Promise<Gadget> {
  return client.create(gadget(name, spec));
}

/** Waits until the object's status satisfies `predicate`, returning the object. */
async function waitForStatus(
  name: string,
  predicate: (g: Gadget) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<Gadget> {
  let last: Gadget | undefined;
  await waitUntil(
    async () => {
      last = await client.get(name);
      return last !== undefined && predicate(last);
    },
    timeoutMs,
    () => `${name}: ${what} (last status: ${JSON.stringify(last?.status)})`,
  );
  return last!;
}

const ready = (g: Gadget) =>
  findCondition(g.status?.conditions, "Ready")?.status === "True" &&
  g.status?.observedGeneration === g.metadata.generation;

async function eventsFor(name: string): Promise<Array<{ reason: string; type: string; count: number }>> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: "default" });
  return list.items
    .filter((e) => e.involvedObject.name === name && e.involvedObject.kind === GADGET.kind)
    .map((e) => ({ reason: e.reason ?? "", type: e.type ?? "", count: e.count ?? 1 }));
}

async function patchSpec(name: string, spec: Partial<GadgetSpec>): Promise<void> {
  const current = (await client.get(name))!;
  await client.replace({ ...current, spec: { ...current.spec, ...spec } });
}

describe("the managed reconciler", () => {
  it("creates the external thing and reports Ready, with the finalizer, status and an event", async () => {
    const name = uniqueName("create");
    await create(name, { value: "v1" });
    const g = await waitForStatus(name, ready, "Ready=True");
    expect(external.store.get(name)).toBe("v1");
    expect(g.metadata.finalizers).toContain(FINALIZER);
    expect(g.status).toMatchObject({
      externalName: name,
      externalValue: "v1",
      atProvider: "v1",
      plannedChanges: [],
    });
    expect(findCondition(g.status?.conditions, "Synced")?.status).toBe("True");
    expect(external.count(name, "create")).toBe(1);
    expect((await eventsFor(name)).map((e) => e.reason)).toEqual(["Created"]);
  });

  it("applies a spec change as an update", async () => {
    const name = uniqueName("update");
    await create(name, { value: "v1" });
    await waitForStatus(name, ready, "Ready=True");
    await patchSpec(name, { value: "v2" });
    const g = await waitForStatus(
      name,
      (o) => ready(o) && o.metadata.generation === 2,
      "Ready at generation 2",
    );
    expect(external.store.get(name)).toBe("v2");
    expect(g.status?.plannedChanges).toEqual([]);
    expect(external.count(name, "update")).toBe(1);
    expect((await eventsFor(name)).map((e) => e.reason)).toContain("Updated");
  });

  it("repairs out-of-band drift within one poll interval, with a DriftRepaired event", async () => {
    const name = uniqueName("drift");
    await create(name, { value: "wanted" });
    await waitForStatus(name, ready, "Ready=True");
    const repairedBefore =
      (await metrics.driftRepaired.get()).values.find((v) => v.labels.kind === GADGET.kind)?.value ?? 0;
    external.store.set(name, "changed in the console");
    const changedAt = Date.now();
    await waitUntil(
      async () => external.store.get(name) === "wanted",
      POLL_MS * 1.1 + 2000,
      "drift to be repaired",
    );
    expect(Date.now() - changedAt).toBeLessThanOrEqual(POLL_MS * 1.1 + 1000);
    await waitUntil(
      async () => (await eventsFor(name)).some((e) => e.reason === "DriftRepaired"),
      5000,
      "a DriftRepaired event",
    );
    const repairedAfter =
      (await metrics.driftRepaired.get()).values.find((v) => v.labels.kind === GADGET.kind)?.value ?? 0;
    expect(repairedAfter).toBe(repairedBefore + 1);
  });

  it("ObserveOnly reports Drifted with plannedChanges and never writes", async () => {
    const name = uniqueName("observe");
    external.store.set(name, "actual");
    await create(name, { value: "desired", managementPolicy: "ObserveOnly" });
    const g = await waitForStatus(
      name,
      (o) => findCondition(o.status?.conditions, "Ready")?.reason === "Drifted",
      "Drifted",
    );
    expect(g.status?.plannedChanges).toEqual([{ path: "value", from: "actual", to: "desired" }]);
    await sleep(POLL_MS * 1.2);
    expect(external.count(name, "observe")).toBeGreaterThanOrEqual(2);
    expect(
      external.count(name, "create") + external.count(name, "update") + external.count(name, "delete"),
    ).toBe(0);
    expect(external.store.get(name)).toBe("actual");
    expect((await eventsFor(name)).filter((e) => e.reason === "DriftDetected")).toEqual([
      { reason: "DriftDetected", type: "Warning", count: 1 },
    ]);
  });

  it("ObserveOnly reports a missing thing as NotFound and does not create it", async () => {
    const name = uniqueName("observe-missing");
    await create(name, { value: "desired", managementPolicy: "ObserveOnly" });
    await waitForStatus(
      name,
      (o) => findCondition(o.status?.conditions, "Ready")?.reason === "NotFound",
      "NotFound",
    );
    expect(external.count(name, "create")).toBe(0);
  });

  it("a TerminalError stalls the object with no retries until the spec changes", async () => {
    const name = uniqueName("terminal");
    external.fail("observe", name, () => new TerminalError("AccessDenied", "access denied: not allowed"), 1);
    await create(name, { value: "v1" });
    const g = await waitForStatus(
      name,
      (o) => findCondition(o.status?.conditions, "Stalled")?.status === "True",
      "Stalled",
    );
    expect(findCondition(g.status?.conditions, "Stalled")).toMatchObject({
      reason: "AccessDenied",
      message: "access denied: not allowed",
    });
    expect(findCondition(g.status?.conditions, "Synced")).toMatchObject({
      status: "False",
      reason: "AccessDenied",
    });
    await sleep(POLL_MS * 2);
    expect(external.count(name, "observe")).toBe(1);
    // A new generation is worth a new try.
    await patchSpec(name, { value: "v2" });
    await waitForStatus(name, ready, "Ready after the spec changed");
    expect(findCondition((await client.get(name))!.status?.conditions, "Stalled")).toBeUndefined();
  });

  it("a transient error is retried with exponential backoff", async () => {
    const name = uniqueName("transient");
    external.fail("observe", name, () => new Error("connection reset"), 3);
    await create(name, { value: "v1" });
    await waitForStatus(name, ready, "Ready after three failures");
    const attempts = external.calls
      .filter((c) => c.name === name && c.op === "observe")
      .slice(0, 4)
      .map((c) => c.at);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // Backoff 200, 400, 800 ms (+ up to 10% jitter); the status write in between adds a little.
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(BACKOFF_BASE_MS * 2 ** i);
      expect(gap).toBeLessThan(BACKOFF_BASE_MS * 2 ** i * 1.1 + 500);
    });
    const events = await eventsFor(name);
    expect(events.filter((e) => e.reason === "ReconcileError")).toHaveLength(1);
  });

  it("deletionPolicy Retain leaves the external thing and drops the finalizer", async () => {
    const name = uniqueName("retain");
    await create(name, { value: "keep me", deletionPolicy: "Retain" });
    await waitForStatus(name, ready, "Ready");
    await client.delete(name);
    await waitUntil(async () => (await client.get(name)) === undefined, 10_000, "the object to be gone");
    expect(external.store.get(name)).toBe("keep me");
    expect(external.count(name, "delete")).toBe(0);
  });

  it("deletionPolicy Delete deletes, and the finalizer goes only once observe says it is gone", async () => {
    const name = uniqueName("delete");
    await create(name, { value: "remove me", deletionPolicy: "Delete" });
    await waitForStatus(name, ready, "Ready");
    // The first delete fails: the object must stay (finalizer kept) until a retry succeeds.
    external.fail("delete", name, () => new Error("throttled"), 1);
    await client.delete(name);
    await waitUntil(async () => external.count(name, "delete") >= 1, 10_000, "a first delete attempt");
    const stillThere = await client.get(name);
    expect(stillThere?.metadata.deletionTimestamp).toBeTruthy();
    expect(stillThere?.metadata.finalizers).toContain(FINALIZER);
    await waitUntil(async () => (await client.get(name)) === undefined, 15_000, "the object to be gone");
    expect(external.store.has(name)).toBe(false);
    const lastDelete = external.calls.filter((c) => c.name === name && c.op === "delete").at(-1)!;
    const verifyingObserve = external.calls.filter(
      (c) => c.name === name && c.op === "observe" && c.at > lastDelete.at,
    );
    expect(verifyingObserve.length).toBeGreaterThanOrEqual(1);
  });

  it("a status write with a stale resourceVersion is a ConflictError, and writes nothing", async () => {
    const name = uniqueName("conflict");
    await create(name, { value: "v1" });
    const first = await waitForStatus(name, ready, "Ready");
    // Without conditions, so that the reconcile has a status to write: an unchanged status is not
    // written at all, and whether it is unchanged would depend on whether the controller has
    // already applied v2.
    const stale = structuredClone(first);
    stale.status = { ...stale.status, conditions: [] };
    await patchSpec(name, { value: "v2" });
    const lifecycle = new Lifecycle(GADGET.kind, client, { record: async () => undefined }, silentLogger);
    const steps = new ManagedReconciler(external.kind(), metrics);
    await expect(lifecycle.reconcile(stale, steps)).rejects.toBeInstanceOf(ConflictError);
    // The controller itself converges anyway.
    await waitForStatus(name, (o) => ready(o) && o.metadata.generation === 2, "Ready at generation 2");
  });

  it("the paused annotation stops reconciling the object", async () => {
    const name = uniqueName("paused");
    await create(name, { value: "v1" });
    await waitForStatus(name, ready, "Ready");
    const current = (await client.get(name))!;
    await client.replace({
      ...current,
      metadata: { ...current.metadata, annotations: { "orgguard.io/paused": "true" } },
    });
    await waitForStatus(
      name,
      (o) => findCondition(o.status?.conditions, "Synced")?.reason === "ReconcilePaused",
      "Paused",
    );
    const observes = external.count(name, "observe");
    external.store.set(name, "drifted while paused");
    await sleep(POLL_MS * 1.5);
    expect(external.count(name, "observe")).toBe(observes);
    expect(external.store.get(name)).toBe("drifted while paused");
    // Ready no longer vouches for the external thing while nobody compares it.
    expect(findCondition((await client.get(name))!.status?.conditions, "Ready")).toMatchObject({
      status: "Unknown",
      reason: "ReconcilePaused",
    });
  });

  it("a BlockedError stalls, and is checked again every poll until the obstacle is gone", async () => {
    const name = uniqueName("blocked");
    external.fail(
      "observe",
      name,
      () => new BlockedError("AccessDenied", "access denied: not yet allowed"),
      2,
    );
    await create(name, { value: "v1" });
    await waitForStatus(
      name,
      (o) => findCondition(o.status?.conditions, "Stalled")?.reason === "AccessDenied",
      "Stalled/AccessDenied",
    );
    // No spec change: the next polls try again, and the second one gets through.
    await waitForStatus(name, ready, "Ready once the obstacle is gone", POLL_MS * 4);
    expect(external.count(name, "observe")).toBeGreaterThanOrEqual(3);
    expect(findCondition((await client.get(name))!.status?.conditions, "Stalled")).toBeUndefined();
  });

  it("a create answered 'already exists' observes again and takes over its own lost create", async () => {
    const name = uniqueName("lost-create");
    // The create reached the external system, but its answer was lost: the retry says "exists".
    external.fail("create", name, () => {
      external.store.set(name, "v1");
      return new AlreadyExistsError("AlreadyExists", "already exists");
    });
    await create(name, { value: "v1" });
    await waitForStatus(name, ready, "Ready");
    expect(external.count(name, "create")).toBe(1);
    expect(findCondition((await client.get(name))!.status?.conditions, "Stalled")).toBeUndefined();
    expect((await eventsFor(name)).map((e) => e.reason)).toContain("Created");
  });

  it("an external thing deleted out of band is re-created and reported as drift repaired", async () => {
    const name = uniqueName("recreated");
    await create(name, { value: "v1" });
    await waitForStatus(name, ready, "Ready");
    const repairedBefore = await metrics.registry.getSingleMetricAsString("orgguard_drift_repaired_total");
    external.store.delete(name);
    await waitUntil(async () => external.count(name, "create") === 2, POLL_MS * 3, "the re-create");
    await waitForStatus(name, ready, "Ready again");
    const reasons = (await eventsFor(name)).map((e) => e.reason);
    expect(reasons.filter((r) => r === "Created")).toHaveLength(1);
    expect(reasons).toContain("DriftRepaired");
    expect(await metrics.registry.getSingleMetricAsString("orgguard_drift_repaired_total")).not.toBe(
      repairedBefore,
    );
  });

  it("two objects claiming one thing: the earlier keeps it, the other reports Conflict and writes nothing", async () => {
    const first = uniqueName("claim-first");
    const second = uniqueName("claim-second");
    await create(first, { value: "claim-shared" });
    await waitForStatus(first, ready, "Ready");
    await create(second, { value: "claim-shared" });
    const loser = await waitForStatus(
      second,
      (o) => findCondition(o.status?.conditions, "Stalled")?.reason === "Conflict",
      "Stalled/Conflict",
    );
    expect(findCondition(loser.status?.conditions, "Ready")?.message).toContain(`Gadget/${first}`);
    await sleep(POLL_MS * 1.5);
    expect(external.count(second, "observe")).toBe(0);
    expect(external.count(second, "create")).toBe(0);
    expect((await eventsFor(second)).map((e) => e.reason)).toContain("Conflict");
    // The keeper goes: the other takes over at once (the claim index wakes it).
    await client.delete(first);
    await waitForStatus(second, ready, "Ready after the keeper is gone", POLL_MS * 2);
    expect(external.store.get(second)).toBe("claim-shared");
  });

  it("a quiet poll writes no event", async () => {
    const name = uniqueName("quiet");
    await create(name, { value: "v1" });
    await waitForStatus(name, ready, "Ready");
    const before = await eventsFor(name);
    const observes = external.count(name, "observe");
    await sleep(POLL_MS * 2.5);
    expect(external.count(name, "observe")).toBeGreaterThanOrEqual(observes + 2);
    expect(await eventsFor(name)).toEqual(before);
  });
});
