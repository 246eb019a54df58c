/**
 * The API of the CentralizedRootAccess kind: IAM's centralized root access for the organization's
 * member accounts (one object per organization). Root credentials management lets the management
 * account audit and delete member accounts' root credentials; root sessions let it take short
 * privileged root actions in a member account (sts:AssumeRoot) instead of keeping root passwords.
 * Both need trusted access for iam.amazonaws.com, which the Organization kind's spec.trustedAccess
 * gives (this kind reads it and says so when it is missing; it never writes another kind's field).
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import { accountId, deletionPolicy, managementPolicy, statusSchema, withRules } from "../../api/common.js";
import type { ManagedSpec } from "../../runtime/managed.js";

/** Status lists at most this many member accounts of each kind (the counts are exact). */
export const MAX_LISTED = 50;
/** At most this many accounts kept with their root credentials. */
export const MAX_EXCEPTIONS = 100;

const exception = z
  .strictObject({
    accountId: accountId.describe("The member account whose root credentials are kept."),
    reason: z.string().min(1).max(256).describe("Why it keeps them (what a reviewer reads)."),
  })
  .describe("A member account whose root credentials are never deleted, and why.");

const distinct = (values: readonly string[]) => new Set(values).size === values.length;

export const centralizedRootAccessSpec = withRules(
  z
    .strictObject({
      rootCredentialsManagement: z
        .boolean()
        .default(true)
        .describe(
          "Root credentials management (EnableOrganizationsRootCredentialsManagement): the management account can audit and delete member accounts' root credentials, and new accounts are created without any. Default true. orgguard enables it and never disables it.",
        ),
      rootSessions: z
        .boolean()
        .default(true)
        .describe(
          "Root sessions (EnableOrganizationsRootSessions): short privileged root actions in a member account from the management account (sts:AssumeRoot), such as unlocking a bucket policy that denies everyone. Default true. orgguard enables it and never disables it.",
        ),
      deleteMemberRootCredentials: z
        .boolean()
        .default(false)
        .describe(
          "In Enforce, delete the root user's password, access keys, MFA devices and signing certificates in every member account that has any (not in exceptions), through a root session with AWS's IAMDeleteRootUserCredentials task policy. Default false: they are only reported. Cannot be undone by orgguard (a member's root user comes back only through its password recovery, which root credentials management lets the management account allow); orgguard plan lists each deletion.",
        ),
      exceptions: z
        .array(exception)
        .max(MAX_EXCEPTIONS)
        .refine((list) => distinct(list.map((e) => e.accountId)), "each account at most once")
        .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["accountId"] })
        .default([])
        .describe(
          "Member accounts whose root credentials deleteMemberRootCredentials never deletes, each with a reason. They are still audited and reported.",
        ),
      managementPolicy,
      deletionPolicy: deletionPolicy.describe(
        "Has no meaning here: deleting this object leaves centralized root access enabled and never restores a deleted root credential.",
      ),
    })
    .describe("Centralized root access for the organization's member accounts."),
  [
    {
      cel: "!self.deleteMemberRootCredentials || self.rootCredentialsManagement",
      message: "deleteMemberRootCredentials needs rootCredentialsManagement",
      fieldPath: ".deleteMemberRootCredentials",
      holds: (s) => !s.deleteMemberRootCredentials || s.rootCredentialsManagement,
    },
  ],
);

/** A spec with its defaults applied. */
export interface CentralizedRootAccessSpec extends ManagedSpec {
  rootCredentialsManagement: boolean;
  rootSessions: boolean;
  deleteMemberRootCredentials: boolean;
  exceptions: Array<{ accountId: string; reason: string }>;
  managementPolicy: "Enforce" | "ObserveOnly";
  deletionPolicy: "Retain" | "Delete";
}

export const parseCentralizedRootAccessSpec = (value: unknown): CentralizedRootAccessSpec =>
  centralizedRootAccessSpec.parse(value);

const memberRootCredentials = z
  .object({
    accountId: z.string().describe("The member account."),
    accountName: z.string().optional().describe("Its name in the organization."),
    password: z.boolean().describe("Whether the root user has a console password (a login profile)."),
    accessKeys: z.number().int().min(0).describe("The root user's access keys (their ids are never shown)."),
    mfaDevices: z.number().int().min(0).describe("The root user's MFA devices."),
    signingCertificates: z.number().int().min(0).describe("The root user's signing certificates."),
    excepted: z.boolean().optional().describe("Listed under spec.exceptions: never deleted."),
  })
  .describe("The root credentials one member account still has.");

export type MemberRootCredentials = z.output<typeof memberRootCredentials>;

export const observedRootAccess = z
  .object({
    organizationId: z.string().optional().describe("The organization (o-...)."),
    trustedAccess: z.boolean().optional().describe("Whether iam.amazonaws.com has trusted access."),
    rootCredentialsManagement: z
      .boolean()
      .optional()
      .describe("Whether root credentials management is enabled."),
    rootSessions: z.boolean().optional().describe("Whether root sessions are enabled."),
    memberAccounts: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Active member accounts (the management account aside)."),
    membersAudited: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Member accounts whose root credentials were read (through a root session with AWS's audit task policy).",
      ),
    membersWithRootCredentials: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Member accounts whose root user still has a password, access keys, MFA devices or signing certificates.",
      ),
    membersWithRootCredentialsList: z
      .array(memberRootCredentials)
      .max(MAX_LISTED)
      .optional()
      .describe(`Up to ${MAX_LISTED} of them.`),
    auditFailures: z
      .array(
        z.object({
          accountId: z.string().describe("The member account."),
          reason: z.string().max(512).describe("Why its root credentials could not be read."),
        }),
      )
      .max(10)
      .optional()
      .describe("Member accounts whose root credentials could not be read, and why (the first 10)."),
    auditFailureCount: z.number().int().min(0).optional().describe("How many could not be read."),
  })
  .describe(
    "Centralized root access as IAM and Organizations report it, and the member accounts' root credentials.",
  );

export type ObservedRootAccess = z.output<typeof observedRootAccess>;

export const centralizedRootAccessApi: ApiDefinition = {
  kind: "CentralizedRootAccess",
  plural: "centralizedrootaccesses",
  singular: "centralizedrootaccess",
  shortNames: ["rootaccess"],
  description:
    "Centralized root access for the organization's member accounts (IAM): root credentials management and root sessions enabled, member accounts that still have root credentials reported, and, only with deleteMemberRootCredentials, those credentials deleted. One object per organization; trusted access for iam.amazonaws.com comes from the Organization kind.",
  spec: centralizedRootAccessSpec,
  status: statusSchema(observedRootAccess, {}),
  printerColumns: [
    { name: "Credentials-Mgmt", type: "boolean", jsonPath: ".status.atProvider.rootCredentialsManagement" },
    { name: "Root-Sessions", type: "boolean", jsonPath: ".status.atProvider.rootSessions" },
    { name: "With-Root-Creds", type: "integer", jsonPath: ".status.atProvider.membersWithRootCredentials" },
  ],
};
