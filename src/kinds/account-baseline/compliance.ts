/**
 * CIS compliance of a baseline's accounts: for every CIS recommendation its settings cover, how
 * many selected accounts meet it, judged from what each child's status says AWS has (not from the
 * spec, which may ask for less than CIS does, nor from Ready: an ObserveOnly child that reports
 * drift is Ready=False yet its account may well comply). Pure.
 */
import type { ManagedObject } from "../../runtime/managed.js";
import type { AccountSetting, CisControl } from "../setting/setting.js";

/** One line of status.compliance. */
export interface ControlCompliance {
  control: string;
  title: string;
  /** The setting whose child objects were judged. */
  setting: string;
  compliant: number;
  total: number;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** A reading from status, as the setting's own type, or undefined when absent or not understood. */
function readingOf(setting: AccountSetting, value: unknown): unknown {
  if (value === undefined) return undefined;
  const parsed = setting.observed.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Whether the account of `child` meets `control`: in the account, or in every region the child
 * compared at its last reconcile (a child not yet reconciled meets nothing).
 */
export function childMeets(
  setting: AccountSetting,
  control: CisControl<unknown>,
  child: ManagedObject | undefined,
): boolean {
  const status = child?.status;
  if (!status?.observedGeneration) return false;
  if (setting.scope === "account") return control.holds(readingOf(setting, status.atProvider));
  const regions = Array.isArray(status.regions) ? status.regions.filter((r) => typeof r === "string") : [];
  const byRegion = isRecord(status.atProvider) ? status.atProvider : {};
  return regions.length > 0 && regions.every((r) => control.holds(readingOf(setting, byRegion[r])));
}

/**
 * status.compliance: per control of each setting the baseline names, the selected accounts that
 * meet it. `children` maps a setting's kind to each selected account's child (absent: none yet,
 * or another object keeps that account's setting).
 */
export function complianceOf(
  settings: readonly AccountSetting[],
  accountIds: readonly string[],
  childOf: (kind: string, accountId: string) => ManagedObject | undefined,
): ControlCompliance[] {
  const lines = settings.flatMap((setting) =>
    (setting.controls ?? []).map((control) => ({
      control: control.id,
      title: control.title,
      setting: setting.names.kind,
      compliant: accountIds.filter((a) => childMeets(setting, control, childOf(setting.names.kind, a)))
        .length,
      total: accountIds.length,
    })),
  );
  // In the benchmark's order: CIS 1.2 before 1.8, 2.1.4 before 5.4.
  return lines.sort((a, b) => a.control.localeCompare(b.control, "en", { numeric: true }));
}

/** The share of (control, account) pairs that comply, as `kubectl get` shows it: "83%" ("-" with none). */
export function compliantShare(compliance: readonly ControlCompliance[]): string {
  const total = compliance.reduce((n, c) => n + c.total, 0);
  if (total === 0) return "-";
  const compliant = compliance.reduce((n, c) => n + c.compliant, 0);
  return `${Math.floor((100 * compliant) / total)}%`;
}
