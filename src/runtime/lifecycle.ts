/**
 * The one reconcile machinery every controller shares, whatever its objects do: the managed
 * reconciler (one external thing per object) and composites (AccountBaseline) only supply their
 * steps (ReconcileSteps); the controller runs them through this, and so do `orgguard plan` and
 * `apply` (with an in-memory writer). It owns what must be the same everywhere:
 *
 * - paused (`orgguard.io/paused`): nothing is done, Ready=Unknown and Synced=False/ReconcilePaused;
 * - deleting: the kind's cleanup, then the finalizer goes (JSON Patch guarded by a test op);
 * - the finalizer is added before any work;
 * - failures become conditions and what happens next (TerminalError: Stalled until the spec
 *   changes; BlockedError: Stalled, checked every poll; past the deadline: DeadlineExceeded;
 *   anything else: retried with backoff by the caller);
 * - events only on transitions: an event that marks a condition is recorded only when that
 *   condition changes (status, reason or message), so a quiet poll records none;
 * - one status write per reconcile, with observedGeneration and conditions of this generation,
 *   after the events (they say what happened, which stays true if the write loses a race), and
 *   none at all when nothing changed.
 */
import { isDeepStrictEqual } from "node:util";
import {
  type Condition,
  type ConditionUpdate,
  findCondition,
  removeCondition,
  setCondition,
} from "./conditions.js";
import type { EventRecorder, EventType } from "./event-recorder.js";
import { addFinalizer, hasFinalizer, removeFinalizer } from "./finalizer.js";
import type { KubeObject } from "./kube-object.js";
import type { Logger } from "./logger.js";
import { type Action, PAUSED_ANNOTATION } from "./managed.js";
import {
  BlockedError,
  errorMessage,
  FailureWithStatus,
  kubeStatusCode,
  RetryableError,
  TerminalError,
} from "./reconcile-errors.js";
import type { ResourceClient } from "./resource-client.js";

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

/** An event to record about the object. */
export interface LifecycleEvent {
  type: EventType;
  reason: string;
  message: string;
  /**
   * The condition whose change this event announces: it is recorded only when that condition's
   * status, reason or message differs from before (a transition), never on a reconcile that found
   * the same. Absent: the event reports something done in this reconcile and is always recorded.
   */
  marks?: string;
}

/** What a reconcile's work found: status fields and conditions to write, events, what comes next. */
export interface Outcome {
  /** Status fields to set; an undefined value removes the field. */
  fields: Record<string, unknown>;
  /** Conditions to set, with this generation; Stalled is cleared unless set here. */
  conditions: ConditionUpdate[];
  events: LifecycleEvent[];
  action: Action;
}

/** What a kind's steps get besides the object. */
export interface ReconcileContext {
  log: Logger;
  /** Aborted at the reconcile's deadline: pass it to every call that can hang (AWS SDK calls). */
  signal: AbortSignal;
  /** Records an event at once (for steps that act outside an Outcome: finalize). */
  record(event: LifecycleEvent): Promise<void>;
}

/** A kind's part of the reconcile. */
export interface ReconcileSteps<T extends KubeObject> {
  /** The work on an object that is neither paused nor being deleted. */
  sync(object: T, context: ReconcileContext): Promise<Outcome>;
  /** Cleanup before the finalizer goes: "done", or what to do until it is (a requeue to verify). */
  finalize(object: T, context: ReconcileContext): Promise<"done" | Action>;
  /** More to do while paused (a composite pauses its children). */
  pause?(object: T, context: ReconcileContext): Promise<void>;
}

/** What the lifecycle needs of a client: status writes and JSON Patches (for the finalizer). */
export type ObjectWriter<T extends KubeObject> = Pick<ResourceClient<T>, "replaceStatus" | "jsonPatch">;

/** A reconcile that did not reach its goal: why, for the caller's one log line and its retry. */
export interface ReconcileFailure {
  error: unknown;
  reason: string;
  /** Stalled: no retry until the spec changes (TerminalError), or until the next poll (BlockedError). */
  stalled: boolean;
}

/** How a reconcile ended: what to do next, and the failure if there was one. */
export interface ReconcileResult {
  action: Action;
  /** Set when the reconcile failed; the action is then awaitChange unless it is to be polled. */
  failure?: ReconcileFailure;
  /** Whether the object was compared with the provider without error (for the oldest-check metric). */
  checked: boolean;
}

export interface LifecycleOptions {
  now?: () => Date;
}

type Status = Record<string, unknown> & { conditions?: Condition[]; observedGeneration?: number };

/** The reason a reconcile past its deadline reports. */
export const DEADLINE_REASON = "DeadlineExceeded";

export class Lifecycle<T extends KubeObject> {
  constructor(
    private readonly kindName: string,
    private readonly client: ObjectWriter<T>,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
    private readonly options: LifecycleOptions = {},
  ) {}

  /**
   * Reconciles `object` (as the cache has it now) with the kind's `steps`. A failure is written to
   * status and returned (the caller retries it with backoff unless the action says otherwise);
   * only ConflictError is thrown (retry at once with the newer object).
   */
  async reconcile(
    object: T | undefined,
    steps: ReconcileSteps<T>,
    signal: AbortSignal = new AbortController().signal,
  ): Promise<ReconcileResult> {
    if (!object) return { action: { awaitChange: true }, checked: false };
    const log = this.logger.child({ kind: this.kindName, name: object.metadata.name });
    const context: ReconcileContext = {
      log,
      signal,
      record: (e) => this.events.record(object, e.type, e.reason, e.message),
    };
    if (object.metadata.annotations?.[PAUSED_ANNOTATION] === "true") {
      return { action: await this.paused(object, steps, context), checked: false };
    }
    if (object.metadata.deletionTimestamp) return this.deleting(object, steps, context);
    let current = object;
    if (!hasFinalizer(current)) current = await guardConflict(() => addFinalizer(this.client, current));
    let outcome: Outcome;
    try {
      outcome = await steps.sync(current, context);
    } catch (err) {
      return this.fail(current, err, signal);
    }
    return { action: await this.finish(current, outcome), checked: true };
  }

  /** The conditions of `object` as they stand. */
  conditionsOf(object: T): Condition[] {
    return ((object.status as Status | undefined)?.conditions as Condition[] | undefined) ?? [];
  }

  /**
   * Paused: nothing is compared or changed, and Ready no longer vouches for the provider (it may
   * have drifted meanwhile): Ready=Unknown, Synced=False, both with reason ReconcilePaused.
   */
  private async paused(object: T, steps: ReconcileSteps<T>, context: ReconcileContext): Promise<Action> {
    await steps.pause?.(object, context);
    const message = `paused by the ${PAUSED_ANNOTATION} annotation: not compared with the provider`;
    await this.writeStatus(object, {
      fields: {},
      conditions: [
        { type: "Ready", status: "Unknown", reason: "ReconcilePaused", message },
        { type: "Synced", status: "False", reason: "ReconcilePaused", message },
      ],
    });
    return { awaitChange: true };
  }

  /** Deleting: the kind cleans up; the finalizer goes only once it says it is done. */
  private async deleting(
    object: T,
    steps: ReconcileSteps<T>,
    context: ReconcileContext,
  ): Promise<ReconcileResult> {
    if (!hasFinalizer(object)) return { action: { awaitChange: true }, checked: false };
    let result: "done" | Action;
    try {
      result = await steps.finalize(object, context);
    } catch (err) {
      return this.fail(object, err, context.signal);
    }
    if (result !== "done") return { action: result, checked: true };
    await guardConflict(() => removeFinalizer(this.client, object));
    return { action: { awaitChange: true }, checked: true };
  }

  /**
   * Turns an error into conditions and (on a transition only) a Warning event. A TerminalError
   * waits for a spec change; a BlockedError is checked again at the next poll; anything else is
   * returned for the caller to retry with backoff.
   */
  private async fail(object: T, thrown: unknown, signal: AbortSignal): Promise<ReconcileResult> {
    // Someone changed the object meanwhile: retry at once with the newer one, writing nothing.
    if (thrown instanceof ConflictError) throw thrown;
    // What the failed reconcile still has to record is written with its conditions.
    const carried = thrown instanceof FailureWithStatus ? thrown : undefined;
    const cause = carried ? carried.cause : thrown;
    const err = signal.aborted ? pastDeadline(cause, signal) : cause;
    const outcome = { ...this.failure(object, err), ...(carried ? { fields: carried.status } : {}) };
    await this.finish(object, outcome);
    const terminal = err instanceof TerminalError;
    const reason = terminal || err instanceof RetryableError ? err.reason : "ReconcileError";
    return { action: outcome.action, failure: { error: err, reason, stalled: terminal }, checked: false };
  }

  private failure(object: T, err: unknown): Outcome {
    const message = errorMessage(err);
    const terminal = err instanceof TerminalError;
    const reason = terminal || err instanceof RetryableError ? err.reason : "ReconcileError";
    const updates: ConditionUpdate[] = [{ type: "Synced", status: "False", reason, message }];
    if (terminal) updates.push({ type: "Stalled", status: "True", reason, message });
    if (!findCondition(this.conditionsOf(object), "Ready"))
      updates.push({ type: "Ready", status: "False", reason, message });
    const action: Action =
      err instanceof BlockedError ? { poll: true, stalled: true } : { awaitChange: true, stalled: terminal };
    return {
      fields: {},
      conditions: updates,
      action,
      events: [
        { type: "Warning", reason: terminal ? "Stalled" : "ReconcileError", message, marks: "Synced" },
      ],
    };
  }

  /**
   * Records the outcome's events (those that mark a condition only when it changes), then writes
   * its status once; returns its action.
   */
  async finish(object: T, outcome: Outcome): Promise<Action> {
    const before = this.conditionsOf(object);
    const after = this.nextConditions(object, outcome.conditions);
    for (const e of outcome.events) {
      if (e.marks !== undefined && !changed(findCondition(before, e.marks), findCondition(after, e.marks)))
        continue;
      await this.events.record(object, e.type, e.reason, e.message);
    }
    await this.writeStatus(object, outcome);
    return outcome.action;
  }

  /** The conditions after `updates`, for this generation; Stalled goes unless set again. */
  private nextConditions(object: T, updates: ConditionUpdate[]): Condition[] {
    const generation = object.metadata.generation;
    let conditions = this.conditionsOf(object);
    if (!updates.some((u) => u.type === "Stalled")) conditions = removeCondition(conditions, "Stalled");
    for (const u of updates) {
      conditions = setCondition(conditions, { ...u, observedGeneration: generation }, this.now());
    }
    return conditions;
  }

  /** The one status write: fields on top of the status as it was, conditions of this generation. */
  private async writeStatus(object: T, outcome: Pick<Outcome, "fields" | "conditions">): Promise<void> {
    const status: Status = { ...(object.status as Status | undefined), ...outcome.fields };
    for (const [k, v] of Object.entries(status)) if (v === undefined) delete status[k];
    status.observedGeneration = object.metadata.generation;
    status.conditions = this.nextConditions(object, outcome.conditions);
    // A check that found nothing new writes nothing: a write per object per poll would cost etcd
    // a revision each, for ever. When the last check ran is a metric (orgguard_oldest_check_age_seconds).
    if (sameStatus(object.status as Status | undefined, status)) return;
    status.lastSyncTime = this.now().toISOString();
    await guardConflict(() => this.client.replaceStatus({ ...object, status }));
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

/** Whether a condition changed in a way worth an event: appeared, or a new status, reason or message. */
function changed(before: Condition | undefined, after: Condition | undefined): boolean {
  if (!before || !after) return before !== after;
  return before.status !== after.status || before.reason !== after.reason || before.message !== after.message;
}

/**
 * The error of a reconcile cut off by its deadline: retryable, with the reason DeadlineExceeded and
 * what was running (the aborted call's own error), never the bare AbortError.
 */
function pastDeadline(err: unknown, signal: AbortSignal): RetryableError {
  const why = signal.reason instanceof Error ? signal.reason.message : "the reconcile's deadline passed";
  return new RetryableError(DEADLINE_REASON, `${why}; it was at: ${errorMessage(err)}`, { cause: err });
}

/** Whether two statuses say the same, lastSyncTime aside (it only dates the last change). */
function sameStatus(before: Status | undefined, after: Status): boolean {
  if (!before) return false;
  const { lastSyncTime: _before, ...was } = before;
  const { lastSyncTime: _after, ...is } = after;
  return isDeepStrictEqual(was, is);
}
