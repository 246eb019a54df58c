/**
 * The API of the TemporaryAccess kind: an IAM Identity Center permission set granted to one user or
 * group in named accounts until a time, approved in git (the pull request that adds the object is
 * the approval: docs show the CODEOWNERS rule for two approvers). orgguard creates the account
 * assignments, and removes the ones it created at expiry without anyone acting; deleting the object
 * removes them at once. How long a grant may last is the platform team's (the controller's
 * --temporary-access-max-durations), never the object's.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import { accountId, isSet, managementPolicy, statusSchema, withRules } from "../../api/common.js";
import type { ManagedSpec } from "../../runtime/managed.js";
import { instanceFields, permissionSetName } from "../identity-center-session-length/api.js";

/** At most this many accounts per grant: temporary access is narrow by design. */
export const MAX_ACCOUNTS = 20;

const PRINCIPAL_KEYS = ["userName", "groupName"] as const;

const principal = withRules(
  z
    .strictObject({
      userName: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .describe("The Identity Center user, by user name (resolved in the instance's identity store)."),
      groupName: z
        .string()
        .min(1)
        .max(1024)
        .optional()
        .describe("The Identity Center group, by display name (resolved in the instance's identity store)."),
    })
    .describe("Who gets the access: exactly one of userName or groupName."),
  [
    {
      cel: `[${PRINCIPAL_KEYS.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`,
      message: "exactly one of userName or groupName must be set",
      holds: (p) => PRINCIPAL_KEYS.filter((k) => isSet(p[k])).length === 1,
    },
  ],
);

/** RFC 3339 with a time zone, as Kubernetes writes times: 2026-12-24T18:00:00Z. */
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const distinct = (values: readonly string[]) => new Set(values).size === values.length;

export const temporaryAccessSpec = z
  .strictObject({
    ...instanceFields,
    permissionSet: permissionSetName.describe(
      "The permission set granted (by name): a narrow one, such as read-only access to production databases.",
    ),
    principal,
    accounts: z
      .array(accountId)
      .min(1)
      .max(MAX_ACCOUNTS)
      .refine(distinct, "each account at most once")
      .meta({ "x-kubernetes-list-type": "set" })
      .describe(`The accounts the access is for (1 to ${MAX_ACCOUNTS}).`),
    expiresAt: z
      .string()
      .regex(RFC3339, "must be an RFC 3339 time with a zone, such as 2026-12-24T18:00:00Z")
      .describe(
        "When the access ends (RFC 3339, with a zone): the assignments orgguard created are removed then, without anyone acting. No later than the object's creation plus the permission set's ceiling (the controller's --temporary-access-max-durations). An object already past it grants nothing.",
      ),
    reason: z
      .string()
      .min(1)
      .max(512)
      .describe("Why the access is needed (a ticket, the change it is for): in every Event about the grant."),
    managementPolicy,
    deletionPolicy: z
      .enum(["Delete"])
      .default("Delete")
      .describe(
        "Always Delete: deleting the object removes the assignments it created at once. Access granted for a time never outlives its object.",
      ),
  })
  .describe("A permission set granted to a user or group in named accounts until a time.");

export interface TemporaryAccessSpec extends ManagedSpec {
  accountId?: string;
  region?: string;
  instanceArn?: string;
  permissionSet: string;
  principal: { userName?: string; groupName?: string };
  accounts: string[];
  expiresAt: string;
  reason: string;
  managementPolicy: "Enforce" | "ObserveOnly";
  deletionPolicy: "Delete";
}

export const parseTemporaryAccessSpec = (value: unknown): TemporaryAccessSpec =>
  temporaryAccessSpec.parse(value);

export const observedTemporaryAccess = z
  .object({
    instanceArn: z.string().optional().describe("The Identity Center instance."),
    permissionSetArn: z.string().optional().describe("The permission set granted."),
    principalId: z.string().optional().describe("The user's or group's id in the identity store."),
    assignedIn: z
      .array(z.string())
      .max(MAX_ACCOUNTS)
      .optional()
      .describe("The accounts where the principal has the permission set now."),
  })
  .describe("The account assignments as Identity Center lists them.");

export type ObservedTemporaryAccess = z.output<typeof observedTemporaryAccess>;

const extra = {
  phase: z
    .enum(["Pending", "Active", "Expired", "Refused"])
    .optional()
    .describe(
      "Pending: not granted yet; Active: granted, until expiresAt; Expired: past it, the assignments removed; Refused: longer than the permission set's ceiling, or already past its expiry when first seen (nothing granted).",
    ),
  remaining: z
    .string()
    .optional()
    .describe("Time left until expiresAt (as of the last reconcile), such as 3d 4h."),
  granted: z
    .array(accountId)
    .max(MAX_ACCOUNTS)
    .optional()
    .describe(
      "The accounts where orgguard created the assignment (recorded before each call): the only ones it removes. An assignment the principal already had is left as it is.",
    ),
};

export const temporaryAccessApi: ApiDefinition = {
  kind: "TemporaryAccess",
  plural: "temporaryaccesses",
  singular: "temporaryaccess",
  shortNames: ["tempaccess"],
  description:
    "Temporary elevated access approved in git: an IAM Identity Center permission set granted to a user or group in named accounts until expiresAt, removed then without anyone acting. The pull request adding the object is the approval.",
  spec: temporaryAccessSpec,
  status: statusSchema(observedTemporaryAccess, extra),
  printerColumns: [
    { name: "Permission-Set", type: "string", jsonPath: ".spec.permissionSet" },
    { name: "Phase", type: "string", jsonPath: ".status.phase" },
    { name: "Expires", type: "string", jsonPath: ".spec.expiresAt" },
    { name: "Remaining", type: "string", jsonPath: ".status.remaining" },
  ],
  lint: (value) => {
    const parsed = temporaryAccessSpec.safeParse(value);
    if (!parsed.success) return [];
    return Date.parse(parsed.data.expiresAt) <= Date.now()
      ? [
          {
            path: "spec.expiresAt",
            message: `${parsed.data.expiresAt} has passed: the controller grants nothing (the apiserver cannot refuse it: Kubernetes' CEL has no clock)`,
          },
        ]
      : [];
  },
};
