/**
 * AccountBaseline: a password policy and/or a public access block applied to every account a
 * selector matches (by id, by OU, or all), including accounts created later.
 */
import { z } from "zod";
import { accountId, deletionPolicy, isSet, managementPolicy, statusSchema, withRules } from "./common.js";
import type { KindDefinition } from "./kind.js";
import { passwordPolicySettings } from "./password-policy.js";
import { publicAccessBlockSettings } from "./public-access-block.js";
import { ouId, ouPath } from "./service-control-policy.js";

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

export const accountBaselineSpec = withRules(
  z
    .strictObject({
      accounts: accountSelector,
      passwordPolicy: z
        .strictObject(passwordPolicySettings)
        .optional()
        .describe(
          "The IAM password policy every selected account gets (the PasswordPolicy fields, without accountId).",
        ),
      publicAccessBlock: z
        .strictObject(publicAccessBlockSettings)
        .optional()
        .describe(
          "The S3 Block Public Access every selected account gets (the PublicAccessBlock fields, without accountId).",
        ),
      managementPolicy,
      deletionPolicy,
    })
    .describe("A baseline applied to every selected account, including accounts created later."),
  [
    {
      cel: "has(self.passwordPolicy) || has(self.publicAccessBlock)",
      message: "a baseline needs at least one of passwordPolicy or publicAccessBlock",
      holds: (s) => isSet(s.passwordPolicy) || isSet(s.publicAccessBlock),
    },
  ],
);

export type AccountBaselineSpec = z.output<typeof accountBaselineSpec>;

/** The status lists at most this many failing accounts, so it stays far below etcd's object size limit. */
export const MAX_REPORTED_FAILURES = 20;

const accountFailure = z
  .object({
    accountId: z.string().describe("The failing account."),
    setting: z.string().optional().describe("PasswordPolicy or PublicAccessBlock."),
    reason: z.string().describe("The child's condition reason, or Conflict."),
    message: z.string().max(1024).optional().describe("Why, in a sentence."),
  })
  .describe("An account whose baseline is not Ready.");

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
  },
);

export const accountBaselineKind: KindDefinition = {
  kind: "AccountBaseline",
  plural: "accountbaselines",
  singular: "accountbaseline",
  shortNames: ["baseline"],
  description:
    "AccountBaseline applies a password policy and/or an S3 public access block to every account a selector matches, including accounts created later.",
  spec: accountBaselineSpec,
  status: accountBaselineStatus,
  printerColumns: [
    { name: "Matched", type: "integer", jsonPath: ".status.matchedAccounts" },
    { name: "Ready-Accounts", type: "integer", jsonPath: ".status.readyAccounts" },
    { name: "Failing", type: "integer", jsonPath: ".status.failingAccounts" },
  ],
};
