/**
 * The API of the Organization kind: the organization itself as code. One object per organization
 * (cluster-scoped) says what the organization must have: all features, the policy types enabled
 * on the root, trusted access for service principals and delegated administrators. None of it is
 * exclusive: what the spec does not name is never touched, unless orgguard itself enabled or
 * registered it (status.managed).
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import {
  accountId,
  deletionPolicy,
  isSet,
  managementPolicy,
  statusSchema,
  withRules,
} from "../../api/common.js";
import type { Problem } from "../../api/problems.js";
import type { ManagedSpec } from "../../runtime/managed.js";
import { POLICY_TYPES } from "../policy-types.js";
import { selfDesignatedProblems } from "../self-designating-services.js";

/** At most this many entries per list in the spec (AWS integrates about 70 services). */
export const MAX_SPEC_ENTRIES = 100;
/** At most this many of what AWS has are listed in status.atProvider (the counts are exact). */
export const MAX_LISTED = 100;
/**
 * At most this many entries in status.managed: the spec's, and those just removed from it that
 * are still to be disabled or deregistered.
 */
export const MAX_MANAGED = 2 * MAX_SPEC_ENTRIES;

/** A service principal as AWS Organizations names an integrated service: guardduty.amazonaws.com. */
export const servicePrincipal = z
  .string()
  .min(1)
  .max(128)
  .regex(
    /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?\.amazonaws\.com$/,
    "must be a service principal such as guardduty.amazonaws.com",
  )
  .describe("An AWS service principal, for example guardduty.amazonaws.com.");

const POLICY_TYPE_IDS = POLICY_TYPES.map((t) => t.id);

/** Whether a list holds each value once (what `x-kubernetes-list-type: set` makes the apiserver check). */
const distinct = (values: readonly string[]) => new Set(values).size === values.length;

/** A list of distinct strings: a set for the apiserver, the same check for `orgguard validate`. */
function setOf(item: z.ZodType<string>, what: string) {
  return z
    .array(item)
    .max(MAX_SPEC_ENTRIES)
    .refine(distinct, `each ${what} at most once`)
    .meta({ "x-kubernetes-list-type": "set" });
}

const DELEGATE_KEYS = ["accountId", "accountName"] as const;

export const delegatedAdministrator = withRules(
  z
    .strictObject({
      servicePrincipal: servicePrincipal.describe(
        "The service the account administers for the organization, for example guardduty.amazonaws.com.",
      ),
      accountId: accountId.optional().describe("The member account to register."),
      accountName: z
        .string()
        .min(1)
        .max(50)
        .optional()
        .describe(
          "The member account to register, by its name in the organization (resolved on every reconcile; exactly one account must have it).",
        ),
    })
    .describe(
      "A member account registered as a delegated administrator of a service: exactly one of accountId or accountName.",
    ),
  [
    {
      cel: `[${DELEGATE_KEYS.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`,
      message: "exactly one of accountId or accountName must be set",
      holds: (d) => DELEGATE_KEYS.filter((k) => isSet(d[k])).length === 1,
    },
  ],
);

export type DelegatedAdministratorEntry = z.output<typeof delegatedAdministrator>;

/** How an entry is named in messages and checked for duplicates: `guardduty.amazonaws.com/222222222222`. */
export const entryKey = (d: DelegatedAdministratorEntry): string =>
  `${d.servicePrincipal}/${d.accountId ?? `name:${d.accountName}`}`;

export const organizationSpec = z
  .strictObject({
    featureSet: z
      .enum(["ALL"])
      .default("ALL")
      .describe(
        "The feature set the organization must have: ALL (the only value). An organization with consolidated billing only reports Stalled/AllFeaturesRequired with the steps to migrate; orgguard never starts the migration (a handshake every member account must accept).",
      ),
    policyTypes: setOf(z.enum(POLICY_TYPE_IDS), "policy type")
      .default([])
      .describe(
        `Organizations policy types to enable on the root (${POLICY_TYPE_IDS.join(", ")}). orgguard enables them and never disables one: disabling a type detaches every policy of that type from every root, OU and account.`,
      ),
    trustedAccess: setOf(servicePrincipal, "service principal")
      .default([])
      .describe(
        "Service principals to give trusted access to the organization (EnableAWSServiceAccess). Never exclusive: principals enabled by anyone else are left as they are. A principal removed from this list is disabled only when orgguard enabled it (or adopted it): see status.managed.",
      ),
    delegatedAdministrators: z
      .array(delegatedAdministrator)
      .max(MAX_SPEC_ENTRIES)
      // Not a CEL rule: comparing every pair exceeds the apiserver's cost budget many times over
      // at 100 entries. `orgguard validate` and the controller (InvalidSpec, before any call) refuse it.
      .refine(
        (entries) => distinct(entries.map(entryKey)),
        "each delegated administrator (service principal and account) at most once",
      )
      .default([])
      .describe(
        "Member accounts to register as delegated administrators of services (RegisterDelegatedAdministrator). Registrations made by anyone else are left as they are; an entry removed from this list is deregistered only when orgguard registered it (or adopted it). Most services need trusted access first: list the principal under trustedAccess too.",
      ),
    managementPolicy,
    deletionPolicy: deletionPolicy.describe(
      "What happens in AWS when this object is deleted. Retain (the default) leaves everything as it is; Delete disables the trusted access and deregisters the delegated administrators orgguard enabled or registered itself (status.managed), and nothing else. Policy types are never disabled.",
    ),
  })
  .describe(
    "The organization orgguard keeps: its feature set, root policy types, trusted access and delegated administrators.",
  );

/** What the Organization's spec holds once parsed (defaults filled in). */
export interface OrganizationSpec extends ManagedSpec {
  featureSet: "ALL";
  policyTypes: string[];
  trustedAccess: string[];
  delegatedAdministrators: DelegatedAdministratorEntry[];
  managementPolicy: "Enforce" | "ObserveOnly";
  deletionPolicy: "Retain" | "Delete";
}

/** A spec parsed (defaults filled in); throws a ZodError when the spec is not valid. */
export const parseOrganizationSpec = (value: unknown): OrganizationSpec => organizationSpec.parse(value);

/** A delegated administrator as AWS lists it. */
export const registration = z
  .object({
    servicePrincipal: z.string().describe("The service."),
    accountId: z.string().describe("The member account registered as its delegated administrator."),
  })
  .describe("A delegated administrator: an account registered for a service.");

const observedOrganization = z
  .object({
    organizationId: z.string().optional().describe("The organization's id (o-...)."),
    managementAccountId: z.string().optional().describe("The management account's id."),
    featureSet: z.string().optional().describe("ALL, or CONSOLIDATED_BILLING."),
    rootId: z.string().optional().describe("The root's id (r-...)."),
    policyTypes: z
      .array(z.string())
      .max(20)
      .optional()
      .describe("The policy types enabled on the root, as AWS names them (SERVICE_CONTROL_POLICY, ...)."),
    trustedAccess: z
      .array(z.string())
      .max(MAX_LISTED)
      .optional()
      .describe(`Every service principal with trusted access, whoever enabled it (the first ${MAX_LISTED}).`),
    trustedAccessCount: z
      .number()
      .int()
      .optional()
      .describe("How many service principals have trusted access."),
    delegatedAdministrators: z
      .array(registration)
      .max(MAX_LISTED)
      .optional()
      .describe(`Every delegated administrator, whoever registered it (the first ${MAX_LISTED}).`),
    delegatedAdministratorCount: z
      .number()
      .int()
      .optional()
      .describe("How many registrations of delegated administrators there are."),
  })
  .describe("The organization as AWS Organizations reports it.");

/** What orgguard itself enabled or registered (or adopted): the only things it ever disables or deregisters. */
export const managedRecord = z
  .object({
    trustedAccess: z
      .array(z.string())
      .max(MAX_MANAGED)
      .optional()
      .describe("Service principals whose trusted access orgguard enabled (or adopted)."),
    delegatedAdministrators: z
      .array(registration)
      .max(MAX_MANAGED)
      .optional()
      .describe("Delegated administrators orgguard registered (or adopted)."),
  })
  .describe(
    "What orgguard enabled or registered itself, or adopted with the orgguard.io/adopt annotation: trusted access and registrations carry no tags, so this is the record of ownership. Only these are ever disabled or deregistered (when they leave the spec, or on deletion with deletionPolicy Delete).",
  );

export const organizationStatus = statusSchema(observedOrganization, { managed: managedRecord.optional() });

/**
 * What the schema cannot say: a delegated administrator entry whose service has no trusted
 * access in the spec is allowed (someone else may have enabled it), but most services refuse it.
 */
export function organizationLint(spec: OrganizationSpec): Problem[] {
  const trusted = new Set(spec.trustedAccess);
  return [...withoutTrustedAccess(spec, trusted), ...selfDesignatedProblems(spec.delegatedAdministrators)];
}

function withoutTrustedAccess(spec: OrganizationSpec, trusted: ReadonlySet<string>): Problem[] {
  return spec.delegatedAdministrators.flatMap((d, i) =>
    trusted.has(d.servicePrincipal)
      ? []
      : [
          {
            path: `spec.delegatedAdministrators[${i}].servicePrincipal`,
            message: `${d.servicePrincipal} is not under trustedAccess: most services refuse a delegated administrator without trusted access (ConstraintViolation SERVICE_ACCESS_NOT_ENABLED) unless it was enabled elsewhere`,
          },
        ],
  );
}

/** The API definition of the Organization kind. */
export const organizationApi: ApiDefinition = {
  kind: "Organization",
  plural: "organizations",
  singular: "organization",
  shortNames: ["org"],
  description:
    "The AWS Organization itself: all features, the policy types enabled on the root, trusted access for service principals and delegated administrators. One object per organization; none of its lists is exclusive.",
  spec: organizationSpec,
  status: organizationStatus,
  printerColumns: [
    { name: "Org-ID", type: "string", jsonPath: ".status.atProvider.organizationId", priority: 1 },
    { name: "Features", type: "string", jsonPath: ".status.atProvider.featureSet" },
    { name: "Trusted", type: "integer", jsonPath: ".status.atProvider.trustedAccessCount" },
    { name: "Delegated", type: "integer", jsonPath: ".status.atProvider.delegatedAdministratorCount" },
  ],
  lint: (value) => {
    const parsed = organizationSpec.safeParse(value);
    return parsed.success ? organizationLint(parsed.data) : [];
  },
};
