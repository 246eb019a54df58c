/**
 * The child objects an AccountBaseline owns: one PasswordPolicy and/or PublicAccessBlock per
 * selected account, named after the baseline and the account, labelled with the baseline's name
 * and owned by it. Pure: builds and compares manifests.
 */
import { type AccountBaselineSpec, accountBaselineSpec } from "../../api/account-baseline.js";
import { API_GROUP_VERSION } from "../../api/common.js";
import type { KubeObject } from "../../runtime/kube-object.js";
import type { ManagedObject } from "../../runtime/managed.js";

export const BASELINE_LABEL = "orgguard.io/baseline";

export type SettingKind = "PasswordPolicy" | "PublicAccessBlock";
export const SETTING_KINDS: readonly SettingKind[] = ["PasswordPolicy", "PublicAccessBlock"];

export type BaselineObject = KubeObject<AccountBaselineSpec, Record<string, unknown>>;

/** A baseline's spec parsed once (schema defaults applied): what every child is built from. */
export interface BaselineSettings {
  accounts: AccountBaselineSpec["accounts"];
  templates: Partial<Record<SettingKind, Record<string, unknown>>>;
  managementPolicy: AccountBaselineSpec["managementPolicy"];
  deletionPolicy: AccountBaselineSpec["deletionPolicy"];
}

/** The settings a baseline asks for, with the schema's defaults applied. */
export function settingsOf(baseline: BaselineObject): BaselineSettings {
  const spec = accountBaselineSpec.parse(baseline.spec);
  return {
    accounts: spec.accounts,
    templates: {
      ...(spec.passwordPolicy ? { PasswordPolicy: spec.passwordPolicy } : {}),
      ...(spec.publicAccessBlock ? { PublicAccessBlock: spec.publicAccessBlock } : {}),
    },
    managementPolicy: spec.managementPolicy,
    deletionPolicy: spec.deletionPolicy,
  };
}

export const childName = (baseline: string, accountId: string): string => `${baseline}-${accountId}`;

/** The child manifest for one account and setting. */
export function childManifest(
  baseline: BaselineObject,
  settings: BaselineSettings,
  kind: SettingKind,
  accountId: string,
): ManagedObject {
  return {
    apiVersion: API_GROUP_VERSION,
    kind,
    metadata: {
      name: childName(baseline.metadata.name, accountId),
      labels: { [BASELINE_LABEL]: baseline.metadata.name },
      ownerReferences: [
        {
          apiVersion: baseline.apiVersion,
          kind: baseline.kind,
          name: baseline.metadata.name,
          uid: baseline.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      ...settings.templates[kind],
      accountId,
      managementPolicy: settings.managementPolicy,
      deletionPolicy: settings.deletionPolicy,
    } as ManagedObject["spec"],
  };
}

/** Whether a child's spec already says everything the desired spec says. */
export function childUpToDate(child: ManagedObject, desired: ManagedObject): boolean {
  const have = child.spec as Record<string, unknown>;
  const want = desired.spec as Record<string, unknown>;
  const keys = new Set([...Object.keys(have), ...Object.keys(want)]);
  return [...keys].every((k) => JSON.stringify(have[k]) === JSON.stringify(want[k]));
}
