/**
 * Resource control policies (RESOURCE_CONTROL_POLICY, since Nov 2024): the most any principal,
 * inside or outside the organization, may do to the resources of an account: the data perimeter
 * around resources, as SCPs are around principals. The IAM policy language with AWS's RCP
 * restrictions (Deny only, Principal required and "*", no NotAction or NotPrincipal); the grammar
 * is scp-document.ts.
 */
import { DEFAULT_RCP_SIZE_LIMIT, validateRcpDocument } from "../../api/scp-document.js";
import { canonicalPolicy } from "../../aws/policy-document.js";
import { iamLanguageDocument } from "../organization-policy/api.js";
import type { PolicyType } from "../organization-policy/policy-type.js";

export const resourceControlPolicies: PolicyType = {
  id: "rcp",
  awsType: "RESOURCE_CONTROL_POLICY",
  arnSegment: "resource_control_policy",
  noun: "RCP",
  nounPlural: "RCPs",
  names: {
    kind: "ResourceControlPolicy",
    plural: "resourcecontrolpolicies",
    singular: "resourcecontrolpolicy",
    shortNames: ["rcp"],
    description:
      "ResourceControlPolicy keeps an AWS Organizations resource control policy (a data perimeter around the resources of the accounts it is attached to), and its attachments, equal to its spec.",
  },
  documentSchema: iamLanguageDocument(
    'The policy document as a YAML object (or JSON pasted as it is): Version 2012-10-17 and Statement, one statement or a list, each Effect Deny with Principal "*" (Action, Resource or NotResource, Condition, Sid; no NotAction or NotPrincipal). Sent minified; compared by meaning ("*" and {"AWS": "*"} are the same principal).',
  ),
  validate: validateRcpDocument,
  canonical: canonicalPolicy,
  defaults: {
    // AWS Organizations quotas: 5 RCPs per root, OU or account, RCPFullAWSAccess included.
    perTargetLimit: 5,
    // AWS Organizations quotas: an RCP document is at most 5,120 characters.
    sizeLimit: DEFAULT_RCP_SIZE_LIMIT,
  },
  // AWS attaches RCPFullAWSAccess to every root, OU and account and it cannot be detached: custom
  // RCPs may all be detached, and each target has one slot fewer.
  awsManagedPolicy: "RCPFullAWSAccess",
  targetKeepsOne: false,
};
