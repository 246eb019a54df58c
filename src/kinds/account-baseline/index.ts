/**
 * AccountBaseline: a composite kind. Its controller owns one child object per setting it names
 * and per selected account (the settings' own kinds, from settings.ts); it makes no AWS writes
 * itself (it only reads the organization's tree).
 */
import { accountClaim } from "../../aws/clients.js";
import { Controller } from "../../runtime/controller.js";
import type { ManagedObject } from "../../runtime/managed.js";
import { ResourceClient } from "../../runtime/resource-client.js";
import {
  type CompositeContext,
  iamActionOf,
  type Kind,
  type KindContext,
  kindRef,
  reads,
} from "../kind-definition.js";
import { organizationOf } from "../organization.js";
import { settingRef } from "../setting/setting-kind.js";
import { SETTINGS } from "../settings.js";
import { accountBaselineApi } from "./api.js";
import { type BaselineObject, childManifests, settingsOf } from "./children.js";
import { AccountBaselineReconciler, type ChildClients } from "./reconciler.js";
import { selectAccounts } from "./selection.js";

/** The claim of a setting object: the account it keeps the setting of. */
const claimOf = (context: KindContext) => (object: ManagedObject) => {
  const accountId = object.spec.accountId;
  return accountClaim(typeof accountId === "string" ? accountId : undefined, context.aws.knownOwnAccountId());
};

function baselineController(context: CompositeContext): Controller<BaselineObject> {
  // A baseline is checked again every discovery interval (its poll, for orgguard_oldest_check_age_seconds).
  context.metrics.pollInterval.set({ kind: "AccountBaseline" }, context.discoveryIntervalMs / 1000);
  const children: ChildClients = new Map(
    SETTINGS.map((setting) => [
      setting.names.kind,
      new ResourceClient<ManagedObject>(context.kc, settingRef(setting)),
    ]),
  );
  return new Controller<BaselineObject>(
    context.kc,
    kindRef(accountBaselineApi),
    (client) =>
      new AccountBaselineReconciler(
        client,
        children,
        claimOf(context),
        organizationOf(context),
        context.events,
        context.logger,
        {
          discoveryIntervalMs: context.discoveryIntervalMs,
          progressIntervalMs: 5000,
          ...(context.cachedObjects ? { cachedObjects: context.cachedObjects } : {}),
          onChecked: (name) => context.metrics.checked("AccountBaseline", name),
        },
      ),
    context.metrics,
    context.logger,
    context.controller,
  );
}

/** Discovery reads only: the tree, container by container. */
const DISCOVERY = reads(
  "organizations",
  "DescribeOrganization",
  "ListRoots",
  "ListOrganizationalUnitsForParent",
  "ListAccountsForParent",
);

export const accountBaselineKind: Kind = {
  api: accountBaselineApi,
  // Its children are the account settings the report shows per account; the baseline is a row.
  posture: { scope: "organization" },
  operations: DISCOVERY,
  iam: { management: [{ sid: "ReadTheOrganization", actions: DISCOVERY.map(iamActionOf) }], member: [] },
  runtime: {
    type: "composite",
    childKinds: SETTINGS.map((s) => s.names.kind),
    controller: baselineController,
    expand: async (baseline, context) => {
      const view = await organizationOf(context).view(60_000);
      return childManifests(baseline, selectAccounts(view, settingsOf(baseline).accounts).accountIds);
    },
  },
};
