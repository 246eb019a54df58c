/**
 * AccountBaseline: a composite kind. Its controller owns one child object per setting it names
 * and per selected account (the settings' own kinds, from settings.ts); it makes no AWS writes
 * itself (it only reads the organization's tree).
 */
import { accountClaim } from "../../aws/clients.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import type { ControllerRuntime } from "../../runtime/controller.js";
import type { KubeObject } from "../../runtime/kube-object.js";
import type { ManagedObject } from "../../runtime/managed.js";
import { iamActionOf, type Kind, type KindContext, kindRef, reads } from "../kind-definition.js";
import { organizationOf, viewMaxAge } from "../organization.js";
import { settingRef } from "../setting/setting-kind.js";
import { SETTINGS } from "../settings.js";
import { accountBaselineApi } from "./api.js";
import { BASELINE_LABEL, type BaselineObject, childManifests, settingsOf } from "./children.js";
import { AccountBaselineSteps, type ChildKinds, unresolvedMessage } from "./reconciler.js";
import { selectAccounts } from "./selection.js";

/** The claim of a setting object: the account it keeps the setting of (as the setting kinds claim it). */
const claimOf = (context: KindContext) => (object: ManagedObject) => {
  const accountId = object.spec.accountId;
  return accountClaim(typeof accountId === "string" ? accountId : undefined, context.aws.knownOwnAccountId());
};

/** A setting object written directly (no baseline owns it): it may take or free an account of any baseline. */
const isStandalone = (object: KubeObject) => object.metadata.labels?.[BASELINE_LABEL] === undefined;

function baselineController(runtime: ControllerRuntime, context: KindContext) {
  const ref = kindRef(accountBaselineApi);
  const children: ChildKinds = new Map(
    SETTINGS.map((setting) => {
      const child = settingRef(setting);
      return [
        setting.names.kind,
        {
          client: runtime.informers.client<ManagedObject>(child),
          informer: runtime.informers.informer<ManagedObject>(child),
          claims: runtime.informers.claims<ManagedObject>(child, claimOf(context)),
        },
      ];
    }),
  );
  const baselines = runtime.informers.informer<BaselineObject>(ref);
  const everyBaseline = () => baselines.list().map((b) => b.metadata.name);
  let builder = runtime
    .controllerFor<BaselineObject>(ref, { pollIntervalMs: viewMaxAge(context) })
    .owns(...SETTINGS.map(settingRef));
  // A standalone setting object that comes or goes takes an account from, or gives one back to,
  // whichever baseline selects it: every baseline looks again (there are few of them).
  for (const setting of SETTINGS) {
    builder = builder.watches(settingRef(setting), (o) => (isStandalone(o) ? everyBaseline() : []));
  }
  // An OU or account an object creates or moves (its status says so) is selected at once, not at
  // the next discovery: that kind re-reads the organization view after each change it makes.
  for (const ref of context.treeKinds ?? []) builder = builder.watches(ref, everyBaseline, { status: true });
  return builder.build(
    () =>
      new AccountBaselineSteps(children, organizationOf(context), {
        discoveryIntervalMs: viewMaxAge(context),
      }),
  );
}

/** Discovery reads only: the tree, container by container. */
const DISCOVERY = reads("organizations", ...ORGANIZATION_VIEW_OPERATIONS);

export const accountBaselineKind: Kind = {
  api: accountBaselineApi,
  posture: { scope: "organization" },
  operations: DISCOVERY,
  iam: { management: [{ sid: "ReadTheOrganization", actions: DISCOVERY.map(iamActionOf) }], member: [] },
  runtime: {
    type: "composite",
    childKinds: SETTINGS.map((s) => s.names.kind),
    controller: baselineController,
    expand: async (baseline, context) => {
      const view = await organizationOf(context).view(60_000);
      const selection = selectAccounts(view, settingsOf(baseline).accounts);
      // An error for plan and apply, as an SCP aimed at a missing OU is: the controller says the same (Ready=False/SelectorNotFound).
      if (selection.unresolved.length > 0) throw new Error(unresolvedMessage(selection.unresolved));
      return childManifests(baseline, selection.accountIds);
    },
  },
};
