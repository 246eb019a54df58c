/**
 * The kind of an Organizations policy type (ServiceControlPolicy, ResourceControlPolicy,
 * TagPolicy, AIServicesOptOutPolicy), made from its plug-in definition: the API, the AWS
 * operations, the IAM statements and the managed kind the controller drives.
 */
import { KeyedMutex } from "../../aws/limiter.js";
import { type IamStatement, type Kind, kindRef, reads, writes } from "../kind.js";
import { policyApi } from "./api.js";
import { managedPolicyKind } from "./client.js";
import type { PolicyType } from "./policy-type.js";

/**
 * Writes to one root, OU or account are serialized across every policy object of the process:
 * the per-target count is read before each attach, so two attaches must not interleave.
 */
const TARGET_LOCKS = new KeyedMutex();

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
    {
      sid: "ReadTheOrganization",
      actions: [
        "organizations:ListRoots",
        "organizations:ListOrganizationalUnitsForParent",
        "organizations:ListAccounts",
        "organizations:ListPolicies",
        "organizations:DescribePolicy",
        "organizations:ListPoliciesForTarget",
        "organizations:ListTargetsForPolicy",
        "organizations:ListTagsForResource",
      ],
    },
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
    {
      sid: "EnableOnlyOrgguardsPolicyTypes",
      actions: ["organizations:EnablePolicyType"],
      resources: ["arn:aws:organizations::*:root/o-*/r-*"],
      condition: { StringEquals: { "organizations:PolicyType": types.map((t) => t.awsType) } },
    },
  ];
}

/** The kind of one policy type; `allTypes` is every type orgguard manages (for the IAM statements). */
export function policyKind(type: PolicyType, allTypes: readonly PolicyType[]): Kind {
  const api = policyApi(type);
  return {
    api,
    operations: [
      ...reads(
        "organizations",
        "ListRoots",
        "ListOrganizationalUnitsForParent",
        "ListAccounts",
        "ListPolicies",
        "DescribePolicy",
        "ListPoliciesForTarget",
        "ListTargetsForPolicy",
        "ListTagsForResource",
      ),
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
    runtime: {
      type: "managed",
      managed: (context) =>
        managedPolicyKind(type, kindRef(api), context.aws, context.policies, TARGET_LOCKS),
    },
  };
}
