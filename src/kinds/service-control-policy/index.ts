/**
 * Service control policies (SERVICE_CONTROL_POLICY): the most the principals of an account may
 * do. The IAM policy language without Principal (an SCP applies to every principal of the
 * accounts it is attached to); the grammar is scp-document.ts.
 */
import { DEFAULT_SCP_SIZE_LIMIT, validateScpDocument } from "../../api/scp-document.js";
import { canonicalPolicy } from "../../aws/policy-document.js";
import { iamLanguageDocument } from "../organization-policy/api.js";
import type { PolicyType } from "../organization-policy/policy-type.js";
import { lintScp } from "./lint.js";

export const serviceControlPolicies: PolicyType = {
  id: "scp",
  awsType: "SERVICE_CONTROL_POLICY",
  arnSegment: "service_control_policy",
  noun: "SCP",
  nounPlural: "SCPs",
  names: {
    kind: "ServiceControlPolicy",
    plural: "servicecontrolpolicies",
    singular: "servicecontrolpolicy",
    shortNames: ["scp"],
    description:
      "ServiceControlPolicy keeps an AWS Organizations service control policy, and the roots, OUs and accounts it is attached to, equal to its spec.",
  },
  documentSchema: iamLanguageDocument(
    "The policy document as a YAML object (or JSON pasted as it is): Version 2012-10-17 and Statement, one statement or a list (Effect, Action or NotAction, Resource or NotResource, Condition, Sid; no Principal: an SCP applies to every principal of the accounts it is attached to). Sent minified; compared by meaning (a one-element list and its string are the same).",
  ),
  validate: validateScpDocument,
  canonical: canonicalPolicy,
  defaults: {
    // AWS Organizations quotas: 10 SCPs per root, OU or account since 15 May 2026 (was 5).
    perTargetLimit: 10,
    // AWS Organizations quotas: 10,240 characters since 15 May 2026 (was 5,120).
    sizeLimit: DEFAULT_SCP_SIZE_LIMIT,
  },
  awsManagedPolicy: "FullAWSAccess",
  // AWS: "you can't detach the last SCP from a root, OU or account" (ConstraintViolation).
  targetKeepsOne: true,
  lint: lintScp,
};
