/**
 * AI services opt-out policies (AISERVICES_OPT_OUT_POLICY): whether AWS AI services may store and
 * use the accounts' content to improve their models, per service or for all (`default`). The
 * management-policy grammar (management-policy.ts), compared by meaning.
 */
import { z } from "zod";
import {
  canonicalManagementPolicy,
  DEFAULT_AI_OPT_OUT_SIZE_LIMIT,
  validateAiOptOutPolicy,
} from "../../api/management-policy.js";
import type { PolicyType } from "../organization-policy/policy-type.js";

/**
 * As far as the CRD schema can say the grammar: an object with `services` alone (a service's value
 * may be an object or, for @@operators_allowed_for_child_policies, a list: the schema cannot type
 * it); service names, opt_out_policy and the operators are management-policy.ts's.
 */
const aiOptOutDocument = z
  .strictObject({
    services: z
      .record(z.string().min(1), z.unknown())
      .describe(
        'The services, by name (default for every AI service): {"opt_out_policy": {"@@assign": "optOut"}}.',
      ),
  })
  .describe(
    "The AI services opt-out policy as a YAML object (AWS's management-policy syntax). Sent minified; compared by meaning (key order).",
  );

export const aiServicesOptOutPolicies: PolicyType = {
  id: "ai-opt-out",
  awsType: "AISERVICES_OPT_OUT_POLICY",
  arnSegment: "aiservices_opt_out_policy",
  noun: "AI services opt-out policy",
  nounPlural: "AI services opt-out policies",
  names: {
    kind: "AIServicesOptOutPolicy",
    plural: "aiservicesoptoutpolicies",
    singular: "aiservicesoptoutpolicy",
    shortNames: ["aioptout"],
    description:
      "AIServicesOptOutPolicy keeps an AWS Organizations AI services opt-out policy (whether AWS AI services may use the accounts' content), and its attachments, equal to its spec.",
  },
  documentSchema: aiOptOutDocument,
  validate: validateAiOptOutPolicy,
  canonical: canonicalManagementPolicy,
  defaults: {
    // AWS Organizations policy types table: 5 AI services opt-out policies per root, OU or account.
    perTargetLimit: 5,
    // AWS Organizations policy types table: 2,500 characters.
    sizeLimit: DEFAULT_AI_OPT_OUT_SIZE_LIMIT,
  },
  targetKeepsOne: false,
};
