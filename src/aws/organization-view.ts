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
import { RetryableError, TerminalError } from "../runtime/reconcile-errors.js";
import { required, toReconcileError } from "./aws-errors.js";

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

/** The organization's root as ListRoots gives it. */
export interface RootSummary {
  id: string;
  /** The policy types with status ENABLED on the root. */
  enabledPolicyTypes: string[];
}

/**
 * Every AWS Organizations call discovery makes, as a narrow interface: the tree walk and the cache
 * are tested in-process against a fake of it, and against moto through the SDK implementation
 * below. Each list is whole (the SDK implementation follows every page); errors are AWS's own.
 */
export interface OrganizationReader {
  /** DescribeOrganization. */
  describeOrganization(): Promise<{ id: string; managementAccountId: string }>;
  /** ListRoots (an organization has one root). */
  roots(): Promise<RootSummary[]>;
  /** The OUs directly under a root or OU (ListOrganizationalUnitsForParent). */
  ousFor(parentId: string): Promise<Array<{ id: string; name: string }>>;
  /** The accounts directly under a root or OU (ListAccountsForParent). */
  accountsFor(parentId: string): Promise<Array<{ id: string; name: string; status: string }>>;
}

/** The OrganizationReader of an Organizations SDK client. */
export function sdkOrganizationReader(org: OrganizationsClient): OrganizationReader {
  return {
    async describeOrganization() {
      const organization = (await org.send(new DescribeOrganizationCommand({}))).Organization;
      return { id: organization?.Id ?? "", managementAccountId: organization?.MasterAccountId ?? "" };
    },
    async roots() {
      const roots = (await org.send(new ListRootsCommand({}))).Roots ?? [];
      return roots.flatMap((root) =>
        root.Id
          ? [
              {
                id: root.Id,
                enabledPolicyTypes: (root.PolicyTypes ?? []).flatMap((t) =>
                  t.Status === "ENABLED" && t.Type ? [t.Type] : [],
                ),
              },
            ]
          : [],
      );
    },
    async ousFor(parentId) {
      const ous: Array<{ id: string; name: string }> = [];
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client: org },
        { ParentId: parentId },
      )) {
        for (const ou of page.OrganizationalUnits ?? []) {
          ous.push({ id: required(ou.Id, `the id of an OU under ${parentId}`), name: ou.Name ?? "" });
        }
      }
      return ous;
    },
    async accountsFor(parentId) {
      const accounts: Array<{ id: string; name: string; status: string }> = [];
      for await (const page of paginateListAccountsForParent({ client: org }, { ParentId: parentId })) {
        for (const a of page.Accounts ?? []) {
          accounts.push({
            id: required(a.Id, `the id of an account under ${parentId}`),
            name: a.Name ?? "",
            status: a.Status ?? "ACTIVE",
          });
        }
      }
      return accounts;
    },
  };
}

/**
 * Reads the whole tree once: the root, then every OU and account container by container
 * (breadth first), each OU with its path of names from the root.
 */
export async function readOrganization(reader: OrganizationReader): Promise<OrganizationView> {
  try {
    const described = await reader.describeOrganization();
    const [root] = await reader.roots();
    if (!root) throw new Error("the organization has no root");
    const ous: OrganizationalUnit[] = [];
    const accounts: Account[] = [];
    const containers: Array<{ id: string; path: string }> = [{ id: root.id, path: "Root" }];
    for (const parent of containers) {
      // Appending while iterating is the walk: a container found here is visited in turn.
      for (const ou of await reader.ousFor(parent.id)) {
        const path = `${parent.path}/${ou.name}`;
        ous.push({ id: ou.id, name: ou.name, parentId: parent.id, path });
        containers.push({ id: ou.id, path });
      }
      for (const a of await reader.accountsFor(parent.id)) accounts.push({ ...a, parentId: parent.id });
    }
    return {
      organizationId: described.id,
      managementAccountId: described.managementAccountId,
      rootId: root.id,
      enabledPolicyTypes: root.enabledPolicyTypes,
      ous,
      accounts,
    };
  } catch (err) {
    // A reason already given (an answer without a field AWS always sends) stays as it is.
    if (err instanceof RetryableError || err instanceof TerminalError) throw err;
    throw toReconcileError(err, "cannot read the organization's accounts and OUs");
  }
}

/** What the kinds read of the organization: a view no older than they allow. */
export interface OrganizationViews {
  /** The view, read again first if it is older than `maxAgeMs` (0 forces a read). */
  view(maxAgeMs: number): Promise<OrganizationView>;
}

/** A cached view of the organization, refreshed when older than the caller allows. */
/**
 * The id `orgguard plan` gives an OU it plans to create, so later objects (a child OU, an account,
 * a policy's target) resolve it: every reader treats such an id as "not created yet" and never
 * sends it to AWS.
 */
export const PLANNED_ID_PREFIX = "planned:";
export const isPlanned = (id: string): boolean => id.startsWith(PLANNED_ID_PREFIX);

export class OrganizationDiscovery implements OrganizationViews {
  /** The latest view kept, and when the read that made it began. */
  private current: { view: OrganizationView; at: number } | undefined;
  /** The read in flight, and the generation it began in. */
  private refreshing: { view: Promise<OrganizationView>; generation: number } | undefined;
  /**
   * Bumped by invalidate(): a read that began before the tree changed may not hold the change, so
   * it is neither kept nor shared with callers that came after.
   */
  private generation = 0;
  /** OUs a plan will create (never in the controller): added to every view served. */
  private readonly planned: OrganizationalUnit[] = [];

  constructor(
    /** The reader of one refresh (made per refresh: the SDK client behind it is made on first use). */
    private readonly reader: () => OrganizationReader,
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
   * Forgets the current view: the next reader reads the organization again. Called after orgguard
   * itself changed the tree (created, moved or deleted an OU or account), so what depends on it
   * (a baseline's selection, a policy's targets) sees the change at once.
   */
  invalidate(): void {
    this.current = undefined;
    this.generation++;
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

  private read(maxAgeMs: number): Promise<OrganizationView> {
    if (this.current && this.now() - this.current.at < maxAgeMs) return Promise.resolve(this.current.view);
    if (this.refreshing?.generation !== this.generation) this.refreshing = this.refresh();
    return this.refreshing.view;
  }

  /**
   * One read of the organization, kept (aged from when it began) unless the tree was invalidated
   * meanwhile: a read that raced orgguard's own CreateAccount would otherwise be served as fresh
   * and hide the new account from every kind for as long as their max age allows.
   */
  private refresh(): { view: Promise<OrganizationView>; generation: number } {
    const generation = this.generation;
    const began = this.now();
    const refreshing = {
      generation,
      view: readOrganization(this.reader())
        .then((view) => {
          if (generation === this.generation) this.current = { view, at: began };
          return view;
        })
        .finally(() => {
          if (this.refreshing === refreshing) this.refreshing = undefined;
        }),
    };
    return refreshing;
  }

  /** When the current view was read (ms since epoch), if any. */
  get readAt(): number | undefined {
    return this.current?.at;
  }
}
