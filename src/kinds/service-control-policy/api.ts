/**
 * ServiceControlPolicy: an AWS Organizations SCP and where it is attached.
 * The policy document's grammar and size are checked in scp-document.ts (beyond what CEL can say).
 */
import { z } from "zod";
import {
  accountId,
  deletionPolicy,
  isSet,
  managementPolicy,
  statusSchema,
  withRules,
} from "../../api/common.js";
import type { ApiDefinition } from "../../api/kind.js";
import type { Problem } from "../../api/problems.js";
import { DEFAULT_SCP_SIZE_LIMIT, POLICY_VERSION, validateScpDocument } from "../../api/scp-document.js";
import { lintScp } from "./lint.js";

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

const TARGET_KEYS = ["root", "ouId", "ouPath", "accountId", "accountName"] as const;

export const scpTarget = withRules(
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

export type ScpTarget = z.output<typeof scpTarget>;

/** A value the CRD lets be an integer or a string, and CEL read (an untyped value it cannot). */
const intOrString = z.unknown().meta({ "x-kubernetes-int-or-string": true });

const NO_PRINCIPAL =
  "is not allowed in an SCP: an SCP applies to every principal of the accounts it is attached to";

/**
 * One statement, as far as the CRD schema can say the SCP grammar (admission refuses these,
 * naming the field); scp-document.ts checks these and everything else for validate and the
 * controller.
 */
const scpStatement = withRules(
  z
    .object({
      Sid: z.string().optional().describe("An optional statement id (letters and digits)."),
      Effect: z.enum(["Allow", "Deny"]).describe("Allow or Deny."),
      Principal: intOrString.optional().describe(`Not allowed: Principal ${NO_PRINCIPAL}.`),
      NotPrincipal: intOrString.optional().describe(`Not allowed: NotPrincipal ${NO_PRINCIPAL}.`),
    })
    .catchall(z.unknown())
    .describe("A statement: Effect, Action or NotAction, Resource or NotResource, Condition, Sid."),
  [
    { cel: "!has(self.Principal)", message: `Principal ${NO_PRINCIPAL}`, fieldPath: ".Principal" },
    { cel: "!has(self.NotPrincipal)", message: `NotPrincipal ${NO_PRINCIPAL}`, fieldPath: ".NotPrincipal" },
  ],
);

const scpDocument = z
  .object({
    Version: z.literal(POLICY_VERSION).describe(`The policy language version: "${POLICY_VERSION}".`),
    Statement: z.array(scpStatement).min(1).describe("The statements, as a list."),
  })
  .catchall(z.unknown())
  .describe(
    "The policy document as a YAML object: Version 2012-10-17 and a list of Statements (Effect, Action or NotAction, Resource or NotResource, Condition, Sid). Sent minified; compared semantically.",
  );

/** Tags orgguard writes itself to prove ownership; users may not set them. */
export const RESERVED_TAG_PREFIX = "orgguard.io/";
/** AWS allows 50 tags per policy; orgguard's ownership tags take 3. */
export const MAX_USER_TAGS = 47;

export const serviceControlPolicySpec = withRules(
  z
    .strictObject({
      policyName: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[\x20-\x7E]+$/, "must be 1-128 printable ASCII characters")
        .optional()
        .describe("The policy's name in AWS (1-128 printable ASCII characters). Defaults to metadata.name."),
      description: z
        .string()
        .max(512)
        .default("")
        .describe("The policy's description in AWS (up to 512 characters)."),
      document: scpDocument,
      targets: z
        .array(scpTarget)
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
    .describe("The service control policy orgguard keeps in AWS Organizations."),
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

export type ServiceControlPolicySpec = z.output<typeof serviceControlPolicySpec>;

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
    awsManaged: z.boolean().optional().describe("True for AWS-managed policies such as FullAWSAccess."),
  })
  .describe("The policy as AWS Organizations reports it.");

export const serviceControlPolicyStatus = statusSchema(observedPolicy, {
  policyId: z.string().optional().describe("The policy's id in AWS Organizations (p-...)."),
  arn: z.string().optional().describe("The policy's ARN."),
  attachedTargets: z
    .array(attachedTarget)
    .max(1000)
    .optional()
    .describe("The targets the policy is attached to now."),
  documentSize: z
    .number()
    .int()
    .optional()
    .describe("The minified document's size in characters, as AWS counts it against the SCP size limit."),
});

/**
 * What the CRD schema cannot say: the document's grammar and size (scp-document.ts), and a name
 * AWS would refuse (policyName defaults to metadata.name, which may be longer than 128).
 */
function checkScp(spec: Record<string, unknown>, name: string, sizeLimit: number): Problem[] {
  const problems: Problem[] = [];
  if (spec.document !== undefined) {
    problems.push(...validateScpDocument(spec.document, { basePath: "spec.document", sizeLimit }));
  }
  if (spec.policyName === undefined && name.length > 128) {
    problems.push({
      path: "spec.policyName",
      message: "set policyName: metadata.name is longer than AWS's 128 characters",
    });
  }
  return problems;
}

export const serviceControlPolicyApi: ApiDefinition = {
  kind: "ServiceControlPolicy",
  plural: "servicecontrolpolicies",
  singular: "servicecontrolpolicy",
  shortNames: ["scp"],
  description:
    "ServiceControlPolicy keeps an AWS Organizations service control policy, and the roots, OUs and accounts it is attached to, equal to its spec.",
  spec: serviceControlPolicySpec,
  status: serviceControlPolicyStatus,
  printerColumns: [
    { name: "Policy-ID", type: "string", jsonPath: ".status.policyId" },
    { name: "Size", type: "integer", jsonPath: ".status.documentSize", priority: 1 },
  ],
  check: (spec, name, options) => checkScp(spec, name, options.scpSizeLimit ?? DEFAULT_SCP_SIZE_LIMIT),
  lint: (spec, options) => {
    const parsed = serviceControlPolicySpec.safeParse(spec);
    return parsed.success ? lintScp(parsed.data, options) : [];
  },
};
