/**
 * Tag policies (TAG_POLICY): which tag keys, capitalizations and values the accounts use, and
 * on which resource types noncompliant tagging operations are refused (`enforced_for`). The seeds'
 * pairing: a tag policy says what the tags are, an SCP denies creating resources without them.
 * The management-policy grammar (management-policy.ts), compared by meaning.
 */
import { z } from "zod";
import {
  canonicalManagementPolicy,
  DEFAULT_TAG_POLICY_SIZE_LIMIT,
  validateTagPolicy,
} from "../../api/management-policy.js";
import type { PolicyType } from "../organization-policy/policy-type.js";

/**
 * As far as the CRD schema can say the grammar: an object with `tags` alone, holding objects; the
 * operators, tag_key, tag_value and enforced_for and their nesting are management-policy.ts's.
 */
const tagPolicyDocument = z
  .strictObject({
    tags: z
      .record(z.string().min(1).max(128), z.unknown())
      .describe(
        'The tags, by policy key (matched without case): {"tag_key": {"@@assign": "CostCenter"}, "tag_value": {"@@assign": [...]}, "enforced_for": {"@@assign": ["ec2:instance"]}}.',
      ),
  })
  .describe(
    "The tag policy as a YAML object (AWS's management-policy syntax: @@assign, @@append, @@remove, @@operators_allowed_for_child_policies). Sent minified; compared by meaning (key order, case of policy keys, order of values).",
  );

export const tagPolicies: PolicyType = {
  id: "tag",
  awsType: "TAG_POLICY",
  arnSegment: "tag_policy",
  noun: "tag policy",
  nounPlural: "tag policies",
  names: {
    kind: "TagPolicy",
    plural: "tagpolicies",
    singular: "tagpolicy",
    shortNames: ["tagpol"],
    description:
      "TagPolicy keeps an AWS Organizations tag policy (the tag keys, values and enforced resource types of the accounts it is attached to), and its attachments, equal to its spec.",
  },
  documentSchema: tagPolicyDocument,
  validate: validateTagPolicy,
  canonical: canonicalManagementPolicy,
  defaults: {
    // AWS Organizations policy types table: 10 tag policies per root, OU or account.
    perTargetLimit: 10,
    // AWS Organizations policy types table: 10,000 characters.
    sizeLimit: DEFAULT_TAG_POLICY_SIZE_LIMIT,
  },
  targetKeepsOne: false,
};
