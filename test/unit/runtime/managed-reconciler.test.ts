/**
 * The managed reconciler's decisions, in-process: for each management policy and what observe
 * finds (or throws), whether it creates, updates, deletes, reports or stalls; the status it writes,
 * the events it records and when it looks again. The kind is scripted through the narrow
 * ExternalClient interface and the object store is a fake ObjectWriter: nothing here touches
 * Kubernetes or AWS (test/integration/engine.test.ts runs the same reconciler against a real
 * kube-apiserver).
 */
import { describe, expect, it } from "vitest";
import { ClaimIndex } from "../../../src/runtime/claims.js";
import { type Condition, findCondition } from "../../../src/runtime/conditions.js";
import type { EventRecorder } from "../../../src/runtime/event-recorder.js";
import { FINALIZER } from "../../../src/runtime/finalizer.js";
import { Lifecycle, type ObjectWriter } from "../../../src/runtime/lifecycle.js";
import { silentLogger } from "../../../src/runtime/logger.js";
import type {
  Action,
  ExternalClient,
  ManagedKind,
  ManagedObject,
  Observation,
} from "../../../src/runtime/managed.js";
import { ManagedReconciler } from "../../../src/runtime/managed-reconciler.js";
import { Metrics } from "../../../src/runtime/metrics.js";
import {
  AlreadyExistsError,
  BlockedError,
  FailureWithStatus,
  RetryableError,
  TerminalError,
} from "../../../src/runtime/reconcile-errors.js";
import type { JsonPatchOp } from "../../../src/runtime/resource-client.js";

const VERIFY = 2_000;
const GENERATION = 3;

type External = "create" | "update" | "delete";

/** What observe answers, in order (a create answered "already exists" observes again). */
type Script = Array<Observation | Error>;

interface World {
  calls: Array<"observe" | External>;
  statuses: ManagedObject["status"][];
  patches: JsonPatchOp[][];
  events: string[];
}

function run(
  object: ManagedObject,
  script: Script,
  options: {
    create?: () => Promise<{ status?: Record<string, unknown> }>;
    update?: () => Promise<void>;
    problems?: string[];
    rival?: ManagedObject;
  } = {},
): Promise<{ world: World; action?: Action; error?: unknown }> {
  const world: World = { calls: [], statuses: [], patches: [], events: [] };
  const answers = [...script];
  const external: ExternalClient<ManagedObject> = {
    observe: async () => {
      world.calls.push("observe");
      const next = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (next instanceof Error) throw next;
      return next;
    },
    create: async () => {
      world.calls.push("create");
      return options.create ? options.create() : { status: { id: "x-1" } };
    },
    update: async () => {
      world.calls.push("update");
      await options.update?.();
    },
    delete: async () => void world.calls.push("delete"),
  };
  const kind: ManagedKind = {
    ref: { group: "test.orgguard.io", version: "v1", plural: "things", kind: "Thing" },
    validate: () => options.problems ?? [],
    claim: () => "account 111111111111",
    connect: async () => external,
  };
  const writer: ObjectWriter<ManagedObject> = {
    replaceStatus: async (o) => {
      world.statuses.push(o.status);
      return o;
    },
    jsonPatch: async (_name, patch) => {
      world.patches.push(patch);
      return object;
    },
  };
  const events: EventRecorder = {
    record: async (_o, type, reason) => void world.events.push(`${type}/${reason}`),
  };
  const steps = new ManagedReconciler(
    kind,
    new Metrics(),
    { verifyAfterMs: VERIFY },
    ClaimIndex.of(options.rival ? [object, options.rival] : [object], () => "account 111111111111"),
  );
  return new Lifecycle("Thing", writer, events, silentLogger).reconcile(object, steps).then(
    (result) => ({
      world,
      action: result.action,
      // A failure that is neither stalled nor polled is retried with backoff by the controller.
      ...(result.failure && !result.failure.stalled ? { error: result.failure.error } : {}),
    }),
    (error: unknown) => ({ world, error }),
  );
}

const condition = (type: string, status: Condition["status"], reason: string, message = ""): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-01-01T00:00:00Z",
  observedGeneration: GENERATION,
});

function thing(
  spec: ManagedObject["spec"] = {},
  extra: {
    conditions?: Condition[];
    annotations?: Record<string, string>;
    deleting?: boolean;
    finalizer?: boolean;
  } = {},
): ManagedObject {
  return {
    apiVersion: "test.orgguard.io/v1",
    kind: "Thing",
    metadata: {
      name: "a",
      generation: GENERATION,
      creationTimestamp: "2026-01-02T00:00:00Z",
      resourceVersion: "7",
      ...(extra.finalizer === false ? {} : { finalizers: [FINALIZER] }),
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.deleting ? { deletionTimestamp: "2026-01-03T00:00:00Z" } : {}),
    },
    spec,
    status: extra.conditions ? { conditions: extra.conditions, observedGeneration: GENERATION } : {},
  };
}

const MISSING: Observation = { exists: false, upToDate: false, diff: [{ path: "value", to: "b" }] };
const DIFFERS: Observation = {
  exists: true,
  upToDate: false,
  observed: "a",
  diff: [{ path: "value", from: "a", to: "b" }],
};
const IN_SYNC: Observation = { exists: true, upToDate: true, observed: "b", diff: [] };
const IN_TRANSITION: Observation = {
  exists: true,
  upToDate: false,
  observed: "in-transition",
  diff: [],
  progressing: "eu-west-1: in-transition",
};
const IN_TRANSITION_ELSEWHERE_DIFFERS: Observation = { ...IN_TRANSITION, diff: DIFFERS.diff ?? [] };
const ONE_REGION_UNREAD = [{ region: "eu-west-1", reason: "no answer within 15000 ms" }];
const IN_SYNC_BUT_ONE_REGION_UNREAD: Observation = { ...IN_SYNC, unavailableRegions: ONE_REGION_UNREAD };
const DIFFERS_AND_ONE_REGION_UNREAD: Observation = { ...DIFFERS, unavailableRegions: ONE_REGION_UNREAD };
const AVAILABLE = [condition("Ready", "True", "Available"), condition("Synced", "True", "ReconcileSuccess")];
/** As the last reconcile left it: the same drift (an event marks a change of the condition only). */
const DRIFTED = [
  condition("Ready", "False", "Drifted", "ObserveOnly: value differ from the spec"),
  condition("Synced", "True", "ReconcileSuccess"),
];
const ENFORCE = {};
const OBSERVE = { managementPolicy: "ObserveOnly" as const };

const lastStatus = (world: World) => world.statuses.at(-1);
const readyOf = (world: World) => {
  const ready = findCondition(lastStatus(world)?.conditions, "Ready");
  return ready ? `${ready.status}/${ready.reason}` : undefined;
};
const stalledOf = (world: World) => findCondition(lastStatus(world)?.conditions, "Stalled")?.reason;

interface Case {
  reason: string;
  object: ManagedObject;
  script: Script;
  options?: Parameters<typeof run>[2];
  calls: World["calls"];
  ready?: string;
  stalled?: string;
  events: string[];
  action?: Action;
  throws?: boolean;
}

const cases: Case[] = [
  {
    reason: "Enforce, missing: create it, then verify soon",
    object: thing(ENFORCE),
    script: [MISSING],
    calls: ["observe", "create"],
    ready: "False/Creating",
    events: ["Normal/Created"],
    action: { requeueAfterMs: VERIFY, trigger: "verify" },
  },
  {
    reason: "Enforce, missing after it was Available: someone deleted it, re-created as drift repaired",
    object: thing(ENFORCE, { conditions: AVAILABLE }),
    script: [MISSING],
    calls: ["observe", "create"],
    ready: "False/Creating",
    events: ["Normal/DriftRepaired"],
    action: { requeueAfterMs: VERIFY, trigger: "verify" },
  },
  {
    reason: "ObserveOnly, missing: never create, report NotFound and poll",
    object: thing(OBSERVE),
    script: [MISSING],
    calls: ["observe"],
    ready: "False/NotFound",
    events: [],
    action: { poll: true },
  },
  {
    reason: "Enforce, differs before this spec was ever applied: an update",
    object: thing(ENFORCE),
    script: [DIFFERS],
    calls: ["observe", "update"],
    ready: "False/Updating",
    events: ["Normal/Updated"],
    action: { requeueAfterMs: VERIFY, trigger: "verify" },
  },
  {
    reason: "Enforce, differs after this generation was Available: drift, repaired",
    object: thing(ENFORCE, { conditions: AVAILABLE }),
    script: [DIFFERS],
    calls: ["observe", "update"],
    ready: "False/Updating",
    events: ["Normal/DriftRepaired"],
    action: { requeueAfterMs: VERIFY, trigger: "verify" },
  },
  {
    reason: "ObserveOnly, differs: report the drift once, write nothing",
    object: thing(OBSERVE, { conditions: AVAILABLE }),
    script: [DIFFERS],
    calls: ["observe"],
    ready: "False/Drifted",
    events: ["Warning/DriftDetected"],
    action: { poll: true },
  },
  {
    reason: "ObserveOnly, still drifted: no second event",
    object: thing(OBSERVE, { conditions: DRIFTED }),
    script: [DIFFERS],
    calls: ["observe"],
    ready: "False/Drifted",
    events: [],
    action: { poll: true },
  },
  {
    reason: "ObserveOnly, drifted elsewhere than before: the new drift is reported once",
    object: thing(OBSERVE, {
      conditions: [
        condition("Ready", "False", "Drifted", "ObserveOnly: other differ from the spec"),
        condition("Synced", "True", "ReconcileSuccess"),
      ],
    }),
    script: [DIFFERS],
    calls: ["observe"],
    ready: "False/Drifted",
    events: ["Warning/DriftDetected"],
    action: { poll: true },
  },
  {
    reason:
      "AWS still applying an earlier change, nothing else differs: Progressing, no write, look again soon",
    object: thing(ENFORCE, { conditions: AVAILABLE }),
    script: [IN_TRANSITION],
    calls: ["observe"],
    ready: "False/Progressing",
    events: [],
    action: { requeueAfterMs: 15_000, trigger: "verify" },
  },
  {
    reason: "ObserveOnly and in transition: Progressing too, not drift",
    object: thing(OBSERVE, { conditions: AVAILABLE }),
    script: [IN_TRANSITION],
    calls: ["observe"],
    ready: "False/Progressing",
    events: [],
    action: { requeueAfterMs: 15_000, trigger: "verify" },
  },
  {
    reason: "one place in transition, another differs: the other is still written",
    object: thing(ENFORCE),
    script: [IN_TRANSITION_ELSEWHERE_DIFFERS],
    calls: ["observe", "update"],
    ready: "False/Updating",
    events: ["Normal/Updated"],
    action: { requeueAfterMs: VERIFY, trigger: "verify" },
  },
  {
    reason: "in sync: nothing written to the provider, Ready, poll again",
    object: thing(ENFORCE),
    script: [IN_SYNC],
    calls: ["observe"],
    ready: "True/Available",
    events: [],
    action: { poll: true },
  },
  {
    reason: "the regions read are in sync but one was not read: never Ready, a Warning, poll again",
    object: thing(ENFORCE, { conditions: AVAILABLE }),
    script: [IN_SYNC_BUT_ONE_REGION_UNREAD],
    calls: ["observe"],
    ready: "False/RegionUnavailable",
    events: ["Warning/RegionUnavailable"],
    action: { poll: true },
  },
  {
    reason:
      "the regions read differ and one was not read: they are written, then the unread region reported; the verify stays",
    object: thing(ENFORCE),
    script: [DIFFERS_AND_ONE_REGION_UNREAD],
    calls: ["observe", "update"],
    ready: "False/RegionUnavailable",
    events: ["Normal/Updated", "Warning/RegionUnavailable"],
    action: { requeueAfterMs: VERIFY, trigger: "verify" },
  },
  {
    reason: "an invalid spec stalls before anything is observed, until the spec changes",
    object: thing(ENFORCE),
    script: [IN_SYNC],
    options: { problems: ["spec.value: too long"] },
    calls: [],
    stalled: "InvalidSpec",
    ready: "False/InvalidSpec",
    events: ["Warning/Stalled"],
    action: { awaitChange: true, stalled: true },
  },
  {
    reason: "a terminal error stalls until the spec changes",
    object: thing(ENFORCE),
    script: [new TerminalError("MalformedPolicy", "bad")],
    calls: ["observe"],
    stalled: "MalformedPolicy",
    events: ["Warning/Stalled"],
    action: { awaitChange: true, stalled: true },
  },
  {
    reason: "a blocked error stalls, but is checked again at the next poll",
    object: thing(ENFORCE),
    script: [new BlockedError("AccessDenied", "denied")],
    calls: ["observe"],
    stalled: "AccessDenied",
    events: ["Warning/Stalled"],
    action: { poll: true, stalled: true },
  },
  {
    reason: "a transient error is reported and thrown for backoff",
    object: thing(ENFORCE),
    script: [new RetryableError("Throttled", "slow down")],
    calls: ["observe"],
    events: ["Warning/ReconcileError"],
    throws: true,
  },
  {
    reason: "a create answered 'already exists' that finds its own thing goes on to update it",
    object: thing(ENFORCE),
    script: [MISSING, DIFFERS],
    options: { create: () => Promise.reject(new AlreadyExistsError("DuplicatePolicy", "taken")) },
    calls: ["observe", "create", "observe", "update"],
    ready: "False/Creating",
    events: ["Normal/Created"],
    action: { requeueAfterMs: VERIFY, trigger: "verify" },
  },
  {
    reason: "a create answered 'already exists' that still finds nothing is an error for backoff",
    object: thing(ENFORCE),
    script: [MISSING],
    options: { create: () => Promise.reject(new AlreadyExistsError("DuplicatePolicy", "taken")) },
    calls: ["observe", "create", "observe"],
    events: ["Warning/ReconcileError"],
    throws: true,
  },
  {
    reason: "a rival keeps the claim: report Conflict, never observe or write",
    object: thing(ENFORCE),
    script: [MISSING],
    options: {
      rival: { ...thing(ENFORCE), metadata: { name: "older", creationTimestamp: "2026-01-01T00:00:00Z" } },
    },
    calls: [],
    stalled: "Conflict",
    ready: "False/Conflict",
    events: ["Warning/Conflict"],
    action: { poll: true, stalled: true },
  },
  {
    reason: "paused: nothing observed; Ready no longer vouches for the provider",
    object: thing(ENFORCE, { annotations: { "orgguard.io/paused": "true" }, conditions: AVAILABLE }),
    script: [DIFFERS],
    calls: [],
    ready: "Unknown/ReconcilePaused",
    events: [],
    action: { awaitChange: true },
  },
  {
    reason: "deleting with Retain: the provider's thing stays, the finalizer goes",
    object: thing(ENFORCE, { deleting: true }),
    script: [IN_SYNC],
    calls: [],
    events: [],
    action: { awaitChange: true },
  },
  {
    reason: "deleting with Delete: delete it, keep the finalizer until a later observe finds it gone",
    object: thing({ deletionPolicy: "Delete" }, { deleting: true }),
    script: [IN_SYNC],
    calls: ["observe", "delete"],
    events: ["Normal/Deleting"],
    action: { requeueAfterMs: VERIFY, trigger: "verify" },
  },
  {
    reason: "deleting with Delete, already gone: the finalizer goes",
    object: thing({ deletionPolicy: "Delete" }, { deleting: true }),
    script: [MISSING],
    calls: ["observe"],
    events: ["Normal/Deleted"],
    action: { awaitChange: true },
  },
  {
    reason: "deleting an ObserveOnly object never deletes in the provider, whatever its deletionPolicy",
    object: thing({ deletionPolicy: "Delete", managementPolicy: "ObserveOnly" }, { deleting: true }),
    script: [IN_SYNC],
    calls: [],
    events: [],
    action: { awaitChange: true },
  },
];

describe("ManagedReconciler decisions", () => {
  it.each(cases)("$reason", async (c) => {
    const { world, action, error } = await run(c.object, c.script, c.options);
    expect(world.calls).toEqual(c.calls);
    expect(world.events).toEqual(c.events);
    if (c.throws) expect(error).toBeDefined();
    else expect(error).toBeUndefined();
    if (c.action) expect(action).toEqual(c.action);
    if (c.ready) expect(readyOf(world)).toBe(c.ready);
    expect(stalledOf(world)).toBe(c.stalled);
  });

  it("adds the finalizer (guarded by a test op) before any work", async () => {
    const { world } = await run(thing(ENFORCE, { finalizer: false }), [IN_SYNC]);
    expect(world.patches[0]).toEqual([
      { op: "test", path: "/metadata/resourceVersion", value: "7" },
      { op: "add", path: "/metadata/finalizers", value: [FINALIZER] },
    ]);
    expect(world.calls).toEqual(["observe"]);
  });

  it("removes the finalizer only when the provider's thing is gone (or retained)", async () => {
    const deleting = await run(thing({ deletionPolicy: "Delete" }, { deleting: true }), [IN_SYNC]);
    expect(deleting.world.patches).toEqual([]);
    const gone = await run(thing({ deletionPolicy: "Delete" }, { deleting: true }), [MISSING]);
    expect(gone.world.patches).toEqual([
      [
        { op: "test", path: "/metadata/finalizers/0", value: FINALIZER },
        { op: "remove", path: "/metadata/finalizers/0" },
      ],
    ]);
  });

  const steady = [
    { reason: "in sync (Enforce)", spec: ENFORCE, observation: IN_SYNC },
    { reason: "drift reported again (ObserveOnly)", spec: OBSERVE, observation: DIFFERS },
  ];
  it.each(steady)(
    "a check that finds nothing new writes no status and records no event: $reason",
    async ({ spec, observation }) => {
      const first = await run(thing(spec), [observation]);
      expect(first.world.statuses).toHaveLength(1);
      const settled = { ...thing(spec), status: first.world.statuses[0] } as ManagedObject;
      const again = await run(settled, [observation]);
      expect(again.world.calls).toContain("observe");
      expect(again.world.statuses).toEqual([]);
      expect(again.world.events).toEqual([]);
      // Something new (drift in Enforce) is written at once.
      const changed = await run(settled, [DIFFERS]);
      expect(changed.world.statuses.length).toBe(spec === ENFORCE ? 1 : 0);
    },
  );

  const carried = [
    {
      reason: "observe blocked, with what it read: Stalled, rechecked every poll, and the reading in status",
      script: [
        new FailureWithStatus(new BlockedError("AllFeaturesRequired", "migrate"), { atProvider: "read" }),
      ],
      options: {},
      status: { atProvider: "read" },
      stalled: "AllFeaturesRequired",
      synced: "False/AllFeaturesRequired",
      action: { poll: true, stalled: true },
      throws: false,
    },
    {
      reason: "an update that failed half-way keeps the record of what it did, and is retried with backoff",
      script: [DIFFERS],
      options: {
        update: () =>
          Promise.reject(new FailureWithStatus(new RetryableError("Throttled", "slow"), { record: ["x"] })),
      },
      status: { record: ["x"] },
      stalled: undefined,
      synced: "False/Throttled",
      action: { awaitChange: true, stalled: false },
      throws: true,
    },
  ];
  it.each(carried)("a failure with status to write: $reason", async (c) => {
    const { world, action, error } = await run(thing(ENFORCE), c.script, c.options);
    expect(world.statuses).toHaveLength(1);
    expect(lastStatus(world)).toMatchObject(c.status);
    expect(stalledOf(world)).toBe(c.stalled);
    const synced = findCondition(lastStatus(world)?.conditions, "Synced");
    expect(`${synced?.status}/${synced?.reason}`).toBe(c.synced);
    // The cause decides what comes next, never the wrapper.
    if (c.throws) expect(error).toBeInstanceOf(RetryableError);
    else expect(action).toEqual(c.action);
  });

  it("writes status once per reconcile, with the generation it saw", async () => {
    const { world } = await run(thing(ENFORCE), [DIFFERS]);
    expect(world.statuses).toHaveLength(1);
    expect(lastStatus(world)?.observedGeneration).toBe(GENERATION);
    expect(lastStatus(world)?.plannedChanges).toEqual(DIFFERS.diff);
  });
});

describe("status.lastRepairTime", () => {
  const cases = [
    {
      reason: "a repaired drift dates it",
      object: thing(ENFORCE, { conditions: AVAILABLE }),
      script: [DIFFERS],
      dated: true,
    },
    {
      reason: "a re-create after a deletion out of band dates it",
      object: thing(ENFORCE, { conditions: AVAILABLE }),
      script: [MISSING],
      dated: true,
    },
    { reason: "a spec change applied is no repair", object: thing(ENFORCE), script: [DIFFERS], dated: false },
    { reason: "a first create is no repair", object: thing(ENFORCE), script: [MISSING], dated: false },
    {
      reason: "ObserveOnly drift is reported, not repaired",
      object: thing(OBSERVE, { conditions: AVAILABLE }),
      script: [DIFFERS],
      dated: false,
    },
  ];
  it.each(cases)("$reason", async ({ object, script, dated }) => {
    const before = Date.now();
    const { world } = await run(object, script);
    const at = lastStatus(world)?.lastRepairTime;
    if (!dated) expect(at).toBeUndefined();
    else expect(Date.parse(String(at))).toBeGreaterThanOrEqual(before - 1000);
  });
});
