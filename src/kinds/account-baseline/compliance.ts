/**
 * CIS compliance of a baseline's accounts: for every CIS recommendation its settings cover, how
 * many selected accounts meet it, judged from what each child's status says AWS has (not from the
 * spec, which may ask for less than CIS does, nor from Ready: an ObserveOnly child that reports
 * drift is Ready=False yet its account may well comply). Pure.
 */
import type { ManagedObject } from "../../runtime/managed.js";
import { objectMeets } from "../setting/cis.js";
import type { AccountSetting } from "../setting/setting.js";

/** One line of status.compliance. */
export interface ControlCompliance {
  control: string;
  title: string;
  /** The setting whose child objects were judged. */
  setting: string;
  compliant: number;
  total: number;
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
      compliant: accountIds.filter((a) => objectMeets(setting, control, childOf(setting.names.kind, a)))
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
