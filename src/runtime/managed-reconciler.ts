/**
 * The one reconcile flow every kind shares (crossplane-runtime's order, in small steps):
 * get -> paused? -> rival keeps the claim? -> deleting? -> finalizer -> observe ->
 * create | update | nothing -> status.
 * Errors are turned into conditions, events and requeues here and only here.
 */
import { type Claimant, claimantOf, winningRival } from "./claims.js";
import {
  type Condition,
  type ConditionUpdate,
  findCondition,
  removeCondition,
  setCondition,
} from "./conditions.js";
import {
  AlreadyExistsError,
  BlockedError,
  errorMessage,
  kubeStatusCode,
  RetryableError,
  TerminalError,
} from "./errors.js";
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

/** The other objects of the kind that claim what an object claims (see claims.ts). */
export type RivalLookup<T> = (object: T) => T[];

/** A status write lost a race with another writer: the key is requeued without noise. */
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

interface Event {
  type: EventType;
  reason: string;
  message: string;
}

type Outcome = { status: ManagedStatus; action: Action; events: Event[] };

/** Ready reasons that say the external thing existed at the last reconcile. */
const EXISTED = new Set(["Available", "Updating"]);

export class ManagedReconciler<T extends ManagedObject> {
  private readonly kindName: string;

  constructor(
    private readonly kind: ManagedKind<T>,
    private readonly client: ResourceClient<T>,
    private readonly events: EventRecorder,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: ReconcilerOptions,
    private readonly rivals: RivalLookup<T> = () => [],
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
    const keeper = this.keeperInsteadOf(object);
    if (object.metadata.deletionTimestamp) return this.finalize(object, keeper, log);

    let current = object;
    if (!hasFinalizer(current)) current = await guardConflict(() => addFinalizer(this.client, current));
    if (keeper) return this.finish(current, this.conflict(current, keeper));
    let outcome: Outcome;
    try {
      outcome = await this.sync(current, log);
    } catch (err) {
      return this.fail(current, err, log);
    }
    return this.finish(current, outcome);
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

  /**
   * Creates the external thing. A create answered "already exists" may have found this object's
   * own thing (an earlier create whose answer was lost): observe again, and go on from there.
   */
  private async create(object: T, external: ExternalClient<T>, log: Logger): Promise<Outcome> {
    let created: { status?: Record<string, unknown> };
    let note = "";
    try {
      created = await external.create(object);
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
      log.info("create answered 'already exists': observing again", { error: errorMessage(err) });
      const again = await external.observe(object);
      if (!again.exists) throw err;
      if (!again.upToDate) await external.update(object, again);
      created = { status: again.status };
      note = again.adopted ? ` (${again.adopted}, after the create's answer was lost)` : "";
    }
    // Ready at the last reconcile, missing now: someone deleted it out of band.
    const recreated = EXISTED.has(findCondition(object.status?.conditions, "Ready")?.reason ?? "");
    if (recreated) this.countDriftRepaired();
    log.info(recreated ? "re-created external resource deleted out of band" : "created external resource", {
      ...created.status,
    });
    const status = this.conditions(this.baseStatus(object, { ...created.status }), object, [
      { type: "Ready", status: "False", reason: "Creating", message: "created: waiting to confirm" },
      { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
    ]);
    const what = `${this.kindName} ${describeStatus(created.status)}`.trim();
    return {
      status,
      action: { requeueAfterMs: this.verifyAfter() },
      events: [
        recreated
          ? {
              type: "Normal",
              reason: "DriftRepaired",
              message: `re-created ${what}: it was deleted out of band`,
            }
          : { type: "Normal", reason: "Created", message: `created ${what}${note}` },
      ],
    };
  }

  private async update(
    object: T,
    external: ExternalClient<T>,
    observation: Observation,
    log: Logger,
  ): Promise<Outcome> {
    await external.update(object, observation);
    const changes = observation.diff ?? [];
    const repaired = this.wasApplied(object) && !observation.adopted;
    log.info(repaired ? "repaired drift" : "updated external resource", { changes });
    if (repaired) this.countDriftRepaired();
    const status = this.conditions(
      this.baseStatus(object, {
        ...observation.status,
        atProvider: observation.observed,
        plannedChanges: changes,
      }),
      object,
      [
        {
          type: "Ready",
          status: "False",
          reason: "Updating",
          message: `applied ${describeChanges(changes)}: waiting to confirm`,
        },
        { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
      ],
    );
    return {
      status,
      action: { requeueAfterMs: this.verifyAfter() },
      events: [
        ...this.adoptedEvent(object, observation),
        repaired
          ? {
              type: "Normal",
              reason: "DriftRepaired",
              message: `repaired drift in ${describeChanges(changes)}`,
            }
          : { type: "Normal", reason: "Updated", message: `applied ${describeChanges(changes)}` },
      ],
    };
  }

  /**
   * Whether this very spec was already applied (Updating) or confirmed (Available) by an earlier
   * reconcile: a difference now is drift (someone changed it), not the rest of a spec change, of
   * a create or of a failed attempt.
   */
  private wasApplied(object: T): boolean {
    const ready = findCondition(object.status?.conditions, "Ready");
    const applied = ready?.status === "True" || ready?.reason === "Updating";
    return applied && ready?.observedGeneration === object.metadata.generation;
  }

  private reportMissing(object: T, observation: Observation): Outcome {
    const planned: Change[] = observation.diff ?? [{ path: "", to: "created" }];
    const status = this.conditions(
      this.baseStatus(object, { ...observation.status, plannedChanges: planned, atProvider: undefined }),
      object,
      [
        {
          type: "Ready",
          status: "False",
          reason: "NotFound",
          message: "does not exist in the provider; ObserveOnly: not creating it",
        },
        { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
      ],
    );
    return { status, action: { requeueAfterMs: this.pollInterval() }, events: [] };
  }

  private reportDrift(object: T, observation: Observation): Outcome {
    const planned = observation.diff ?? [];
    const wasDrifted = findCondition(object.status?.conditions, "Ready")?.reason === "Drifted";
    if (!wasDrifted) this.metrics.driftDetected.inc({ kind: this.kindName });
    const status = this.conditions(
      this.baseStatus(object, {
        ...observation.status,
        atProvider: observation.observed,
        plannedChanges: planned,
      }),
      object,
      [
        {
          type: "Ready",
          status: "False",
          reason: "Drifted",
          message: `ObserveOnly: ${describeChanges(planned)} differ from the spec`,
        },
        { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
      ],
    );
    return {
      status,
      action: { requeueAfterMs: this.pollInterval() },
      events: wasDrifted
        ? []
        : [
            {
              type: "Warning",
              reason: "DriftDetected",
              message: `${describeChanges(planned)} differ from the spec`,
            },
          ],
    };
  }

  private inSync(object: T, observation: Observation): Outcome {
    const status = this.conditions(
      this.baseStatus(object, {
        ...observation.status,
        atProvider: observation.observed,
        plannedChanges: [],
      }),
      object,
      [
        { type: "Ready", status: "True", reason: "Available", message: "" },
        { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
      ],
    );
    return {
      status,
      action: { requeueAfterMs: this.pollInterval() },
      events: this.adoptedEvent(object, observation),
    };
  }

  /** An Adopted event when observe took over an existing thing (update and in-sync are Enforce only). */
  private adoptedEvent(object: T, observation: Observation): Event[] {
    if (!observation.adopted || object.spec.managementPolicy === "ObserveOnly") return [];
    return [{ type: "Normal", reason: "Adopted", message: observation.adopted }];
  }

  /** Another object keeps what this one claims: report it, write nothing to the provider. */
  private conflict(object: T, keeper: T): Outcome {
    const claim = this.kind.claim?.(object) ?? "external resource";
    const reason = "Conflict";
    const message = `${claimantOf(keeper).name} manages the same ${claim} and keeps it (an object written directly beats a baseline's, then the earlier claim): this object changes nothing while it does`;
    const previous = findCondition(object.status?.conditions, "Stalled");
    const status = this.conditions(this.baseStatus(object, {}), object, [
      { type: "Ready", status: "False", reason, message },
      { type: "Synced", status: "False", reason, message },
      { type: "Stalled", status: "True", reason, message },
    ]);
    const repeated = previous?.reason === reason && previous.message === message;
    // The rival's changes requeue this key at once (claim index); the poll is a safety net.
    return {
      status,
      action: { requeueAfterMs: this.pollInterval(), stalled: true },
      events: repeated ? [] : [{ type: "Warning", reason, message }],
    };
  }

  /** The rival that keeps this object's claim, if any. */
  private keeperInsteadOf(object: T): T | undefined {
    if (!this.kind.claim) return undefined;
    const rivals = this.rivals(object);
    if (rivals.length === 0) return undefined;
    const me: Claimant = claimantOf(object);
    return winningRival(me, rivals, claimantOf);
  }

  /**
   * Turns an error into conditions and (on a transition only) a Warning event. A TerminalError
   * waits for a spec change; a BlockedError is checked again at the next poll; anything else is
   * rethrown for backoff.
   */
  private async fail(object: T, err: unknown, log: Logger): Promise<Action> {
    const outcome = this.failure(object, err, log);
    await this.finish(object, outcome);
    if (err instanceof TerminalError) return outcome.action;
    throw err;
  }

  private failure(object: T, err: unknown, log: Logger): Outcome {
    const message = errorMessage(err);
    const terminal = err instanceof TerminalError;
    const reason = terminal || err instanceof RetryableError ? err.reason : "ReconcileError";
    log[terminal ? "warn" : "info"]("reconcile failed", { error: message, reason, terminal });
    const previous = findCondition(object.status?.conditions, "Synced");
    const repeated =
      previous?.status === "False" && previous.reason === reason && previous.message === message;
    const updates: ConditionUpdate[] = [{ type: "Synced", status: "False", reason, message }];
    if (terminal) updates.push({ type: "Stalled", status: "True", reason, message });
    if (!findCondition(object.status?.conditions, "Ready")) {
      updates.push({ type: "Ready", status: "False", reason, message });
    }
    const action: Action =
      err instanceof BlockedError
        ? { requeueAfterMs: this.pollInterval(), stalled: true }
        : { awaitChange: true, stalled: terminal };
    return {
      status: this.conditions(this.baseStatus(object, {}), object, updates),
      action,
      events: repeated ? [] : [{ type: "Warning", reason: terminal ? "Stalled" : "ReconcileError", message }],
    };
  }

  /**
   * Deleting: Retain (or ObserveOnly) drops the finalizer; Delete deletes, verifies, then drops it.
   * An object a rival keeps the claim from never deletes what the rival manages.
   */
  private async finalize(object: T, keeper: T | undefined, log: Logger): Promise<Action> {
    if (!hasFinalizer(object)) return { awaitChange: true };
    const retain =
      object.spec.deletionPolicy !== "Delete" || object.spec.managementPolicy === "ObserveOnly" || keeper;
    if (retain) {
      await guardConflict(() => removeFinalizer(this.client, object));
      log.info(
        keeper
          ? `deleted object; ${claimantOf(keeper).name} keeps the external resource`
          : "deleted object; external resource retained",
      );
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
      return this.fail(object, err, log);
    }
    await guardConflict(() => removeFinalizer(this.client, object));
    await this.events.record(object, "Normal", "Deleted", `deleted ${this.kindName} in the provider`);
    log.info("deleted external resource");
    return { awaitChange: true };
  }

  /**
   * Paused: nothing is compared or changed, and Ready no longer vouches for the provider (it may
   * have drifted meanwhile): Ready=Unknown, Synced=False, both with reason ReconcilePaused.
   */
  private async pause(object: T): Promise<Action> {
    const synced = findCondition(object.status?.conditions, "Synced");
    if (synced?.reason !== "ReconcilePaused") {
      const message = `paused by the ${PAUSED_ANNOTATION} annotation: not compared with the provider`;
      const status = this.conditions(this.baseStatus(object, {}), object, [
        { type: "Ready", status: "Unknown", reason: "ReconcilePaused", message },
        { type: "Synced", status: "False", reason: "ReconcilePaused", message },
      ]);
      await this.writeStatus(object, status);
    }
    return { awaitChange: true };
  }

  /**
   * Records the outcome's events, then writes its status once; returns its action. Events first:
   * they say what happened in the provider, which stays true even if the status write then loses
   * a race (409) and the key is requeued.
   */
  private async finish(object: T, outcome: Outcome): Promise<Action> {
    for (const e of outcome.events) await this.events.record(object, e.type, e.reason, e.message);
    await this.writeStatus(object, outcome.status);
    return outcome.action;
  }

  private countDriftRepaired(): void {
    this.metrics.driftDetected.inc({ kind: this.kindName });
    this.metrics.driftRepaired.inc({ kind: this.kindName });
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
    await guardConflict(() => this.client.replaceStatus({ ...object, status }));
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
