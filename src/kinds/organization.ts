/**
 * The one organization view of a process (the controller's, or a plan's), shared by every kind
 * that reads the organization's tree: AccountBaseline's selection, the policy kinds' targets and
 * the Organization kind's delegated administrators named by account name.
 */
import { OrganizationDiscovery, type OrganizationView } from "../aws/organization-view.js";
import type { KindContext } from "./kind-definition.js";

const views = new WeakMap<KindContext["aws"], OrganizationDiscovery>();

/** The view of `context`'s organization, made on first use (one per AwsClients). */
export function organizationOf(context: Pick<KindContext, "aws">): OrganizationDiscovery {
  let view = views.get(context.aws);
  if (!view) {
    view = new OrganizationDiscovery(() => context.aws.organizations());
    views.set(context.aws, view);
  }
  return view;
}

/** How old the view may be: --discovery-interval (AWS Organizations' tree changes rarely). */
export const DEFAULT_DISCOVERY_INTERVAL_MS = 5 * 60_000;
export const viewMaxAge = (context: Pick<KindContext, "discoveryIntervalMs">): number =>
  context.discoveryIntervalMs ?? DEFAULT_DISCOVERY_INTERVAL_MS;

/** What a kind reads of the organization view (organization-view.ts), or a fixed one in tests. */
export interface TargetView {
  current(): Promise<OrganizationView>;
  /** The view, re-read unless it is only seconds old (a target it does not know may be new). */
  fresher(): Promise<OrganizationView>;
}

/**
 * The organization view as a kind resolving names reads it: as old as --discovery-interval allows,
 * and read again (at most every few seconds) when it does not know what an object names, since
 * the OU or account may be new, or a policy type just enabled.
 */
export class ViewReader implements TargetView {
  /** The least time between two refreshes a miss asks for: a target that does not exist is retried, not hammered. */
  private static readonly MISS_REFRESH_MS = 5_000;

  constructor(
    private readonly organization: OrganizationDiscovery,
    private readonly maxAgeMs: number,
  ) {}

  current(): Promise<OrganizationView> {
    return this.organization.view(this.maxAgeMs);
  }

  /** The view, re-read unless it is only seconds old. */
  fresher(): Promise<OrganizationView> {
    return this.organization.view(ViewReader.MISS_REFRESH_MS);
  }
}
