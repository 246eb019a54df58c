/**
 * The Organization kind: the AWS operations it calls, the IAM statements they need, the API call
 * events that concern it, and the managed kind the controller drives. First in the apply order:
 * the policy types, trusted access and delegated administrators the other kinds rely on come
 * before them.
 */
import { type ApiCallEvent, requestParameter } from "../../aws/api-call-events.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import type { ManagedObject } from "../../runtime/managed.js";
import { iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { organizationReaderOf } from "../organization.js";
import { enablePolicyTypesIam } from "../organization-policy/policy-kind.js";
import { POLICY_TYPES } from "../policy-types.js";
import { organizationApi } from "./api.js";
import {
  managedOrganizationKind,
  managedRecordOf,
  ORGANIZATION_CLAIM,
  OrganizationClient,
} from "./client.js";
import { sdkOrganizationApi } from "./organization-api.js";

/** What the kind reads: the organization view (accounts by name), the root, trusted access, delegations. */
const ORGANIZATION_READS = reads(
  "organizations",
  ...ORGANIZATION_VIEW_OPERATIONS,
  "ListAWSServiceAccessForOrganization",
  "ListDelegatedAdministrators",
  "ListDelegatedServicesForAccount",
);

const TRUSTED_ACCESS_WRITES = writes("organizations", "EnableAWSServiceAccess", "DisableAWSServiceAccess");
const DELEGATION_WRITES = writes(
  "organizations",
  "RegisterDelegatedAdministrator",
  "DeregisterDelegatedAdministrator",
);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * The service principals an object keeps or owns (its spec's trusted access and delegated
 * administrators, and status.managed): an event about another principal is someone else's
 * business, which orgguard never touches.
 */
function principalsOf(object: ManagedObject): Set<string> {
  const managed = managedRecordOf(object.status);
  return new Set([
    ...list(object.spec.trustedAccess).filter((p): p is string => typeof p === "string"),
    ...list(object.spec.delegatedAdministrators).flatMap((d) =>
      isRecord(d) && typeof d.servicePrincipal === "string" ? [d.servicePrincipal] : [],
    ),
    ...managed.trustedAccess,
    ...managed.delegatedAdministrators.map((r) => r.servicePrincipal),
  ]);
}

/**
 * Whether an Organizations API call event concerns the Organization object: trusted access or a
 * delegated administrator of a principal it keeps or owns; a policy type it lists being enabled or
 * disabled.
 */
function organizationConcerns(event: ApiCallEvent, object: ManagedObject): boolean {
  const principal = requestParameter(event, "servicePrincipal");
  if (principal !== undefined) return principalsOf(object).has(principal);
  const policyType = requestParameter(event, "policyType");
  if (policyType !== undefined) {
    const listed = list(object.spec.policyTypes);
    return POLICY_TYPES.some((t) => t.awsType === policyType && listed.includes(t.id));
  }
  return true;
}

export const organizationKind: Kind = {
  api: organizationApi,
  posture: { scope: "organization" },
  exclusive: () => ({ key: ORGANIZATION_CLAIM, field: "metadata.name" }),
  operations: [
    ...ORGANIZATION_READS,
    ...writes("organizations", "EnablePolicyType"),
    ...TRUSTED_ACCESS_WRITES,
    ...DELEGATION_WRITES,
  ],
  iam: {
    management: [
      { sid: "ReadTheOrganization", actions: ORGANIZATION_READS.map(iamActionOf) },
      enablePolicyTypesIam(POLICY_TYPES),
      // IAM authorizes these on no resource, and the principals are the spec's, which a policy
      // generated from the kinds cannot know: narrow them yourself with the condition key
      // organizations:ServicePrincipal (iam/README.md).
      { sid: "TrustedAccessForServices", actions: TRUSTED_ACCESS_WRITES.map(iamActionOf) },
      // Authorized on the account registered: any account of an organization (AWS itself refuses
      // the management account).
      {
        sid: "DelegatedAdministratorsInTheOrganization",
        actions: DELEGATION_WRITES.map(iamActionOf),
        resources: ["arn:aws:organizations::*:account/o-*/*"],
      },
    ],
    member: [],
  },
  events: {
    alsoChangedBy: ["organizations:DisablePolicyType"],
    concerns: organizationConcerns,
  },
  runtime: {
    type: "managed",
    managed: (context) => {
      const view = organizationReaderOf(context);
      return {
        ...managedOrganizationKind(
          kindRef(organizationApi),
          (signal) =>
            new OrganizationClient(
              sdkOrganizationApi(context.aws.bind(signal).organizations()),
              view,
              signal,
            ),
        ),
        // A delegated administrator named by account name waits for that account.
        waitsFor: context.treeKinds ?? [],
      };
    },
  },
};
