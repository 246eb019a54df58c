/**
 * The one list of kinds. Everything that lists kinds derives from it: the CRDs, the controller's
 * controllers, `orgguard plan`'s apply order and read-only guard, validate, the IAM policies, the
 * chart's RBAC and the tests' write counting. Its order is the apply order (the organization first: the
 * policy types, trusted access and delegated administrators the rest relies on; then Organizations
 * policies: guard rails before settings; baselines last: their settings after every standalone one)
 * and the docs' order.
 */
import type { ApiDefinition } from "../api/api-definition.js";
import { IDENTITY_OPERATIONS } from "../aws/clients.js";
import type { ResourceRef } from "../runtime/kube-object.js";
import type { ManagedKind } from "../runtime/managed.js";
import { accountKind } from "./account/index.js";
import { accountBaselineKind } from "./account-baseline/index.js";
import { centralizedRootAccessKind } from "./centralized-root-access/index.js";
import { configAggregatorKind } from "./config-aggregator/index.js";
import { guardDutyOrganizationKind } from "./guardduty-organization/index.js";
import { identityCenterSessionLengthKind } from "./identity-center-session-length/index.js";
import {
  type CompositeRuntime,
  type Kind,
  type KindContext,
  kindRef,
  type ManagedRuntime,
} from "./kind-definition.js";
import { organizationKind } from "./organization/organization-kind.js";
import { policyKind } from "./organization-policy/policy-kind.js";
import { organizationTrailKind } from "./organization-trail/index.js";
import { organizationalUnitKind } from "./organizational-unit/index.js";
import { POLICY_TYPES } from "./policy-types.js";
import { securityHubOrganizationKind } from "./security-hub-organization/index.js";
import { settingKind } from "./setting/setting-kind.js";
import { SETTINGS } from "./settings.js";
import { temporaryAccessKind } from "./temporary-access/index.js";

export const KINDS: readonly Kind[] = [
  organizationKind,
  organizationalUnitKind,
  accountKind,
  ...POLICY_TYPES.map((type) => policyKind(type, POLICY_TYPES)),
  // Organization-wide services, after the accounts they name (and the guard rails that protect them).
  organizationTrailKind,
  guardDutyOrganizationKind,
  ...SETTINGS.map(settingKind),
  centralizedRootAccessKind,
  identityCenterSessionLengthKind,
  temporaryAccessKind,
  accountBaselineKind,
  securityHubOrganizationKind,
  configAggregatorKind,
];

/** The kinds whose objects change the organization's tree (OUs, accounts): KindContext.treeKinds. */
export const TREE_KINDS: readonly ResourceRef[] = KINDS.filter((k) => k.changesTree).map((k) =>
  kindRef(k.api),
);

/** Every kind's API definition, in the list's order. */
export const API_DEFINITIONS: readonly ApiDefinition[] = KINDS.map((k) => k.api);

/** The kind named `kind`, if orgguard serves it. */
export const findKind = (kind: string): Kind | undefined => KINDS.find((k) => k.api.kind === kind);

/** A kind's place in the apply order (unknown kinds last). */
export const applyOrder = (kind: string): number => {
  const index = KINDS.findIndex((k) => k.api.kind === kind);
  return index < 0 ? KINDS.length : index;
};

/** Whether `k` is a managed kind (one external thing per object). */
export const isManaged = (k: Kind): k is Kind & { runtime: ManagedRuntime } => k.runtime.type === "managed";
/** Whether `k` is a composite kind (its objects own objects of other kinds). */
export const isComposite = (k: Kind): k is Kind & { runtime: CompositeRuntime } =>
  k.runtime.type === "composite";

/** The managed kinds the controller reconciles (one external thing per object). */
export const managedKinds = (context: KindContext): ManagedKind[] =>
  KINDS.filter(isManaged).map((k) => k.runtime.managed(context));

/** The composite kinds (AccountBaseline), whose objects own objects of other kinds. */
export const compositeKinds = (): Array<Kind & { runtime: CompositeRuntime }> => KINDS.filter(isComposite);

/** `service:Operation` of every AWS call the kinds make, by access. */
const operationKeys = (access: "read" | "write"): string[] => [
  ...new Set(
    KINDS.flatMap((k) =>
      k.operations.filter((op) => op.access === access).map((op) => `${op.service}:${op.name}`),
    ),
  ),
];

/**
 * What a read-only AWS client lets through (`orgguard plan`): every read a kind declares, and the
 * STS calls that hand out identities. A write, or an undeclared call, is refused before it is sent.
 */
export const READ_OPERATIONS: ReadonlySet<string> = new Set([
  ...operationKeys("read"),
  ...IDENTITY_OPERATIONS,
]);

/** Every write the kinds can make (a steady state makes none). */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set(operationKeys("write"));
