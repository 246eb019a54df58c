/**
 * The one reconcile flow every kind shares (crossplane-runtime's order, in small steps):
 * get -> paused? -> deleting? -> finalizer -> observe -> create | update | nothing -> status.
 * Errors are turned into conditions, events and requeues here and only here.
 */
import {
  type Condition,
  type ConditionUpdate,
  findCondition,
  removeCondition,
  setCondition,
} from "./conditions.js";
import { errorMessage, kubeStatusCode, RetryableError, TerminalError } from "./errors.js";
import type { EventRecorder, EventType } from "./events.js";
import { addFinalizer, hasFinalizer, removeFinalizer } from "./finalizer.js";
import type { Logger } from "./logger.js";
import {
  type Action,
  type Change,
  type ExternalClient,
  type ManagedKind,
  type ManagedObject,
  type ManagedStatus,
  type Observation,
  PAUSED_ANNOTATION,
} from "./managed.js";
import type { Metrics } from "./metrics.js";
import type { ResourceClient } from "./resource-client.js";

export interface ReconcilerOptions {
  /** How often an in-sync object is compared with the external system again (drift repair). */
  pollIntervalMs: number;
  /** Up to this fraction of the poll interval is added or removed at random, to spread load. */
  pollJitter?: number;
  /** How soon a create, update or delete is verified. */
  verifyAfterMs?: number;
  now?: () => Date;
  random?: () => number;
}

/** A status write lost a race with another writer: the key is requeued without backoff or noise. */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
}

/** Runs a write; a 409 (or a failed JSON Patch test, 422) means someone else changed the object. */
export async function guardConflict<R>(write: () => Promise<R>): Promise<R> {
  try {
    return await write();
  } catch (err) {
    const code = kubeStatusCode(err);
    if (code === 409 || code === 422) throw new ConflictError(`object changed while reconciling (${code})`);
    throw err;
  }
}

type Outcome = {
  status: ManagedStatus;
  action: Action;
  event?: { type: EventType; reason: string; message: string };
};

export class ManagedReconciler<T extends ManagedObject> {
  private readonly kindName: string;

  constructor(
    private readonly kind: ManagedKind<T>,
    private readonly client: ResourceClient<T>,
    private readonly events: EventRecorder,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: ReconcilerOptions,
  ) {
    this.kindName = kind.ref.kind;
  }

  /**
   * Reconciles the object as `getObject` returns it now. Throws (after writing status) when the
   * key should be retried with backoff; ConflictError when it should be retried at once.
   */
  async reconcile(object: T | undefined): Promise<Action> {
    if (!object) return { awaitChange: true };
    const log = this.logger.child({ kind: this.kindName, name: object.metadata.name });
    if (object.metadata.annotations?.[PAUSED_ANNOTATION] === "true") return this.pause(object);
    if (object.metadata.deletionTimestamp) return this.finalize(object, log);

    let current = object;
    if (!hasFinalizer(current)) current = await this.guard(() => addFinalizer(this.client, current));
    if (this.stalledForThisGeneration(current)) return { awaitChange: true };

    let outcome: Outcome;
    try {
      outcome = await this.sync(current, log);
    } catch (err) {
      outcome = this.failure(current, err, log);
      await this.writeStatus(current, outcome.status);
      if (outcome.event)
        await this.events.record(current, outcome.event.type, outcome.event.reason, outcome.event.message);
      if (err instanceof TerminalError) return { awaitChange: true, stalled: true };
      throw err;
    }
    await this.writeStatus(current, outcome.status);
    if (outcome.event)
      await this.events.record(current, outcome.event.type, outcome.event.reason, outcome.event.message);
    return outcome.action;
  }

  /** Observe, then create, update or nothing; returns the status to write. */
  private async sync(object: T, log: Logger): Promise<Outcome> {
    const problems = this.kind.validate?.(object) ?? [];
    if (problems.length > 0) throw new TerminalError("InvalidSpec", `invalid spec: ${problems.join("; ")}`);
    const external = await this.kind.connect(object);
    const observation = await external.observe(object);
    const observeOnly = object.spec.managementPolicy === "ObserveOnly";
    if (!observation.exists)
      return observeOnly ? this.reportMissing(object, observation) : this.create(object, external, log);
    if (!observation.upToDate) {
      return observeOnly
        ? this.reportDrift(object, observation)
        : this.update(object, external, observation, log);
    }
    return this.inSync(object, observation);
  }

  private async create(object: T, external: ExternalClient<T>, log: Logger): Promise<Outcome> {
    const created = await external.create(object);
    log.info("created external resource", { ...created.status });
    let status = this.baseStatus(object, { ...created.status });
    status = this.conditions(status, object, [
      { type: "Ready", status: "False", reason: "Creating", message: "created: waiting to confirm" },
      { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
    ]);
    return {
      status,
      action: { requeueAfterMs: this.verifyAfter() },
      event: {
        type: "Normal",
        reason: "Created",
        message: `created ${this.kindName} ${describeStatus(created.status)}`.trim(),
      },
    };
  }

  private async update(
    object: T,
    external: ExternalClient<T>,
    observation: Observation,
    log: Logger,
  ): Promise<Outcome> {
    await external.update(object, observation);
    const specChanged = object.metadata.generation !== object.status?.observedGeneration;
    const changes = observation.diff ?? [];
    log.info(specChanged ? "updated external resource" : "repaired drift", { changes });
    if (!specChanged) {
      this.metrics.driftDetected.inc({ kind: this.kindName });
      this.metrics.driftRepaired.inc({ kind: this.kindName });
    }
    let status = this.baseStatus(object, {
      ...observation.status,
      atProvider: observation.observed,
      plannedChanges: changes,
    });
    status = this.conditions(status, object, [
      {
        type: "Ready",
        status: "False",
        reason: "Updating",
        message: `applied ${describeChanges(changes)}: waiting to confirm`,
      },
      { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
    ]);
    const reason = specChanged ? "Updated" : "DriftRepaired";
    return {
      status,
      action: { requeueAfterMs: this.verifyAfter() },
      event: {
        type: "Normal",
        reason,
        message: `${specChanged ? "applied" : "repaired drift in"} ${describeChanges(changes)}`,
      },
    };
  }

  private reportMissing(object: T, observation: Observation): Outcome {
    const planned: Change[] = observation.diff ?? [{ path: "", to: "created" }];
    let status = this.baseStatus(object, {
      ...observation.status,
      plannedChanges: planned,
      atProvider: undefined,
    });
    status = this.conditions(status, object, [
      {
        type: "Ready",
        status: "False",
        reason: "NotFound",
        message: "does not exist in the provider; ObserveOnly: not creating it",
      },
      { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
    ]);
    return { status, action: { requeueAfterMs: this.pollInterval() } };
  }

  private reportDrift(object: T, observation: Observation): Outcome {
    const planned = observation.diff ?? [];
    const wasDrifted = findCondition(object.status?.conditions, "Ready")?.reason === "Drifted";
    if (!wasDrifted) this.metrics.driftDetected.inc({ kind: this.kindName });
    let status = this.baseStatus(object, {
      ...observation.status,
      atProvider: observation.observed,
      plannedChanges: planned,
    });
    status = this.conditions(status, object, [
      {
        type: "Ready",
        status: "False",
        reason: "Drifted",
        message: `ObserveOnly: ${describeChanges(planned)} differ from the spec`,
      },
      { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
    ]);
    return {
      status,
      action: { requeueAfterMs: this.pollInterval() },
      ...(wasDrifted
        ? {}
        : {
            event: {
              type: "Warning" as const,
              reason: "DriftDetected",
              message: `${describeChanges(planned)} differ from the spec`,
            },
          }),
    };
  }

  private inSync(object: T, observation: Observation): Outcome {
    let status = this.baseStatus(object, {
      ...observation.status,
      atProvider: observation.observed,
      plannedChanges: [],
    });
    status = this.conditions(status, object, [
      { type: "Ready", status: "True", reason: "Available", message: "" },
      { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
    ]);
    return { status, action: { requeueAfterMs: this.pollInterval() } };
  }

  /** Turns an error into conditions and (on a transition only) a Warning event. */
  private failure(object: T, err: unknown, log: Logger): Outcome {
    const message = errorMessage(err);
    const terminal = err instanceof TerminalError;
    const reason = terminal || err instanceof RetryableError ? err.reason : "ReconcileError";
    log[terminal ? "warn" : "info"]("reconcile failed", { error: message, reason, terminal });
    const previous = findCondition(object.status?.conditions, "Synced");
    const repeated =
      previous?.status === "False" && previous.reason === reason && previous.message === message;
    const status = this.baseStatus(object, {});
    const updates: ConditionUpdate[] = [{ type: "Synced", status: "False", reason, message }];
    if (terminal) updates.push({ type: "Stalled", status: "True", reason, message });
    if (!findCondition(object.status?.conditions, "Ready")) {
      updates.push({ type: "Ready", status: "False", reason, message });
    }
    return {
      status: this.conditions(status, object, updates),
      action: { awaitChange: true },
      ...(repeated
        ? {}
        : { event: { type: "Warning" as const, reason: terminal ? "Stalled" : "ReconcileError", message } }),
    };
  }

  /** Deleting: Retain (or ObserveOnly) drops the finalizer; Delete deletes, verifies, then drops it. */
  private async finalize(object: T, log: Logger): Promise<Action> {
    if (!hasFinalizer(object)) return { awaitChange: true };
    const retain = object.spec.deletionPolicy !== "Delete" || object.spec.managementPolicy === "ObserveOnly";
    if (retain) {
      await this.guard(() => removeFinalizer(this.client, object));
      log.info("deleted object; external resource retained");
      return { awaitChange: true };
    }
    try {
      const external = await this.kind.connect(object);
      const observation = await external.observe(object);
      if (observation.exists) {
        await external.delete(object, observation);
        log.info("deleting external resource");
        await this.events.record(object, "Normal", "Deleting", `deleting ${this.kindName} in the provider`);
        return { requeueAfterMs: this.verifyAfter() };
      }
    } catch (err) {
      const status = this.failure(object, err, log);
      await this.writeStatus(object, status.status);
      if (status.event)
        await this.events.record(object, status.event.type, status.event.reason, status.event.message);
      if (err instanceof TerminalError) return { awaitChange: true, stalled: true };
      throw err;
    }
    await this.guard(() => removeFinalizer(this.client, object));
    await this.events.record(object, "Normal", "Deleted", `deleted ${this.kindName} in the provider`);
    log.info("deleted external resource");
    return { awaitChange: true };
  }

  private async pause(object: T): Promise<Action> {
    const synced = findCondition(object.status?.conditions, "Synced");
    if (synced?.reason !== "ReconcilePaused") {
      const status = this.conditions(this.baseStatus(object, {}), object, [
        {
          type: "Synced",
          status: "False",
          reason: "ReconcilePaused",
          message: `paused by the ${PAUSED_ANNOTATION} annotation`,
        },
      ]);
      await this.writeStatus(object, status);
    }
    return { awaitChange: true };
  }

  /** A terminal error for this generation: no retry until the spec changes. */
  private stalledForThisGeneration(object: T): boolean {
    const stalled = findCondition(object.status?.conditions, "Stalled");
    return stalled?.status === "True" && stalled.observedGeneration === object.metadata.generation;
  }

  /** Status fields kept from before, with `fields` on top, for this generation. */
  private baseStatus(object: T, fields: Record<string, unknown>): ManagedStatus {
    const merged: ManagedStatus = { ...object.status, ...fields };
    for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
    merged.observedGeneration = object.metadata.generation;
    merged.lastSyncTime = this.now().toISOString();
    return merged;
  }

  /** Sets conditions with this generation; Stalled is cleared unless this reconcile sets it. */
  private conditions(status: ManagedStatus, object: T, updates: ConditionUpdate[]): ManagedStatus {
    let conditions: Condition[] = status.conditions ?? [];
    if (!updates.some((u) => u.type === "Stalled")) conditions = removeCondition(conditions, "Stalled");
    for (const u of updates) {
      conditions = setCondition(
        conditions,
        { ...u, observedGeneration: object.metadata.generation },
        this.now(),
      );
    }
    return { ...status, conditions };
  }

  /** One status write per reconcile, guarded by the resourceVersion we reconciled. */
  private async writeStatus(object: T, status: ManagedStatus): Promise<void> {
    await this.guard(() => this.client.replaceStatus({ ...object, status }));
  }

  private guard<R>(write: () => Promise<R>): Promise<R> {
    return guardConflict(write);
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }

  private pollInterval(): number {
    const base = this.kind.pollIntervalMs ?? this.options.pollIntervalMs;
    const jitter = this.options.pollJitter ?? 0.1;
    const random = this.options.random ?? Math.random;
    return Math.round(base * (1 + jitter * (2 * random() - 1)));
  }

  private verifyAfter(): number {
    return this.options.verifyAfterMs ?? 2000;
  }
}

function describeChanges(changes: Change[]): string {
  if (changes.length === 0) return "changes";
  const paths = changes.map((c) => c.path || "(whole resource)");
  return paths.length <= 5
    ? paths.join(", ")
    : `${paths.slice(0, 5).join(", ")} and ${paths.length - 5} more`;
}

function describeStatus(status: Record<string, unknown> | undefined): string {
  if (!status) return "";
  return Object.entries(status)
    .filter(([, v]) => typeof v === "string" || typeof v === "number")
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
}
