/**
 * One controller per kind: an informer feeding keys to a work queue, and workers running the
 * managed reconciler. Keys are enqueued on create, delete, spec (generation), annotation, label
 * or deletion changes; status-only updates (our own writes) are ignored, and drift is found by
 * the poll the reconciler schedules, not by watch events. For a kind with exclusive claims, a
 * change to who claims what also wakes the rivals (a loser takes over once the winner is gone).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { ClaimIndex } from "./claims.js";
import type { EventRecorder } from "./event-recorder.js";
import { Informer } from "./informer.js";
import type { KubeObject, ResourceRef } from "./kube-object.js";
import type { Logger } from "./logger.js";
import type { Action, ManagedKind, ManagedObject } from "./managed.js";
import { ConflictError, ManagedReconciler, type ReconcilerOptions } from "./managed-reconciler.js";
import type { Runnable } from "./manager.js";
import type { Metrics } from "./metrics.js";
import { ResourceClient } from "./resource-client.js";
import { BackoffRateLimiter, WorkQueue } from "./workqueue.js";

export interface ControllerOptions extends ReconcilerOptions {
  workers: number;
  /** Backoff bounds for failed reconciles (client-go style: 1 s to 5 min). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /**
   * Backoff bounds for status writes that lost a race (409): short at first (the informer usually
   * brings the newer object at once), doubling, so a cache that stays stale cannot cause a storm.
   */
  conflictBackoffBaseMs?: number;
  conflictBackoffMaxMs?: number;
  /** How long shutdown waits for in-flight reconciles. */
  drainTimeoutMs?: number;
  labelSelector?: string;
}

/** Whether an update is worth a reconcile: not for status-only changes. */
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

/** A controller running the managed reconciler for a kind (Observe / Create / Update / Delete). */
export function managedController<T extends ManagedObject>(
  kc: KubeConfig,
  kind: ManagedKind<T>,
  events: EventRecorder,
  metrics: Metrics,
  logger: Logger,
  options: ControllerOptions,
): Controller<T> {
  const claim = kind.claim?.bind(kind);
  return new Controller<T>(
    kc,
    kind.ref,
    (client, _informer, claims) =>
      new ManagedReconciler(
        kind,
        client,
        events,
        metrics,
        logger.child({ kind: kind.ref.kind }),
        options,
        (object) => claims?.rivals(object) ?? [],
      ),
    metrics,
    logger,
    options,
    claim,
  );
}

/** The generic reconcile a controller runs for a key: the managed reconciler, or another (composite) one. */
export interface Reconciler<T extends KubeObject> {
  reconcile(object: T | undefined): Promise<Action>;
}

export class Controller<T extends KubeObject = ManagedObject> implements Runnable {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly informer: Informer<T>;
  readonly client: ResourceClient<T>;
  private readonly reconciler: Reconciler<T>;
  private readonly conflictBackoff: BackoffRateLimiter;
  private workers: Promise<void>[] = [];
  private readonly kindName: string;

  /**
   * A controller for `ref` whose keys are reconciled by what `makeReconciler` returns (given the
   * controller's client and informer). `managedController` builds the usual managed one.
   */
  constructor(
    kc: KubeConfig,
    ref: ResourceRef,
    makeReconciler: (
      client: ResourceClient<T>,
      informer: Informer<T>,
      claims: ClaimIndex<T> | undefined,
    ) => Reconciler<T>,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: ControllerOptions,
    claim?: (object: T) => string | undefined,
  ) {
    this.kindName = ref.kind;
    this.name = ref.kind;
    this.client = new ResourceClient<T>(kc, ref);
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
    const enqueue = (o: T) => this.queue.add(o.metadata.name);
    const claims = claim ? new ClaimIndex<T>(claim, (name) => this.informer.get(name)) : undefined;
    const wake = (names: string[]) => {
      for (const name of names) this.queue.add(name);
    };
    this.informer = new Informer<T>(
      this.client,
      {
        onAdd: (o) => {
          wake(claims?.set(o) ?? []);
          enqueue(o);
        },
        onUpdate: (previous, object) => {
          wake(claims?.set(object) ?? []);
          if (needsReconcile(previous, object)) enqueue(object);
        },
        onDelete: (o) => {
          wake(claims?.remove(o) ?? []);
          metrics.forgetChecked(this.kindName, o.metadata.name);
          this.queue.forget(o.metadata.name);
          this.conflictBackoff.forget(o.metadata.name);
        },
      },
      logger.child({ kind: this.kindName, component: "informer" }),
      { labelSelector: options.labelSelector },
    );
    this.reconciler = makeReconciler(this.client, this.informer, claims);
    metrics.countObjects(this.kindName, () => this.informer.list());
  }

  /** Starts the informer (not waiting for it to sync) and the workers. */
  start(): void {
    void this.informer
      .start()
      .catch((err) => this.logger.error("informer stopped", { kind: this.kindName, error: err }));
    this.workers = Array.from({ length: Math.max(1, this.options.workers) }, () => this.work());
  }

  hasSynced(): boolean {
    return this.informer.hasSynced();
  }

  /** Stops taking work, waits for in-flight reconciles (up to the drain timeout), stops watching. */
  async stop(): Promise<void> {
    await this.queue.shutdown(this.options.drainTimeoutMs ?? 30_000);
    await this.informer.stop();
    await Promise.race([Promise.all(this.workers), new Promise((r) => setTimeout(r, 1000))]);
  }

  private async work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.process(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** Reconciles one key and schedules what comes next: a poll, a verify, a backoff, or nothing. */
  private async process(key: string): Promise<void> {
    const started = performance.now();
    let result = "success";
    try {
      const action = await this.reconciler.reconcile(this.informer.get(key));
      this.queue.forget(key);
      this.conflictBackoff.forget(key);
      if ("requeueAfterMs" in action) this.queue.addAfter(key, action.requeueAfterMs);
      if (action.stalled) result = "terminal";
    } catch (err) {
      if (err instanceof ConflictError) {
        result = "conflict";
        const delay = this.conflictBackoff.when(key);
        this.logger.debug("conflict: requeueing", { kind: this.kindName, name: key, retryInMs: delay });
        this.queue.addAfter(key, delay);
      } else {
        result = "error";
        const delay = this.queue.addRateLimited(key);
        this.logger.info("reconcile will be retried", {
          kind: this.kindName,
          name: key,
          retryInMs: Math.round(delay),
        });
      }
    } finally {
      this.metrics.reconciles.inc({ kind: this.kindName, result });
      this.metrics.reconcileDuration.observe({ kind: this.kindName }, (performance.now() - started) / 1000);
    }
  }
}
