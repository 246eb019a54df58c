/**
 * Service control policies (SERVICE_CONTROL_POLICY): the most the principals of an account may
 * do. The IAM policy language without Principal (an SCP applies to every principal of the
 * accounts it is attached to); the grammar is scp-document.ts.
 */
import { z } from "zod";
import { withRules } from "../../api/common.js";
import { DEFAULT_SCP_SIZE_LIMIT, validateScpDocument } from "../../api/scp-document.js";
import { canonicalPolicy } from "../../aws/policy-document.js";
import { iamLanguageDocument } from "../organization-policy/api.js";
import type { PolicyType } from "../organization-policy/policy-type.js";
import { lintScp } from "./lint.js";

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
    scpStatement,
    "The policy document as a YAML object: Version 2012-10-17 and a list of Statements (Effect, Action or NotAction, Resource or NotResource, Condition, Sid). Sent minified; compared semantically.",
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
