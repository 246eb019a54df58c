/**
 * The grammars of the Organizations policy types beyond SCPs, as tables with a reason per case:
 * documents refused at their field, and pairs of documents that mean the same (no update) or
 * differ (an update). RCPs are the IAM language with AWS's RCP restrictions; tag and AI services
 * opt-out policies share the management-policy grammar.
 */
import { describe, expect, it } from "vitest";
import {
  sameManagementPolicy,
  validateAiOptOutPolicy,
  validateTagPolicy,
} from "../../../src/api/management-policy.js";
import { validateRcpDocument, validateScpDocument } from "../../../src/api/scp-document.js";
import { samePolicy } from "../../../src/aws/policy-document.js";

const rcp = (statement: Record<string, unknown>) => ({ Version: "2012-10-17", Statement: [statement] });
/** The data-perimeter RCP of the examples: S3 only from inside the organization or AWS services. */
const perimeter = {
  Sid: "EnforceOrgIdentities",
  Effect: "Deny",
  Principal: "*",
  Action: ["s3:*"],
  Resource: "*",
  Condition: {
    StringNotEqualsIfExists: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" },
    BoolIfExists: { "aws:PrincipalIsAWSService": "false" },
  },
};

describe("RCP grammar", () => {
  it("accepts the data-perimeter RCP", () => {
    expect(validateRcpDocument(rcp(perimeter))).toEqual([]);
  });

  const invalid: Array<{ reason: string; document: unknown; path: string }> = [
    { reason: "not an object", document: "deny everything", path: "" },
    { reason: "an unknown top-level element", document: { ...rcp(perimeter), Id: "x" }, path: "Id" },
    {
      reason: "another language version",
      document: { ...rcp(perimeter), Version: "2008-10-17" },
      path: "Version",
    },
    { reason: "no Statement", document: { Version: "2012-10-17" }, path: "Statement" },
    {
      reason: "an empty Statement list",
      document: { Version: "2012-10-17", Statement: [] },
      path: "Statement",
    },
    {
      reason: "Allow: only AWS's RCPFullAWSAccess may",
      document: rcp({ ...perimeter, Effect: "Allow" }),
      path: "Statement[0].Effect",
    },
    {
      reason: "no Principal: required in an RCP",
      document: rcp({ ...perimeter, Principal: undefined }),
      path: "Statement[0].Principal",
    },
    {
      reason: "a named principal: an RCP applies to everyone",
      document: rcp({ ...perimeter, Principal: { AWS: "arn:aws:iam::111122223333:root" } }),
      path: "Statement[0].Principal",
    },
    {
      reason: "a service principal",
      document: rcp({ ...perimeter, Principal: { Service: "s3.amazonaws.com" } }),
      path: "Statement[0].Principal",
    },
    {
      reason: 'a list is no Principal in IAM\'s grammar, even ["*"]',
      document: rcp({ ...perimeter, Principal: ["*"] }),
      path: "Statement[0].Principal",
    },
    {
      reason: "a list of two stars is not a principal form",
      document: rcp({ ...perimeter, Principal: ["*", "*"] }),
      path: "Statement[0].Principal",
    },
    {
      reason: "NotPrincipal is not supported",
      document: rcp({ ...perimeter, NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" } }),
      path: "Statement[0].NotPrincipal",
    },
    {
      reason: "NotAction is not supported",
      document: rcp({ ...perimeter, Action: undefined, NotAction: "s3:GetObject" }),
      path: "Statement[0].NotAction",
    },
    { reason: "no Action", document: rcp({ ...perimeter, Action: undefined }), path: "Statement[0]" },
    {
      reason: "an action without its service",
      document: rcp({ ...perimeter, Action: ["GetObject"] }),
      path: "Statement[0].Action[0]",
    },
    {
      reason: "a resource that is no ARN",
      document: rcp({ ...perimeter, Resource: "my-bucket" }),
      path: "Statement[0].Resource",
    },
    {
      reason: "both Resource and NotResource",
      document: rcp({ ...perimeter, NotResource: "arn:aws:s3:::logs/*" }),
      path: "Statement[0]",
    },
    {
      reason: "a condition operator without keys",
      document: rcp({ ...perimeter, Condition: { StringNotEqualsIfExists: {} } }),
      path: "Statement[0].Condition.StringNotEqualsIfExists",
    },
    {
      reason: "a Sid with punctuation",
      document: rcp({ ...perimeter, Sid: "enforce-org" }),
      path: "Statement[0].Sid",
    },
    {
      reason: "over 5,120 characters minified",
      document: rcp({ ...perimeter, Action: Array.from({ length: 400 }, (_, i) => `s3:Action${i}`) }),
      path: "",
    },
  ];
  it.each(invalid)("refuses $reason, at '$path'", ({ document, path }) => {
    const clean = JSON.parse(JSON.stringify(document)) as unknown; // undefined fields dropped, as YAML would
    const problems = validateRcpDocument(clean);
    expect(problems.map((p) => p.path)).toContain(path);
  });

  it.each([
    ['"*"', "*"],
    ['{"AWS": "*"}', { AWS: "*" }],
    ['{"AWS": ["*"]}', { AWS: ["*"] }],
  ])("accepts everyone spelled %s", (_, principal) => {
    expect(validateRcpDocument(rcp({ ...perimeter, Principal: principal }))).toEqual([]);
  });

  it("keeps an SCP's own rules: a Principal is refused there", () => {
    expect(validateScpDocument(rcp(perimeter)).map((p) => p.path)).toContain("Statement[0].Principal");
  });

  const pairs: Array<{ reason: string; a: unknown; b: unknown; same: boolean }> = [
    {
      reason: 'Principal "*" and {"AWS": "*"}',
      a: rcp(perimeter),
      b: rcp({ ...perimeter, Principal: { AWS: "*" } }),
      same: true,
    },
    {
      reason: 'Principal "*" and ["*"]',
      a: rcp(perimeter),
      b: rcp({ ...perimeter, Principal: ["*"] }),
      same: true,
    },
    {
      reason: 'Principal {"AWS": "*"} and {"AWS": ["*"]}',
      a: rcp({ ...perimeter, Principal: { AWS: "*" } }),
      b: rcp({ ...perimeter, Principal: { AWS: ["*"] } }),
      same: true,
    },
    {
      reason: "an action as a string and as a one-element list",
      a: rcp({ ...perimeter, Action: "s3:*" }),
      b: rcp(perimeter),
      same: true,
    },
    {
      reason: "actions in another order, one repeated",
      a: rcp({ ...perimeter, Action: ["sqs:*", "s3:*"] }),
      b: rcp({ ...perimeter, Action: ["s3:*", "sqs:*", "s3:*"] }),
      same: true,
    },
    {
      reason: "keys in another order",
      a: rcp(perimeter),
      b: rcp(Object.fromEntries(Object.entries(perimeter).reverse())),
      same: true,
    },
    {
      reason: "a statement alone and in a list",
      a: { Version: "2012-10-17", Statement: perimeter },
      b: rcp(perimeter),
      same: true,
    },
    {
      reason: "condition values as a string and a one-element list",
      a: rcp(perimeter),
      b: rcp({
        ...perimeter,
        Condition: { ...perimeter.Condition, BoolIfExists: { "aws:PrincipalIsAWSService": ["false"] } },
      }),
      same: true,
    },
    {
      reason: "another organization id",
      a: rcp(perimeter),
      b: rcp({
        ...perimeter,
        Condition: {
          ...perimeter.Condition,
          StringNotEqualsIfExists: { "aws:PrincipalOrgID": "o-zzzzzzzzzz" },
        },
      }),
      same: false,
    },
    { reason: "another action", a: rcp(perimeter), b: rcp({ ...perimeter, Action: "sqs:*" }), same: false },
    {
      reason: "Resource and NotResource",
      a: rcp(perimeter),
      b: rcp({ ...perimeter, Resource: undefined, NotResource: "*" }),
      same: false,
    },
    {
      reason: "a statement more",
      a: rcp(perimeter),
      b: { Version: "2012-10-17", Statement: [perimeter, { ...perimeter, Sid: "Two", Action: "kms:*" }] },
      same: false,
    },
  ];
  it.each(pairs)("$reason: same = $same", ({ a, b, same }) => {
    const clean = (d: unknown) => JSON.parse(JSON.stringify(d)) as unknown;
    expect(samePolicy(clean(a), clean(b))).toBe(same);
  });
});

const costCenter = {
  tag_key: { "@@assign": "CostCenter" },
  tag_value: { "@@assign": ["100", "200"] },
  enforced_for: { "@@assign": ["ec2:instance", "s3:bucket"] },
};
const tagPolicy = (tags: Record<string, unknown>) => ({ tags });

describe("tag policy grammar", () => {
  it("accepts the examples' policy", () => {
    expect(
      validateTagPolicy(
        tagPolicy({
          costcenter: costCenter,
          dataclassification: {
            tag_key: {
              "@@assign": "DataClassification",
              "@@operators_allowed_for_child_policies": ["@@none"],
            },
            tag_value: { "@@assign": ["public", "internal", "confidential"] },
          },
        }),
      ),
    ).toEqual([]);
  });

  const invalid: Array<{ reason: string; document: unknown; path: string }> = [
    { reason: "not an object", document: [], path: "" },
    { reason: "another top-level key", document: { tags: {}, services: {} }, path: "services" },
    { reason: "no tags", document: {}, path: "tags" },
    { reason: "tags as a list", document: { tags: [costCenter] }, path: "tags" },
    {
      reason: "a tag without tag_key",
      document: tagPolicy({ costcenter: { tag_value: costCenter.tag_value } }),
      path: "tags.costcenter.tag_key",
    },
    {
      reason: "a tag_key naming another tag than its policy key",
      document: tagPolicy({ costcenter: { ...costCenter, tag_key: { "@@assign": "Owner" } } }),
      path: "tags.costcenter.tag_key.@@assign",
    },
    {
      reason: "tag_key with @@append (a single string)",
      document: tagPolicy({ costcenter: { ...costCenter, tag_key: { "@@append": ["CostCenter"] } } }),
      path: "tags.costcenter.tag_key.@@append",
    },
    {
      reason: "tag_key assigned a list",
      document: tagPolicy({ costcenter: { ...costCenter, tag_key: { "@@assign": ["CostCenter"] } } }),
      path: "tags.costcenter.tag_key.@@assign",
    },
    {
      reason: "tag_value assigned a string",
      document: tagPolicy({ costcenter: { ...costCenter, tag_value: { "@@assign": "100" } } }),
      path: "tags.costcenter.tag_value.@@assign",
    },
    {
      reason: "an operator in capitals",
      document: tagPolicy({ costcenter: { ...costCenter, tag_value: { "@@ASSIGN": ["100"] } } }),
      path: "tags.costcenter.tag_value.@@ASSIGN",
    },
    {
      reason: "an unknown operator",
      document: tagPolicy({ costcenter: { ...costCenter, tag_value: { "@@replace": ["100"] } } }),
      path: "tags.costcenter.tag_value.@@replace",
    },
    {
      reason: "@@assign combined with @@append",
      document: tagPolicy({
        costcenter: { ...costCenter, tag_value: { "@@assign": ["100"], "@@append": ["300"] } },
      }),
      path: "tags.costcenter.tag_value",
    },
    {
      reason: "a plain value where operators go",
      document: tagPolicy({ costcenter: { ...costCenter, tag_value: ["100"] } }),
      path: "tags.costcenter.tag_value",
    },
    {
      reason: "a resource type without its service",
      document: tagPolicy({ costcenter: { ...costCenter, enforced_for: { "@@assign": ["instance"] } } }),
      path: "tags.costcenter.enforced_for.@@assign[0]",
    },
    {
      reason: "an unknown key in a tag",
      document: tagPolicy({ costcenter: { ...costCenter, required: true } }),
      path: "tags.costcenter.required",
    },
    {
      reason: "@@operators_allowed_for_child_policies mixing @@none with another",
      document: tagPolicy({
        costcenter: { ...costCenter, "@@operators_allowed_for_child_policies": ["@@none", "@@append"] },
      }),
      path: "tags.costcenter.@@operators_allowed_for_child_policies",
    },
    {
      reason: "@@operators_allowed_for_child_policies as a string",
      document: tagPolicy({
        costcenter: {
          ...costCenter,
          tag_value: { "@@assign": ["1"], "@@operators_allowed_for_child_policies": "@@none" },
        },
      }),
      path: "tags.costcenter.tag_value.@@operators_allowed_for_child_policies",
    },
    {
      reason: "one tag under two policy keys differing in case",
      document: tagPolicy({ costcenter: costCenter, CostCenter: costCenter }),
      path: "tags.CostCenter",
    },
    {
      reason: "a tag value over 256 characters",
      document: tagPolicy({ costcenter: { ...costCenter, tag_value: { "@@assign": ["x".repeat(257)] } } }),
      path: "tags.costcenter.tag_value.@@assign[0]",
    },
    {
      reason: "over 10,000 characters minified",
      document: tagPolicy({
        costcenter: {
          ...costCenter,
          tag_value: { "@@assign": Array.from({ length: 2000 }, (_, i) => `v${i}`) },
        },
      }),
      path: "",
    },
  ];
  it.each(invalid)("refuses $reason, at '$path'", ({ document, path }) => {
    expect(validateTagPolicy(document).map((p) => p.path)).toContain(path);
  });
});

const optOut = (services: Record<string, unknown>) => ({ services });

describe("AI services opt-out policy grammar", () => {
  it("accepts opting the whole organization out, with one service opted in", () => {
    expect(
      validateAiOptOutPolicy(
        optOut({
          default: { opt_out_policy: { "@@assign": "optOut" } },
          lex: { opt_out_policy: { "@@assign": "optIn" } },
        }),
      ),
    ).toEqual([]);
  });

  const invalid: Array<{ reason: string; document: unknown; path: string }> = [
    { reason: "another top-level key", document: { tags: {} }, path: "tags" },
    { reason: "no services", document: {}, path: "services" },
    {
      reason: "a value other than optOut/optIn",
      document: optOut({ default: { opt_out_policy: { "@@assign": "disabled" } } }),
      path: "services.default.opt_out_policy.@@assign",
    },
    {
      reason: "optout spelled in lower case",
      document: optOut({ default: { opt_out_policy: { "@@assign": "optout" } } }),
      path: "services.default.opt_out_policy.@@assign",
    },
    {
      reason: "@@append on a single value",
      document: optOut({ default: { opt_out_policy: { "@@append": ["optOut"] } } }),
      path: "services.default.opt_out_policy.@@append",
    },
    {
      reason: "a service without opt_out_policy",
      document: optOut({ default: {} }),
      path: "services.default.opt_out_policy",
    },
    {
      reason: "a service name in capitals",
      document: optOut({ Rekognition: { opt_out_policy: { "@@assign": "optOut" } } }),
      path: "services.Rekognition",
    },
    {
      reason: "an unknown key under a service",
      document: optOut({ default: { opt_out: { "@@assign": "optOut" } } }),
      path: "services.default.opt_out",
    },
    {
      reason: "the value without an operator",
      document: optOut({ default: { opt_out_policy: "optOut" } }),
      path: "services.default.opt_out_policy",
    },
    { reason: "services as a list", document: { services: ["default"] }, path: "services" },
    {
      reason: "an operator spelled in capitals",
      document: optOut({ default: { opt_out_policy: { "@@ASSIGN": "optOut" } } }),
      path: "services.default.opt_out_policy.@@ASSIGN",
    },
    {
      reason: "@@assign given a list (one value only)",
      document: optOut({ default: { opt_out_policy: { "@@assign": ["optOut"] } } }),
      path: "services.default.opt_out_policy.@@assign",
    },
    {
      reason: "an unknown child-policy operator",
      document: optOut({
        default: {
          opt_out_policy: { "@@assign": "optOut", "@@operators_allowed_for_child_policies": ["@@lock"] },
        },
      }),
      path: "services.default.opt_out_policy.@@operators_allowed_for_child_policies",
    },
    {
      reason: "@@none beside another operator",
      document: optOut({
        default: {
          opt_out_policy: {
            "@@assign": "optOut",
            "@@operators_allowed_for_child_policies": ["@@none", "@@assign"],
          },
        },
      }),
      path: "services.default.opt_out_policy.@@operators_allowed_for_child_policies",
    },
    {
      reason: "a document over the 2,500-character limit",
      document: optOut(
        Object.fromEntries(
          Array.from({ length: 60 }, (_, i) => [
            `service-${i}`,
            { opt_out_policy: { "@@assign": "optOut" } },
          ]),
        ),
      ),
      path: "",
    },
  ];
  it.each(invalid)("refuses $reason, at '$path'", ({ document, path }) => {
    expect(validateAiOptOutPolicy(document).map((p) => p.path)).toContain(path);
  });
});

describe("management policies compared by meaning", () => {
  const pairs: Array<{ reason: string; a: unknown; b: unknown; same: boolean }> = [
    {
      reason: "keys in another order",
      a: tagPolicy({ costcenter: costCenter }),
      b: tagPolicy({ costcenter: Object.fromEntries(Object.entries(costCenter).reverse()) }),
      same: true,
    },
    {
      reason: "a policy key in another case (matched without case)",
      a: tagPolicy({ costcenter: costCenter }),
      b: tagPolicy({ CostCenter: costCenter }),
      same: true,
    },
    {
      reason: "tag values in another order",
      a: tagPolicy({ costcenter: costCenter }),
      b: tagPolicy({ costcenter: { ...costCenter, tag_value: { "@@assign": ["200", "100"] } } }),
      same: true,
    },
    {
      reason: "a tag value repeated",
      a: tagPolicy({ costcenter: costCenter }),
      b: tagPolicy({ costcenter: { ...costCenter, tag_value: { "@@assign": ["100", "200", "100"] } } }),
      same: true,
    },
    {
      reason: "resource types in another order",
      a: tagPolicy({ costcenter: costCenter }),
      b: tagPolicy({
        costcenter: { ...costCenter, enforced_for: { "@@assign": ["s3:bucket", "ec2:instance"] } },
      }),
      same: true,
    },
    {
      reason: "tags in another order",
      a: tagPolicy({ a: { tag_key: { "@@assign": "A" } }, b: { tag_key: { "@@assign": "B" } } }),
      b: tagPolicy({ b: { tag_key: { "@@assign": "B" } }, a: { tag_key: { "@@assign": "A" } } }),
      same: true,
    },
    {
      reason: "services in another order",
      a: optOut({
        default: { opt_out_policy: { "@@assign": "optOut" } },
        lex: { opt_out_policy: { "@@assign": "optIn" } },
      }),
      b: optOut({
        lex: { opt_out_policy: { "@@assign": "optIn" } },
        default: { opt_out_policy: { "@@assign": "optOut" } },
      }),
      same: true,
    },
    {
      reason: "the same document as stored text",
      a: JSON.stringify(tagPolicy({ costcenter: costCenter })),
      b: tagPolicy({ costcenter: costCenter }),
      same: true,
    },
    {
      reason: "tag_key capitalization is the tag's own (AWS keeps it)",
      a: tagPolicy({ costcenter: costCenter }),
      b: tagPolicy({ costcenter: { ...costCenter, tag_key: { "@@assign": "costcenter" } } }),
      same: false,
    },
    {
      reason: "@@assign and @@append of the same values",
      a: tagPolicy({ costcenter: costCenter }),
      b: tagPolicy({ costcenter: { ...costCenter, tag_value: { "@@append": ["100", "200"] } } }),
      same: false,
    },
    {
      reason: "a value more",
      a: tagPolicy({ costcenter: costCenter }),
      b: tagPolicy({ costcenter: { ...costCenter, tag_value: { "@@assign": ["100", "200", "300"] } } }),
      same: false,
    },
    {
      reason: "optIn and optOut",
      a: optOut({ default: { opt_out_policy: { "@@assign": "optOut" } } }),
      b: optOut({ default: { opt_out_policy: { "@@assign": "optIn" } } }),
      same: false,
    },
    {
      reason: "a value locked for children, and not",
      a: optOut({ default: { opt_out_policy: { "@@assign": "optOut" } } }),
      b: optOut({
        default: {
          opt_out_policy: { "@@assign": "optOut", "@@operators_allowed_for_child_policies": ["@@none"] },
        },
      }),
      same: false,
    },
  ];
  it.each(pairs)("$reason: same = $same", ({ a, b, same }) => expect(sameManagementPolicy(a, b)).toBe(same));
});

describe("AI services opt-out policies compared by meaning", () => {
  const service = (value: string, extra: Record<string, unknown> = {}) => ({
    opt_out_policy: { "@@assign": value, ...extra },
  });
  const pairs: Array<{ reason: string; a: unknown; b: unknown; same: boolean }> = [
    {
      reason: "services in another order",
      a: optOut({ default: service("optOut"), lex: service("optIn") }),
      b: optOut({ lex: service("optIn"), default: service("optOut") }),
      same: true,
    },
    {
      reason: "operators in another order",
      a: optOut({ default: service("optOut", { "@@operators_allowed_for_child_policies": ["@@none"] }) }),
      b: optOut({
        default: {
          opt_out_policy: { "@@operators_allowed_for_child_policies": ["@@none"], "@@assign": "optOut" },
        },
      }),
      same: true,
    },
    {
      reason: "the document as AWS stores it (minified text)",
      a: optOut({ default: service("optOut") }),
      b: JSON.stringify(optOut({ default: service("optOut") })),
      same: true,
    },
    {
      reason: "the document as text with whitespace",
      a: optOut({ default: service("optOut") }),
      b: JSON.stringify(optOut({ default: service("optOut") }), null, 2),
      same: true,
    },
    {
      reason: "child operators listed in another order",
      a: optOut({
        default: service("optOut", { "@@operators_allowed_for_child_policies": ["@@assign", "@@append"] }),
      }),
      b: optOut({
        default: service("optOut", { "@@operators_allowed_for_child_policies": ["@@append", "@@assign"] }),
      }),
      same: true,
    },
    {
      reason: "opted in, not out",
      a: optOut({ default: service("optOut") }),
      b: optOut({ default: service("optIn") }),
      same: false,
    },
    {
      reason: "one service more",
      a: optOut({ default: service("optOut") }),
      b: optOut({ default: service("optOut"), rekognition: service("optOut") }),
      same: false,
    },
    {
      reason: "a service instead of default",
      a: optOut({ default: service("optOut") }),
      b: optOut({ lex: service("optOut") }),
      same: false,
    },
    {
      reason: "locked for children, and not",
      a: optOut({ default: service("optOut", { "@@operators_allowed_for_child_policies": ["@@none"] }) }),
      b: optOut({ default: service("optOut") }),
      same: false,
    },
    {
      reason: "service names are not matched without case (only tag policy keys are)",
      a: optOut({ lex: service("optOut") }),
      b: optOut({ Lex: service("optOut") }),
      same: false,
    },
  ];
  it.each(pairs)("$reason: same = $same", ({ a, b, same }) => expect(sameManagementPolicy(a, b)).toBe(same));
});
