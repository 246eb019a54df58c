/**
 * The kind of an Organizations policy type (ServiceControlPolicy, ResourceControlPolicy,
 * TagPolicy, AIServicesOptOutPolicy), made from its plug-in definition: the API, the AWS
 * operations, the IAM statements and the managed kind the controller drives.
 */
import { type ApiCallEvent, requestParameter } from "../../aws/api-call-events.js";
import { KeyedMutex } from "../../aws/limiter.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import type { ManagedObject } from "../../runtime/managed.js";
import { type IamStatement, iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { organizationOf, organizationPrerequisites, viewMaxAge } from "../organization.js";
import { policyApi } from "./api.js";
import { managedPolicyKind } from "./client.js";
import type { PolicyType } from "./policy-type.js";

/**
 * Writes to one root, OU or account are serialized across every policy object of the process:
 * the per-target count is read before each attach, so two attaches must not interleave.
 */
const TARGET_LOCKS = new KeyedMutex();

/** What the engine reads: the organization view (targets by OU path and account name), the policies. */
const POLICY_READS = reads(
  "organizations",
  ...ORGANIZATION_VIEW_OPERATIONS,
  "ListPolicies",
  "DescribePolicy",
  "ListPoliciesForTarget",
  "ListTargetsForPolicy",
  "ListTagsForResource",
);

/** The policy ARNs of `types`, where orgguard's own policies live. */
const policyArns = (types: readonly PolicyType[]) =>
  types.map((t) => `arn:aws:organizations::*:policy/o-*/${t.arnSegment}/p-*`);

const OWNED = { StringEquals: { "aws:ResourceTag/orgguard.io/managed-by": "orgguard" } };

/**
 * The management account's IAM for the policy kinds (iam/README.md): reads anywhere; creates only
 * with the ownership tag; changes only policies that carry it, of the types orgguard manages;
 * attaches them anywhere; enables only those types. Every policy kind gives the same statements
 * (built from the list of all types), so they merge into one set.
 */
export function policyIam(types: readonly PolicyType[]): IamStatement[] {
  return [
    { sid: "ReadTheOrganization", actions: POLICY_READS.map(iamActionOf) },
    {
      sid: "CreateOnlyPoliciesTaggedAsOrgguards",
      actions: ["organizations:CreatePolicy", "organizations:TagResource"],
      condition: { StringEquals: { "aws:RequestTag/orgguard.io/managed-by": "orgguard" } },
    },
    {
      sid: "ChangeOnlyOrgguardsOwnPolicies",
      actions: [
        "organizations:UpdatePolicy",
        "organizations:DeletePolicy",
        "organizations:TagResource",
        "organizations:UntagResource",
        "organizations:AttachPolicy",
        "organizations:DetachPolicy",
      ],
      resources: policyArns(types),
      condition: OWNED,
    },
    {
      sid: "AttachToAnyTarget",
      actions: ["organizations:AttachPolicy", "organizations:DetachPolicy"],
      resources: [
        "arn:aws:organizations::*:root/o-*/r-*",
        "arn:aws:organizations::*:ou/o-*/ou-*",
        "arn:aws:organizations::*:account/o-*/*",
      ],
    },
    enablePolicyTypesIam(types),
  ];
}

/**
 * EnablePolicyType on roots, only for the types orgguard manages: the policy kinds (with
 * --enable-policy-types) and the Organization kind (spec.policyTypes) give this same statement.
 */
export const enablePolicyTypesIam = (types: readonly PolicyType[]): IamStatement => ({
  sid: "EnableOnlyOrgguardsPolicyTypes",
  actions: ["organizations:EnablePolicyType"],
  resources: ["arn:aws:organizations::*:root/o-*/r-*"],
  condition: { StringEquals: { "organizations:PolicyType": types.map((t) => t.awsType) } },
});

/**
 * Whether an Organizations API call event concerns a policy object: a call on a policy (its id in
 * policyId, or resourceId for tags) concerns the object that holds it; a call naming a policy
 * type (EnablePolicyType, DisablePolicyType) every object of that type; a CreatePolicy the object
 * whose policy has that name (a policy made by hand with its name blocks it, or is adopted).
 * Attach and detach name the policy, so the target needs no lookup.
 */
function policyConcerns(type: PolicyType, event: ApiCallEvent, object: ManagedObject): boolean {
  const policyId = requestParameter(event, "policyId") ?? requestParameter(event, "resourceId");
  if (policyId !== undefined) return object.status?.policyId === policyId;
  const policyType = requestParameter(event, "policyType") ?? requestParameter(event, "type");
  if (policyType !== undefined && policyType !== type.awsType) return false;
  const name = requestParameter(event, "name");
  if (event.eventName === "CreatePolicy" && name !== undefined) {
    const desired =
      typeof object.spec.policyName === "string" ? object.spec.policyName : object.metadata.name;
    return desired === name;
  }
  return true;
}

/** The kind of one policy type; `allTypes` is every type orgguard manages (for the IAM statements). */
export function policyKind(type: PolicyType, allTypes: readonly PolicyType[]): Kind {
  const api = policyApi(type);
  return {
    api,
    posture: { scope: "organization" },
    operations: [
      ...POLICY_READS,
      ...writes(
        "organizations",
        "CreatePolicy",
        "UpdatePolicy",
        "DeletePolicy",
        "TagResource",
        "UntagResource",
        "AttachPolicy",
        "DetachPolicy",
        "EnablePolicyType",
      ),
    ],
    iam: { management: policyIam(allTypes), member: [] },
    // Policies are independent of one another: attachments to one target are serialized by its lock.
    plan: { parallelGroup: "Organizations policies" },
    events: {
      alsoChangedBy: ["organizations:DisablePolicyType"],
      concerns: (event, object) => policyConcerns(type, event, object),
    },
    runtime: {
      type: "managed",
      managed: (context) => ({
        ...managedPolicyKind(type, kindRef(api), context.aws, {
          options: context.policies,
          organization: organizationOf(context),
          viewMaxAgeMs: viewMaxAge(context),
          targetLocks: TARGET_LOCKS,
        }),
        // A policy waits for the OUs and accounts it targets, and for the Organization to enable its type.
        waitsFor: organizationPrerequisites(context),
      }),
    },
  };
}
