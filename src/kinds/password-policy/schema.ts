/**
 * PasswordPolicy: the IAM account password policy of one account.
 * Field ranges are AWS's (UpdateAccountPasswordPolicy); defaults are secure (CIS AWS Foundations).
 */
import { z } from "zod";
import { accountId, deletionPolicy, managementPolicy, statusSchema } from "./common.js";
import type { KindDefinition } from "./kind.js";

/** The nine IAM fields, shared with the AccountBaseline template. */
export const passwordPolicySettings = {
  minimumPasswordLength: z
    .number()
    .int()
    .min(6)
    .max(128)
    .default(14)
    .describe("Minimum number of characters in an IAM user password (6-128). Default 14, as CIS recommends."),
  requireSymbols: z
    .boolean()
    .default(true)
    .describe("Require at least one non-alphanumeric character. Default true."),
  requireNumbers: z.boolean().default(true).describe("Require at least one digit (0-9). Default true."),
  requireUppercaseCharacters: z
    .boolean()
    .default(true)
    .describe("Require at least one uppercase letter (A-Z). Default true."),
  requireLowercaseCharacters: z
    .boolean()
    .default(true)
    .describe("Require at least one lowercase letter (a-z). Default true."),
  allowUsersToChangePassword: z
    .boolean()
    .default(true)
    .describe("Allow IAM users to change their own password. Default true."),
  maxPasswordAge: z
    .number()
    .int()
    .min(1)
    .max(1095)
    .optional()
    .describe("Days a password stays valid (1-1095). Absent means passwords never expire."),
  passwordReusePrevention: z
    .number()
    .int()
    .min(1)
    .max(24)
    .optional()
    .describe(
      "How many previous passwords a user may not reuse (1-24; CIS asks for 24). Absent means no reuse check.",
    ),
  hardExpiry: z
    .boolean()
    .default(false)
    .describe(
      "When true, users whose password expired cannot set a new one: an administrator must. Default false.",
    ),
};

export const passwordPolicySpec = z
  .strictObject({
    accountId: accountId
      .optional()
      .describe("The account whose password policy this is. Absent means the controller's own account."),
    ...passwordPolicySettings,
    managementPolicy,
    deletionPolicy,
  })
  .describe("The IAM account password policy orgguard keeps in one account.");

export type PasswordPolicySpec = z.output<typeof passwordPolicySpec>;

const observedPasswordPolicy = z
  .object({
    minimumPasswordLength: z.number().int().optional().describe("As AWS reports it."),
    requireSymbols: z.boolean().optional().describe("As AWS reports it."),
    requireNumbers: z.boolean().optional().describe("As AWS reports it."),
    requireUppercaseCharacters: z.boolean().optional().describe("As AWS reports it."),
    requireLowercaseCharacters: z.boolean().optional().describe("As AWS reports it."),
    allowUsersToChangePassword: z.boolean().optional().describe("As AWS reports it."),
    maxPasswordAge: z
      .number()
      .int()
      .optional()
      .describe("As AWS reports it; absent when passwords never expire."),
    passwordReusePrevention: z
      .number()
      .int()
      .optional()
      .describe("As AWS reports it; absent when there is no reuse check."),
    hardExpiry: z.boolean().optional().describe("As AWS reports it."),
    expirePasswords: z.boolean().optional().describe("Derived by AWS: true when maxPasswordAge is set."),
  })
  .describe("The password policy AWS has now, when one is set.");

export const passwordPolicyStatus = statusSchema(observedPasswordPolicy, {
  accountId: accountId
    .optional()
    .describe("The account the policy was read from (resolved when spec.accountId is absent)."),
});

export const passwordPolicyKind: KindDefinition = {
  kind: "PasswordPolicy",
  plural: "passwordpolicies",
  singular: "passwordpolicy",
  shortNames: ["pwpolicy"],
  description:
    "PasswordPolicy keeps the IAM account password policy of one AWS account equal to its spec, repairing drift.",
  spec: passwordPolicySpec,
  status: passwordPolicyStatus,
  printerColumns: [
    { name: "Account", type: "string", jsonPath: ".status.accountId" },
    { name: "Min-Length", type: "integer", jsonPath: ".spec.minimumPasswordLength" },
  ],
};
