/**
 * Fields every orgguard kind shares: the API group and version, the management and deletion
 * policies, and the status shape (kstatus-compatible conditions, observedGeneration, the planned
 * changes and the last sync time).
 */
import { z } from "zod";

export const API_GROUP = "orgguard.io";
export const API_VERSION = "v1alpha1";
export const API_GROUP_VERSION = `${API_GROUP}/${API_VERSION}`;
/** Overrides, for one object, the role assumed in its account (instead of --role-arn-template). */
export const ROLE_ARN_ANNOTATION = "orgguard.io/role-arn";
/** `kubectl get orgguard` lists every kind in this category. */
export const CATEGORY = "orgguard";

const managementPolicies = ["Enforce", "ObserveOnly"] as const;

export const managementPolicy = z
  .enum(managementPolicies)
  .default("Enforce")
  .describe(
    "Enforce makes AWS equal to this spec. ObserveOnly never writes to AWS: it reports drift in status.plannedChanges and a Ready=False/Drifted condition.",
  );

/** A setting's own managementPolicy inside an AccountBaseline: absent means the baseline's. */
export const managementPolicyOverride = z
  .enum(managementPolicies)
  .optional()
  .describe(
    "This setting's managementPolicy in every selected account, overriding the baseline's (for example ObserveOnly for default security groups while the rest is enforced). Absent: the baseline's.",
  );

export const deletionPolicy = z
  .enum(["Retain", "Delete"])
  .default("Retain")
  .describe(
    "What happens in AWS when this object is deleted. Retain (the default) leaves the AWS setting as it is; Delete removes it (and, for an SCP, detaches it first).",
  );

/** A 12-digit AWS account id. */
export const accountId = z
  .string()
  .regex(/^\d{12}$/, "must be a 12-digit AWS account id")
  .describe("A 12-digit AWS account id.");

/** An OU id as AWS Organizations spells it. */
export const ouId = z
  .string()
  .regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, "must be an OU id such as ou-ab12-cd34ef56")
  .describe("An organizational unit id, for example ou-ab12-cd34ef56.");

/** A path of OU names from the root, such as Root/Workloads/Prod. */
export const ouPath = z
  .string()
  .max(1024)
  .regex(/^Root(\/[^/]+)*$/, "must be a path of OU names starting at Root, such as Root/Workloads/Prod")
  .describe("A path of OU names from the root, for example Root/Workloads/Prod.");

/** The metav1.Condition shape, as Argo CD, Flux and kstatus read it. */
export const condition = z
  .object({
    type: z
      .string()
      .max(316)
      .describe("The condition type: Ready, Synced, Stalled (and Conflict on AccountBaseline)."),
    status: z.enum(["True", "False", "Unknown"]).describe("True, False or Unknown."),
    observedGeneration: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe("The metadata.generation this condition was computed for."),
    lastTransitionTime: z.string().describe("When status last changed (RFC 3339)."),
    reason: z
      .string()
      .min(1)
      .max(1024)
      .describe("A CamelCase reason, for example Available, Drifted, ReconcileError, NameTaken."),
    message: z.string().max(32768).describe("A human-readable explanation, lower-case."),
  })
  .describe("A condition in the metav1.Condition shape.");

export type Condition = z.infer<typeof condition>;

/** One difference between the desired spec and what AWS has. */
export const plannedChange = z
  .object({
    path: z
      .string()
      .describe("The field that differs, for example minimumPasswordLength or targets[ou-ab12-34cd5678]."),
    from: z.unknown().optional().describe("The value AWS has now (absent when the thing does not exist)."),
    to: z.unknown().optional().describe("The value orgguard would set (absent when it would be removed)."),
    description: z
      .string()
      .max(1024)
      .optional()
      .describe(
        "The change as a reviewer reads it, e.g. the target as written: ou Root/Workloads (ou-ab12-cd34ef56).",
      ),
  })
  .describe("A change orgguard would make (ObserveOnly) or made (Enforce) to bring AWS to the spec.");

/** Builds a kind's status schema from the fields it adds to the shared ones. */
export function statusSchema<T extends z.ZodRawShape>(atProvider: z.ZodType, extra: T) {
  return z
    .object({
      observedGeneration: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe("The metadata.generation the controller last reconciled."),
      conditions: z
        .array(condition)
        .max(16)
        .optional()
        .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"] })
        .describe("Ready, Synced and Stalled (kstatus): see the README for what each means."),
      lastSyncTime: z
        .string()
        .optional()
        .describe(
          "When a comparison with AWS last changed this status (RFC 3339). A comparison that finds nothing new writes nothing; the metric orgguard_oldest_check_age_seconds says how recent the comparisons are.",
        ),
      lastRepairTime: z
        .string()
        .optional()
        .describe(
          "When orgguard last repaired drift: AWS had moved away from a spec it had already applied (a change in the console, a deletion out of band), and it put the spec back (RFC 3339).",
        ),
      plannedChanges: z
        .array(plannedChange)
        .max(100)
        .optional()
        .describe(
          "What differs between the spec and AWS: the drift ObserveOnly reports, or the last changes applied.",
        ),
      atProvider: atProvider.optional(),
      ...extra,
    })
    .describe("What the controller observed and did. Written by orgguard only.");
}

/** A rule that spans several fields: checked by the apiserver as CEL and by `orgguard validate` in TypeScript. */
export interface CrossFieldRule<T> {
  /** The CEL expression (x-kubernetes-validations) evaluated with `self` bound to the object. */
  cel: string;
  message: string;
  /** A JSONPath relative to the object that names the offending field, for the apiserver's error. */
  fieldPath?: string;
  /**
   * The same rule in TypeScript, for validation without a cluster: required, so that validate and
   * admission judge every rule alike (the agreement test checks they do).
   */
  holds(value: T): boolean;
}

/**
 * Attaches cross-field rules to an object schema: as `x-kubernetes-validations` in the CRD and as
 * a zod refinement, so the apiserver and the CLI reject the same objects with the same message.
 */
export function withRules<S extends z.ZodObject>(schema: S, rules: CrossFieldRule<z.output<S>>[]): S {
  if (rules.length === 0) return schema;
  const refined = schema.superRefine((value, ctx) => {
    for (const rule of rules) {
      if (!rule.holds(value)) {
        const path = rule.fieldPath ? rule.fieldPath.replace(/^\./, "").split(".") : [];
        ctx.addIssue({ code: "custom", message: rule.message, path });
      }
    }
  });
  const validations = rules.map((r) => ({
    rule: r.cel,
    message: r.message,
    ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}),
  }));
  const description = schema.description;
  return refined.meta({
    ...(description ? { description } : {}),
    "x-kubernetes-validations": validations,
  }) as S;
}

/** Whether an optional value was given (what CEL's has() sees for a field). */
export const isSet = (value: unknown): boolean => value !== undefined && value !== null;
