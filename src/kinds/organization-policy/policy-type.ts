/**
 * One AWS Organizations policy type as a plug-in of the policy engine: what differs between SCPs,
 * RCPs, tag policies and AI services opt-out policies (their grammar, comparison, limits and the
 * rules AWS adds) is said here, once per type; creating, finding, tagging, attaching and deleting
 * policies is the engine's (client.ts), the same for every type.
 */
import type { PolicyType as AwsPolicyType } from "@aws-sdk/client-organizations";
import type { z } from "zod";
import type { LintOptions } from "../../api/api-definition.js";
import type { Problem } from "../../api/problems.js";
import type { PolicySpec } from "./api.js";

/** How the engine treats one policy type (limits are configurable: AWS changes them). */
export interface PolicyTypeOptions {
  /** Enable the type on the root when it is off (otherwise report why nothing attaches). */
  enablePolicyType: boolean;
  /** Policies of the type allowed directly on one root, OU or account (AWS-managed ones count). */
  perTargetLimit: number;
  /** Characters allowed in the minified document. */
  sizeLimit: number;
}

/** Options by policy type id (`scp`, `tag`, ...); a type missing here runs with its defaults. */
export type PolicyOptions = Readonly<Record<string, PolicyTypeOptions>>;

/** Everything the engine needs to know about one policy type. */
export interface PolicyType {
  /** A short id for flags and chart values: `scp`, `rcp`, `tag`, `ai-opt-out`. */
  id: string;
  /** AWS's PolicyType value: SERVICE_CONTROL_POLICY. */
  awsType: AwsPolicyType;
  /** The type's segment in policy ARNs: service_control_policy. */
  arnSegment: string;
  /** How messages name one policy ("SCP", "tag policy") and several ("SCPs", "tag policies"). */
  noun: string;
  nounPlural: string;
  /** The kind's CRD names and `kubectl explain` text. */
  names: { kind: string; plural: string; singular: string; shortNames: string[]; description: string };
  /** The document's CRD schema: as much of the grammar as admission can say. */
  documentSchema: z.ZodType;
  /** The whole grammar and the size, for validate and the controller (paths under `basePath`). */
  validate(document: unknown, options: { basePath: string; sizeLimit: number }): Problem[];
  /** The document's canonical form: equal forms mean the same, so never cause an update. */
  canonical(document: unknown): unknown;
  /** AWS's current limits, each with its source in the type's file. */
  defaults: Omit<PolicyTypeOptions, "enablePolicyType">;
  /**
   * The AWS-managed policy AWS attaches to every root, OU and account while the type is enabled
   * (FullAWSAccess, RCPFullAWSAccess): counted against the per-target limit, never touched.
   */
  awsManagedPolicy?: string;
  /** Whether AWS refuses to detach a target's last policy of this type (SCPs). */
  targetKeepsOne: boolean;
  /** Warnings for a valid spec (orgguard validate): allowed, but probably not what was meant. */
  lint?(spec: PolicySpec, options: LintOptions): Problem[];
}

/** The options of `type`: the configured ones, else AWS's defaults with the type left as it is. */
export function optionsOf(type: PolicyType, options: PolicyOptions | undefined): PolicyTypeOptions {
  return options?.[type.id] ?? { enablePolicyType: false, ...type.defaults };
}
