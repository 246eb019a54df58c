/**
 * What one orgguard object says about the posture, whatever its kind: its state (a cell of the
 * report), why, what differs, when it was last synced and repaired, and, for an account-level
 * kind, which account and whether that account meets each CIS recommendation the kind covers.
 * Read from the object's status in a cluster, or from a read-only pass over AWS (plan's entries).
 * Nothing here names a kind: everything comes from the kinds' definitions (posture, printer
 * columns) and the status every kind shares.
 */
import type { PlanEntry } from "../cli/plan-format.js";
import { BASELINE_LABEL, childName } from "../kinds/account-baseline/children.js";
import type { Kind } from "../kinds/kind-definition.js";
import { findCondition } from "../runtime/conditions.js";
import type { ManagedObject } from "../runtime/managed.js";
import type { CellState } from "./report-schema.js";

/** One object's part of the posture. */
export interface ObjectState {
  kind: string;
  name: string;
  state: CellState;
  reason?: string;
  message?: string;
  changes?: string[];
  lastSyncTime?: string;
  lastRepairTime?: string;
  /** For an account-level kind: the account it keeps the control in, when known. */
  accountId?: string;
  /** The baseline the object belongs to (its label), if any. */
  baseline?: string;
  /** Per CIS recommendation of the kind: whether the account meets it; absent when nothing was judged. */
  cis?: Record<string, boolean>;
  /** The kind's own kubectl get columns, by name (organization-level rows show them). */
  columns: Record<string, string>;
}

/** Ready reasons that mean "on its way", not a problem: a create or update confirming, AWS still applying. */
const PENDING_REASONS = new Set(["Creating", "Updating", "Progressing"]);
/** Ready reasons of ObserveOnly: AWS differs from the spec, and orgguard reports it only. */
const DRIFT_REASONS = new Set(["Drifted", "NotFound"]);

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A cell's state from the object's conditions, for its current generation. */
export function stateOfStatus(object: ManagedObject): {
  state: CellState;
  reason?: string;
  message?: string;
} {
  const conditions = object.status?.conditions;
  const ready = findCondition(conditions, "Ready");
  if (!ready) return { state: "pending", reason: "NotReconciled", message: "not reconciled yet" };
  const said = { reason: ready.reason, ...(ready.message ? { message: ready.message } : {}) };
  if (ready.reason === "ReconcilePaused") return { state: "paused", ...said };
  if (object.status?.observedGeneration !== object.metadata.generation) {
    return {
      state: "pending",
      reason: "SpecChanged",
      message: "the spec changed and has not been reconciled yet",
    };
  }
  if (ready.status === "True") {
    const synced = findCondition(conditions, "Synced");
    // Ready from the last good read, but the latest check failed: still compliant as far as known.
    return synced?.status === "False"
      ? { state: "compliant", reason: ready.reason, message: `last check failed: ${synced.message}` }
      : { state: "compliant", ...said };
  }
  if (findCondition(conditions, "Stalled")?.status === "True") return { state: "failing", ...said };
  if (DRIFT_REASONS.has(ready.reason)) return { state: "drifted", ...said };
  if (PENDING_REASONS.has(ready.reason)) return { state: "pending", ...said };
  return { state: "failing", ...said };
}

/**
 * The value of a printer column whose jsonPath is a plain field path (`.status.policyId`), as
 * text; undefined for paths with filters, which only kubectl evaluates.
 */
function columnValue(object: ManagedObject, jsonPath: string): string | undefined {
  if (!/^(\.[A-Za-z0-9_]+)+$/.test(jsonPath)) return undefined;
  let value: unknown = object;
  for (const key of jsonPath.slice(1).split(".")) {
    value = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }
  return value === undefined || value === null || typeof value === "object" ? undefined : String(value);
}

/** An object's part of the posture, read from its status in the cluster. */
export function stateOfObject(kind: Kind, object: ManagedObject): ObjectState {
  const status = object.status ?? {};
  const changes = (status.plannedChanges ?? []).map((c) => c.path || "(whole resource)");
  const columns = Object.fromEntries(
    kind.api.printerColumns.flatMap((c) => {
      const value = columnValue(object, c.jsonPath);
      return value === undefined ? [] : [[c.name, value]];
    }),
  );
  const base: ObjectState = {
    kind: kind.api.kind,
    name: object.metadata.name,
    ...stateOfStatus(object),
    ...(changes.length > 0 ? { changes } : {}),
    ...(text(status.lastSyncTime) ? { lastSyncTime: text(status.lastSyncTime) } : {}),
    ...(text(status.lastRepairTime) ? { lastRepairTime: text(status.lastRepairTime) } : {}),
    ...(object.metadata.labels?.[BASELINE_LABEL] ? { baseline: object.metadata.labels[BASELINE_LABEL] } : {}),
    columns,
  };
  if (kind.posture.scope !== "account") return base;
  const accountId = text(object.spec.accountId) ?? text(status.accountId);
  // Judged only from a reading: an object never reconciled, or whose reads fail (AccessDenied),
  // says nothing about its account; one that read "nothing set" says the account does not comply.
  const synced = findCondition(status.conditions, "Synced")?.status === "True";
  const read = typeof status.observedGeneration === "number" && (synced || status.atProvider !== undefined);
  const judged = read && kind.posture.controls.length > 0;
  return {
    ...base,
    ...(accountId ? { accountId } : {}),
    ...(judged ? { cis: Object.fromEntries(kind.posture.controls.map((c) => [c.id, c.holds(object)])) } : {}),
  };
}

/** What a plan action says about the posture: AWS against the manifests, read once. */
const PLAN_STATES: Record<PlanEntry["action"], { state: CellState; reason: string; message?: string }> = {
  unchanged: { state: "compliant", reason: "Available" },
  update: {
    state: "drifted",
    reason: "Differs",
    message: "AWS differs from the manifest: apply would update it",
  },
  create: { state: "drifted", reason: "Missing", message: "missing in AWS: apply would create it" },
  "drift-ignored": {
    state: "drifted",
    reason: "Drifted",
    message: "AWS differs from the manifest (ObserveOnly: apply would not change it)",
  },
  progressing: {
    state: "pending",
    reason: "Progressing",
    message: "AWS is still applying an earlier change",
  },
  conflict: { state: "failing", reason: "Conflict" },
  error: { state: "failing", reason: "Error" },
};

/**
 * An entry of a read-only pass over AWS (`reconcileObjects(..., false)`, as plan makes it): a
 * manifest's object, or one account's setting of a baseline (`via` says which: `PasswordPolicy of
 * 111111111111`). `manifests` are the objects read, for the account a standalone object names.
 */
export function stateOfPlanEntry(
  entry: PlanEntry,
  manifests: ReadonlyMap<string, ManagedObject>,
  kindOf: (name: string) => Kind | undefined,
  readAt: string,
  ownAccountId: string | undefined,
): ObjectState | undefined {
  const [manifestKind = "", name = ""] = entry.object.split("/");
  const via = entry.via ? /^(\w+)(?: of (\d{12}))?$/.exec(entry.via) : undefined;
  const kind = kindOf(via?.[1] ?? manifestKind);
  if (!kind) return undefined;
  const said = PLAN_STATES[entry.action];
  const changes = entry.changes.map((c) => c.path || "(whole resource)");
  const message = entry.error ?? said.message;
  const base: ObjectState = {
    kind: kind.api.kind,
    // A baseline's setting for one account, named as the baseline's child would be in a cluster.
    name: via?.[2] ? childName(name, via[2]) : name,
    state: said.state,
    reason: said.reason,
    ...(message ? { message } : {}),
    ...(changes.length > 0 ? { changes } : {}),
    lastSyncTime: readAt,
    ...(via ? { baseline: name } : {}),
    columns: {},
  };
  if (kind.posture.scope !== "account") return base;
  const manifest = manifests.get(entry.object);
  const accountId = via?.[2] ?? text(manifest?.spec.accountId) ?? ownAccountId;
  return { ...base, ...(accountId ? { accountId } : {}) };
}
