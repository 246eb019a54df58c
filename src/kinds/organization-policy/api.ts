/**
 * The API of every Organizations policy kind (ServiceControlPolicy, ResourceControlPolicy,
 * TagPolicy, AIServicesOptOutPolicy), built from its policy type: the same spec (name,
 * description, document, targets, tags, management and deletion policies) and status, with the
 * type's own document schema. The document's full grammar and size are the type's `validate`
 * (beyond what CEL can say).
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import {
  accountId,
  deletionPolicy,
  isSet,
  managementPolicy,
  ouId,
  ouPath,
  statusSchema,
  withRules,
} from "../../api/common.js";
import type { Problem } from "../../api/problems.js";
import { POLICY_VERSION } from "../../api/scp-document.js";
import type { ManagedSpec } from "../../runtime/managed.js";
import type { PolicyType } from "./policy-type.js";

export { ouId, ouPath } from "../../api/common.js";

const TARGET_KEYS = ["root", "ouId", "ouPath", "accountId", "accountName"] as const;

export const policyTarget = withRules(
  z
    .strictObject({
      root: z.literal(true).optional().describe("Attach to the organization's root."),
      ouId: ouId.optional(),
      ouPath: ouPath.optional(),
      accountId: accountId.optional().describe("Attach to this account."),
      accountName: z
        .string()
        .min(1)
        .max(50)
        .optional()
        .describe("Attach to the account with this name (resolved on every reconcile)."),
    })
    .describe("Where to attach the policy: exactly one of root, ouId, ouPath, accountId or accountName."),
  [
    {
      cel: `[${TARGET_KEYS.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`,
      message: "exactly one of root, ouId, ouPath, accountId or accountName must be set",
      holds: (t) => TARGET_KEYS.filter((k) => isSet(t[k])).length === 1,
    },
  ],
);

export type PolicyTarget = z.output<typeof policyTarget>;

/** Tags orgguard writes itself to prove ownership; users may not set them. */
export const RESERVED_TAG_PREFIX = "orgguard.io/";
/** AWS allows 50 tags per policy; orgguard's ownership tags take 3. */
export const MAX_USER_TAGS = 47;

/** The spec schema of a policy kind, with the type's document schema (built once per type). */
export function policySpec(type: PolicyType) {
  let schema = specSchemas.get(type);
  if (!schema) {
    schema = buildPolicySpec(type);
    specSchemas.set(type, schema);
  }
  return schema;
}

const specSchemas = new Map<PolicyType, ReturnType<typeof buildPolicySpec>>();

function buildPolicySpec(type: PolicyType) {
  return withRules(
    z
      .strictObject({
        policyName: z
          .string()
          .min(1)
          .max(128)
          .regex(/^[\x20-\x7E]+$/, "must be 1-128 printable ASCII characters")
          .optional()
          .describe(
            "The policy's name in AWS (1-128 printable ASCII characters). Defaults to metadata.name.",
          ),
        description: z
          .string()
          .max(512)
          .default("")
          .describe("The policy's description in AWS (up to 512 characters)."),
        document: type.documentSchema,
        targets: z
          .array(policyTarget)
          .max(100)
          .default([])
          .describe(
            "Where the policy is attached. orgguard attaches it where listed and detaches it from targets no longer listed; it never touches other policies' attachments.",
          ),
        tags: z
          .record(z.string().min(1).max(128), z.string().max(256))
          .optional()
          .describe("Tags on the policy, besides the orgguard.io/ ownership tags orgguard adds."),
        managementPolicy,
        deletionPolicy,
      })
      .describe(`The ${type.noun} orgguard keeps in AWS Organizations.`),
    [
      {
        cel: `!has(self.tags) || self.tags.size() <= ${MAX_USER_TAGS}`,
        message: `at most ${MAX_USER_TAGS} tags (AWS allows 50; orgguard's ownership tags take 3)`,
        fieldPath: ".tags",
        holds: (s) => Object.keys(s.tags ?? {}).length <= MAX_USER_TAGS,
      },
      {
        cel: `!has(self.tags) || self.tags.all(k, !k.startsWith('${RESERVED_TAG_PREFIX}'))`,
        message: `tag keys starting with ${RESERVED_TAG_PREFIX} are reserved for orgguard's ownership tags`,
        fieldPath: ".tags",
        holds: (s) => Object.keys(s.tags ?? {}).every((k) => !k.startsWith(RESERVED_TAG_PREFIX)),
      },
    ],
  );
}

/** What every policy kind's spec holds once parsed (the document as a JSON object). */
export interface PolicySpec extends ManagedSpec {
  policyName?: string | undefined;
  description: string;
  document: Record<string, unknown>;
  targets: PolicyTarget[];
  tags?: Record<string, string> | undefined;
  managementPolicy: "Enforce" | "ObserveOnly";
  deletionPolicy: "Retain" | "Delete";
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A spec parsed (defaults filled in); throws a ZodError when the spec is not valid. */
export function parsePolicySpec(type: PolicyType, value: unknown): PolicySpec {
  const spec = policySpec(type).parse(value);
  return { ...spec, document: isRecord(spec.document) ? spec.document : {} };
}

const attachedTarget = z
  .object({
    type: z.enum(["ROOT", "ORGANIZATIONAL_UNIT", "ACCOUNT"]).describe("The kind of target."),
    id: z.string().describe("The target's id (r-..., ou-..., or an account id)."),
    name: z.string().optional().describe("The target's name, when known."),
  })
  .describe("A target the policy is attached to.");

const observedPolicy = z
  .object({
    name: z.string().optional().describe("The policy's name in AWS."),
    description: z.string().optional().describe("The policy's description in AWS."),
    awsManaged: z
      .boolean()
      .optional()
      .describe("True for AWS-managed policies such as FullAWSAccess or RCPFullAWSAccess."),
  })
  .describe("The policy as AWS Organizations reports it.");

/** The status of a policy kind. */
export function policyStatus(type: PolicyType) {
  return statusSchema(observedPolicy, {
    policyId: z.string().optional().describe("The policy's id in AWS Organizations (p-...)."),
    arn: z.string().optional().describe("The policy's ARN."),
    attachedTargets: z
      .array(attachedTarget)
      .max(1000)
      .optional()
      .describe("The targets the policy is attached to now."),
    attachedTo: z
      .string()
      .max(64)
      .optional()
      .describe(
        'Where the policy is attached now, counted: "root, 2 OUs, 1 account" (kubectl get\'s TARGETS).',
      ),
    documentSize: z
      .number()
      .int()
      .optional()
      .describe(
        `The minified document's size in characters, as AWS counts it against the ${type.noun} size limit.`,
      ),
  });
}

/** What the CRD schema cannot say: the document's grammar and size (the type's validate). */
export function policyProblems(
  type: PolicyType,
  spec: Record<string, unknown>,
  sizeLimit: number,
): Problem[] {
  if (spec.document === undefined) return [];
  return type.validate(spec.document, { basePath: "spec.document", sizeLimit });
}

/** AWS's longest policy name: policyName defaults to metadata.name, which Kubernetes allows to 253. */
const MAX_POLICY_NAME = 128;

/** The API definition of a policy type's kind. */
export function policyApi(type: PolicyType): ApiDefinition {
  const spec = policySpec(type);
  return {
    ...type.names,
    spec,
    status: policyStatus(type),
    printerColumns: [
      { name: "Policy-ID", type: "string", jsonPath: ".status.policyId" },
      {
        name: "Targets",
        type: "string",
        jsonPath: ".status.attachedTo",
        description: "Where the policy is attached now: root, OUs and accounts, counted.",
      },
      { name: "Size", type: "integer", jsonPath: ".status.documentSize", priority: 1 },
    ],
    objectRules: [
      {
        cel: `has(self.spec.policyName) || size(self.metadata.name) <= ${MAX_POLICY_NAME}`,
        message: `set policyName: metadata.name is longer than AWS's ${MAX_POLICY_NAME} characters`,
        fieldPath: ".spec.policyName",
        holds: (o) => o.spec.policyName !== undefined || o.metadata.name.length <= MAX_POLICY_NAME,
      },
    ],
    check: (value, options) =>
      policyProblems(type, value, options.sizeLimits?.[type.id] ?? type.defaults.sizeLimit),
    ...(type.lint
      ? {
          lint: (value: Record<string, unknown>, options) =>
            spec.safeParse(value).success && type.lint
              ? type.lint(parsePolicySpec(type, value), options)
              : [],
        }
      : {}),
  };
}

/** A value the CRD lets be anything (a string, a list or an object), and CEL test with has(). */
export const anyValue = z.unknown().meta({ "x-kubernetes-preserve-unknown-fields": true });

/**
 * The CRD schema of an IAM-language document (SCPs, RCPs): Version, and Statement as AWS's
 * grammar has it, one statement or a list of them. A structural CRD schema gives a field one type
 * (object or list, not either) and CEL cannot read a field without one, so admission checks the
 * two elements and nothing inside Statement; the type's validate checks the statements (for
 * orgguard validate, plan and the controller alike).
 */
export function iamLanguageDocument(description: string) {
  return z
    .strictObject({
      Version: z.literal(POLICY_VERSION).describe(`The policy language version: "${POLICY_VERSION}".`),
      Statement: anyValue.describe(
        "One statement, or a list of them (AWS's grammar allows both): Effect, Action or NotAction, Resource or NotResource, Condition, Sid.",
      ),
    })
    .describe(description);
}
