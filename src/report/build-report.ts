/**
 * The report from every object's part of the posture (object-state.ts): accounts grouped by OU
 * path against the account-level kinds, roll-ups per OU, per control and per CIS recommendation,
 * and the organization-level objects as rows. Pure; the kinds' list decides the columns and rows.
 */
import type { OrganizationView } from "../aws/organization-view.js";
import { accountSelector } from "../kinds/account-baseline/api.js";
import { selectedOuPath } from "../kinds/account-baseline/selection.js";
import type { Kind } from "../kinds/kind-definition.js";
import type { ManagedObject } from "../runtime/managed.js";
import type { ObjectState } from "./object-state.js";
import {
  type Account,
  type Cell,
  type CellState,
  type CisRollUp,
  type Control,
  type Group,
  noCounts,
  type OrganizationObject,
  type Report,
  type StateCounts,
  worstState,
} from "./report-schema.js";

export interface ReportInput {
  source: Report["source"];
  generatedAt: Date;
  /** Every kind, in the order of src/kinds/index.ts (the order of the columns and rows). */
  kinds: readonly Kind[];
  states: readonly ObjectState[];
  /** The AccountBaselines, for the OU their accounts were selected by when the organization was not read. */
  baselines: readonly ManagedObject[];
  /** The organization's tree, when read from AWS: every ACTIVE account gets a row, with its name and OU path. */
  organization?: OrganizationView;
  notes: readonly string[];
}

/** Where accounts go whose OU nobody knows. */
export const UNKNOWN_OU = "(OU not known)";

const count = (states: Iterable<CellState>): StateCounts => {
  const counts = noCounts();
  for (const s of states) counts[s] += 1;
  return counts;
};
const total = (counts: StateCounts) => ({
  ...counts,
  total: Object.values(counts).reduce((a, b) => a + b, 0),
});
const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name);

/** The cell of one account and control: the object that keeps it (others report Conflict). */
function cellOf(states: ObjectState[]): Cell {
  const sorted = [...states].sort(
    (a, b) => Number(a.reason === "Conflict") - Number(b.reason === "Conflict") || byName(a, b),
  );
  const [keeper, ...others] = sorted;
  if (!keeper) return { state: "unmanaged" };
  return {
    state: keeper.state,
    object: `${keeper.kind}/${keeper.name}`,
    ...(keeper.baseline ? { baseline: keeper.baseline } : {}),
    ...(keeper.reason ? { reason: keeper.reason } : {}),
    ...(keeper.message ? { message: keeper.message } : {}),
    ...(keeper.changes ? { changes: keeper.changes } : {}),
    ...(keeper.lastSyncTime ? { lastSyncTime: keeper.lastSyncTime } : {}),
    ...(keeper.lastRepairTime ? { lastRepairTime: keeper.lastRepairTime } : {}),
    ...(keeper.cis ? { cis: keeper.cis } : {}),
    ...(others.length > 0 ? { others: others.map((o) => `${o.kind}/${o.name}`) } : {}),
  };
}

/** Where each account is: from the organization's tree, else from the OU a baseline selected it by. */
function placesOf(
  input: ReportInput,
): Map<string, Pick<Account, "ouPath" | "ouPathFrom" | "name" | "management">> {
  const places = new Map<string, Pick<Account, "ouPath" | "ouPathFrom" | "name" | "management">>();
  const org = input.organization;
  if (org) {
    const paths = new Map([[org.rootId, "Root"], ...org.ous.map((o) => [o.id, o.path] as const)]);
    for (const a of org.accounts.filter((a) => a.status === "ACTIVE")) {
      places.set(a.id, {
        ouPath: paths.get(a.parentId) ?? UNKNOWN_OU,
        ouPathFrom: "aws",
        ...(a.name ? { name: a.name } : {}),
        ...(a.id === org.managementAccountId ? { management: true } : {}),
      });
    }
  }
  const baselinePaths = new Map(
    input.baselines.flatMap((b) => {
      const selector = accountSelector.safeParse((b.spec as { accounts?: unknown }).accounts);
      const path = selector.success ? selectedOuPath(selector.data) : undefined;
      return path ? [[b.metadata.name, path] as const] : [];
    }),
  );
  for (const s of input.states) {
    const path = s.baseline ? baselinePaths.get(s.baseline) : undefined;
    if (!s.accountId || places.has(s.accountId) || !path) continue;
    places.set(s.accountId, { ouPath: path, ouPathFrom: "baseline" });
  }
  return places;
}

/** The report. */
export function buildReport(input: ReportInput): Report {
  const notes = [...input.notes];
  const accountKinds = input.kinds.filter((k) => k.posture.scope === "account");
  const accountLevel = new Set(accountKinds.map((k) => k.api.kind));
  // Cells: the states of account-level objects, by account and kind.
  const byAccount = new Map<string, Map<string, ObjectState[]>>();
  for (const s of input.states.filter((s) => accountLevel.has(s.kind))) {
    if (!s.accountId) {
      notes.push(
        `${s.kind}/${s.name} names no account and has not been reconciled yet: it is not in the matrix`,
      );
      continue;
    }
    const kinds = byAccount.get(s.accountId) ?? new Map<string, ObjectState[]>();
    kinds.set(s.kind, [...(kinds.get(s.kind) ?? []), s]);
    byAccount.set(s.accountId, kinds);
  }
  const used = accountKinds.filter((k) => [...byAccount.values()].some((m) => m.has(k.api.kind)));
  const places = placesOf(input);
  const accountIds = [...new Set([...places.keys(), ...byAccount.keys()])];
  const accounts: Account[] = accountIds.map((id) => {
    const cells = Object.fromEntries(
      used.map((k) => [k.api.kind, cellOf(byAccount.get(id)?.get(k.api.kind) ?? [])] as const),
    );
    return {
      id,
      ouPath: UNKNOWN_OU,
      ouPathFrom: "unknown",
      ...places.get(id),
      state: worstState(Object.values(cells).map((c) => c.state)),
      cells,
    };
  });
  const objects = organizationObjects(input);
  return {
    schemaVersion: 1,
    generatedAt: input.generatedAt.toISOString(),
    source: input.source,
    organization: {
      ...(input.organization?.organizationId ? { id: input.organization.organizationId } : {}),
      ...(input.organization?.managementAccountId
        ? { managementAccountId: input.organization.managementAccountId }
        : {}),
    },
    summary: summaryOf(accounts, objects),
    controls: controlsOf(used, accounts),
    unusedControls: accountKinds.filter((k) => !used.includes(k)).map((k) => k.api.kind),
    cis: cisOf(used, accounts),
    groups: groupsOf(used, accounts),
    organizationObjects: objects,
    notes,
  };
}

function summaryOf(accounts: Account[], objects: OrganizationObject[]): Report["summary"] {
  const cells = accounts.flatMap((a) => Object.values(a.cells).map((c) => c.state));
  const compliant = cells.filter((s) => s === "compliant").length;
  return {
    accounts: total(count(accounts.map((a) => a.state))),
    cells: total(count(cells)),
    compliantShare: cells.length === 0 ? "-" : `${Math.floor((100 * compliant) / cells.length)}%`,
    organizationObjects: total(count(objects.map((o) => o.state))),
  };
}

function controlsOf(used: readonly Kind[], accounts: Account[]): Control[] {
  return used.map((k) => ({
    kind: k.api.kind,
    cis: k.posture.scope === "account" ? k.posture.controls.map((c) => ({ id: c.id, title: c.title })) : [],
    counts: count(accounts.map((a) => a.cells[k.api.kind]?.state ?? "unmanaged")),
  }));
}

function cisOf(used: readonly Kind[], accounts: Account[]): CisRollUp[] {
  const lines = used.flatMap((k) =>
    k.posture.scope !== "account"
      ? []
      : k.posture.controls.map((control) => {
          const judged = accounts.map((a) => a.cells[k.api.kind]?.cis?.[control.id]);
          return {
            id: control.id,
            title: control.title,
            kind: k.api.kind,
            meets: judged.filter((j) => j === true).length,
            fails: judged.filter((j) => j === false).length,
            unknown: judged.filter((j) => j === undefined).length,
          };
        }),
  );
  // In the benchmark's order: CIS 1.2 before 1.8, 2.1.4 before 5.4.
  return lines.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }));
}

function groupsOf(used: readonly Kind[], accounts: Account[]): Group[] {
  const byPath = new Map<string, Account[]>();
  for (const a of accounts) byPath.set(a.ouPath, [...(byPath.get(a.ouPath) ?? []), a]);
  const label = (a: Account) => a.name ?? a.id;
  return [...byPath]
    .sort(([a], [b]) => Number(a === UNKNOWN_OU) - Number(b === UNKNOWN_OU) || a.localeCompare(b))
    .map(([ouPath, members]) => {
      const sorted = members.sort(
        (a, b) => label(a).localeCompare(label(b), "en", { numeric: true }) || a.id.localeCompare(b.id),
      );
      return {
        ouPath,
        accounts: sorted,
        counts: count(sorted.map((a) => a.state)),
        byControl: Object.fromEntries(
          used.map((k) => [k.api.kind, count(sorted.map((a) => a.cells[k.api.kind]?.state ?? "unmanaged"))]),
        ),
      };
    });
}

/** The organization-level objects, in the order of the kinds, then by name. */
function organizationObjects(input: ReportInput): OrganizationObject[] {
  const order = new Map(input.kinds.map((k, i) => [k.api.kind, i] as const));
  const rows = input.kinds.filter((k) => k.posture.scope === "organization").map((k) => k.api.kind);
  return input.states
    .filter((s) => rows.includes(s.kind))
    .sort((a, b) => (order.get(a.kind) ?? 0) - (order.get(b.kind) ?? 0) || byName(a, b))
    .map((s) => ({
      kind: s.kind,
      name: s.name,
      state: s.state,
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.message ? { message: s.message } : {}),
      ...(s.changes ? { changes: s.changes } : {}),
      ...(s.lastSyncTime ? { lastSyncTime: s.lastSyncTime } : {}),
      ...(s.lastRepairTime ? { lastRepairTime: s.lastRepairTime } : {}),
      columns: s.columns,
    }));
}
