/**
 * One view of the organization (the root and the policy types enabled on it, OUs with their
 * paths, accounts with their names and parents), read from AWS Organizations, cached and
 * refreshed at most once per interval, one refresh at a time; shared by every kind of a process:
 * AccountBaseline's selection, the policy kinds' targets and their type checks, and plan.
 * Listing per container (ListAccountsForParent) costs about one call per OU, where ListParents
 * per account would cost one per account.
 */
import {
  DescribeOrganizationCommand,
  ListRootsCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
} from "@aws-sdk/client-organizations";
import { toReconcileError } from "./aws-errors.js";

export interface OrganizationalUnit {
  id: string;
  name: string;
  parentId: string;
  /** Root/Workloads/Prod */
  path: string;
}

export interface Account {
  id: string;
  name: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE... only ACTIVE accounts are ever selected. */
  status: string;
  parentId: string;
}

/** A snapshot of the organization's tree. */
export interface OrganizationView {
  organizationId: string;
  managementAccountId: string;
  rootId: string;
  /** The policy types enabled on the root (ListRoots' PolicyTypes with status ENABLED). */
  enabledPolicyTypes: string[];
  ous: OrganizationalUnit[];
  accounts: Account[];
}

/** The Organizations calls a view is read with (every kind that reads the view declares them). */
export const ORGANIZATION_VIEW_OPERATIONS = [
  "DescribeOrganization",
  "ListRoots",
  "ListOrganizationalUnitsForParent",
  "ListAccountsForParent",
] as const;

/** Reads the whole tree once. */
export async function readOrganization(org: OrganizationsClient): Promise<OrganizationView> {
  try {
    const described = await org.send(new DescribeOrganizationCommand({}));
    const root = (await org.send(new ListRootsCommand({}))).Roots?.[0];
    if (!root?.Id) throw new Error("the organization has no root");
    const ous: OrganizationalUnit[] = [];
    const accounts: Account[] = [];
    const containers: Array<{ id: string; path: string }> = [{ id: root.Id, path: "Root" }];
    for (let i = 0; i < containers.length; i++) {
      const parent = containers[i]!;
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client: org },
        { ParentId: parent.id },
      )) {
        for (const ou of page.OrganizationalUnits ?? []) {
          const path = `${parent.path}/${ou.Name}`;
          ous.push({ id: ou.Id!, name: ou.Name ?? "", parentId: parent.id, path });
          containers.push({ id: ou.Id!, path });
        }
      }
      for await (const page of paginateListAccountsForParent({ client: org }, { ParentId: parent.id })) {
        for (const a of page.Accounts ?? []) {
          accounts.push({ id: a.Id!, name: a.Name ?? "", status: a.Status ?? "ACTIVE", parentId: parent.id });
        }
      }
    }
    return {
      organizationId: described.Organization?.Id ?? "",
      managementAccountId: described.Organization?.MasterAccountId ?? "",
      rootId: root.Id,
      enabledPolicyTypes: (root.PolicyTypes ?? []).filter((t) => t.Status === "ENABLED").map((t) => t.Type!),
      ous,
      accounts,
    };
  } catch (err) {
    throw toReconcileError(err, "cannot read the organization's accounts and OUs");
  }
}

/**
 * The id `orgguard plan` gives an OU it plans to create, so later objects (a child OU, an account,
 * a policy's target) resolve it: every reader treats such an id as "not created yet" and never
 * sends it to AWS.
 */
export const PLANNED_ID_PREFIX = "planned:";
export const isPlanned = (id: string): boolean => id.startsWith(PLANNED_ID_PREFIX);

/** A cached view of the organization, refreshed when older than the caller allows. */
export class OrganizationDiscovery {
  private current: { view: OrganizationView; at: number } | undefined;
  private refreshing: Promise<OrganizationView> | undefined;
  /** OUs a plan will create (never in the controller): added to every view served. */
  private readonly planned: OrganizationalUnit[] = [];

  constructor(
    private readonly org: () => OrganizationsClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** The view, refreshed first if it is older than `maxAgeMs` (0 forces a refresh). */
  async view(maxAgeMs: number): Promise<OrganizationView> {
    const view = await this.read(maxAgeMs);
    if (this.planned.length === 0) return view;
    const known = new Set(view.ous.map((ou) => ou.path));
    return { ...view, ous: [...view.ous, ...this.planned.filter((ou) => !known.has(ou.path))] };
  }

  /**
   * `orgguard plan` only: an OU at `path` is planned for creation; views served from now on hold
   * it with a planned id (PLANNED_ID_PREFIX), under its parent (itself known or planned).
   */
  expectOu(path: string): void {
    const cut = path.lastIndexOf("/");
    const parentPath = path.slice(0, cut);
    const parent =
      parentPath === "Root"
        ? (this.current?.view.rootId ?? `${PLANNED_ID_PREFIX}Root`)
        : ([...(this.current?.view.ous ?? []), ...this.planned].find((ou) => ou.path === parentPath)?.id ??
          `${PLANNED_ID_PREFIX}${parentPath}`);
    this.planned.push({
      id: `${PLANNED_ID_PREFIX}${path}`,
      name: path.slice(cut + 1),
      parentId: parent,
      path,
    });
  }

  private async read(maxAgeMs: number): Promise<OrganizationView> {
    if (this.current && this.now() - this.current.at < maxAgeMs) return this.current.view;
    this.refreshing ??= readOrganization(this.org())
      .then((view) => {
        this.current = { view, at: this.now() };
        return view;
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /**
   * Forgets the current view: the next reader reads the organization again. Called after orgguard
   * itself changed the tree (created, moved or deleted an OU or account), so what depends on it
   * (a baseline's selection, a policy's targets) sees the change at once.
   */
  invalidate(): void {
    this.current = undefined;
  }

  /** When the current view was read (ms since epoch), if any. */
  get readAt(): number | undefined {
    return this.current?.at;
  }
}
