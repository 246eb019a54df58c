/**
 * The AccountBaseline controller's steps, on the shared lifecycle (pause, deletion, finalizer,
 * failures, transition-only events and the status write live in runtime/lifecycle.ts):
 *
 *   select (discover the organization, pick accounts) -> plan children (per setting and account:
 *   create, update, unpause, report, or conflict; children no longer wanted go) -> apply ->
 *   summarize (status counts, conditions, events).
 *
 * The children's own controllers do the AWS work; the baseline owns them (runtime/controller.ts
 * `owns`), so a child's change (its Ready turning False) reconciles its baseline within a moment,
 * never by polling. Conflicts follow the one rule of runtime/claims.ts, asked of the settings'
 * claim indexes: a standalone object for an account and setting keeps it (the more specific
 * statement); between baselines, the one whose child claimed the account first keeps it; so none
 * flaps. Paused, a baseline pauses its children too.
 */

import { specProblems } from "../../api/problems.js";
import type { OrganizationViews } from "../../aws/organization-view.js";
import { type ClaimLookup, claimantOf } from "../../runtime/claims.js";
import { type ConditionUpdate, findCondition } from "../../runtime/conditions.js";
import type { Informer } from "../../runtime/informer.js";
import {
  guardConflict,
  type LifecycleEvent,
  type Outcome,
  type ReconcileContext,
  type ReconcileSteps,
} from "../../runtime/lifecycle.js";
import { type Action, type ManagedObject, PAUSED_ANNOTATION } from "../../runtime/managed.js";
import { kubeStatusCode, TerminalError } from "../../runtime/reconcile-errors.js";
import type { JsonPatchOp, ResourceClient } from "../../runtime/resource-client.js";
import { accountBaselineSpec, MAX_REPORTED_FAILURES } from "./api.js";
import {
  BASELINE_LABEL,
  type BaselineObject,
  type BaselineSettings,
  childManifest,
  childUpToDate,
  settingsOf,
} from "./children.js";
import { complianceOf, compliantShare } from "./compliance.js";
import type { OrganizationView, Selection } from "./selection.js";
import { selectAccounts } from "./selection.js";

export interface BaselineOptions {
  /** How old the organization view may be when the spec did not change (--discovery-interval). */
  discoveryIntervalMs: number;
}

/** The writes and lists the baseline makes on one child kind (a ResourceClient, or a test's fake). */
export type ChildClient = Pick<
  ResourceClient<ManagedObject>,
  "create" | "replace" | "jsonPatch" | "delete" | "list"
>;

/** What the baseline reads and writes of one child kind: its client, its cache, its claims. */
export interface ChildKind {
  client: ChildClient;
  informer: Pick<Informer<ManagedObject>, "list">;
  claims: ClaimLookup<ManagedObject>;
}

/** The kinds a baseline's children may be, by kind name. */
export type ChildKinds = ReadonlyMap<string, ChildKind>;

/** An account whose baseline is not Ready, as status.failures lists it. */
export interface Failure {
  accountId: string;
  setting?: string;
  reason: string;
  message?: string;
}

/** What to do about one setting of one selected account. */
export type ChildAction =
  | { type: "create"; desired: ManagedObject }
  | { type: "update"; child: ManagedObject; desired: ManagedObject }
  | { type: "unpause"; child: ManagedObject }
  | { type: "report"; child: ManagedObject }
  | { type: "conflict"; failure: Failure };

interface ChildStep {
  accountId: string;
  kind: string;
  action: ChildAction;
}

/** Everything a reconcile will do to the children. */
interface ChildPlan {
  steps: ChildStep[];
  /** This baseline's children no longer wanted (the account left the selection, or a rival keeps it). */
  stale: ManagedObject[];
}

/** What discovery and selection found. */
interface Selected {
  view: OrganizationView;
  selection: Selection;
  settings: BaselineSettings;
}

export class AccountBaselineSteps implements ReconcileSteps<BaselineObject> {
  constructor(
    private readonly children: ChildKinds,
    private readonly discovery: OrganizationViews,
    private readonly options: BaselineOptions,
  ) {}

  async sync(baseline: BaselineObject, { log }: ReconcileContext): Promise<Outcome> {
    const selected = await this.select(baseline);
    const plan = this.planChildren(baseline, selected);
    const applied = await this.apply(plan, log);
    return this.summarize(baseline, selected, plan, applied);
  }

  /** Reads the organization (at once after a spec change, else at most once per interval) and picks accounts. */
  private async select(baseline: BaselineObject): Promise<Selected> {
    const problems = specProblems(accountBaselineSpec, baseline.spec);
    if (problems.length > 0) throw new TerminalError("InvalidSpec", `invalid spec: ${problems.join("; ")}`);
    const specChanged = baseline.status?.observedGeneration !== baseline.metadata.generation;
    const view = await this.discovery.view(specChanged ? 0 : this.options.discoveryIntervalMs);
    const settings = settingsOf(baseline);
    return { view, selection: selectAccounts(view, settings.accounts), settings };
  }

  /** For every setting the baseline names and every selected account: what to do about its child. */
  private planChildren(baseline: BaselineObject, { selection, settings }: Selected): ChildPlan {
    const plan: ChildPlan = { steps: [], stale: [] };
    for (const [kind, { informer, claims }] of this.children) {
      const mine = new Map(
        informer
          .list()
          .filter((o) => isChildOf(o, baseline))
          .map((o) => [o.metadata.name, o]),
      );
      const template = settings.templates.find((t) => t.setting.names.kind === kind);
      const keep = new Set<string>();
      for (const accountId of template ? selection.accountIds : []) {
        const desired = childManifest(baseline, settings, template!, accountId);
        const child = mine.get(desired.metadata.name);
        // A rival being deleted gives way at once: the child is made now and waits in its own
        // Conflict until the rival is gone (the claim index then wakes it).
        const rival = claims.keeperOf(child ?? desired, { ignoreDeleting: true });
        if (!rival) keep.add(desired.metadata.name);
        plan.steps.push({ accountId, kind, action: childAction(kind, accountId, desired, child, rival) });
      }
      plan.stale.push(...[...mine.values()].filter((c) => !keep.has(c.metadata.name)));
    }
    return plan;
  }

  /** Creates, updates, unpauses and deletes children; returns the accounts added and dropped. */
  private async apply(
    plan: ChildPlan,
    log: ReconcileContext["log"],
  ): Promise<{ added: Set<string>; dropped: Set<string> }> {
    const added = new Set<string>();
    for (const { accountId, kind, action } of plan.steps) {
      const client = this.clientOf(kind);
      if (action.type === "create") {
        // The cache may not hold a child created a moment ago: already there is done.
        const created = await client.create(action.desired).then(
          () => true,
          (err: unknown) => {
            if (kubeStatusCode(err) === 409) return false;
            throw err;
          },
        );
        if (!created) continue;
        added.add(accountId);
        log.info("created child", { child: `${kind}/${action.desired.metadata.name}`, accountId });
      } else if (action.type === "update") {
        await guardConflict(() => client.replace({ ...action.child, spec: action.desired.spec }));
      } else if (action.type === "unpause") {
        // The baseline was paused with its children and is not any more.
        await guardConflict(() =>
          client.jsonPatch(action.child.metadata.name, pausePatch(action.child, false)),
        );
      }
    }
    const dropped = new Set<string>();
    for (const child of plan.stale) {
      await this.clientOf(child.kind).delete(child.metadata.name);
      const accountId = accountOf(child);
      if (accountId) dropped.add(accountId);
      log.info("deleted child: the account left the selection, or another object keeps it", {
        child: `${child.kind}/${child.metadata.name}`,
        accountId,
      });
    }
    return { added, dropped };
  }

  /** The status, conditions and events of this reconcile, from the children as they stand. */
  private summarize(
    _baseline: BaselineObject,
    { view, selection, settings }: Selected,
    plan: ChildPlan,
    applied: { added: Set<string>; dropped: Set<string> },
  ): Outcome {
    const ready = new Map<string, boolean>(selection.accountIds.map((a) => [a, true]));
    const drifted = new Set<string>();
    const conflicts: Failure[] = [];
    const failures: Failure[] = selection.unresolved.map((u) => ({
      accountId: u,
      reason: "NotFound",
      message: `${u} is not in the organization`,
    }));
    for (const { accountId, kind, action } of plan.steps) {
      if (action.type === "conflict") conflicts.push(action.failure);
      if (action.type !== "report") {
        ready.set(accountId, false);
        continue;
      }
      const verdict = childVerdict(action.child);
      if (!verdict.ready) ready.set(accountId, false);
      if (verdict.drifted) drifted.add(accountId);
      if (verdict.failure) failures.push({ accountId, setting: kind, ...verdict.failure });
    }
    const readyCount = [...ready.values()].filter(Boolean).length;
    // Every account not ready is only reporting drift (ObserveOnly): settled, not progressing.
    const onlyDrift = [...ready].every(([accountId, isReady]) => isReady || drifted.has(accountId));
    const compliance = complianceOf(
      settings.templates.map((t) => t.setting),
      selection.accountIds,
      childrenByAccount(plan),
    );
    const allReady =
      readyCount === selection.accountIds.length &&
      conflicts.length === 0 &&
      selection.unresolved.length === 0;
    return {
      fields: {
        atProvider: { organizationId: view.organizationId },
        matchedAccounts: selection.accountIds.length,
        readyAccounts: readyCount,
        driftedAccounts: drifted.size,
        failingAccounts: new Set([...failures, ...conflicts].map((f) => f.accountId)).size,
        failures: [...conflicts, ...failures].slice(0, MAX_REPORTED_FAILURES),
        compliance,
        compliant: compliantShare(compliance),
      },
      conditions: baselineConditions({
        allReady,
        readyCount,
        matched: selection.accountIds.length,
        conflicts,
        failures,
        onlyDrift,
        drifted: drifted.size,
        unresolved: selection.unresolved,
      }),
      events: transitionEvents({
        ...applied,
        allReady,
        readyCount,
        conflicts,
        unresolved: selection.unresolved,
      }),
      // The children's changes wake the baseline (it owns them); the poll follows the organization.
      action: { poll: true },
    };
  }

  /**
   * Paused: the baseline stops following the organization, and each child is paused too (so no
   * setting is changed or repaired while the baseline is). Unpausing resumes both (sync removes
   * the children's annotation).
   */
  async pause(baseline: BaselineObject, { log }: ReconcileContext): Promise<void> {
    for (const [kind, { client }] of this.children) {
      for (const child of await this.childrenOf(baseline, client)) {
        if (child.metadata.annotations?.[PAUSED_ANNOTATION] === "true") continue;
        await guardConflict(() => client.jsonPatch(child.metadata.name, pausePatch(child, true)));
        log.info("paused child", { child: `${kind}/${child.metadata.name}` });
      }
    }
  }

  /** Deleting: delete every child (each follows its own deletionPolicy); done once none is left. */
  async finalize(baseline: BaselineObject, { log }: ReconcileContext): Promise<"done" | Action> {
    let remaining = 0;
    for (const { client } of this.children.values()) {
      const children = await this.childrenOf(baseline, client);
      remaining += children.length;
      for (const child of children)
        if (!child.metadata.deletionTimestamp) await client.delete(child.metadata.name);
    }
    if (remaining === 0) return "done";
    log.info("waiting for children to be deleted", { remaining });
    // Each child's deletion wakes the baseline (it owns them); this look is a safety net.
    return { requeueAfterMs: CHILDREN_GONE_RECHECK_MS, trigger: "verify" };
  }

  private async childrenOf(baseline: BaselineObject, client: ChildClient): Promise<ManagedObject[]> {
    return (await client.list(`${BASELINE_LABEL}=${baseline.metadata.name}`)).items;
  }

  private clientOf(kind: string): ChildClient {
    const child = this.children.get(kind);
    if (!child) throw new Error(`AccountBaseline has no client for ${kind}`);
    return child.client;
  }
}

/** Each account's child of each kind, where this baseline has one (for compliance). */
function childrenByAccount(plan: ChildPlan): (kind: string, accountId: string) => ManagedObject | undefined {
  const children = new Map<string, ManagedObject>();
  for (const { accountId, kind, action } of plan.steps) {
    if ("child" in action) children.set(`${kind}/${accountId}`, action.child);
  }
  return (kind, accountId) => children.get(`${kind}/${accountId}`);
}

/** How soon a deleting baseline looks again if no child's deletion woke it. */
const CHILDREN_GONE_RECHECK_MS = 30_000;

/** What to do about one account's child, given the rival that keeps its claim (if any). */
export function childAction(
  kind: string,
  accountId: string,
  desired: ManagedObject,
  child: ManagedObject | undefined,
  rival: ManagedObject | undefined,
): ChildAction {
  if (rival) {
    const message = `${kind} of ${accountId} is managed by ${claimantOf(rival).label}`;
    return { type: "conflict", failure: { accountId, setting: kind, reason: "Conflict", message } };
  }
  if (!child) return { type: "create", desired };
  if (child.metadata.annotations?.[PAUSED_ANNOTATION] === "true") return { type: "unpause", child };
  if (!childUpToDate(child, desired)) return { type: "update", child, desired };
  return { type: "report", child };
}

/**
 * What an up-to-date child says about its account. A child whose last read failed but which is
 * still Ready keeps counting as ready (it is listed under failures); a stalled child does not.
 */
export function childVerdict(child: ManagedObject): {
  ready: boolean;
  drifted: boolean;
  failure?: { reason: string; message: string };
} {
  const conditions = child.status?.conditions;
  const ready = findCondition(conditions, "Ready");
  const generationSeen = child.status?.observedGeneration === child.metadata.generation;
  const stalled = findCondition(conditions, "Stalled")?.status === "True";
  const synced = findCondition(conditions, "Synced");
  return {
    ready: ready?.status === "True" && generationSeen && !stalled,
    // ObserveOnly settled: reporting a difference (Drifted), or that nothing is set (NotFound).
    drifted: (ready?.reason === "Drifted" || ready?.reason === "NotFound") && generationSeen,
    ...(synced?.status === "False" ? { failure: { reason: synced.reason, message: synced.message } } : {}),
  };
}

/** The Ready reason (and Event) of a baseline whose selector names what the organization does not have. */
export const SELECTOR_NOT_FOUND = "SelectorNotFound";

/** What a selector naming nothing means, naming at most five. */
export const unresolvedMessage = (unresolved: readonly string[]): string => {
  const named =
    unresolved.length <= 5
      ? unresolved.join(", ")
      : `${unresolved.slice(0, 5).join(", ")} and ${unresolved.length - 5} more`;
  return `selects what the organization does not have: ${named} (no such OU, or no ACTIVE account of that id)`;
};

export function baselineConditions(tally: {
  allReady: boolean;
  readyCount: number;
  matched: number;
  conflicts: Failure[];
  failures: Failure[];
  /** Every account not ready is only reporting drift (ObserveOnly): a settled state, not progress. */
  onlyDrift: boolean;
  drifted: number;
  /** Selectors naming an OU or account the organization does not have. */
  unresolved: readonly string[];
}): ConditionUpdate[] {
  const { allReady, readyCount, matched, conflicts, failures, onlyDrift, drifted, unresolved } = tally;
  const notReadyReason =
    conflicts.length > 0
      ? "Conflict"
      : unresolved.length > 0
        ? SELECTOR_NOT_FOUND
        : failures.length > 0
          ? "ChildrenFailing"
          : onlyDrift
            ? "Drifted"
            : "Progressing";
  return [
    allReady
      ? { type: "Ready", status: "True", reason: "Available", message: `${readyCount} account(s) ready` }
      : {
          type: "Ready",
          status: "False",
          reason: notReadyReason,
          message:
            notReadyReason === "Drifted"
              ? `${readyCount} of ${matched} account(s) ready; ${drifted} with ObserveOnly settings that differ from the spec (reported in the children's status, not changed)`
              : notReadyReason === SELECTOR_NOT_FOUND
                ? // No counts: the message (and its Warning) changes only when what is missing does.
                  unresolvedMessage(unresolved)
                : `${readyCount} of ${matched} account(s) ready`,
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
}

/**
 * Events for what changed: accounts added or dropped (done in this reconcile), and the Ready and
 * Conflict conditions turning (recorded only on their transition), never on a quiet pass.
 */
export function transitionEvents(change: {
  added: Set<string>;
  dropped: Set<string>;
  allReady: boolean;
  readyCount: number;
  conflicts: Failure[];
  unresolved: readonly string[];
}): LifecycleEvent[] {
  const events: LifecycleEvent[] = [];
  if (change.unresolved.length > 0) {
    events.push({
      type: "Warning",
      reason: SELECTOR_NOT_FOUND,
      message: unresolvedMessage(change.unresolved),
      marks: "Ready",
    });
  }
  if (change.added.size > 0) {
    events.push({
      type: "Normal",
      reason: "AccountsAdded",
      message: `now applies to ${change.added.size} more account(s): ${listAccounts(change.added)}`,
    });
  }
  if (change.dropped.size > 0) {
    events.push({
      type: "Normal",
      reason: "AccountsDropped",
      message: `no longer applies to ${change.dropped.size} account(s): ${listAccounts(change.dropped)}`,
    });
  }
  if (change.allReady) {
    events.push({
      type: "Normal",
      reason: "Ready",
      message: `all ${change.readyCount} account(s) ready`,
      marks: "Ready",
    });
  }
  if (change.conflicts.length > 0) {
    events.push({
      type: "Warning",
      reason: "Conflict",
      message: change.conflicts
        .slice(0, 5)
        .map((c) => c.message)
        .join("; "),
      marks: "Conflict",
    });
  }
  return events;
}

const listAccounts = (ids: Set<string>): string => {
  const sorted = [...ids].sort();
  return sorted.length <= 5
    ? sorted.join(", ")
    : `${sorted.slice(0, 5).join(", ")} and ${sorted.length - 5} more`;
};

const isChildOf = (object: ManagedObject, baseline: BaselineObject): boolean =>
  object.metadata.labels?.[BASELINE_LABEL] === baseline.metadata.name;

const accountOf = (object: ManagedObject): string | undefined => {
  const accountId = object.spec.accountId;
  return typeof accountId === "string" ? accountId : undefined;
};

/** The JSON Patch that sets (or removes) a child's pause annotation. */
function pausePatch(child: ManagedObject, paused: boolean): JsonPatchOp[] {
  const path = `/metadata/annotations/${PAUSED_ANNOTATION.replace("/", "~1")}`;
  if (!paused) return [{ op: "remove", path }];
  return child.metadata.annotations
    ? [{ op: "add", path, value: "true" }]
    : [{ op: "add", path: "/metadata/annotations", value: { [PAUSED_ANNOTATION]: "true" } }];
}
