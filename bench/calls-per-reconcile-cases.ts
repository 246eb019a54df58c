/**
 * What bench/calls-per-reconcile.ts creates, one object per managed kind, in the member account
 * `member` of its organization (an OU Root/Workloads holds it). A test checks every managed kind
 * has a case here, or a reason in NO_CALL_CASE (test/unit/kind-lists.test.ts).
 */

/** One object to measure: its kind and spec. */
export interface CallCase {
  kind: string;
  spec: Record<string, unknown>;
  /** What the case is called in the output, when a kind has several. */
  label?: string;
  /** The Ready reason the object settles on (ObserveOnly drift: Drifted); Ready=True otherwise. */
  settles?: string;
  /** Service principals given trusted access in the organization before the object is created. */
  trustedAccess?: string[];
}

/** The regions enabled by default in an account created today. */
export const REGIONS_17 = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "sa-east-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "ap-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ap-southeast-1",
  "ap-southeast-2",
];

/** The organization trail case's bucket (bench/calls-per-reconcile.ts creates it in moto first). */
export const BENCH_TRAIL_BUCKET = "bench-org-cloudtrail-logs";

/** Managed kinds the bench cannot measure against moto, each with the reason. */
export const NO_CALL_CASE: Readonly<Record<string, string>> = {
  TemporaryAccess:
    "it names an Identity Center user and permission set that must exist first, which a case of the bench (a spec alone) cannot make: its calls are counted in test/integration/temporary-access.test.ts (README: TemporaryAccess)",
  CentralizedRootAccess:
    "moto has neither IAM's organization features nor sts:AssumeRoot: its calls per reconcile are counted against SDK stubs in test/integration/centralized-root-access-stubs.test.ts (README: CentralizedRootAccess)",
};

/** The cases, in `member` (and `other`, a second member account) of the bench's organization. */
export const callCases = ({ member, other }: { member: string; other: string }): CallCase[] => [
  { kind: "OrganizationalUnit", spec: { path: "Root/Workloads/Bench" } },
  { kind: "Account", spec: { name: "bench", email: "bench@example.com", ouPath: "Root/Workloads" } },
  // Cold: trusted access for two services, one delegated administrator (then read as one account's).
  {
    kind: "Organization",
    spec: {
      trustedAccess: ["guardduty.amazonaws.com", "config-multiaccountsetup.amazonaws.com"],
      // Not GuardDuty's or Security Hub's: their own kinds designate those (one place only).
      delegatedAdministrators: [
        { servicePrincipal: "config-multiaccountsetup.amazonaws.com", accountId: member },
      ],
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
  // Issue 29: nothing set at first; cold sets each region.
  {
    kind: "InstanceMetadataDefaults",
    label: "InstanceMetadataDefaults (17 regions)",
    spec: { accountId: member, regions: REGIONS_17, httpPutResponseHopLimit: 2 },
  },
  {
    kind: "SnapshotBlockPublicAccess",
    label: "SnapshotBlockPublicAccess (17 regions)",
    spec: { accountId: member, regions: REGIONS_17 },
  },
  {
    kind: "ImageBlockPublicAccess",
    label: "ImageBlockPublicAccess (17 regions)",
    spec: { accountId: member, regions: REGIONS_17 },
  },
  // No IAM users in the bench's account: the report, the summary, nothing else (ObserveOnly by default).
  { kind: "IamCredentials", spec: { accountId: member } },
  // Cold: the support and audit roles made, their policies attached; steady: 2 reads per role.
  {
    kind: "IncidentRoles",
    spec: {
      accountId: member,
      trustedPrincipal: "arn:aws:iam::123456789012:role/IncidentResponders",
      auditRole: true,
    },
  },
  // The management account's Identity Center instance (moto makes one), no permission set in it.
  { kind: "IdentityCenterSessionLength", spec: {} },
  // moto gives every region a default VPC with one subnet per zone: cold deletes all 17.
  {
    kind: "NoDefaultVpc",
    label: "NoDefaultVpc (17 regions, Enforce: every default VPC deleted, then none left)",
    spec: { accountId: member, regions: REGIONS_17 },
  },
  {
    kind: "NoDefaultVpc",
    label: "NoDefaultVpc (17 regions, ObserveOnly: every default VPC still there)",
    spec: { accountId: other, regions: REGIONS_17, managementPolicy: "ObserveOnly" },
    settles: "Drifted",
  },
  // Issue 27: the bench makes the bucket (the user's in AWS) first.
  {
    kind: "OrganizationTrail",
    trustedAccess: ["cloudtrail.amazonaws.com"],
    spec: {
      trailName: "bench-organization-trail",
      homeRegion: "us-east-1",
      s3Bucket: { name: BENCH_TRAIL_BUCKET },
    },
  },
  // Issue 27: `member` administers GuardDuty in 3 regions for the organization's other accounts;
  // the organization configuration and members are the test environment's emulation (moto lacks them).
  {
    kind: "GuardDutyOrganization",
    label: "GuardDutyOrganization (3 regions)",
    spec: { administrator: { accountId: member }, regions: ["us-east-1", "eu-west-1", "eu-central-1"] },
  },
  // Issue 28, against the test environment's emulation of what moto lacks (test/env/moto_security_hub.py):
  // the seeds' setup (CIS v5.0, PCI DSS v4.0.1, three disabled controls) in two regions.
  ...(["CENTRAL", "LOCAL"] as const).map((configuration) => ({
    kind: "SecurityHubOrganization",
    label: `SecurityHubOrganization (${configuration}, 2 regions, 2 standards, 3 disabled controls)`,
    trustedAccess: ["securityhub.amazonaws.com"],
    spec: {
      administrator: { accountId: member },
      regions: ["us-east-1", "eu-west-1"],
      homeRegion: "us-east-1",
      configuration,
      standards: [
        { name: "cis-aws-foundations-benchmark", version: "5.0.0" },
        { name: "pci-dss", version: "4.0.1" },
      ],
      disabledControls: [
        { control: "IAM.18", reason: "support cases are opened from the management account" },
        { control: "IAM.28", reason: "one organization analyzer runs in the security tooling account" },
        { control: "S3.5", reason: "TLS is required by an SCP and an RCP" },
      ],
    },
  })),
  // In the management account, with the role orgguard creates.
  { kind: "ConfigAggregator", trustedAccess: ["config.amazonaws.com"], spec: { region: "us-east-1" } },
];
