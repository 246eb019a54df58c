/**
 * The shape of iam/management-account-policy.json: moto ignores identity-policy conditions, so
 * this is where the tag conditions are checked (see iam/README.md).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { POLICY_TYPES } from "../../src/kinds/policy-types.js";

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
const policy = JSON.parse(readFileSync("iam/management-account-policy.json", "utf8")) as {
  Statement: Statement[];
};
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const statementsWith = (action: string) => policy.Statement.filter((s) => list(s.Action).includes(action));
const OWNED = { "aws:ResourceTag/orgguard.io/managed-by": "orgguard" };
const TAGGED_REQUEST = { "aws:RequestTag/orgguard.io/managed-by": "orgguard" };
/** Every policy type orgguard manages, and no other: its policies and its EnablePolicyType. */
const POLICY_ARNS = POLICY_TYPES.map((t) => `arn:aws:organizations::*:policy/o-*/${t.arnSegment}/p-*`);
const AWS_TYPES = [
  "SERVICE_CONTROL_POLICY",
  "RESOURCE_CONTROL_POLICY",
  "TAG_POLICY",
  "AISERVICES_OPT_OUT_POLICY",
];

describe("iam/management-account-policy.json", () => {
  const cases = [
    { action: "organizations:UpdatePolicy", allowedBy: [OWNED], reason: "only policies orgguard owns" },
    { action: "organizations:DeletePolicy", allowedBy: [OWNED], reason: "only policies orgguard owns" },
    {
      action: "organizations:UntagResource",
      allowedBy: [OWNED],
      reason: "only policies and OUs orgguard owns",
    },
    {
      action: "organizations:UpdateOrganizationalUnit",
      allowedBy: [OWNED],
      reason: "only OUs orgguard owns (an adopted OU is tagged first)",
    },
    {
      action: "organizations:DeleteOrganizationalUnit",
      allowedBy: [OWNED],
      reason: "only OUs orgguard owns",
    },
    {
      action: "organizations:CreateOrganizationalUnit",
      allowedBy: [TAGGED_REQUEST],
      reason: "a new OU must carry the ownership tag",
    },
    {
      action: "organizations:CreatePolicy",
      allowedBy: [TAGGED_REQUEST],
      reason: "a new policy must carry the ownership tag",
    },
    {
      action: "organizations:TagResource",
      allowedBy: [TAGGED_REQUEST, OWNED],
      reason: "tag-on-create (request tags only) or tags of its own policies and OUs",
    },
    {
      action: "organizations:EnablePolicyType",
      allowedBy: [{ "organizations:PolicyType": AWS_TYPES }],
      reason: "the four types orgguard manages and no other",
    },
  ];
  it.each(cases)("$action is allowed only when $reason", ({ action, allowedBy }) => {
    // Each statement that allows it (one per kind that needs it) carries one of these conditions.
    const conditions = statementsWith(action).map((s) => s.Condition?.StringEquals);
    expect(conditions.length).toBeGreaterThan(0);
    for (const condition of conditions) expect(allowedBy).toContainEqual(condition);
  });

  it("attaches and detaches only orgguard's own policies, of its four types, to any root, OU or account", () => {
    for (const action of ["organizations:AttachPolicy", "organizations:DetachPolicy"]) {
      const [own, targets, ...rest] = statementsWith(action);
      expect(rest).toEqual([]);
      expect(own).toMatchObject({ Resource: POLICY_ARNS, Condition: { StringEquals: OWNED } });
      // The target side carries no condition, and cannot name a policy.
      expect(targets!.Condition).toBeUndefined();
      expect(list(targets!.Resource).every((r) => /:(root|ou|account)\//.test(r))).toBe(true);
    }
  });

  it("allows no Organizations write on every resource without a condition, but trusted access, which IAM authorizes on no resource", () => {
    const unconditioned = policy.Statement.filter(
      (s) => !s.Condition && list(s.Resource).includes("*"),
    ).flatMap((s) => list(s.Action).filter((a) => /^organizations:(?!Describe|List)/.test(a)));
    // Enable/DisableAWSServiceAccess have no resource type, and the principals are each spec's:
    // the generated policy cannot name them; iam/README.md says how to narrow them.
    expect(unconditioned).toEqual([
      "organizations:EnableAWSServiceAccess",
      "organizations:DisableAWSServiceAccess",
    ]);
    const readme = readFileSync("iam/README.md", "utf8");
    for (const action of unconditioned) expect(readme).toContain(action.replace("organizations:", ""));
    expect(readme).toContain("organizations:ServicePrincipal");
  });

  it("registers delegated administrators only on the organization's accounts", () => {
    for (const action of [
      "organizations:RegisterDelegatedAdministrator",
      "organizations:DeregisterDelegatedAdministrator",
    ]) {
      // The Organization kind's, and GuardDuty's own registration of its administrator.
      const statements = statementsWith(action);
      expect(statements.length).toBeGreaterThan(0);
      for (const s of statements) expect(s.Resource).toBe("arn:aws:organizations::*:account/o-*/*");
    }
  });

  it("lets GuardDuty enable its own trusted access and register its own administrator, and no other service's", () => {
    for (const action of [
      "organizations:EnableAWSServiceAccess",
      "organizations:RegisterDelegatedAdministrator",
    ]) {
      const guardDuty = statementsWith(action).filter((s) => s.Sid.startsWith("GuardDuty"));
      expect(guardDuty).toHaveLength(1);
      expect(guardDuty[0]?.Condition).toEqual({
        StringEquals: { "organizations:ServicePrincipal": "guardduty.amazonaws.com" },
      });
    }
  });

  it("changes only trails tagged as orgguard's, and creates or tags trails only as orgguard's", () => {
    for (const action of [
      "cloudtrail:UpdateTrail",
      "cloudtrail:StartLogging",
      "cloudtrail:PutEventSelectors",
      "cloudtrail:DeleteTrail",
    ]) {
      expect(statementsWith(action).map((s) => s.Condition?.StringEquals)).toEqual([OWNED]);
    }
    for (const action of ["cloudtrail:CreateTrail", "cloudtrail:AddTags"]) {
      expect(statementsWith(action).map((s) => s.Condition?.StringEquals)).toEqual([TAGGED_REQUEST]);
    }
  });
});
