/**
 * What the controller and the CLI's plan and apply build from the configuration alike: the AWS
 * clients, and the context the kinds run with.
 */
import { type AwsCallObserver, AwsClients, endpointsFromEnvironment } from "../aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../aws/regions.js";
import { type ControllerConfig, policyOptionsFor } from "../config.js";
import type { KindContext } from "../kinds/kind-definition.js";

/** AWS clients as configured (endpoints from the environment, as the SDKs document them). */
export function awsClientsFor(
  config: ControllerConfig,
  extra: { observeCall?: AwsCallObserver; readOnly?: ReadonlySet<string> } = {},
): AwsClients {
  return new AwsClients({
    region: config.awsRegion,
    ...endpointsFromEnvironment(process.env),
    roleArnTemplate: config.roleArnTemplate,
    ...(config.externalId ? { externalId: config.externalId } : {}),
    maxAttempts: config.awsMaxAttempts,
    connectTimeoutMs: config.awsConnectTimeout,
    requestTimeoutMs: config.awsRequestTimeout,
    organizationsRate: { perSecond: config.organizationsRate, burst: config.organizationsBurst },
    ...extra,
  });
}

/** The context every kind is built with. */
export function kindContextFor(config: ControllerConfig, aws: AwsClients): KindContext {
  return {
    aws,
    policies: policyOptionsFor(config),
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: config.defaultRegions }),
    // One region's reads get a quarter of the deadline: the writes of the others fit in the rest.
    regionTimeoutMs: Math.floor(config.reconcileTimeout / 4),
    discoveryIntervalMs: config.discoveryInterval,
    temporaryAccessMaxDurations: config.temporaryAccessMaxDurations,
  };
}
