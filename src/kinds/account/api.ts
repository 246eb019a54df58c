/**
 * The Account kind's API: a member account of the organization, created by orgguard, adopted by
 * id, or invited; kept in its OU. Closing it is never the default.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import {
  accountId,
  deletionPolicy,
  isSet,
  managementPolicy,
  ouPath,
  statusSchema,
  withRules,
} from "../../api/common.js";

/** The role CreateAccount makes in a new account for the management account to assume. */
export const DEFAULT_ACCOUNT_ROLE = "OrganizationAccountAccessRole";

const accountSpecShape = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(50)
    .regex(/^[\x20-\x7E]+$/, "must be 1 to 50 printable ASCII characters")
    .describe(
      "The account's name, given at creation. AWS Organizations cannot rename an account: a name changed later is shown in status, not written.",
    ),
  email: z
    .string()
    .min(6)
    .max(64)
    .regex(
      // CreateAccount's pattern, its \s spelled out as Java means it ([ \t\n\v\f\r]): JavaScript's
      // \s also matches Unicode spaces and Go's (the kube-apiserver's) not \v, so the two would disagree.
      /^[^ \t\n\v\f\r@]+@[^ \t\n\v\f\r@]+\.[^ \t\n\v\f\r@]+$/,
      "must be an email address",
    )
    .optional()
    .describe(
      "The root user's email, given at creation (unique across AWS), or the address to invite. Required unless accountId is set.",
    ),
  ouPath: ouPath
    .default("Root")
    .describe(
      "The OU the account is kept in: created accounts are moved there, and an account moved by hand is moved back (every move is shown by orgguard plan).",
    ),
  accountId: accountId
    .optional()
    .describe(
      "Adopt this account, already a member of the organization (or, with invite, invite it). Absent: orgguard creates the account.",
    ),
  invite: z
    .boolean()
    .default(false)
    .describe(
      "Invite the account (by accountId, else by email) when it is not in the organization, and follow the invitation (a handshake its owner accepts) in status.",
    ),
  tags: z
    .record(z.string().min(1).max(128), z.string().max(256))
    .optional()
    .describe(
      "Tags on the account. Only these keys (and orgguard's ownership tags) are managed; others are left alone.",
    ),
  iamUserAccessToBilling: z
    .enum(["ALLOW", "DENY"])
    .default("DENY")
    .describe(
      "Whether IAM users and roles of a created account may reach its billing information (given at creation). DENY by default: AWS's default is ALLOW.",
    ),
  roleName: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/, "must be an IAM role name")
    .default(DEFAULT_ACCOUNT_ROLE)
    .describe(
      "The role CreateAccount makes in a created account, trusted by the management account (orgguard's default role for member accounts).",
    ),
  closeOnDeletion: z
    .boolean()
    .default(false)
    .describe(
      "Close the account when this object is deleted (needs deletionPolicy: Delete). Only for an account orgguard created, never the management account; orgguard plan lists it as destructive. Closing cannot be undone after 90 days.",
    ),
  managementPolicy,
  deletionPolicy: deletionPolicy.describe(
    "What deleting this object does in AWS. Retain (the default) and Delete both leave the account in the organization, unmanaged; only closeOnDeletion: true (with Delete) closes it.",
  ),
});

export const accountSpec = withRules(accountSpecShape.describe("A member account of the organization."), [
  {
    cel: "has(self.accountId) || has(self.email)",
    message: "set email (to create or invite the account) or accountId (to adopt or invite it)",
    fieldPath: ".email",
    holds: (s) => isSet(s.accountId) || isSet(s.email),
  },
  {
    cel: "!self.closeOnDeletion || !has(self.accountId)",
    message:
      "closeOnDeletion applies only to an account orgguard creates (no accountId): orgguard never closes an account it adopted or invited, nor the management account",
    fieldPath: ".closeOnDeletion",
    holds: (s) => !s.closeOnDeletion || !isSet(s.accountId),
  },
  {
    cel: "!self.closeOnDeletion || self.deletionPolicy == 'Delete'",
    message: "closeOnDeletion: true needs deletionPolicy: Delete (closing is never what Retain means)",
    fieldPath: ".closeOnDeletion",
    holds: (s) => !s.closeOnDeletion || s.deletionPolicy === "Delete",
  },
]);

export type AccountSpec = z.output<typeof accountSpec>;

const atProvider = z
  .object({
    name: z.string().max(64).optional().describe("The account's name in AWS."),
    email: z.string().max(128).optional().describe("The root user's email in AWS."),
    state: z.string().max(32).optional().describe("ACTIVE, SUSPENDED, PENDING_CLOSURE or CLOSED."),
    joinedMethod: z.string().max(16).optional().describe("CREATED or INVITED."),
    ouPath: z.string().max(1024).optional().describe("The OU the account is in now."),
  })
  .describe("What AWS has.");

export const accountStatus = statusSchema(atProvider, {
  accountId: accountId.optional().describe("The account's id (once created, adopted or joined)."),
  arn: z.string().max(2048).optional().describe("The account's ARN in the organization."),
  createRequestId: z
    .string()
    .max(64)
    .optional()
    .describe("The CreateAccount request orgguard made (DescribeCreateAccountStatus follows it)."),
  createRequestGeneration: z
    .number()
    .int()
    .optional()
    .describe(
      "The generation the create request was made for (a failed one is retried after a spec change).",
    ),
  handshakeId: z.string().max(64).optional().describe("The invitation (handshake) orgguard sent."),
  handshakeState: z
    .string()
    .max(32)
    .optional()
    .describe("REQUESTED, OPEN, ACCEPTED, DECLINED, CANCELED or EXPIRED, at the last read."),
  handshakeGeneration: z
    .number()
    .int()
    .optional()
    .describe(
      "The generation the invitation was sent for (a declined one is sent again after a spec change).",
    ),
});

export const accountApi: ApiDefinition = {
  kind: "Account",
  plural: "accounts",
  singular: "account",
  shortNames: ["acct"],
  description:
    "A member account of the AWS organization: created (CreateAccount, followed to completion), adopted by id, or invited; kept in its OU. Never closed unless closeOnDeletion says so.",
  spec: accountSpec,
  status: accountStatus,
  printerColumns: [
    { name: "Account-ID", type: "string", jsonPath: ".status.accountId" },
    { name: "OU", type: "string", jsonPath: ".spec.ouPath" },
    { name: "State", type: "string", jsonPath: ".status.atProvider.state", priority: 1 },
  ],
};
