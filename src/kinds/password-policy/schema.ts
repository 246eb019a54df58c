/**
 * The fields of the IAM account password policy setting. Field ranges are AWS's
 * (UpdateAccountPasswordPolicy); defaults are secure (CIS AWS Foundations).
 */
import { z } from "zod";

/** The nine IAM fields (of the PasswordPolicy kind and the AccountBaseline field alike). */
export const passwordPolicyFields = {
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

export const observedPasswordPolicy = z
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

/** The fields with the schema's defaults applied. */
export type PasswordPolicyFields = z.output<z.ZodObject<typeof passwordPolicyFields>>;
