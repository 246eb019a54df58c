/**
 * Conditions in the metav1.Condition shape, with kstatus semantics:
 * - Ready: the external thing exists and equals the spec (True), or why not (False + reason).
 * - Synced: the last reconcile could talk to the provider without error.
 * - Stalled: the controller cannot make progress until the spec changes (a terminal error).
 */

export type ConditionStatus = "True" | "False" | "Unknown";

export interface Condition {
  type: string;
  status: ConditionStatus;
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** A condition to set; lastTransitionTime is filled in by setCondition. */
export type ConditionUpdate = Omit<Condition, "lastTransitionTime">;

/**
 * Returns `conditions` with `update` set: lastTransitionTime changes only when the status does;
 * other conditions (also ones other tools wrote) are kept in place.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === update.type);
  const existing = index >= 0 ? list[index] : undefined;
  const lastTransitionTime =
    existing && existing.status === update.status ? existing.lastTransitionTime : now.toISOString();
  const next: Condition = { ...update, lastTransitionTime };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

/** Returns `conditions` without the condition of `type`. */
export const removeCondition = (conditions: readonly Condition[] | undefined, type: string): Condition[] =>
  (conditions ?? []).filter((c) => c.type !== type);

/** The condition of `type`, if set. */
export const findCondition = (
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined => conditions?.find((c) => c.type === type);
