/**
 * AccountBaseline: a composite kind. Its controller owns child PasswordPolicy and
 * PublicAccessBlock objects, one per selected account; it makes no AWS writes itself (it only
 * reads the organization's tree).
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP, API_VERSION } from "../../api/common.js";
import { type AwsClients, accountClaim } from "../../aws/clients.js";
import { Controller, type ControllerOptions } from "../../runtime/controller.js";
import type { EventRecorder } from "../../runtime/events.js";
import type { Logger } from "../../runtime/logger.js";
import type { ManagedObject } from "../../runtime/managed.js";
import type { Metrics } from "../../runtime/metrics.js";
import { ResourceClient } from "../../runtime/resource-client.js";
import type { BaselineObject, SettingKind } from "./children.js";
import { OrganizationDiscovery } from "./discovery.js";
import { AccountBaselineReconciler, type BaselineOptions } from "./reconciler.js";

export const ACCOUNT_BASELINE_REF = {
  group: API_GROUP,
  version: API_VERSION,
  plural: "accountbaselines",
  kind: "AccountBaseline",
};

export interface BaselineDeps {
  events: EventRecorder;
  metrics: Metrics;
  logger: Logger;
}

/** The AccountBaseline controller. */
export function accountBaselineController(
  kc: KubeConfig,
  aws: AwsClients,
  deps: BaselineDeps,
  options: ControllerOptions & BaselineOptions,
): Controller<BaselineObject> {
  const settings: Record<SettingKind, ResourceClient<ManagedObject>> = {
    PasswordPolicy: new ResourceClient(kc, {
      group: API_GROUP,
      version: API_VERSION,
      plural: "passwordpolicies",
      kind: "PasswordPolicy",
    }),
    PublicAccessBlock: new ResourceClient(kc, {
      group: API_GROUP,
      version: API_VERSION,
      plural: "publicaccessblocks",
      kind: "PublicAccessBlock",
    }),
  };
  const discovery = new OrganizationDiscovery(() => aws.organizations());
  return new Controller<BaselineObject>(
    kc,
    ACCOUNT_BASELINE_REF,
    (client) =>
      new AccountBaselineReconciler(
        client,
        settings,
        (object) => accountClaim((object.spec as { accountId?: string }).accountId, aws.knownOwnAccountId()),
        discovery,
        deps.events,
        deps.logger,
        options,
      ),
    deps.metrics,
    deps.logger,
    options,
  );
}
