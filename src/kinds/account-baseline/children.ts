/**
 * The child objects an AccountBaseline owns: one object of each setting it names per selected
 * account, named after the baseline and the account, labelled with the baseline's name and owned
 * by it. Pure: builds and compares manifests, for any setting of settings.ts.
 */
import { isDeepStrictEqual } from "node:util";
import { API_GROUP_VERSION } from "../../api/common.js";
import type { ManagedObject } from "../../runtime/managed.js";
import type { AccountSetting } from "../setting/setting.js";
import { SETTINGS } from "../settings.js";
import { type AccountBaselineSpec, accountBaselineSpec, baselineCommon, fieldPolicy } from "./api.js";

export const BASELINE_LABEL = "orgguard.io/baseline";

/** A baseline as the apiserver stores it (its spec is parsed where it is read). */
export type BaselineObject = ManagedObject;

/** One setting a baseline names, with the fields every account gets. */
export interface SettingTemplate {
  setting: AccountSetting;
  fields: Record<string, unknown>;
}

/** A baseline's spec parsed once (schema defaults applied): what every child is built from. */
export interface BaselineSettings {
  accounts: AccountBaselineSpec["accounts"];
  /** The settings the baseline names, in the order of settings.ts. */
  templates: SettingTemplate[];
  managementPolicy: AccountBaselineSpec["managementPolicy"];
  deletionPolicy: AccountBaselineSpec["deletionPolicy"];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** The settings a baseline asks for, with the schema's defaults applied. */
export function settingsOf(baseline: BaselineObject): BaselineSettings {
  const spec: Record<string, unknown> = accountBaselineSpec.parse(baseline.spec);
  const common = baselineCommon.parse(spec);
  return {
    accounts: common.accounts,
    templates: SETTINGS.flatMap((setting) => {
      const fields = spec[setting.names.field];
      return isRecord(fields) ? [{ setting, fields }] : [];
    }),
    managementPolicy: common.managementPolicy,
    deletionPolicy: common.deletionPolicy,
  };
}

export const childName = (baseline: string, accountId: string): string => `${baseline}-${accountId}`;

/** The child manifest of one account for one of the baseline's settings. */
export function childManifest(
  baseline: BaselineObject,
  settings: BaselineSettings,
  template: SettingTemplate,
  accountId: string,
): ManagedObject {
  return {
    apiVersion: API_GROUP_VERSION,
    kind: template.setting.names.kind,
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
      ...template.fields,
      accountId,
      // A setting whose writes are seen first (IamCredentials) is ObserveOnly unless its field says otherwise.
      managementPolicy:
        fieldPolicy(template.fields) ?? template.setting.defaultManagementPolicy ?? settings.managementPolicy,
      deletionPolicy: settings.deletionPolicy,
    },
  };
}

/** Every child a baseline stands for now: its settings for each of `accountIds`. */
export function childManifests(baseline: BaselineObject, accountIds: readonly string[]): ManagedObject[] {
  const settings = settingsOf(baseline);
  return settings.templates.flatMap((template) =>
    accountIds.map((accountId) => childManifest(baseline, settings, template, accountId)),
  );
}

/**
 * Whether a child's spec already says everything the desired spec says. Compared by value, not
 * by JSON text: the apiserver hands nested objects back with their keys sorted (a contact's
 * emailAddress before its name), which read as a change on every reconcile and kept the child
 * from ever counting as ready.
 */
export function childUpToDate(child: ManagedObject, desired: ManagedObject): boolean {
  const have: Record<string, unknown> = child.spec;
  const want: Record<string, unknown> = desired.spec;
  const keys = new Set([...Object.keys(have), ...Object.keys(want)]);
  return [...keys].every((k) => isDeepStrictEqual(have[k], want[k]));
}
