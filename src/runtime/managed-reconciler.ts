/**
 * The managed reconciler: one external thing per object, crossplane-runtime's order in small
 * steps. It is a kind's ReconcileSteps: the controller (and `orgguard plan` / `apply`) runs it on
 * the shared lifecycle, where pause, deletion, the finalizer, failures, transition-only events and
 * the status write live: rival keeps the claim? -> validate -> observe -> create | update | report |
 * nothing.
 */
import { type ClaimLookup, claimantOf } from "./claims.js";
import { findCondition } from "./conditions.js";
import type { LifecycleEvent, Outcome, ReconcileContext, ReconcileSteps } from "./lifecycle.js";
import type { Logger } from "./logger.js";
import type {
  Action,
  Change,
  ExternalClient,
  ManagedKind,
  ManagedObject,
  Observation,
  UnavailableRegion,
} from "./managed.js";
import type { Metrics } from "./metrics.js";
import { AlreadyExistsError, errorMessage, TerminalError } from "./reconcile-errors.js";

export { ConflictError, guardConflict } from "./lifecycle.js";

export interface ReconcilerOptions {
  /** How soon a create, update or delete is verified. */
  verifyAfterMs?: number;
  /** How soon an object whose change AWS is still applying (Progressing) is looked at again. */
  progressRecheckMs?: number;
  now?: () => Date;
}

/** The drift counters a reconcile moves (the controller's Metrics, or a throwaway one in the CLI). */
export type DriftMetrics = Pick<Metrics, "driftDetected" | "driftRepairedOf" | "regionUnavailable">;

/** Ready reasons that say the external thing existed at the last reconcile. */
const EXISTED = new Set(["Available", "Updating"]);

const SYNCED = { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" } as const;

const POLL: Action = { poll: true };

/** The poll, bounded by when the kind says what it keeps changes by itself (an expiry). */
const pollFor = (observation: Observation): Action =>
  observation.recheckAfterMs === undefined
    ? POLL
    : { poll: true, notLaterThanMs: Math.max(0, observation.recheckAfterMs) };

export class ManagedReconciler<T extends ManagedObject> implements ReconcileSteps<T> {
  private readonly kindName: string;

  constructor(
    private readonly kind: ManagedKind<T>,
    private readonly metrics: DriftMetrics,
    private readonly options: ReconcilerOptions = {},
    /** The objects that claim what an object claims (see claims.ts); none without. */
    private readonly claims?: ClaimLookup<T>,
  ) {
    this.kindName = kind.ref.kind;
  }

  /** Observe, then create, update, report or nothing; regions that could not be read said last. */
  async sync(object: T, context: ReconcileContext): Promise<Outcome> {
    const keeper = this.claims?.keeperOf(object);
    if (keeper) return this.conflict(object, keeper);
    const problems = this.kind.validate?.(object) ?? [];
    if (problems.length > 0) throw new TerminalError("InvalidSpec", `invalid spec: ${problems.join("; ")}`);
    const external = await this.kind.connect(object, { signal: context.signal });
    const observation = await external.observe(object);
    const outcome = await this.act(object, external, observation, context.log);
    const unavailable = observation.unavailableRegions ?? [];
    return unavailable.length > 0 ? this.regionsUnavailable(outcome, unavailable) : outcome;
  }

  /** Create, update, report or nothing, from what observe found. */
  private async act(
    object: T,
    external: ExternalClient<T>,
    observation: Observation,
    log: Logger,
  ): Promise<Outcome> {
    const observeOnly = object.spec.managementPolicy === "ObserveOnly";
    if (observation.progressing && (observation.diff ?? []).length === 0) {
      return this.reportProgressing(observation, observation.progressing);
    }
    if (!observation.exists) {
      return observeOnly ? this.reportMissing(observation) : this.create(object, external, observation, log);
    }
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
  private async create(
    object: T,
    external: ExternalClient<T>,
    observation: Observation,
    log: Logger,
  ): Promise<Outcome> {
    let created: { status?: Record<string, unknown> };
    let note = "";
    try {
      created = await external.create(object, observation);
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
    if (recreated) this.countDriftRepaired(object.metadata.name);
    log.info(recreated ? "re-created external resource deleted out of band" : "created external resource", {
      ...created.status,
    });
    const what = `${this.kindName} ${describeStatus(created.status)}`.trim();
    return {
      fields: {
        ...created.status,
        plannedChanges: observation.diff ?? [{ path: "", to: "created" }],
        ...(recreated ? this.repairedNow() : {}),
      },
      conditions: [
        { type: "Ready", status: "False", reason: "Creating", message: "created: waiting to confirm" },
        SYNCED,
      ],
      action: { requeueAfterMs: this.verifyAfter(), trigger: "verify" },
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
    if (repaired) this.countDriftRepaired(object.metadata.name);
    return {
      fields: {
        ...observation.status,
        atProvider: observation.observed,
        plannedChanges: changes,
        ...(repaired ? this.repairedNow() : {}),
      },
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "Updating",
          message: `applied ${describeChanges(changes)}: waiting to confirm`,
        },
        SYNCED,
      ],
      action: { requeueAfterMs: this.verifyAfter(), trigger: "verify" },
      events: [
        ...this.adoptedEvent(object, observation),
        ...(observation.events ?? []),
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

  /**
   * Some regions could not be read: what was done elsewhere stands (its fields and events), but
   * the object is neither Ready nor Synced, names the regions (at most ten), and looks again at
   * the next poll (or at the verify an update asked for).
   */
  private regionsUnavailable(outcome: Outcome, unavailable: readonly UnavailableRegion[]): Outcome {
    for (const { region } of unavailable) this.metrics.regionUnavailable.inc({ kind: this.kindName, region });
    const named = unavailable
      .slice(0, 10)
      .map((u) => `${u.region} (${u.reason})`)
      .join("; ");
    const more = unavailable.length > 10 ? ` and ${unavailable.length - 10} more` : "";
    const message = `not read, so not kept this time: ${named}${more}; the other regions were compared and kept`;
    const reason = "RegionUnavailable";
    return {
      ...outcome,
      conditions: [
        { type: "Ready", status: "False", reason, message },
        { type: "Synced", status: "False", reason, message },
      ],
      events: [...outcome.events, { type: "Warning", reason, message, marks: "Synced" }],
      // Whatever comes next stands (a verify, a poll, a recheck); a poll reads the region again.
      action: outcome.action,
    };
  }

  /** AWS is still applying an earlier change: neither drift nor a reason to write again. */
  private reportProgressing(observation: Observation, pending: string): Outcome {
    return {
      fields: { ...observation.status, atProvider: observation.observed, plannedChanges: [] },
      conditions: [
        { type: "Ready", status: "False", reason: "Progressing", message: `waiting for AWS: ${pending}` },
        SYNCED,
      ],
      action: { requeueAfterMs: this.progressRecheck(), trigger: "verify" },
      events: [],
    };
  }

  private reportMissing(observation: Observation): Outcome {
    return {
      fields: {
        ...observation.status,
        plannedChanges: observation.diff ?? [{ path: "", to: "created" }],
        // What was read, when "missing" is a state worth showing (AWS's own default rules).
        atProvider: observation.observed,
      },
      conditions: [
        {
          type: "Ready",
          status: "False",
          reason: "NotFound",
          message: "does not exist in the provider; ObserveOnly: not creating it",
        },
        SYNCED,
      ],
      action: pollFor(observation),
      events: [],
    };
  }

  private reportDrift(object: T, observation: Observation): Outcome {
    const planned = observation.diff ?? [];
    const wasDrifted = findCondition(object.status?.conditions, "Ready")?.reason === "Drifted";
    if (!wasDrifted) this.metrics.driftDetected.inc({ kind: this.kindName });
    const message = `ObserveOnly: ${describeChanges(planned)} differ from the spec`;
    return {
      fields: { ...observation.status, atProvider: observation.observed, plannedChanges: planned },
      conditions: [{ type: "Ready", status: "False", reason: "Drifted", message }, SYNCED],
      action: pollFor(observation),
      events: [
        {
          type: "Warning",
          reason: "DriftDetected",
          message: `${describeChanges(planned)} differ from the spec`,
          marks: "Ready",
        },
      ],
    };
  }

  private inSync(object: T, observation: Observation): Outcome {
    return {
      fields: { ...observation.status, atProvider: observation.observed, plannedChanges: [] },
      conditions: [{ type: "Ready", status: "True", reason: "Available", message: "" }, SYNCED],
      action: pollFor(observation),
      events: this.adoptedEvent(object, observation),
    };
  }

  /** An Adopted event when observe took over an existing thing (update and in-sync are Enforce only). */
  private adoptedEvent(object: T, observation: Observation): LifecycleEvent[] {
    if (!observation.adopted || object.spec.managementPolicy === "ObserveOnly") return [];
    return [{ type: "Normal", reason: "Adopted", message: observation.adopted }];
  }

  /** Another object keeps what this one claims: report it, write nothing to the provider. */
  private conflict(object: T, keeper: T): Outcome {
    const claim = this.kind.claim?.(object) ?? "external resource";
    const reason = "Conflict";
    const message = `${claimantOf(keeper).label} manages the same ${claim} and keeps it (an object written directly beats a baseline's, then the earlier claim): this object changes nothing while it does`;
    // The rival's changes requeue this key at once (claim index); the poll is a safety net.
    return {
      fields: {},
      conditions: [
        { type: "Ready", status: "False", reason, message },
        { type: "Synced", status: "False", reason, message },
        { type: "Stalled", status: "True", reason, message },
      ],
      action: { poll: true, stalled: true },
      events: [{ type: "Warning", reason, message, marks: "Stalled" }],
    };
  }

  /**
   * Deleting: Retain (or ObserveOnly) keeps the external thing; Delete deletes it, verifies, and
   * only then lets the finalizer go. An object a rival keeps the claim from never deletes it.
   */
  async finalize(object: T, context: ReconcileContext): Promise<"done" | Action> {
    const { log } = context;
    const keeper = this.claims?.keeperOf(object);
    const retain =
      object.spec.deletionPolicy !== "Delete" || object.spec.managementPolicy === "ObserveOnly" || keeper;
    if (retain) {
      log.info(
        keeper
          ? `deleted object; ${claimantOf(keeper).label} keeps the external resource`
          : "deleted object; external resource retained",
      );
      return "done";
    }
    const external = await this.kind.connect(object, { signal: context.signal });
    const observation = await external.observe(object);
    if (observation.exists) {
      await external.delete(object, observation);
      log.info("deleting external resource");
      await context.record({
        type: "Normal",
        reason: "Deleting",
        message: `deleting ${this.kindName} in the provider`,
      });
      return { requeueAfterMs: this.verifyAfter(), trigger: "verify" };
    }
    await context.record({
      type: "Normal",
      reason: "Deleted",
      message: `deleted ${this.kindName} in the provider`,
    });
    log.info("deleted external resource");
    return "done";
  }

  /** status.lastRepairTime, for a reconcile that repaired drift (orgguard report shows it). */
  private repairedNow(): { lastRepairTime: string } {
    return { lastRepairTime: (this.options.now?.() ?? new Date()).toISOString() };
  }

  private countDriftRepaired(name: string): void {
    this.metrics.driftDetected.inc({ kind: this.kindName });
    this.metrics.driftRepairedOf(this.kindName, name);
  }

  /** How soon a change AWS is still applying is looked at again. */
  private progressRecheck(): number {
    return this.options.progressRecheckMs ?? 15_000;
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
