/**
 * The one reconcile machinery every controller shares, whatever its objects do: the managed
 * reconciler (one external thing per object) and composites (AccountBaseline) both run their work
 * through it. It owns what must be the same everywhere:
 *
 * - paused (`orgguard.io/paused`): nothing is done, Ready=Unknown and Synced=False/ReconcilePaused;
 * - deleting: the kind's cleanup, then the finalizer goes (JSON Patch guarded by a test op);
 * - the finalizer is added before any work;
 * - failures become conditions, one Warning event per transition, and what happens next
 *   (TerminalError: Stalled until the spec changes; BlockedError: Stalled, checked every poll;
 *   anything else: rethrown for backoff);
 * - one status write per reconcile, with observedGeneration and conditions of this generation,
 *   after the events (they say what happened, which stays true if the write loses a race).
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

/** A kind's part of the reconcile. */
export interface ReconcileSteps<T extends KubeObject> {
  /** The work on an object that is neither paused nor being deleted. */
  sync(object: T, log: Logger): Promise<Outcome>;
  /** Cleanup before the finalizer goes: "done", or what to do until it is (a requeue to verify). */
  finalize(object: T, log: Logger): Promise<"done" | Action>;
  /** More to do while paused (a composite pauses its children). */
  pause?(object: T, log: Logger): Promise<void>;
}

/** What the lifecycle needs of a client: status writes and JSON Patches (for the finalizer). */
export type ObjectWriter<T extends KubeObject> = Pick<ResourceClient<T>, "replaceStatus" | "jsonPatch">;

export interface LifecycleOptions {
  /** The next poll's delay (a BlockedError is checked again then). */
  pollInterval(): number;
  now?: () => Date;
  /** Told after every reconcile that compared the object with the provider without error. */
  onChecked?: (name: string) => void;
}

type Status = Record<string, unknown> & { conditions?: Condition[]; observedGeneration?: number };

export class Lifecycle<T extends KubeObject> {
  constructor(
    private readonly kindName: string,
    private readonly client: ObjectWriter<T>,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
    private readonly options: LifecycleOptions,
  ) {}

  /**
   * Reconciles `object` (as the cache has it now) with the kind's `steps`. Throws when the key
   * should be retried with backoff; ConflictError when it should be retried at once.
   */
  async reconcile(object: T | undefined, steps: ReconcileSteps<T>): Promise<Action> {
    if (!object) return { awaitChange: true };
    const log = this.logger.child({ kind: this.kindName, name: object.metadata.name });
    if (object.metadata.annotations?.[PAUSED_ANNOTATION] === "true") return this.paused(object, steps, log);
    if (object.metadata.deletionTimestamp) return this.deleting(object, steps, log);
    let current = object;
    if (!hasFinalizer(current)) current = await guardConflict(() => addFinalizer(this.client, current));
    let outcome: Outcome;
    try {
      outcome = await steps.sync(current, log);
    } catch (err) {
      return this.fail(current, err, log);
    }
    const action = await this.finish(current, outcome);
    this.options.onChecked?.(current.metadata.name);
    return action;
  }

  /** The conditions of `object` as they stand. */
  conditionsOf(object: T): Condition[] {
    return ((object.status as Status | undefined)?.conditions as Condition[] | undefined) ?? [];
  }

  /**
   * Paused: nothing is compared or changed, and Ready no longer vouches for the provider (it may
   * have drifted meanwhile): Ready=Unknown, Synced=False, both with reason ReconcilePaused.
   */
  private async paused(object: T, steps: ReconcileSteps<T>, log: Logger): Promise<Action> {
    await steps.pause?.(object, log);
    if (findCondition(this.conditionsOf(object), "Synced")?.reason !== "ReconcilePaused") {
      const message = `paused by the ${PAUSED_ANNOTATION} annotation: not compared with the provider`;
      await this.writeStatus(object, {
        fields: {},
        conditions: [
          { type: "Ready", status: "Unknown", reason: "ReconcilePaused", message },
          { type: "Synced", status: "False", reason: "ReconcilePaused", message },
        ],
      });
    }
    return { awaitChange: true };
  }

  /** Deleting: the kind cleans up; the finalizer goes only once it says it is done. */
  private async deleting(object: T, steps: ReconcileSteps<T>, log: Logger): Promise<Action> {
    if (!hasFinalizer(object)) return { awaitChange: true };
    let result: "done" | Action;
    try {
      result = await steps.finalize(object, log);
    } catch (err) {
      return this.fail(object, err, log);
    }
    if (result !== "done") return result;
    await guardConflict(() => removeFinalizer(this.client, object));
    return { awaitChange: true };
  }

  /**
   * Turns an error into conditions and (on a transition only) a Warning event. A TerminalError
   * waits for a spec change; a BlockedError is checked again at the next poll; anything else is
   * rethrown for backoff.
   */
  private async fail(object: T, err: unknown, log: Logger): Promise<Action> {
    // Someone changed the object meanwhile: retry at once with the newer one, writing nothing.
    if (err instanceof ConflictError) throw err;
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
    const conditions = this.conditionsOf(object);
    const previous = findCondition(conditions, "Synced");
    const repeated =
      previous?.status === "False" && previous.reason === reason && previous.message === message;
    const updates: ConditionUpdate[] = [{ type: "Synced", status: "False", reason, message }];
    if (terminal) updates.push({ type: "Stalled", status: "True", reason, message });
    if (!findCondition(conditions, "Ready"))
      updates.push({ type: "Ready", status: "False", reason, message });
    const action: Action =
      err instanceof BlockedError
        ? { requeueAfterMs: this.options.pollInterval(), stalled: true }
        : { awaitChange: true, stalled: terminal };
    return {
      fields: {},
      conditions: updates,
      action,
      events: repeated ? [] : [{ type: "Warning", reason: terminal ? "Stalled" : "ReconcileError", message }],
    };
  }

  /** Records the outcome's events, then writes its status once; returns its action. */
  async finish(object: T, outcome: Outcome): Promise<Action> {
    for (const e of outcome.events) await this.events.record(object, e.type, e.reason, e.message);
    await this.writeStatus(object, outcome);
    return outcome.action;
  }

  /** The one status write: fields on top of the status as it was, conditions of this generation. */
  private async writeStatus(object: T, outcome: Pick<Outcome, "fields" | "conditions">): Promise<void> {
    const generation = object.metadata.generation;
    const status: Status = { ...(object.status as Status | undefined), ...outcome.fields };
    for (const [k, v] of Object.entries(status)) if (v === undefined) delete status[k];
    status.observedGeneration = generation;
    let conditions = this.conditionsOf(object);
    if (!outcome.conditions.some((u) => u.type === "Stalled"))
      conditions = removeCondition(conditions, "Stalled");
    for (const u of outcome.conditions) {
      conditions = setCondition(conditions, { ...u, observedGeneration: generation }, this.now());
    }
    status.conditions = conditions;
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

/** Whether two statuses say the same, lastSyncTime aside (it only dates the last change). */
function sameStatus(before: Status | undefined, after: Status): boolean {
  if (!before) return false;
  const { lastSyncTime: _before, ...was } = before;
  const { lastSyncTime: _after, ...is } = after;
  return isDeepStrictEqual(was, is);
}
