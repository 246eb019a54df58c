/**
 * Resource control policies (RESOURCE_CONTROL_POLICY, since Nov 2024): the most any principal,
 * inside or outside the organization, may do to the resources of an account: the data perimeter
 * around resources, as SCPs are around principals. The IAM policy language with AWS's RCP
 * restrictions (Deny only, Principal required and "*", no NotAction or NotPrincipal); the grammar
 * is scp-document.ts.
 */
import { z } from "zod";
import { withRules } from "../../api/common.js";
import { DEFAULT_RCP_SIZE_LIMIT, validateRcpDocument } from "../../api/scp-document.js";
import { canonicalPolicy } from "../../aws/policy-document.js";
import { anyValue, iamLanguageDocument } from "../organization-policy/api.js";
import type { PolicyType } from "../organization-policy/policy-type.js";

/** A value the CRD lets be an integer or a string, and CEL read (an untyped value it cannot). */
const intOrString = z.unknown().meta({ "x-kubernetes-int-or-string": true });

/**
 * One statement, as far as the CRD schema can say the RCP grammar (admission refuses these,
 * naming the field); scp-document.ts checks these and everything else (Principal is "*" or
 * {"AWS": "*"}, which CEL cannot read in an untyped value) for validate and the controller.
 */
const rcpStatement = withRules(
  z
    .object({
      Sid: z.string().optional().describe("An optional statement id (letters and digits)."),
      Effect: z
        .literal("Deny")
        .describe("Deny: AWS allows Allow only in its own RCPFullAWSAccess, which every target keeps."),
      Principal: anyValue.describe('Required, and "*" (or {"AWS": "*"}): narrow it with Conditions.'),
      // Declared (as int-or-string: CEL cannot see an untyped field) only so that CEL can refuse
      // them and name them; a list there is refused by the type already.
      NotPrincipal: intOrString.optional().describe("Not allowed in an RCP."),
      NotAction: intOrString.optional().describe("Not allowed in an RCP."),
    })
    .catchall(z.unknown())
    .describe('A statement: Effect Deny, Principal "*", Action, Resource or NotResource, Condition, Sid.'),
  [
    {
      cel: "!has(self.NotPrincipal)",
      message: 'NotPrincipal is not allowed in an RCP: use Principal "*" with a condition',
      fieldPath: ".NotPrincipal",
    },
    {
      cel: "!has(self.NotAction)",
      message: "NotAction is not allowed in an RCP: list the actions to deny in Action",
      fieldPath: ".NotAction",
    },
  ],
);

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
    rcpStatement,
    'The policy document as a YAML object: Version 2012-10-17 and a list of Deny Statements with Principal "*" (Action, Resource or NotResource, Condition, Sid). Sent minified; compared semantically ("*" and {"AWS": "*"} are the same principal).',
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
