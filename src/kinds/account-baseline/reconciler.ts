/**
 * The AccountBaseline controller's reconcile: discover the organization, select accounts, and
 * make the child PasswordPolicy / PublicAccessBlock objects match (create, update, delete); the
 * children's own controllers do the AWS work. Conflicts: a standalone object for an account and
 * setting always keeps it (the more specific statement); between baselines the older one wins
 * (creationTimestamp, then name), so every baseline computes the same winner and none flaps.
 */
import { accountBaselineSpec, MAX_REPORTED_FAILURES } from "../../api/account-baseline.js";
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
import type { Action, ManagedObject } from "../../runtime/managed.js";
import { ConflictError, guardConflict } from "../../runtime/managed-reconciler.js";
import type { ResourceClient } from "../../runtime/resource-client.js";
import {
  BASELINE_LABEL,
  type BaselineObject,
  childManifest,
  childUpToDate,
  olderFirst,
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
    /** Every baseline as the informer sees it (to compare ages in conflicts). */
    private readonly allBaselines: () => BaselineObject[],
    private readonly discovery: OrganizationDiscovery,
    private readonly events: EventRecorder,
    private readonly logger: Logger,
    private readonly options: BaselineOptions,
  ) {}

  async reconcile(object: BaselineObject | undefined): Promise<Action> {
    if (!object) return { awaitChange: true };
    const log = this.logger.child({ kind: "AccountBaseline", name: object.metadata.name });
    if (object.metadata.deletionTimestamp) return this.finalize(object, log);
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
      const claimants = othersByAccount(all, baseline.metadata.name);
      for (const accountId of wanted.templates[kind] ? selection.accountIds : []) {
        const rival = this.olderRival(baseline, claimants.get(accountId) ?? []);
        if (rival) {
          conflicts.push({
            accountId,
            setting: kind,
            reason: "Conflict",
            message: `${kind} of ${accountId} is managed by ${rival}`,
          });
          ready.set(accountId, false);
          continue;
        }
        const desired = childManifest(baseline, wanted, kind, accountId);
        keep.add(desired.metadata.name);
        const child = mine.get(desired.metadata.name);
        if (!child) {
          await client.create(desired);
          log.info("created child", { child: `${kind}/${desired.metadata.name}`, accountId });
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
        if (childReady?.status !== "True" || !generationSeen) ready.set(accountId, false);
        if (childReady?.reason === "Drifted") drifted.add(accountId);
        const synced = findCondition(child.status?.conditions, "Synced");
        if (synced?.status === "False")
          failures.push({ accountId, setting: kind, reason: synced.reason, message: synced.message });
      }
      for (const [name, child] of mine) {
        if (keep.has(name)) continue;
        await client.delete(name);
        log.info("deleted child: account left the selection", {
          child: `${kind}/${name}`,
          accountId: (child.spec as { accountId?: string }).accountId,
        });
      }
    }
    const readyCount = [...ready.values()].filter(Boolean).length;
    const failing = new Set([...failures, ...conflicts].map((f) => f.accountId));
    const allReady = readyCount === selection.accountIds.length && failing.size === 0;
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

  /** Who else manages this setting of this account and wins: any standalone object, or an older baseline. */
  private olderRival(baseline: BaselineObject, others: ManagedObject[]): string | undefined {
    const me = { creationTimestamp: baseline.metadata.creationTimestamp, name: baseline.metadata.name };
    for (const o of others) {
      const owner = o.metadata.labels?.[BASELINE_LABEL];
      if (!owner) return `${o.kind}/${o.metadata.name}`;
      const other = this.allBaselines().find((b) => b.metadata.name === owner);
      if (other && olderFirst({ creationTimestamp: other.metadata.creationTimestamp, name: owner }, me) < 0) {
        return `AccountBaseline/${owner}`;
      }
    }
    return undefined;
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
 * Objects of one kind that are not this baseline's children, by the account they manage: built
 * once per reconcile, so a baseline over N accounts does not scan every object N times.
 */
function othersByAccount(all: ManagedObject[], baselineName: string): Map<string, ManagedObject[]> {
  const byAccount = new Map<string, ManagedObject[]>();
  for (const o of all) {
    const accountId = (o.spec as { accountId?: string }).accountId;
    if (!accountId || o.metadata.labels?.[BASELINE_LABEL] === baselineName) continue;
    byAccount.set(accountId, [...(byAccount.get(accountId) ?? []), o]);
  }
  return byAccount;
}
