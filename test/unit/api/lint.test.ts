import { describe, expect, it } from "vitest";
import { lintObject } from "../../../src/api/lint.js";
import { API_DEFINITIONS } from "../../../src/kinds/index.js";

const scp = (targets: unknown[], statement: Record<string, unknown>) => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "ServiceControlPolicy",
  metadata: { name: "x" },
  spec: { targets, document: { Version: "2012-10-17", Statement: [statement] } },
});
const denyAll = { Effect: "Deny", Action: "*", Resource: "*" };
const baseline = (spec: Record<string, unknown>) => ({
  kind: "AccountBaseline",
  metadata: { name: "b" },
  spec: { accounts: { all: true }, ...spec },
});

describe("lintObject", () => {
  const cases = [
    {
      reason: "deny everything on the root",
      object: scp([{ root: true }], denyAll),
      paths: ["spec.document.Statement[0]"],
    },
    {
      reason: "deny everything on an OU path",
      object: scp([{ ouPath: "Root/Workloads" }], denyAll),
      paths: ["spec.document.Statement[0]"],
    },
    {
      reason: "deny everything with a condition is an exception, not a lock-out",
      object: scp([{ root: true }], {
        ...denyAll,
        Condition: { StringLike: { "aws:PrincipalArn": "arn:aws:iam::*:root" } },
      }),
      paths: [],
    },
    {
      reason: "deny everything on one account is deliberate (quarantine)",
      object: scp([{ accountId: "111111111111" }], denyAll),
      paths: [],
    },
    {
      reason: "the same target twice",
      object: scp([{ ouPath: "Root/A" }, { ouPath: "Root/A" }], {
        Effect: "Deny",
        Action: "s3:*",
        Resource: "*",
      }),
      paths: ["spec.targets[1]"],
    },
    {
      reason: "the management account, when known, is never restricted by an SCP",
      object: scp([{ accountId: "123456789012" }], { Effect: "Deny", Action: "s3:*", Resource: "*" }),
      paths: ["spec.targets[0]"],
    },
    {
      reason:
        "a delegated administrator of a service without trusted access in the spec (most services refuse it)",
      object: {
        kind: "Organization",
        metadata: { name: "o" },
        spec: {
          trustedAccess: ["guardduty.amazonaws.com"],
          delegatedAdministrators: [
            { servicePrincipal: "guardduty.amazonaws.com", accountId: "222222222222" },
            { servicePrincipal: "securityhub.amazonaws.com", accountName: "audit-1" },
          ],
        },
      },
      // And Security Hub's administrator is a SecurityHubOrganization's to designate.
      paths: ["spec.delegatedAdministrators[1].servicePrincipal", "spec.delegatedAdministrators[1]"],
    },
    {
      reason:
        "Security Hub's administrator under delegatedAdministrators: a SecurityHubOrganization designates it (and registers it here itself)",
      object: {
        kind: "Organization",
        metadata: { name: "o" },
        spec: {
          trustedAccess: ["securityhub.amazonaws.com"],
          delegatedAdministrators: [
            { servicePrincipal: "securityhub.amazonaws.com", accountId: "222222222222" },
          ],
        },
      },
      paths: ["spec.delegatedAdministrators[0]"],
    },
    {
      reason: "a password policy below CIS on both counts",
      object: { kind: "PasswordPolicy", metadata: { name: "p" }, spec: { minimumPasswordLength: 8 } },
      paths: ["spec.minimumPasswordLength", "spec.passwordReusePrevention"],
    },
    {
      reason: "a CIS password policy",
      object: {
        kind: "PasswordPolicy",
        metadata: { name: "p" },
        spec: { minimumPasswordLength: 14, passwordReusePrevention: 24 },
      },
      paths: [],
    },
    {
      reason: "a baseline's password template is held to CIS too",
      object: {
        kind: "AccountBaseline",
        metadata: { name: "b" },
        spec: { accounts: { all: true }, passwordPolicy: { passwordReusePrevention: 5 } },
      },
      paths: ["spec.passwordPolicy.passwordReusePrevention"],
    },
    {
      reason: "a baseline enforcing closed default groups revokes rules in accounts nobody looked at",
      object: baseline({ defaultSecurityGroups: {} }),
      paths: ["spec.defaultSecurityGroups"],
    },
    {
      reason: "a baseline whose default groups are ObserveOnly (the field's own policy) is the rollout",
      object: baseline({ defaultSecurityGroups: { managementPolicy: "ObserveOnly" } }),
      paths: [],
    },
    {
      reason: "a baseline ObserveOnly as a whole observes its default groups too",
      object: baseline({ defaultSecurityGroups: {}, managementPolicy: "ObserveOnly" }),
      paths: [],
    },
    {
      reason: "the field's Enforce wins over an ObserveOnly baseline, and is warned about",
      object: baseline({
        defaultSecurityGroups: { managementPolicy: "Enforce" },
        managementPolicy: "ObserveOnly",
      }),
      paths: ["spec.defaultSecurityGroups"],
    },
    {
      reason: "a standalone object names one account its author chose",
      object: { kind: "DefaultSecurityGroups", metadata: { name: "d" }, spec: { accountId: "111111111111" } },
      paths: [],
    },
    {
      reason: "a baseline deleting default VPCs (one-way) in accounts nobody looked at",
      object: baseline({ noDefaultVpc: {} }),
      paths: ["spec.noDefaultVpc"],
    },
    {
      reason: "a baseline observing the default VPCs first is the rollout",
      object: baseline({ noDefaultVpc: { managementPolicy: "ObserveOnly" } }),
      paths: [],
    },
  ];
  it.each(cases)("$reason", ({ object, paths }) => {
    expect(
      lintObject(object, API_DEFINITIONS, { managementAccountId: "123456789012" }).map((w) => w.path),
    ).toEqual(paths);
  });
});
