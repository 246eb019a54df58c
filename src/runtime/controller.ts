/**
 * Controllers, declared the way controller-runtime's builder does (`For().Owns().Watches()`): a
 * controller reconciles the objects of one kind (`controllerFor`), is woken when an object it owns
 * changes (`owns`: a composite's children, by their controlling owner reference), when another
 * object it cares about changes (`watches`, with a map to its keys), when a source outside
 * Kubernetes says so (`watchesSource`: AWS API call events), and when a rival claim comes or goes
 * (`claims`). The kind supplies only its steps; the runtime runs them on the shared lifecycle
 * (finalizer, conditions, transition-only events, status written only when it changed), with a
 * deadline per reconcile, and schedules what comes next (poll, verify, backoff). Every queued key
 * carries why it was queued (its triggers): logged with the reconcile and counted in
 * `orgguard_reconcile_triggers_total`.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import type { ClaimIndex, ClaimLookup } from "./claims.js";
import { findCondition } from "./conditions.js";
import type { EventRecorder } from "./event-recorder.js";
import type { Informer } from "./informer.js";
import type { KubeObject, ResourceRef } from "./kube-object.js";
import { ConflictError, Lifecycle, type ReconcileResult, type ReconcileSteps } from "./lifecycle.js";
import type { Logger } from "./logger.js";
import type { Action, ManagedKind, ManagedObject } from "./managed.js";
import { ManagedReconciler } from "./managed-reconciler.js";
import type { Runnable } from "./manager.js";
import type { Metrics } from "./metrics.js";
import { delayToTick, pollTickMs } from "./poll-ticks.js";
import { errorMessage } from "./reconcile-errors.js";
import type { ResourceClient } from "./resource-client.js";
import { SharedInformers } from "./shared-informers.js";
import { BackoffRateLimiter, type QueueItem, type Trigger, WorkQueue } from "./workqueue.js";

/** The reconcile options every controller of a process shares. */
export interface ControllerOptions {
  /** Concurrent reconciles per kind. */
  workers: number;
  /** How often an in-sync object is compared with the provider again (a kind may override it). */
  pollIntervalMs: number;
  /** Up to this fraction of the poll interval is added or removed at random, to spread load. */
  pollJitter?: number;
  /**
   * How long one reconcile may take: its AbortSignal aborts then (every AWS call ends), and the
   * reconcile fails as DeadlineExceeded, retried with backoff. Default 1 minute.
   */
  reconcileTimeoutMs?: number;
  /**
   * How long after the deadline a worker waits for a reconcile that ignores its signal before
   * it moves on to the next key (the key itself stays claimed until that reconcile ends).
   */
  deadlineGraceMs?: number;
  /** How soon a create, update or delete is verified. */
  verifyAfterMs?: number;
  /** How soon an object whose change the provider is still applying is looked at again. */
  progressRecheckMs?: number;
  /** Backoff bounds for failed reconciles (client-go style: 1 s to 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /**
   * Backoff bounds for status writes that lost a race (409): short at first (the informer usually
   * brings the newer object at once), doubling, so a cache that stays stale cannot cause a storm.
   */
  conflictBackoffBaseMs?: number;
  conflictBackoffMaxMs?: number;
  /**
   * How long an owner waits after a change of an object it owns before it reconciles: the changes
   * of many children (a baseline's accounts converging) coalesce into one reconcile.
   */
  ownedDelayMs?: number;
  /** How long shutdown waits for in-flight reconciles. */
  drainTimeoutMs?: number;
  random?: () => number;
}

/** A source of keys outside Kubernetes (the events queue): told each controller that listens. */
export interface WatchSource {
  /**
   * Connects the controller of `kind`: the source reads its cached objects and enqueues the ones
   * a change concerns (trigger `event`).
   */
  connect(kind: string, target: { objects(): KubeObject[]; enqueue(name: string): void }): void;
}

/** Whether an update is worth a reconcile of the object itself: not for status-only changes. */
export function needsReconcile(previous: KubeObject, object: KubeObject): boolean {
  const a = previous.metadata;
  const b = object.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {}) ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {})
  );
}

/** What a process gives its controllers: one shared cache, events, metrics, logs and options. */
export class ControllerRuntime {
  readonly informers: SharedInformers;

  constructor(
    kc: KubeConfig,
    readonly events: EventRecorder,
    readonly metrics: Metrics,
    readonly logger: Logger,
    readonly options: ControllerOptions,
  ) {
    this.informers = new SharedInformers(kc, logger);
  }

  /** Declares the controller of `ref`'s objects; `pollIntervalMs` overrides the process's poll. */
  controllerFor<T extends KubeObject>(
    ref: ResourceRef,
    options: { pollIntervalMs?: number | undefined } = {},
  ): ControllerBuilder<T> {
    return new ControllerBuilder<T>(this, ref, options.pollIntervalMs ?? this.options.pollIntervalMs);
  }
}

/** What a kind's steps are built with. */
export interface ControllerParts<T extends KubeObject> {
  client: ResourceClient<T>;
  /** The claim index of the kind, when it declared `claims`. */
  claims: ClaimIndex<T> | undefined;
}

interface WatchSpec {
  ref: ResourceRef;
  map: (object: KubeObject) => string[];
  /** Status changes count too (what the watched object reached: an account's id once created). */
  status: boolean;
}

export class ControllerBuilder<T extends KubeObject> {
  private readonly owned: ResourceRef[] = [];
  private readonly watched: WatchSpec[] = [];
  private readonly sources: WatchSource[] = [];
  private claimOf: ((object: T) => string | undefined) | undefined;

  constructor(
    private readonly runtime: ControllerRuntime,
    private readonly ref: ResourceRef,
    private readonly pollIntervalMs: number,
  ) {}

  /** Reconcile an object again when an object of `ref` it controls (ownerReference) changes. */
  owns(...refs: ResourceRef[]): this {
    this.owned.push(...refs);
    return this;
  }

  /**
   * Reconcile the objects `map` names when an object of `ref` is added, deleted or its spec changes
   * (with `status: true`, its status too).
   */
  watches(ref: ResourceRef, map: (object: KubeObject) => string[], options: { status?: boolean } = {}): this {
    this.watched.push({ ref, map, status: options.status ?? false });
    return this;
  }

  /** Reconcile the objects a source outside Kubernetes names (AWS API call events). */
  watchesSource(source: WatchSource | undefined): this {
    if (source) this.sources.push(source);
    return this;
  }

  /** Objects claim external things exclusively (claims.ts): a change of who claims what wakes the rivals. */
  claims(claimOf: (object: T) => string | undefined): this {
    this.claimOf = claimOf;
    return this;
  }

  build(makeSteps: (parts: ControllerParts<T>) => ReconcileSteps<T>): Controller<T> {
    const informers = this.runtime.informers;
    const claims = this.claimOf ? informers.claims<T>(this.ref, this.claimOf) : undefined;
    const steps = makeSteps({ client: informers.client<T>(this.ref), claims });
    const controller = new Controller<T>(this.runtime, this.ref, steps, this.pollIntervalMs, [
      ...this.owned,
      ...this.watched.map((w) => w.ref),
    ]);
    controller.connect({ owned: this.owned, watched: this.watched, sources: this.sources, claims });
    return controller;
  }
}

/** Whether an object's status (written by orgguard's own lifecycle) says Ready=True. */
const isReady = (object: KubeObject): boolean => {
  const conditions = object.status?.conditions;
  return Array.isArray(conditions) && findCondition(conditions, "Ready")?.status === "True";
};

/** The default deadline of one reconcile (crossplane bounds a reconcile at one minute too). */
export const DEFAULT_RECONCILE_TIMEOUT_MS = 60_000;

/**
 * Why a finished reconcile's signal is aborted: one Error for every reconcile (building one, with
 * its stack trace, per reconcile cost CPU on the steady path for a reason nobody reads).
 */
const RECONCILE_ENDED = new Error("the reconcile ended");

export class Controller<T extends KubeObject = ManagedObject> implements Runnable {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly informer: Informer<T>;
  readonly client: ResourceClient<T>;
  private readonly lifecycle: Lifecycle<T>;
  private readonly conflictBackoff: BackoffRateLimiter;
  private readonly kindName: string;
  private readonly logger: Logger;
  private workers: Promise<void>[] = [];
  private stopping = false;

  constructor(
    private readonly runtime: ControllerRuntime,
    private readonly ref: ResourceRef,
    private readonly steps: ReconcileSteps<T>,
    private readonly pollIntervalMs: number,
    /** Other resources whose informers must have synced before reconciling (owned, watched). */
    private readonly alsoReads: readonly ResourceRef[],
  ) {
    const { metrics, options } = runtime;
    this.kindName = ref.kind;
    this.name = ref.kind;
    this.logger = runtime.logger.child({ kind: ref.kind });
    this.client = runtime.informers.client<T>(ref);
    this.informer = runtime.informers.informer<T>(ref);
    this.queue = new WorkQueue(
      new BackoffRateLimiter(options.backoffBaseMs ?? 1000, options.backoffMaxMs ?? 300_000),
      {
        depth: (n) => metrics.queueDepth.set({ kind: this.kindName }, n),
        waited: (ms) => metrics.queueWait.observe({ kind: this.kindName }, ms / 1000),
      },
    );
    this.conflictBackoff = new BackoffRateLimiter(
      options.conflictBackoffBaseMs ?? 200,
      options.conflictBackoffMaxMs ?? 30_000,
    );
    this.lifecycle = new Lifecycle(this.kindName, this.client, runtime.events, runtime.logger);
    // Objects by condition (orgguard_objects), and the poll the oldest-check age is measured against.
    metrics.countObjects(this.kindName, () => this.informer.list());
    metrics.pollInterval.set({ kind: this.kindName }, pollIntervalMs / 1000);
  }

  /** Wires the informers and sources to the queue (the builder calls this once). */
  connect(wiring: {
    owned: readonly ResourceRef[];
    watched: readonly WatchSpec[];
    sources: readonly WatchSource[];
    claims: ClaimIndex<T> | undefined;
  }): void {
    const { informers, metrics, options } = this.runtime;
    this.informer.addHandler({
      onAdd: (o) => this.queue.add(o.metadata.name, "spec"),
      onUpdate: (previous, o) => {
        if (needsReconcile(previous, o)) this.queue.add(o.metadata.name, "spec");
      },
      onDelete: (o) => {
        metrics.forgetChecked(this.kindName, o.metadata.name);
        this.queue.forget(o.metadata.name);
        this.conflictBackoff.forget(o.metadata.name);
      },
    });
    wiring.claims?.onStandingChanged((names) => {
      for (const name of names) this.queue.add(name, "rival");
    });
    const ownedDelay = options.ownedDelayMs ?? 200;
    for (const ref of wiring.owned) {
      const toOwner = (o: KubeObject) => {
        const owner = this.ownerOf(o);
        if (owner) this.queue.addAfter(owner, ownedDelay, "owned");
      };
      // Every change of an owned object counts: its status (Ready turning False) is what the owner reports.
      informers
        .informer(ref)
        .addHandler({ onAdd: toOwner, onUpdate: (_p, o) => toOwner(o), onDelete: toOwner });
    }
    for (const { ref, map, status } of wiring.watched) {
      const toKeys = (o: KubeObject) => {
        for (const name of map(o)) this.queue.add(name, "watch");
      };
      informers.informer(ref).addHandler({
        onAdd: toKeys,
        onUpdate: (previous, o) => {
          if (status || needsReconcile(previous, o)) toKeys(o);
        },
        onDelete: toKeys,
      });
    }
    for (const source of wiring.sources) {
      source.connect(this.kindName, {
        objects: () => this.informer.list(),
        enqueue: (name) => this.queue.add(name, "event"),
      });
    }
  }

  /** The name of the object of this controller's kind that controls `object`, if any. */
  private ownerOf(object: KubeObject): string | undefined {
    return (object.metadata.ownerReferences ?? []).find(
      (o) => o.controller === true && o.kind === this.kindName,
    )?.name;
  }

  /** Starts the workers once every informer this controller reads has synced. */
  start(): void {
    this.stopping = false;
    this.workers = Array.from({ length: Math.max(1, this.runtime.options.workers) }, () => this.work());
  }

  hasSynced(): boolean {
    return this.runtime.informers.hasSyncedAll([this.ref, ...this.alsoReads]);
  }

  /** Stops taking work and waits for in-flight reconciles (up to the drain timeout). */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.queue.shutdown(this.runtime.options.drainTimeoutMs ?? 30_000);
    await Promise.race([Promise.all(this.workers), new Promise((r) => setTimeout(r, 1000))]);
  }

  private async work(): Promise<void> {
    // A reconcile before the caches are full would see children or rivals missing.
    while (!this.hasSynced()) {
      if (this.stopping) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    for (;;) {
      const item = await this.queue.get();
      if (item === undefined) return;
      const released = await this.process(item);
      if (released) this.queue.done(item.key);
    }
  }

  /**
   * Reconciles one key and schedules what comes next: a poll, a verify, a backoff, or nothing.
   * Returns false when the worker moved on from a reconcile that ignored its deadline: the key is
   * then released when that reconcile ends, never handed to a second worker meanwhile.
   */
  private async process(item: QueueItem): Promise<boolean> {
    const { key, triggers } = item;
    const { metrics, options } = this.runtime;
    for (const trigger of triggers) metrics.reconcileTriggers.inc({ kind: this.kindName, trigger });
    this.logger.debug("reconciling", { name: key, triggers });
    const started = performance.now();
    const timeoutMs = options.reconcileTimeoutMs ?? DEFAULT_RECONCILE_TIMEOUT_MS;
    const deadline = new AbortController();
    const work = this.lifecycle.reconcile(this.informer.get(key), this.steps, deadline.signal).then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    // One timer per reconcile (the deadline); the grace period's only starts once it passed.
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;
    const abandoned = new Promise<"abandoned">((resolve) => {
      timer = setTimeout(() => {
        deadline.abort(new Error(`the reconcile did not finish within its deadline of ${timeoutMs} ms`));
        graceTimer = setTimeout(() => resolve("abandoned"), options.deadlineGraceMs ?? 5000);
      }, timeoutMs);
    });
    const ended = await Promise.race([work, abandoned]);
    clearTimeout(timer);
    clearTimeout(graceTimer);
    // Whatever the reconcile left running (a region's read it gave up on) ends with it.
    deadline.abort(RECONCILE_ENDED);
    let result: string;
    if (ended === "abandoned") {
      result = "deadline";
      this.logger.error("a reconcile ignored its deadline: the worker moves on, the key waits for it", {
        name: key,
        timeoutMs,
      });
      void work.then(() => {
        this.queue.done(key);
        this.queue.addRateLimited(key);
      });
    } else if ("error" in ended) {
      result = this.afterThrow(key, ended.error);
    } else {
      result = this.after(key, ended.result);
    }
    metrics.reconciles.inc({ kind: this.kindName, result });
    metrics.reconcileDuration.observe({ kind: this.kindName }, (performance.now() - started) / 1000);
    return ended !== "abandoned";
  }

  /** Schedules the next look after a reconcile that returned; logs a failure once. Returns the result label. */
  private after(key: string, { action, failure, checked }: ReconcileResult): string {
    if (checked) this.runtime.metrics.checked(this.kindName, key);
    this.conflictBackoff.forget(key);
    if (failure && !failure.stalled && !("poll" in action)) {
      const delay = this.queue.addRateLimited(key);
      this.logger.info("reconcile failed: retrying", {
        name: key,
        reason: failure.reason,
        error: errorMessage(failure.error),
        retryInMs: Math.round(delay),
      });
      return "error";
    }
    this.queue.forget(key);
    if (failure) {
      this.logger.warn("reconcile stalled", {
        name: key,
        reason: failure.reason,
        error: errorMessage(failure.error),
        next: "poll" in action ? "checked again at the next poll" : "waiting for a spec change",
      });
    }
    this.schedule(key, action);
    return action.stalled ? "terminal" : "success";
  }

  private afterThrow(key: string, err: unknown): string {
    if (err instanceof ConflictError) {
      const delay = this.conflictBackoff.when(key);
      this.logger.debug("conflict: requeueing", { name: key, retryInMs: delay });
      this.queue.addAfter(key, delay, "conflict");
      return "conflict";
    }
    // Not an AWS failure (those are written to status): the apiserver refused a write, say.
    const delay = this.queue.addRateLimited(key);
    this.logger.info("reconcile failed: retrying", {
      name: key,
      error: errorMessage(err),
      retryInMs: Math.round(delay),
    });
    return "error";
  }

  private schedule(key: string, action: Action): void {
    if ("poll" in action)
      this.queue.addAfter(
        key,
        Math.min(this.pollDelay(), action.notLaterThanMs ?? Number.POSITIVE_INFINITY),
        "poll",
      );
    else if ("requeueAfterMs" in action)
      this.queue.addAfter(key, action.requeueAfterMs, action.trigger ?? "verify");
  }

  /** The kind's poll interval, give or take the jitter, ending on a poll tick (poll-ticks.ts). */
  private pollDelay(): number {
    const jitter = this.runtime.options.pollJitter ?? 0.1;
    const random = this.runtime.options.random ?? Math.random;
    const delay = Math.round(this.pollIntervalMs * (1 + jitter * (2 * random() - 1)));
    return delayToTick(delay, pollTickMs(this.pollIntervalMs), Date.now());
  }
}

/**
 * The controller of a managed kind (one external thing per object): the managed reconciler's
 * steps, its claims, and the AWS API call events that concern its objects.
 */
export function managedController<T extends ManagedObject>(
  runtime: ControllerRuntime,
  kind: ManagedKind<T>,
  options: { source?: WatchSource | undefined } = {},
): Controller<T> {
  const builder = runtime.controllerFor<T>(kind.ref, { pollIntervalMs: kind.pollIntervalMs });
  const claim = kind.claim?.bind(kind);
  if (claim) builder.claims(claim);
  builder.watchesSource(options.source);
  const objects = runtime.informers.informer<T>(kind.ref);
  const waiting = () =>
    objects
      .list()
      .filter((o) => !isReady(o))
      .map((o) => o.metadata.name);
  for (const ref of kind.waitsFor ?? []) {
    builder.watches(ref, (object) => (isReady(object) ? waiting() : []), { status: true });
  }
  const controller = builder.build(
    ({ claims }) =>
      new ManagedReconciler<T>(
        kind,
        runtime.metrics,
        {
          ...(runtime.options.verifyAfterMs !== undefined
            ? { verifyAfterMs: runtime.options.verifyAfterMs }
            : {}),
          ...(runtime.options.progressRecheckMs !== undefined
            ? { progressRecheckMs: runtime.options.progressRecheckMs }
            : {}),
        },
        claims satisfies ClaimLookup<T> | undefined,
      ),
  );
  const findings = kind.findings?.bind(kind);
  if (findings) runtime.metrics.countFindings(kind.ref.kind, () => controller.informer.list(), findings);
  return controller;
}

export type { Trigger };
