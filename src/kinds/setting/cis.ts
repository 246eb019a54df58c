/**
 * Whether one object of a setting kind meets a CIS recommendation, judged from what its status
 * says AWS has (status.atProvider, per region for a regional setting), not from its spec, which
 * may ask for less than CIS does. Pure; AccountBaseline's status.compliance and `orgguard report`
 * both judge with it.
 */
import type { ManagedObject } from "../../runtime/managed.js";
import type { AccountSetting, CisControl } from "./setting.js";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** A reading from status, as the setting's own type, or undefined when absent or not understood. */
function readingOf(setting: AccountSetting, value: unknown): unknown {
  if (value === undefined) return undefined;
  const parsed = setting.observed.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether the account of `object` meets `control`: in the account, or in every region the object
 * compared at its last reconcile (an object not yet reconciled meets nothing).
 */
export function objectMeets(
  setting: AccountSetting,
  control: CisControl<unknown>,
  object: ManagedObject | undefined,
): boolean {
  const status = object?.status;
  if (!status?.observedGeneration) return false;
  if (setting.scope === "account") return control.holds(readingOf(setting, status.atProvider));
  const regions = Array.isArray(status.regions) ? status.regions.filter((r) => typeof r === "string") : [];
  const byRegion = isRecord(status.atProvider) ? status.atProvider : {};
  return regions.length > 0 && regions.every((r) => control.holds(readingOf(setting, byRegion[r])));
}
