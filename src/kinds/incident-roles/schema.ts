/**
 * The fields of the IncidentRoles setting (CIS AWS Foundations v3.0 1.17: a support role to manage
 * incidents with AWS Support): a role with AWS's AWSSupportAccess policy and, optionally, a
 * read-only audit role with SecurityAudit, in each account, both trusted by one declared principal
 * (a role of the security team's account), so responders and auditors never need IAM users.
 */
import { z } from "zod";

/** An IAM role name (CreateRole: 1-64 of \w+=,.@-). */
const roleName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_+=,.@-]+$/, "must be an IAM role name (letters, digits and +=,.@_-)");

export const incidentRolesFields = {
  trustedPrincipal: z
    .string()
    .regex(
      /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:(root|role\/[A-Za-z0-9_+=,.@/-]{1,512})$/,
      "must be an IAM role ARN (arn:aws:iam::111111111111:role/IncidentResponders) or an account's root ARN",
    )
    .describe(
      "Who may assume the roles: a role in the security team's account (arn:aws:iam::111111111111:role/IncidentResponders), or that account (arn:aws:iam::111111111111:root, which leaves the choice to its IAM policies).",
    ),
  supportRoleName: roleName
    .default("incident-support")
    .describe("The support role's name (AWSSupportAccess attached). Default incident-support."),
  auditRole: z
    .boolean()
    .default(false)
    .describe(
      "Also keep a read-only audit role (SecurityAudit attached) trusted by the same principal. Default false. Setting it back to false leaves a role orgguard made in place (delete the object with deletionPolicy: Delete to remove both).",
    ),
  auditRoleName: roleName
    .default("incident-audit")
    .describe("The audit role's name. Default incident-audit."),
};

export type IncidentRolesFields = z.output<z.ZodObject<typeof incidentRolesFields>>;

const roleState = z
  .object({
    name: z.string().describe("The role."),
    exists: z.boolean().describe("Whether the role exists."),
    ownedByOrgguard: z
      .boolean()
      .optional()
      .describe("Whether orgguard created it (its orgguard.io/managed-by tag)."),
    trustedPrincipals: z
      .array(z.string())
      .max(20)
      .optional()
      .describe("Who its trust policy lets assume it (AWS principals, the first 20)."),
    trustMatches: z.boolean().optional().describe("Whether its trust policy is exactly the spec's."),
    policyAttached: z.boolean().optional().describe("Whether the AWS managed policy it is for is attached."),
  })
  .describe("One incident role as IAM reports it.");

export type RoleState = z.output<typeof roleState>;

export const observedIncidentRoles = z
  .object({
    supportRole: roleState.optional(),
    auditRole: roleState.optional(),
  })
  .describe("The incident roles of the account.");

export type ObservedIncidentRoles = z.output<typeof observedIncidentRoles>;
