/**
 * The API of the IdentityCenterSessionLength kind: how long an IAM Identity Center session may last
 * (each permission set's SessionDuration), for one Identity Center instance. The seeds: "Allow user
 * sessions to be max 10 hours (or so) so they need to log in once every day". The permission sets
 * the spec names are lowered (and re-provisioned) in Enforce; every other one is only reported.
 * Identity Center's MFA settings have no public API: nothing here reads or sets them.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import { accountId, deletionPolicy, managementPolicy, statusSchema } from "../../api/common.js";
import type { ManagedSpec } from "../../runtime/managed.js";

/** Status lists at most this many permission sets of each kind (the counts are exact). */
export const MAX_LISTED = 50;
/** At most this many permission sets named in a spec (AWS allows 2,000 per instance; name them by the few that matter). */
export const MAX_NAMED = 200;

/** A permission set's name as Identity Center allows it (CreatePermissionSet: 1-32 of \w+=,.@-). */
export const permissionSetName = z
  .string()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9_+=,.@-]+$/, "must be a permission set name (letters, digits and +=,.@_-)")
  .describe("A permission set's name.");

/** An Identity Center instance's ARN. */
export const instanceArn = z
  .string()
  .min(10)
  .max(1224)
  .regex(
    /^arn:(aws|aws-cn|aws-us-gov):sso:::instance\/(sso)?ins-[a-zA-Z0-9.-]{16}$/,
    "must be an Identity Center instance ARN (arn:aws:sso:::instance/ssoins-...)",
  )
  .describe("The Identity Center instance (arn:aws:sso:::instance/ssoins-...).");

/** Where an Identity Center instance lives: its account, region and ARN (the one there when absent). */
export const instanceFields = {
  accountId: accountId
    .optional()
    .describe(
      "The account the Identity Center instance lives in (the management account, or a delegated administrator). Absent: the controller's own.",
    ),
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, "must be a region name such as eu-west-1")
    .optional()
    .describe("The instance's home region. Absent: the controller's --aws-region."),
  instanceArn: instanceArn
    .optional()
    .describe("The instance; absent: the one instance Identity Center lists in that account and region."),
};

const distinct = (values: readonly string[]) => new Set(values).size === values.length;

export const sessionLengthSpec = z
  .strictObject({
    ...instanceFields,
    maxSessionHours: z
      .number()
      .int()
      .min(1)
      .max(12)
      .default(10)
      .describe(
        "The longest session a permission set may give, in hours (Identity Center allows 1 to 12). Default 10, as the seeds ask: sign in once a day.",
      ),
    permissionSets: z
      .array(permissionSetName)
      .max(MAX_NAMED)
      .refine(distinct, "each permission set at most once")
      .meta({ "x-kubernetes-list-type": "set" })
      .default([])
      .describe(
        "The permission sets orgguard manages, by name: in Enforce, one whose SessionDuration is longer is lowered to maxSessionHours and re-provisioned to the accounts it is provisioned to. Every other permission set of the instance is only reported (status.atProvider.unmanagedOverLimit).",
      ),
    managementPolicy,
    deletionPolicy: deletionPolicy.describe(
      "Has no meaning here: deleting this object leaves every session duration as it is.",
    ),
  })
  .describe("The longest Identity Center session the permission sets of one instance may give.");

export interface SessionLengthSpec extends ManagedSpec {
  accountId?: string;
  region?: string;
  instanceArn?: string;
  maxSessionHours: number;
  permissionSets: string[];
  managementPolicy: "Enforce" | "ObserveOnly";
  deletionPolicy: "Retain" | "Delete";
}

export const parseSessionLengthSpec = (value: unknown): SessionLengthSpec => sessionLengthSpec.parse(value);

const longSession = z
  .object({
    name: z.string().describe("The permission set."),
    sessionDuration: z
      .string()
      .describe("Its SessionDuration as Identity Center reports it (ISO 8601, PT12H)."),
  })
  .describe("A permission set whose sessions last longer than maxSessionHours.");

export const observedSessionLength = z
  .object({
    instanceArn: z.string().optional().describe("The instance read."),
    permissionSets: z.number().int().min(0).optional().describe("Permission sets in the instance."),
    overLimit: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("Permission sets whose sessions last longer than maxSessionHours."),
    managedOverLimit: z
      .array(longSession)
      .max(MAX_LISTED)
      .optional()
      .describe("Those the spec names (Enforce lowers them)."),
    unmanagedOverLimit: z
      .array(longSession)
      .max(MAX_LISTED)
      .optional()
      .describe(`Those the spec does not name: reported only (the first ${MAX_LISTED}).`),
    unmanagedOverLimitCount: z.number().int().min(0).optional().describe("How many the spec does not name."),
    missing: z
      .array(z.string())
      .max(MAX_NAMED)
      .optional()
      .describe("Permission sets the spec names that the instance does not have."),
  })
  .describe("The instance's permission sets' session durations.");

export type ObservedSessionLength = z.output<typeof observedSessionLength>;

/** Lowered but not yet re-provisioned (a provisioning that failed): re-provisioned at the next reconcile. */
const provisionPending = z
  .array(z.object({ name: z.string().describe("The permission set."), arn: z.string().describe("Its ARN.") }))
  .max(MAX_NAMED)
  .optional()
  .describe(
    "Permission sets whose SessionDuration orgguard lowered but whose provisioning to their accounts failed: provisioned again at the next reconcile (the accounts' roles keep the old duration until then).",
  );

export const sessionLengthApi: ApiDefinition = {
  kind: "IdentityCenterSessionLength",
  plural: "identitycentersessionlengths",
  singular: "identitycentersessionlength",
  shortNames: ["ssosession"],
  description:
    "The longest session the permission sets of one IAM Identity Center instance may give: those the spec names are lowered to maxSessionHours and re-provisioned in Enforce, the others only reported. Identity Center's MFA settings have no public API and are not managed here.",
  spec: sessionLengthSpec,
  status: statusSchema(observedSessionLength, { provisionPending }),
  printerColumns: [
    { name: "Max-Hours", type: "integer", jsonPath: ".spec.maxSessionHours" },
    { name: "Over-Limit", type: "integer", jsonPath: ".status.atProvider.overLimit" },
  ],
};
