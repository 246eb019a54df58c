/**
 * The AccountBaseline controller's reconcile: discover the organization, select accounts, and
 * make the child PasswordPolicy / PublicAccessBlock objects match (create, update, delete); the
 * children's own controllers do the AWS work. Conflicts follow the one rule of runtime/claims.ts:
 * a standalone object for an account and setting keeps it (the more specific statement); between
 * baselines, the one whose child claimed the account first keeps it; so none flaps. Paused, a
 * baseline pauses its children too.
 */
import { accountBaselineSpec, MAX_REPORTED_FAILURES } from "../../api/account-baseline.js";
import { type Claimant, claimantOf, winningRival } from "../../runtime/claims.js";
import {
  type Condition,
  type ConditionUpdate,
  findCondition,
  setCondition,
} from "../../runtime/conditions.js";
import type { Reconciler } from "../../runtime/controller.js";
import { errorMessage, RetryableError, TerminalError } from "../../runtime/errors.js";
import type { EventRecorder } from "../../runtime/events.js";
import { addFinalizer, hasFinalizer, removeFinalizer } from "../../runtime/finalizer.js";
import type { Logger } from "../../runtime/logger.js";
import { type Action, type ManagedObject, PAUSED_ANNOTATION } from "../../runtime/managed.js";
import { ConflictError, guardConflict } from "../../runtime/managed-reconciler.js";
import type { JsonPatchOp, ResourceClient } from "../../runtime/resource-client.js";
import {
  BASELINE_LABEL,
  type BaselineObject,
  childManifest,
  childUpToDate,
  SETTING_KINDS,
  type SettingKind,
  settingsOf,
} from "./children.js";
import type { OrganizationDiscovery } from "./discovery.js";
import { selectAccounts } from "./selection.js";

export interface BaselineOptions {
  discoveryIntervalMs: number;
  /** How soon to look at the children again while some are not Ready. */
  progressIntervalMs: number;
}

interface Failure {
  accountId: string;
  setting?: string;
  reason: string;
  message?: string;
}

export class AccountBaselineReconciler implements Reconciler<BaselineObject> {
  constructor(
    private readonly baselines: ResourceClient<BaselineObject>,
    private readonly settings: Record<SettingKind, ResourceClient<ManagedObject>>,
    /** What an object of a setting kind claims (the account it keeps the setting of). */
    private readonly claimOf: (object: ManagedObject) => string,
    private readonly discovery: OrganizationDiscovery,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
    private readonly options: BaselineOptions,
  ) {}

  async reconcile(object: BaselineObject | undefined): Promise<Action> {
    if (!object) return { awaitChange: true };
    const log = this.logger.child({ kind: "AccountBaseline", name: object.metadata.name });
    if (object.metadata.deletionTimestamp) return this.finalize(object, log);
    if (object.metadata.annotations?.[PAUSED_ANNOTATION] === "true") return this.pause(object, log);
    let baseline = object;
    if (!hasFinalizer(baseline)) baseline = await this.guard(() => addFinalizer(this.baselines, baseline));
    try {
      return await this.sync(baseline, log);
    } catch (err) {
      if (err instanceof ConflictError) throw err;
      const terminal = err instanceof TerminalError;
      const reason = terminal || err instanceof RetryableError ? err.reason : "ReconcileError";
      const message = errorMessage(err);
      log.warn("reconcile failed", { error: message, reason });
      const conditions = this.conditions(baseline, [
        { type: "Synced", status: "False", reason, message },
        ...(terminal ? [{ type: "Stalled", status: "True" as const, reason, message }] : []),
      ]);
      await this.writeStatus(baseline, {
        ...baseline.status,
        conditions,
        observedGeneration: baseline.metadata.generation,
      });
      if (terminal) return { awaitChange: true, stalled: true };
      throw err;
    }
  }

  private async sync(baseline: BaselineObject, log: Logger): Promise<Action> {
    const parsed = accountBaselineSpec.safeParse(baseline.spec);
    if (!parsed.success)
      throw new TerminalError(
        "InvalidSpec",
        `invalid spec: ${parsed.error.issues.map((i) => i.message).join("; ")}`,
      );
    const specChanged = baseline.status?.observedGeneration !== baseline.metadata.generation;
    const view = await this.discovery.view(specChanged ? 0 : this.options.discoveryIntervalMs);
    const wanted = settingsOf(baseline);
    const selection = selectAccounts(view, wanted.accounts);
    const failures: Failure[] = selection.unresolved.map((u) => ({
      accountId: u,
      reason: "NotFound",
      message: `${u} is not in the organization`,
    }));
    const conflicts: Failure[] = [];
    const added = new Set<string>();
    const dropped = new Set<string>();
    const ready = new Map<string, boolean>(selection.accountIds.map((a) => [a, true]));
    const drifted = new Set<string>();
    for (const kind of SETTING_KINDS) {
      const client = this.settings[kind];
      const all = (await client.list()).items;
      const mine = new Map(
        all
          .filter((o) => o.metadata.labels?.[BASELINE_LABEL] === baseline.metadata.name)
          .map((o) => [o.metadata.name, o]),
      );
      const keep = new Set<string>();
      const claimants = othersByClaim(all, baseline.metadata.name, this.claimOf);
      for (const accountId of wanted.templates[kind] ? selection.accountIds : []) {
        const desired = childManifest(baseline, wanted, kind, accountId);
        const child = mine.get(desired.metadata.name);
        const rival = keeperInsteadOf(desired, child, claimants.get(this.claimOf(desired)) ?? []);
        if (rival) {
          conflicts.push({
            accountId,
            setting: kind,
            reason: "Conflict",
            message: `${kind} of ${accountId} is managed by ${describeClaimant(rival)}`,
          });
          ready.set(accountId, false);
          continue;
        }
        keep.add(desired.metadata.name);
        if (!child) {
          await client.create(desired);
          added.add(accountId);
          log.info("created child", { child: `${kind}/${desired.metadata.name}`, accountId });
          ready.set(accountId, false);
          continue;
        }
        if (child.metadata.annotations?.[PAUSED_ANNOTATION] === "true") {
          // The baseline was paused with its children and is not any more.
          await this.guard(() => client.jsonPatch(child.metadata.name, pausePatch(child, false)));
          ready.set(accountId, false);
          continue;
        }
        if (!childUpToDate(child, desired)) {
          await this.guard(() => client.replace({ ...child, spec: desired.spec }));
          ready.set(accountId, false);
          continue;
        }
        const childReady = findCondition(child.status?.conditions, "Ready");
        const generationSeen = child.status?.observedGeneration === child.metadata.generation;
        // A child whose last read failed but which is still Ready keeps counting as ready (it is
        // listed under failures); a stalled child does not.
        const stalled = findCondition(child.status?.conditions, "Stalled")?.status === "True";
        if (childReady?.status !== "True" || !generationSeen || stalled) ready.set(accountId, false);
        if (childReady?.reason === "Drifted") drifted.add(accountId);
        const synced = findCondition(child.status?.conditions, "Synced");
        if (synced?.status === "False")
          failures.push({ accountId, setting: kind, reason: synced.reason, message: synced.message });
      }
      for (const [name, child] of mine) {
        if (keep.has(name)) continue;
        await client.delete(name);
        const droppedAccount = (child.spec as { accountId?: string }).accountId;
        if (droppedAccount) dropped.add(droppedAccount);
        log.info("deleted child: the account left the selection, or another object keeps it", {
          child: `${kind}/${name}`,
          accountId: (child.spec as { accountId?: string }).accountId,
        });
      }
    }
    const readyCount = [...ready.values()].filter(Boolean).length;
    const failing = new Set([...failures, ...conflicts].map((f) => f.accountId));
    const allReady =
      readyCount === selection.accountIds.length &&
      conflicts.length === 0 &&
      selection.unresolved.length === 0;
    const updates: ConditionUpdate[] = [
      allReady
        ? { type: "Ready", status: "True", reason: "Available", message: `${readyCount} account(s) ready` }
        : {
            type: "Ready",
            status: "False",
            reason:
              conflicts.length > 0 ? "Conflict" : failures.length > 0 ? "ChildrenFailing" : "Progressing",
            message: `${readyCount} of ${selection.accountIds.length} account(s) ready`,
          },
      { type: "Synced", status: "True", reason: "ReconcileSuccess", message: "" },
      conflicts.length > 0
        ? {
            type: "Conflict",
            status: "True",
            reason: "ManagedElsewhere",
            message: conflicts
              .slice(0, 10)
              .map((c) => c.message)
              .join("; "),
          }
        : { type: "Conflict", status: "False", reason: "NoConflict", message: "" },
    ];
    await this.recordTransitions(baseline, { added, dropped, allReady, readyCount });
    const previousConflict =
      findCondition(baseline.status?.conditions as Condition[] | undefined, "Conflict")?.status === "True";
    if (conflicts.length > 0 && !previousConflict) {
      await this.events.record(
        baseline,
        "Warning",
        "Conflict",
        conflicts
          .slice(0, 5)
          .map((c) => c.message)
          .join("; "),
      );
    }
    await this.writeStatus(baseline, {
      ...baseline.status,
      observedGeneration: baseline.metadata.generation,
      lastSyncTime: new Date().toISOString(),
      conditions: this.conditions(baseline, updates, true),
      atProvider: { organizationId: view.organizationId },
      matchedAccounts: selection.accountIds.length,
      readyAccounts: readyCount,
      driftedAccounts: drifted.size,
      failingAccounts: failing.size,
      failures: [...conflicts, ...failures].slice(0, MAX_REPORTED_FAILURES),
    });
    return { requeueAfterMs: allReady ? this.options.discoveryIntervalMs : this.options.progressIntervalMs };
  }

  /** Events for what changed: accounts added or dropped, and becoming Ready (never on a quiet pass). */
  private async recordTransitions(
    baseline: BaselineObject,
    change: { added: Set<string>; dropped: Set<string>; allReady: boolean; readyCount: number },
  ): Promise<void> {
    const list = (ids: Set<string>) => {
      const sorted = [...ids].sort();
      return sorted.length <= 5
        ? sorted.join(", ")
        : `${sorted.slice(0, 5).join(", ")} and ${sorted.length - 5} more`;
    };
    if (change.added.size > 0) {
      await this.events.record(
        baseline,
        "Normal",
        "AccountsAdded",
        `now applies to ${change.added.size} more account(s): ${list(change.added)}`,
      );
    }
    if (change.dropped.size > 0) {
      await this.events.record(
        baseline,
        "Normal",
        "AccountsDropped",
        `no longer applies to ${change.dropped.size} account(s): ${list(change.dropped)}`,
      );
    }
    const wasReady =
      findCondition(baseline.status?.conditions as Condition[] | undefined, "Ready")?.status === "True";
    if (change.allReady && !wasReady) {
      await this.events.record(baseline, "Normal", "Ready", `all ${change.readyCount} account(s) ready`);
    }
  }

  /**
   * Paused: the baseline stops following the organization, and each child is paused too (so no
   * setting is changed or repaired while the baseline is); Ready no longer vouches for AWS.
   * Unpausing resumes both (sync removes the children's annotation).
   */
  private async pause(baseline: BaselineObject, log: Logger): Promise<Action> {
    for (const kind of SETTING_KINDS) {
      const children = (await this.settings[kind].list(`${BASELINE_LABEL}=${baseline.metadata.name}`)).items;
      for (const child of children) {
        if (child.metadata.annotations?.[PAUSED_ANNOTATION] === "true") continue;
        await this.guard(() => this.settings[kind].jsonPatch(child.metadata.name, pausePatch(child, true)));
        log.info("paused child", { child: `${kind}/${child.metadata.name}` });
      }
    }
    if (
      findCondition(baseline.status?.conditions as Condition[] | undefined, "Synced")?.reason !==
      "ReconcilePaused"
    ) {
      const message = `paused by the ${PAUSED_ANNOTATION} annotation, with its children: AWS is not compared with the spec`;
      await this.writeStatus(baseline, {
        ...baseline.status,
        observedGeneration: baseline.metadata.generation,
        conditions: this.conditions(
          baseline,
          [
            { type: "Ready", status: "Unknown", reason: "ReconcilePaused", message },
            { type: "Synced", status: "False", reason: "ReconcilePaused", message },
          ],
          true,
        ),
      });
    }
    return { awaitChange: true };
  }

  /** Deleting: delete every child (each follows its own deletionPolicy), then drop the finalizer. */
  private async finalize(baseline: BaselineObject, log: Logger): Promise<Action> {
    if (!hasFinalizer(baseline)) return { awaitChange: true };
    let remaining = 0;
    for (const kind of SETTING_KINDS) {
      const children = (await this.settings[kind].list(`${BASELINE_LABEL}=${baseline.metadata.name}`)).items;
      remaining += children.length;
      for (const child of children)
        if (!child.metadata.deletionTimestamp) await this.settings[kind].delete(child.metadata.name);
    }
    if (remaining > 0) {
      log.info("waiting for children to be deleted", { remaining });
      return { requeueAfterMs: this.options.progressIntervalMs };
    }
    await this.guard(() => removeFinalizer(this.baselines, baseline));
    return { awaitChange: true };
  }

  private conditions(
    baseline: BaselineObject,
    updates: ConditionUpdate[],
    clearStalled = false,
  ): Condition[] {
    let conditions = (baseline.status?.conditions as Condition[] | undefined) ?? [];
    if (clearStalled) conditions = conditions.filter((c) => c.type !== "Stalled");
    for (const u of updates)
      conditions = setCondition(
        conditions,
        { ...u, observedGeneration: baseline.metadata.generation },
        new Date(),
      );
    return conditions;
  }

  private async writeStatus(baseline: BaselineObject, status: Record<string, unknown>): Promise<void> {
    await this.guard(() => this.baselines.replaceStatus({ ...baseline, status }));
  }

  private guard<R>(write: () => Promise<R>): Promise<R> {
    return guardConflict(write);
  }
}

/**
 * Objects of one kind that are not this baseline's children, by what they claim: built once per
 * reconcile, so a baseline over N accounts does not scan every object N times.
 */
function othersByClaim(
  all: ManagedObject[],
  baselineName: string,
  claimOf: (object: ManagedObject) => string,
): Map<string, ManagedObject[]> {
  const byClaim = new Map<string, ManagedObject[]>();
  for (const o of all) {
    if (o.metadata.labels?.[BASELINE_LABEL] === baselineName) continue;
    const claim = claimOf(o);
    byClaim.set(claim, [...(byClaim.get(claim) ?? []), o]);
  }
  return byClaim;
}

/**
 * The rival that keeps the setting instead of this baseline's child (existing, or about to be
 * created: a claim not made yet loses to every existing one), by the rule of runtime/claims.ts.
 */
function keeperInsteadOf(
  desired: ManagedObject,
  child: ManagedObject | undefined,
  rivals: ManagedObject[],
): ManagedObject | undefined {
  const me: Claimant = claimantOf(child ?? desired);
  return winningRival(
    me,
    rivals.filter((r) => !r.metadata.deletionTimestamp),
    claimantOf,
  );
}

/** A rival as users know it: a standalone object by name, a baseline's child by its baseline. */
function describeClaimant(object: ManagedObject): string {
  const owner = object.metadata.labels?.[BASELINE_LABEL];
  return owner ? `AccountBaseline/${owner}` : `${object.kind}/${object.metadata.name}`;
}

/** The JSON Patch that sets (or removes) a child's pause annotation. */
function pausePatch(child: ManagedObject, paused: boolean): JsonPatchOp[] {
  const path = `/metadata/annotations/${PAUSED_ANNOTATION.replace("/", "~1")}`;
  if (!paused) return [{ op: "remove", path }];
  return child.metadata.annotations
    ? [{ op: "add", path, value: "true" }]
    : [{ op: "add", path: "/metadata/annotations", value: { [PAUSED_ANNOTATION]: "true" } }];
}
