/**
 * The fields of the IamCredentials setting (CIS AWS Foundations v3.0 1.4, 1.5, 1.10, 1.12, 1.14,
 * 1.15): how old and how long unused an IAM user's access key may be before it is past the limits,
 * and the users whose keys are never deactivated (each with the reason a reviewer reads). What
 * status shows is bounded: counts are exact, lists hold at most MAX_LISTED names, and no access key
 * id (let alone a secret) ever appears: a key is named by its user and its place among the user's
 * keys (#1 the older, #2 the newer).
 */
import { z } from "zod";

/** Status lists at most this many users or keys (the counts beside them are exact). */
export const MAX_LISTED = 20;

/** At most this many users excepted: a longer list says the setting is not the right tool. */
export const MAX_EXCEPTIONS = 100;

/** An IAM user name as IAM allows it (CreateUser: 1-64 of letters, digits and +=,.@_-). */
export const iamUserName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_+=,.@-]+$/, "must be an IAM user name (letters, digits and +=,.@_-)")
  .describe("An IAM user name.");

const exception = z
  .strictObject({
    userName: iamUserName.describe("The IAM user whose access keys are never deactivated."),
    reason: z
      .string()
      .min(1)
      .max(256)
      .describe(
        "Why this user keeps long-lived keys (a ticket, the system that needs them, until when): what a reviewer reads.",
      ),
  })
  .describe("A user whose keys Enforce never deactivates, and why.");

export type CredentialException = z.output<typeof exception>;

const distinct = (values: readonly string[]) => new Set(values).size === values.length;

export const iamCredentialsFields = {
  maxAccessKeyAgeDays: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .default(90)
    .describe(
      "An active access key created more than this many days ago is past the limits (CIS 1.14 asks for rotation every 90 days). Default 90.",
    ),
  maxUnusedDays: z
    .number()
    .int()
    .min(0)
    .max(3650)
    .default(45)
    .describe(
      "An active access key unused for more than this many days (since its creation when never used) is past the limits (CIS 1.12: credentials unused for 45 days or more are disabled). Default 45.",
    ),
  exceptions: z
    .array(exception)
    .max(MAX_EXCEPTIONS)
    // A list-map keyed by userName: the apiserver refuses a user named twice, as validate does.
    .refine((list) => distinct(list.map((e) => e.userName)), "each user at most once")
    .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["userName"] })
    .default([])
    .describe(
      "Users whose access keys are never deactivated, each with a reason. Their keys are still reported (status.atProvider.exceptedKeys) and still count against CIS.",
    ),
};

export type IamCredentialsFields = z.output<z.ZodObject<typeof iamCredentialsFields>>;

const listedUsers = z
  .array(z.string())
  .max(MAX_LISTED)
  .optional()
  .describe(`Up to ${MAX_LISTED} of them, by user name.`);

const keyPastLimits = z
  .object({
    userName: z.string().describe("The key's user."),
    key: z
      .number()
      .int()
      .min(1)
      .max(2)
      .describe(
        "Which of the user's keys: 1 the older, 2 the newer (IAM allows two; the id is never shown).",
      ),
    ageDays: z.number().int().min(0).describe("Days since the key was created."),
    unusedDays: z
      .number()
      .int()
      .min(0)
      .describe("Days since it was last used (since its creation if never)."),
    past: z
      .array(z.enum(["maxAccessKeyAgeDays", "maxUnusedDays"]))
      .max(2)
      .describe("The limits it is past."),
  })
  .describe("An active access key past the spec's limits.");

export type KeyPastLimits = z.output<typeof keyPastLimits>;

export const observedIamCredentials = z
  .object({
    reportGeneratedAt: z
      .string()
      .optional()
      .describe(
        "When IAM generated the credential report this reading comes from (IAM regenerates it after 4 hours).",
      ),
    users: z.number().int().min(0).optional().describe("IAM users in the account."),
    rootAccessKeysPresent: z
      .boolean()
      .optional()
      .describe("Whether the root user has access keys (GetAccountSummary; CIS 1.4 asks for none)."),
    rootMfaEnabled: z
      .boolean()
      .optional()
      .describe("Whether the root user has MFA (GetAccountSummary; CIS 1.5)."),
    consoleUsersWithoutMfa: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Users with a console password and no MFA device (CIS 1.10)."),
    consoleUsersWithoutMfaNames: listedUsers,
    usersWithDirectPolicies: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Users with managed policies attached or inline policies of their own, not only through groups (CIS 1.15).",
      ),
    usersWithDirectPoliciesNames: listedUsers,
    activeAccessKeys: z.number().int().min(0).optional().describe("Active access keys of IAM users."),
    keysPastLimits: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Active keys past maxAccessKeyAgeDays or maxUnusedDays, of users not excepted: what Enforce deactivates.",
      ),
    keysPastLimitsList: z
      .array(keyPastLimits)
      .max(MAX_LISTED)
      .optional()
      .describe(`Up to ${MAX_LISTED} of them.`),
    exceptedKeys: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Active keys past the limits that are kept because their user is under spec.exceptions."),
    oldestActiveKeyAgeDays: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Age of the oldest active access key, excepted ones included (CIS 1.14 asks for 90 or less).",
      ),
    longestUnusedCredentialDays: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "The longest time an active access key or a console password has gone unused, excepted users included (CIS 1.12 asks for less than 45).",
      ),
    reportState: z
      .string()
      .optional()
      .describe("Set while IAM is still generating the credential report (STARTED or INPROGRESS)."),
  })
  .describe(
    "The IAM credentials of one account, from the credential report, the account summary and IAM's live key list.",
  );

export type ObservedIamCredentials = z.output<typeof observedIamCredentials>;
