/**
 * The one organization view of a process (the controller's, or a plan's), shared by every kind
 * that reads the organization's tree: AccountBaseline's selection and the policy kinds' targets.
 */
import { OrganizationDiscovery, sdkOrganizationReader } from "../aws/organization-view.js";
import type { KindContext } from "./kind-definition.js";

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
