/**
 * AccountBaseline: account settings (each one of settings.ts, as a field) applied to every account
 * a selector matches (by id, by OU, or all), including accounts created later.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import {
  accountId,
  deletionPolicy,
  isSet,
  managementPolicy,
  managementPolicyOverride,
  statusSchema,
  withRules,
} from "../../api/common.js";
import type { ManagementPolicy } from "../../runtime/managed.js";
import { ouId, ouPath } from "../organization-policy/api.js";
import { settingFieldsSchema } from "../setting/setting-kind.js";
import { SETTINGS } from "../settings.js";

export const ouSelector = withRules(
  z
    .strictObject({
      id: ouId.optional(),
      path: ouPath.optional(),
      recursive: z.boolean().default(true).describe("Include accounts in OUs below this one. Default true."),
    })
    .describe("An organizational unit, by id or by path: exactly one of id or path."),
  [
    {
      cel: "has(self.id) != has(self.path)",
      message: "exactly one of id or path must be set",
      holds: (s) => isSet(s.id) !== isSet(s.path),
    },
  ],
);

const accountIds = z.array(accountId).max(1000);
const ouSelectors = z.array(ouSelector).max(100);

export const accountSelector = withRules(
  z
    .strictObject({
      ids: accountIds.optional().describe("Accounts selected by id."),
      organizationalUnits: ouSelectors.optional().describe("Accounts selected by the OU they are in."),
      all: z
        .boolean()
        .optional()
        .describe("Select every ACTIVE account of the organization (not the management account)."),
      exclude: z
        .strictObject({
          ids: accountIds.optional().describe("Accounts never selected, whatever else matches."),
          organizationalUnits: ouSelectors.optional().describe("OUs whose accounts are never selected."),
        })
        .optional()
        .describe("Accounts to leave out of the selection."),
    })
    .describe(
      "Which accounts the baseline applies to. The management account is selected only by id: SCPs never apply to it, but its own password policy and public access block matter.",
    ),
  [
    {
      cel: "(has(self.all) && self.all) || (has(self.ids) && size(self.ids) > 0) || (has(self.organizationalUnits) && size(self.organizationalUnits) > 0)",
      message: "select accounts with at least one of all: true, ids or organizationalUnits",
      holds: (s) => s.all === true || (s.ids?.length ?? 0) > 0 || (s.organizationalUnits?.length ?? 0) > 0,
    },
  ],
);

export type AccountSelector = z.output<typeof accountSelector>;

/** One optional field per setting: the setting's fields (and regions), without accountId. */
const settingFields = Object.fromEntries(
  SETTINGS.map((setting) => [
    setting.names.field,
    settingFieldsSchema(
      setting,
      `${setting.fieldDescription} (the ${setting.names.kind} fields, without accountId).`,
    ).optional(),
  ]),
);

const fieldNames = SETTINGS.map((s) => s.names.field);
const oneOf = (names: string[]) =>
  names.length <= 2 ? names.join(" or ") : `${names.slice(0, -1).join(", ")} or ${names.at(-1)}`;

/** The managementPolicy a baseline's setting field gives itself, if any. */
export function fieldPolicy(field: unknown): ManagementPolicy | undefined {
  const parsed = z.object({ managementPolicy: managementPolicyOverride }).safeParse(field);
  return parsed.success ? parsed.data.managementPolicy : undefined;
}

/** The fields every baseline has, whatever settings it names (typed, for the controller). */
export const baselineCommon = z.object({ accounts: accountSelector, managementPolicy, deletionPolicy });

const baselineShape: z.ZodRawShape = {
  accounts: accountSelector,
  ...settingFields,
  managementPolicy,
  deletionPolicy,
};

export const accountBaselineSpec = withRules(
  z
    .strictObject(baselineShape)
    .describe("A baseline applied to every selected account, including accounts created later."),
  [
    {
      cel: fieldNames.map((f) => `has(self.${f})`).join(" || "),
      message: `a baseline needs at least one of ${oneOf(fieldNames)}`,
      holds: (s) => fieldNames.some((f) => isSet(s[f])),
    },
  ],
);

export type AccountBaselineSpec = z.output<typeof baselineCommon> & Record<string, unknown>;

/** The status lists at most this many failing accounts, so it stays far below etcd's object size limit. */
export const MAX_REPORTED_FAILURES = 20;

const accountFailure = z
  .object({
    accountId: z.string().describe("The failing account."),
    setting: z
      .string()
      .optional()
      .describe(`The setting's kind: ${oneOf(SETTINGS.map((s) => s.names.kind))}.`),
    reason: z.string().describe("The child's condition reason, or Conflict."),
    message: z.string().max(1024).optional().describe("Why, in a sentence."),
  })
  .describe("An account whose baseline is not Ready.");

const controlCompliance = z
  .object({
    control: z
      .string()
      .describe('The recommendation, in CIS AWS Foundations Benchmark v3.0 numbering: "CIS 1.8".'),
    title: z.string().describe("What it asks for."),
    setting: z.string().describe("The setting whose state in each account was judged."),
    compliant: z.number().int().min(0).describe("Matched accounts that meet it now."),
    total: z.number().int().min(0).describe("Matched accounts."),
  })
  .describe("One CIS recommendation and how many accounts meet it.");

export const accountBaselineStatus = statusSchema(
  z
    .object({
      organizationId: z.string().optional().describe("The organization the accounts were discovered in."),
    })
    .describe("What discovery saw in AWS Organizations."),
  {
    matchedAccounts: z.number().int().min(0).optional().describe("Accounts the selector matches now."),
    readyAccounts: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Matched accounts whose settings are all Ready."),
    driftedAccounts: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Matched accounts with drift (ObserveOnly)."),
    failingAccounts: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Matched accounts with an error or a conflict."),
    failures: z
      .array(accountFailure)
      .max(MAX_REPORTED_FAILURES)
      .optional()
      .describe(`Up to ${MAX_REPORTED_FAILURES} failing accounts with the reason.`),
    compliance: z
      .array(controlCompliance)
      .max(50)
      .optional()
      .describe(
        "Per CIS AWS Foundations recommendation the baseline's settings cover: how many matched accounts meet it, judged from what AWS has (as each child last read it), not from the spec.",
      ),
    compliant: z
      .string()
      .max(8)
      .optional()
      .describe("The share of (recommendation, account) pairs in compliance, as kubectl get shows it."),
  },
);

export const accountBaselineApi: ApiDefinition = {
  kind: "AccountBaseline",
  plural: "accountbaselines",
  singular: "accountbaseline",
  shortNames: ["baseline"],
  description: `AccountBaseline applies account settings (${oneOf(SETTINGS.map((s) => s.names.kind))}) to every account a selector matches, including accounts created later.`,
  spec: accountBaselineSpec,
  status: accountBaselineStatus,
  printerColumns: [
    { name: "Matched", type: "integer", jsonPath: ".status.matchedAccounts" },
    { name: "Ready-Accounts", type: "integer", jsonPath: ".status.readyAccounts" },
    { name: "Failing", type: "integer", jsonPath: ".status.failingAccounts" },
    { name: "CIS-Compliant", type: "string", jsonPath: ".status.compliant" },
  ],
  // Each setting's warnings, at the setting's field, with the policy it is applied with.
  lint: (spec) => {
    const common = baselineCommon.safeParse(spec);
    if (!common.success) return [];
    return SETTINGS.flatMap((setting) => {
      const field = spec[setting.names.field];
      const fields = z.object(setting.fields).safeParse(field);
      if (!fields.success || !setting.lint || field === undefined) return [];
      return setting.lint(fields.data, `spec.${setting.names.field}`, {
        managementPolicy:
          fieldPolicy(field) ?? setting.defaultManagementPolicy ?? common.data.managementPolicy,
        in: "baseline",
      });
    });
  },
};
