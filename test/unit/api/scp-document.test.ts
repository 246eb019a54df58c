import { describe, expect, it } from "vitest";
import { minifyPolicyDocument, validateScpDocument } from "../../../src/api/scp-document.js";

const statement = { Effect: "Deny", Action: "s3:*", Resource: "*" };
const doc = (statements: unknown, extra: Record<string, unknown> = {}) => ({
  Version: "2012-10-17",
  Statement: statements,
  ...extra,
});

describe("validateScpDocument", () => {
  const cases: Array<{ reason: string; document: unknown; paths: string[]; sizeLimit?: number }> = [
    { reason: "a minimal deny statement is valid", document: doc([statement]), paths: [] },
    { reason: "Statement may be a single object", document: doc(statement), paths: [] },
    {
      reason: "full IAM language: NotAction, Condition, ARNs, wildcards in actions",
      document: doc([
        {
          Sid: "A1",
          Effect: "Allow",
          NotAction: ["iam:*", "s3:Get*Acl"],
          Resource: ["arn:aws:s3:::b/*"],
          Condition: {
            StringEquals: { "aws:RequestedRegion": ["eu-west-1"] },
            Bool: { "aws:SecureTransport": false },
          },
        },
      ]),
      paths: [],
    },
    { reason: "not an object", document: "deny everything", paths: [""] },
    { reason: "Version missing", document: { Statement: [statement] }, paths: ["Version"] },
    { reason: "Statement missing", document: { Version: "2012-10-17" }, paths: ["Statement"] },
    { reason: "Statement empty", document: doc([]), paths: ["Statement"] },
    { reason: "an unknown top-level element", document: doc([statement], { Id: "x" }), paths: ["Id"] },
    {
      reason: "Principal is not allowed",
      document: doc([{ ...statement, Principal: "*" }]),
      paths: ["Statement[0].Principal"],
    },
    {
      reason: "NotPrincipal is not allowed",
      document: doc([{ ...statement, NotPrincipal: { AWS: "x" } }]),
      paths: ["Statement[0].NotPrincipal"],
    },
    {
      reason: "Effect must be Allow or Deny",
      document: doc([{ ...statement, Effect: "deny" }]),
      paths: ["Statement[0].Effect"],
    },
    {
      reason: "both Action and NotAction",
      document: doc([{ ...statement, NotAction: "s3:Get*" }]),
      paths: ["Statement[0]"],
    },
    {
      reason: "an action without a service prefix",
      document: doc([{ ...statement, Action: "DeleteBucket" }]),
      paths: ["Statement[0].Action"],
    },
    {
      reason: "the second action of a list is malformed",
      document: doc([{ ...statement, Action: ["s3:GetObject", "s3 PutObject"] }]),
      paths: ["Statement[0].Action[1]"],
    },
    {
      reason: "a resource that is neither * nor an ARN",
      document: doc([{ ...statement, Resource: "bucket" }]),
      paths: ["Statement[0].Resource"],
    },
    {
      reason: "Sid with punctuation",
      document: doc([{ ...statement, Sid: "deny-all" }]),
      paths: ["Statement[0].Sid"],
    },
    {
      reason: "duplicate Sids",
      document: doc([
        { ...statement, Sid: "A" },
        { ...statement, Sid: "A" },
      ]),
      paths: ["Statement[1].Sid"],
    },
    {
      reason: "a condition value that is an object",
      document: doc([{ ...statement, Condition: { StringEquals: { "aws:x": { y: 1 } } } }]),
      paths: ["Statement[0].Condition.StringEquals.aws:x"],
    },
    {
      reason: "an unknown statement element",
      document: doc([{ ...statement, Effects: "Deny" }]),
      paths: ["Statement[0].Effects"],
    },
    {
      reason: "over the size limit, counted minified",
      document: doc([statement]),
      sizeLimit: minifyPolicyDocument(doc([statement])).length - 1,
      paths: [""],
    },
    {
      reason: "exactly at the size limit is allowed",
      document: doc([statement]),
      sizeLimit: minifyPolicyDocument(doc([statement])).length,
      paths: [],
    },
  ];
  it.each(cases)("$reason", ({ document, paths, sizeLimit }) => {
    const problems = validateScpDocument(document, { sizeLimit });
    expect(problems.map((p) => p.path)).toEqual(paths);
  });

  const withCondition = (condition: unknown) => doc([{ ...statement, Condition: condition }]);
  const operators: Array<{ reason: string; operator: string; message?: string }> = [
    { reason: "a plain operator", operator: "StringEquals" },
    { reason: "IfExists on any operator but Null", operator: "ArnNotLikeIfExists" },
    { reason: "a set operator prefix", operator: "ForAllValues:StringLike" },
    { reason: "a prefix and IfExists together", operator: "ForAnyValue:StringNotEqualsIfExists" },
    { reason: "Null", operator: "Null" },
    {
      reason: "a misspelled operator, with the nearest valid name",
      operator: "StringEqualz",
      message: 'unknown condition operator "StringEqualz": did you mean StringEquals?',
    },
    {
      reason: "an operator in the wrong case (IAM's names are spelled so)",
      operator: "stringlike",
      message: 'unknown condition operator "stringlike": did you mean StringLike?',
    },
    {
      reason: "a prefix without its colon",
      operator: "ForAllValuesStringLike",
      message: 'unknown condition operator "ForAllValuesStringLike": did you mean ForAllValues:StringLike?',
    },
    {
      reason: "Null with IfExists",
      operator: "NullIfExists",
      message:
        'unknown condition operator "NullIfExists": Null takes no IfExists (it tests whether the key exists)',
    },
    {
      reason: "an operator of another language",
      operator: "Contains",
      message:
        'unknown condition operator "Contains": use one of IAM\'s operators (StringEquals, ArnLike, Bool, ...), optionally ending in IfExists and starting with ForAllValues: or ForAnyValue:',
    },
  ];
  it.each(operators)("condition operators: $reason", ({ operator, message }) => {
    const problems = validateScpDocument(
      withCondition({ [operator]: { "aws:RequestedRegion": "eu-west-1" } }),
    );
    expect(problems).toEqual(message ? [{ path: `Statement[0].Condition.${operator}`, message }] : []);
  });

  it("quotes a pasted value cut short, never whole", () => {
    const [problem] = validateScpDocument(doc([{ ...statement, Action: `s3 ${"x".repeat(100_000)}` }]));
    expect(problem?.message.length).toBeLessThan(120);
  });

  it("prefixes paths with basePath", () => {
    const problems = validateScpDocument(doc([{ ...statement, Effect: "x" }]), { basePath: "spec.document" });
    expect(problems).toEqual([
      { path: "spec.document.Statement[0].Effect", message: "Effect must be Allow or Deny" },
    ]);
  });
});
