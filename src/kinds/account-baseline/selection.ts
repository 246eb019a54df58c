/**
 * Which accounts an AccountBaseline selects, computed from a snapshot of the organization. Pure:
 * discovery (the AWS calls) lives in aws/organization-view.ts.
 */
import type { OrganizationView } from "../../aws/organization-view.js";
import type { AccountSelector } from "./api.js";

export type { Account, OrganizationalUnit, OrganizationView } from "../../aws/organization-view.js";

type OuSelector = NonNullable<AccountSelector["organizationalUnits"]>[number];

/** The result: selected account ids (sorted), and selectors that named nothing in the organization. */
export interface Selection {
  accountIds: string[];
  unresolved: string[];
}

/** The OU (or root) a selector names, by id or path; undefined when the organization has none. */
export function resolveOu(view: OrganizationView, selector: OuSelector): string | undefined {
  if (selector.id)
    return selector.id === view.rootId || view.ous.some((o) => o.id === selector.id)
      ? selector.id
      : undefined;
  if (selector.path === "Root") return view.rootId;
  return view.ous.find((o) => o.path === selector.path)?.id;
}

/** The container ids whose direct accounts a selector covers: the OU, plus every OU below it if recursive. */
export function containersUnder(view: OrganizationView, ouId: string, recursive: boolean): Set<string> {
  const result = new Set([ouId]);
  if (!recursive) return result;
  let added = true;
  while (added) {
    added = false;
    for (const ou of view.ous) {
      if (result.has(ou.parentId) && !result.has(ou.id)) {
        result.add(ou.id);
        added = true;
      }
    }
  }
  return result;
}

function accountsUnder(view: OrganizationView, selectors: OuSelector[], unresolved: string[]): Set<string> {
  const containers = new Set<string>();
  for (const s of selectors) {
    const id = resolveOu(view, s);
    if (!id) {
      unresolved.push(s.id ?? s.path ?? "");
      continue;
    }
    for (const c of containersUnder(view, id, s.recursive)) containers.add(c);
  }
  return new Set(view.accounts.filter((a) => containers.has(a.parentId)).map((a) => a.id));
}

/**
 * The ACTIVE accounts a selector matches. The management account is selected only by id: SCPs
 * never apply to it, so "all" or an OU never sweeps it in, but its own password policy and
 * public access block matter, and naming it says so.
 */
export function selectAccounts(view: OrganizationView, selector: AccountSelector): Selection {
  const unresolved: string[] = [];
  const active = new Map(view.accounts.filter((a) => a.status === "ACTIVE").map((a) => [a.id, a]));
  const selected = new Set<string>();
  const notManagement = (id: string) => id !== view.managementAccountId;
  if (selector.all) for (const id of active.keys()) if (notManagement(id)) selected.add(id);
  for (const id of accountsUnder(view, selector.organizationalUnits ?? [], unresolved))
    if (notManagement(id)) selected.add(id);
  for (const id of selector.ids ?? []) {
    if (active.has(id)) selected.add(id);
    else unresolved.push(id);
  }
  const excluded = accountsUnder(view, selector.exclude?.organizationalUnits ?? [], unresolved);
  for (const id of selector.exclude?.ids ?? []) excluded.add(id);
  const accountIds = [...selected].filter((id) => active.has(id) && !excluded.has(id)).sort();
  return { accountIds, unresolved };
}

/**
 * The OU path a baseline selects its accounts by, when that is all it says (one OU selector, by
 * path, and no ids): its accounts are in that OU or one below it. What a report can say of an
 * account's place without reading the organization; undefined otherwise.
 */
export function selectedOuPath(selector: AccountSelector): string | undefined {
  const ous = selector.organizationalUnits ?? [];
  if (selector.all || (selector.ids ?? []).length > 0 || ous.length !== 1) return undefined;
  return ous[0]?.path;
}
