/**
 * The one organization view of a process (the controller's, or a plan's), shared by every kind
 * that reads the organization's tree: AccountBaseline's selection and the policy kinds' targets.
 */
import {
  OrganizationDiscovery,
  type OrganizationView,
  type OrganizationViews,
  sdkOrganizationReader,
} from "../aws/organization-view.js";
import type { ResourceRef } from "../runtime/kube-object.js";
import { type KindContext, kindRef } from "./kind-definition.js";
import { organizationApi } from "./organization/api.js";

const views = new WeakMap<KindContext["aws"], OrganizationDiscovery>();

/** The view of `context`'s organization, made on first use (one per AwsClients). */
export function organizationOf(context: Pick<KindContext, "aws">): OrganizationDiscovery {
  let view = views.get(context.aws);
  if (!view) {
    view = new OrganizationDiscovery(() => sdkOrganizationReader(context.aws.organizations()));
    views.set(context.aws, view);
  }
  return view;
}

/** How old the view may be: --discovery-interval (AWS Organizations' tree changes rarely). */
export const DEFAULT_DISCOVERY_INTERVAL_MS = 5 * 60_000;
export const viewMaxAge = (context: Pick<KindContext, "discoveryIntervalMs">): number =>
  context.discoveryIntervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS;

/** The least time between two re-reads a miss asks for: a name not found is retried, not hammered. */
const MISS_REFRESH_MS = 5_000;

/**
 * The organization view as a kind reads it: as old as --discovery-interval allows, re-read (at most
 * every few seconds) when it does not know a name (the OU or account may be new), and forgotten
 * when the kind changed the tree itself.
 */
export interface ViewReader {
  current(): Promise<OrganizationView>;
  /** The view, re-read unless it is only seconds old. */
  fresher(): Promise<OrganizationView>;
  /** The tree changed (orgguard created, moved or deleted an OU or account): read it again next time. */
  invalidate(): void;
}

/** What a kind that only resolves names reads of the view (the policy engine, the Organization kind). */
export type TargetView = Pick<ViewReader, "current" | "fresher">;

/** The names-only reader over any source of views (a fixed one in tests), as old as `maxAgeMs` allows. */
export function targetViewOf(organization: OrganizationViews, maxAgeMs: number): TargetView {
  return {
    current: () => organization.view(maxAgeMs),
    fresher: () => organization.view(MISS_REFRESH_MS),
  };
}

/** The reader of `context`'s organization view. */
export function organizationReaderOf(context: Pick<KindContext, "aws" | "discoveryIntervalMs">): ViewReader {
  const organization = organizationOf(context);
  return { ...targetViewOf(organization, viewMaxAge(context)), invalidate: () => organization.invalidate() };
}

/** The id of the root or OU at `path` in `view` (Root is the root), if any. */
export function containerIdOf(view: OrganizationView, path: string): string | undefined {
  if (path === "Root") return view.rootId;
  return view.ous.find((ou) => ou.path === path)?.id;
}

/** The path of the root or OU `id` in `view`, if known. */
export function pathOfContainer(view: OrganizationView, id: string): string | undefined {
  if (id === view.rootId) return "Root";
  return view.ous.find((ou) => ou.id === id)?.path;
}

/**
 * The id of the root or OU at `path`: from the current view, else from a fresher one (it may be
 * new); undefined when neither knows it.
 */
export async function resolveContainer(reader: ViewReader, path: string): Promise<string | undefined> {
  return containerIdOf(await reader.current(), path) ?? containerIdOf(await reader.fresher(), path);
}

/**
 * What an organization-level object may wait for (ManagedKind.waitsFor): an Account or OU object
 * creating the account it names (GuardDuty's administrator, the trail's log archive), and the
 * Organization object enabling the trusted access and delegated administrators it needs. One of
 * them turning Ready looks again at once, instead of when a backoff of up to 5 minutes ends.
 */
export const organizationPrerequisites = (context: Pick<KindContext, "treeKinds">): ResourceRef[] => [
  ...(context.treeKinds ?? []),
  kindRef(organizationApi),
];
