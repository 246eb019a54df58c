/**
 * What bench/calls-per-reconcile.ts creates, one object per managed kind, in the member account
 * `member` of its organization (an OU Root/Workloads holds it). A test checks every managed kind
 * has a case here, or a reason in NO_CALL_CASE (test/unit/kind-lists.test.ts).
 */

/** One object to measure: its kind and spec. */
export interface CallCase {
  kind: string;
  spec: Record<string, unknown>;
}

/** Managed kinds the bench cannot measure against moto, each with the reason. */
export const NO_CALL_CASE: Readonly<Record<string, string>> = {};

export const callCases = (member: string): CallCase[] => [
  // Cold: trusted access for two services, one delegated administrator (then read as one account's).
  {
    kind: "Organization",
    spec: {
      trustedAccess: ["guardduty.amazonaws.com", "config-multiaccountsetup.amazonaws.com"],
      delegatedAdministrators: [{ servicePrincipal: "guardduty.amazonaws.com", accountId: member }],
    },
  },
  {
    kind: "ServiceControlPolicy",
    spec: {
      document: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
      },
      targets: [{ ouPath: "Root/Workloads" }],
    },
  },
  {
    kind: "ResourceControlPolicy",
    spec: {
      document: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:DeleteBucket", Resource: "*" }],
      },
      targets: [{ ouPath: "Root/Workloads" }],
    },
  },
  {
    kind: "TagPolicy",
    spec: {
      document: { tags: { costcenter: { tag_key: { "@@assign": "CostCenter" } } } },
      targets: [{ ouPath: "Root/Workloads" }],
    },
  },
  {
    kind: "AIServicesOptOutPolicy",
    spec: {
      document: { services: { default: { opt_out_policy: { "@@assign": "optOut" } } } },
      targets: [{ ouPath: "Root/Workloads" }],
    },
  },
  { kind: "PasswordPolicy", spec: { accountId: member } },
  { kind: "PublicAccessBlock", spec: { accountId: member } },
  {
    kind: "EbsEncryptionByDefault",
    spec: { accountId: member, regions: ["us-east-1", "eu-west-1"] },
  },
  // moto's default groups allow all traffic out: cold revokes one rule per region.
  {
    kind: "DefaultSecurityGroups",
    spec: { accountId: member, regions: ["us-east-1", "eu-west-1"] },
  },
  {
    kind: "AlternateContacts",
    spec: {
      accountId: member,
      security: {
        name: "Sec",
        title: "Security",
        emailAddress: "sec@example.com",
        phoneNumber: "+1 555 0100",
      },
    },
  },
  {
    kind: "ConfigRecorder",
    spec: {
      accountId: member,
      regions: ["us-east-1", "eu-west-1"],
      deliveryBucket: { name: "example-org-config-logs" },
    },
  },
];
