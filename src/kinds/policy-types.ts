/**
 * Every AWS Organizations policy type orgguard manages, each a kind, in the order they are
 * documented and applied (guard rails on principals, then on resources, then management
 * policies). Adding one is a folder with its PolicyType and a line in this list.
 */
import { aiServicesOptOutPolicies } from "./ai-services-opt-out-policy/index.js";
import type { PolicyType } from "./organization-policy/policy-type.js";
import { resourceControlPolicies } from "./resource-control-policy/index.js";
import { serviceControlPolicies } from "./service-control-policy/index.js";
import { tagPolicies } from "./tag-policy/index.js";

export const POLICY_TYPES: readonly PolicyType[] = [
  serviceControlPolicies,
  resourceControlPolicies,
  tagPolicies,
  aiServicesOptOutPolicies,
];
