/**
 * One out-of-band change per kind, with the CloudTrail event that reports it and a check that it
 * is repaired: shared by test/integration/events.test.ts and bench/events.ts.
 */
import {
  AccountClient,
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
} from "@aws-sdk/client-account";
import {
  ConfigServiceClient,
  DescribeConfigurationAggregatorsCommand,
  DescribeConfigurationRecorderStatusCommand,
  PutConfigurationAggregatorCommand,
  StopConfigurationRecorderCommand,
} from "@aws-sdk/client-config-service";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateDefaultVpcCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
  DisableEbsEncryptionByDefaultCommand,
  DisableImageBlockPublicAccessCommand,
  DisableSnapshotBlockPublicAccessCommand,
  EC2Client,
  GetEbsEncryptionByDefaultCommand,
  GetImageBlockPublicAccessStateCommand,
  GetInstanceMetadataDefaultsCommand,
  GetSnapshotBlockPublicAccessStateCommand,
  ModifyInstanceMetadataDefaultsCommand,
} from "@aws-sdk/client-ec2";
import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import {
  DescribeOrganizationalUnitCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DisableAWSServiceAccessCommand,
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListParentsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  UntagResourceCommand,
  UpdateOrganizationalUnitCommand,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import {
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3ControlClient,
} from "@aws-sdk/client-s3-control";
import {
  GetConfigurationPolicyCommand,
  SecurityHubClient,
  UpdateConfigurationPolicyCommand,
} from "@aws-sdk/client-securityhub";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { ApiCallName } from "../../src/aws/api-call-events.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import {
  awsClientConfig,
  MANAGEMENT_ACCOUNT_ID,
  MANAGEMENT_CREDENTIALS,
  type TestOrganization,
} from "./aws.js";
import { policyTags, policyTargets } from "./policies.js";

/** Where the cases act, and how they report a change. */
export interface EventCaseContext {
  tree: TestOrganization;
  /** The member account the settings are kept in. */
  account: string;
  member: AwsCredentialIdentity;
  endpoint: string;
  /** The region of the regional settings' changes. */
  region: string;
  /** Sends the event a rule would deliver for a change made in `inAccount` (default: the member). */
  sendEvent(
    call: ApiCallName,
    requestParameters?: Record<string, unknown>,
    options?: { inAccount?: string; region?: string; callerArn?: string },
  ): Promise<void>;
}

export interface EventCase {
  kind: string;
  /** What the organization needs before the object can be Ready (trusted access for its service). */
  prepare?: () => Promise<void>;
  spec: () => Record<string, unknown>;
  /**
   * A setting AWS applies asynchronously remembers the change it made until it reads it back
   * (src/kinds/setting/applying.ts): a change by hand before that read looks like AWS still
   * applying orgguard's. Repeated changes (bench/events.ts) wait for the object's confirming read.
   */
  confirmBeforeNextChange?: true;
  /** Makes the change out of band and sends its event. */
  change(object: ManagedObject): Promise<void>;
  repaired(object: ManagedObject): Promise<boolean>;
}

export const apiCall = (service: string, eventName: string): ApiCallName => ({
  eventSource: `${service}.amazonaws.com`,
  eventName,
});

const denyLeave = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
};
const rcp = (action: string) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Principal: "*", Action: action, Resource: "*" }],
});
const policyId = (o: ManagedObject) => o.status?.policyId as string;
/** The principal the Organization case keeps trusted access for. */
const TRUSTED = "guardduty.amazonaws.com";

/**
 * The kinds the cases cover, in their order (known before the cases can be built). The IMDS
 * defaults and the two block public access settings run against the test environment's own
 * emulation of those calls (test/env/moto_ec2_account_attributes.py: moto has none of them).
 * NoDefaultVpc comes last: it deletes the region's default VPC, whose default security group the
 * DefaultSecurityGroups case changes.
 */
export const EVENT_CASE_KINDS = [
  "Organization",
  "OrganizationalUnit",
  "Account",
  "ServiceControlPolicy",
  "ResourceControlPolicy",
  "TagPolicy",
  "AIServicesOptOutPolicy",
  "PasswordPolicy",
  "PublicAccessBlock",
  "EbsEncryptionByDefault",
  "InstanceMetadataDefaults",
  "SnapshotBlockPublicAccess",
  "ImageBlockPublicAccess",
  "DefaultSecurityGroups",
  "AlternateContacts",
  "ConfigRecorder",
  "NoDefaultVpc",
  // Against the test environment's emulation of what moto lacks (test/env/moto_security_hub.py).
  "SecurityHubOrganization",
  "ConfigAggregator",
] as const;

/**
 * Kinds that hear API call events but have no case here, each with the reason (moto lacks the API
 * the case would change). test/unit/kind-lists.test.ts checks the two lists cover every such kind.
 */
export const NO_EVENT_CASE: Readonly<Record<string, string>> = {};

/** One case per kind (AccountBaseline's children are these kinds' objects). */
export function eventCases(ctx: EventCaseContext): EventCase[] {
  const { account, member, endpoint, sendEvent } = ctx;
  const REGION = ctx.region;
  const call = apiCall;
  const org = () => new OrganizationsClient(awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint));
  const ec2 = () => new EC2Client({ ...awsClientConfig(member, endpoint), region: REGION });
  const config = () => new ConfigServiceClient({ ...awsClientConfig(member, endpoint), region: REGION });
  const managementAccount = () =>
    new AccountClient({ ...awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint), region: "us-east-1" });
  const workloads = () => ctx.tree.ouIds.get("Root/Workloads")!;
  const securityHub = () => new SecurityHubClient({ ...awsClientConfig(member, endpoint), region: REGION });
  const managementConfig = () =>
    new ConfigServiceClient({ ...awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint), region: "us-east-1" });
  const trustedAccessFor = async (principal: string) => {
    await org().send(new EnableAWSServiceAccessCommand({ ServicePrincipal: principal }));
  };
  const mgmt = { inAccount: MANAGEMENT_ACCOUNT_ID, region: "us-east-1" };
  async function defaultGroupId(): Promise<string> {
    const out = await ec2().send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }] }),
    );
    return out.SecurityGroups![0]!.GroupId!;
  }
  return [
    {
      kind: "OrganizationalUnit",
      spec: () => ({ path: "Root/Workloads/EventsOu" }),
      change: async (o) => {
        const id = o.status?.ouId as string;
        await org().send(
          new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: id, Name: "RenamedByHand" }),
        );
        await sendEvent(
          call("organizations", "UpdateOrganizationalUnit"),
          { organizationalUnitId: id, name: "RenamedByHand" },
          mgmt,
        );
      },
      repaired: async (o) => {
        const out = await org().send(
          new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: o.status?.ouId as string }),
        );
        return out.OrganizationalUnit?.Name === "EventsOu";
      },
    },
    {
      kind: "Account",
      // The member account the cases act in, adopted by id and kept in Root/Workloads.
      spec: () => ({ name: "events", accountId: account, ouPath: "Root/Workloads" }),
      change: async () => {
        await org().send(
          new MoveAccountCommand({
            AccountId: account,
            SourceParentId: workloads(),
            DestinationParentId: ctx.tree.rootId,
          }),
        );
        await sendEvent(
          call("organizations", "MoveAccount"),
          { accountId: account, sourceParentId: workloads(), destinationParentId: ctx.tree.rootId },
          mgmt,
        );
      },
      repaired: async () => {
        const parents = await org().send(new ListParentsCommand({ ChildId: account }));
        return parents.Parents?.[0]?.Id === workloads();
      },
    },
    {
      kind: "Organization",
      spec: () => ({ trustedAccess: [TRUSTED] }),
      // Someone switches off trusted access the spec lists (and orgguard enabled).
      change: async () => {
        await org().send(new DisableAWSServiceAccessCommand({ ServicePrincipal: TRUSTED }));
        await sendEvent(
          call("organizations", "DisableAWSServiceAccess"),
          { servicePrincipal: TRUSTED },
          mgmt,
        );
      },
      repaired: async () =>
        (
          (await org().send(new ListAWSServiceAccessForOrganizationCommand({}))).EnabledServicePrincipals ??
          []
        ).some((p) => p.ServicePrincipal === TRUSTED),
    },
    {
      kind: "ServiceControlPolicy",
      spec: () => ({ document: denyLeave, targets: [{ ouPath: "Root/Workloads" }] }),
      change: async (o) => {
        await org().send(new DetachPolicyCommand({ PolicyId: policyId(o), TargetId: workloads() }));
        await sendEvent(
          call("organizations", "DetachPolicy"),
          { policyId: policyId(o), targetId: workloads() },
          mgmt,
        );
      },
      repaired: async (o) => (await policyTargets(policyId(o), org())).includes(workloads()),
    },
    {
      kind: "ResourceControlPolicy",
      spec: () => ({ document: rcp("s3:*"), targets: [{ root: true }] }),
      change: async (o) => {
        await org().send(
          new UpdatePolicyCommand({ PolicyId: policyId(o), Content: JSON.stringify(rcp("sqs:*")) }),
        );
        await sendEvent(call("organizations", "UpdatePolicy"), { policyId: policyId(o) }, mgmt);
      },
      repaired: async (o) => {
        const content = (await org().send(new DescribePolicyCommand({ PolicyId: policyId(o) }))).Policy
          ?.Content;
        return JSON.parse(content ?? "{}").Statement?.[0]?.Action === "s3:*";
      },
    },
    {
      kind: "TagPolicy",
      spec: () => ({
        document: { tags: { costcenter: { tag_key: { "@@assign": "CostCenter" } } } },
        tags: { team: "platform" },
        targets: [{ ouPath: "Root/Workloads" }],
      }),
      change: async (o) => {
        await org().send(new UntagResourceCommand({ ResourceId: policyId(o), TagKeys: ["team"] }));
        await sendEvent(
          call("organizations", "UntagResource"),
          { resourceId: policyId(o), tagKeys: ["team"] },
          mgmt,
        );
      },
      repaired: async (o) => (await policyTags(policyId(o), org())).team === "platform",
    },
    {
      kind: "AIServicesOptOutPolicy",
      spec: () => ({
        document: { services: { default: { opt_out_policy: { "@@assign": "optOut" } } } },
        targets: [{ accountId: account }],
      }),
      change: async (o) => {
        await org().send(new DetachPolicyCommand({ PolicyId: policyId(o), TargetId: account }));
        await sendEvent(
          call("organizations", "DetachPolicy"),
          { policyId: policyId(o), targetId: account },
          mgmt,
        );
      },
      repaired: async (o) => (await policyTargets(policyId(o), org())).includes(account),
    },
    {
      kind: "PasswordPolicy",
      spec: () => ({ accountId: account }),
      change: async () => {
        await new IAMClient(awsClientConfig(member, endpoint)).send(
          new DeleteAccountPasswordPolicyCommand({}),
        );
        await sendEvent(call("iam", "DeleteAccountPasswordPolicy"), {}, { region: "us-east-1" });
      },
      repaired: () =>
        new IAMClient(awsClientConfig(member, endpoint)).send(new GetAccountPasswordPolicyCommand({})).then(
          () => true,
          () => false,
        ),
    },
    {
      kind: "PublicAccessBlock",
      spec: () => ({ accountId: account }),
      change: async () => {
        const off = {
          BlockPublicAcls: false,
          IgnorePublicAcls: false,
          BlockPublicPolicy: false,
          RestrictPublicBuckets: false,
        };
        await new S3ControlClient({ ...awsClientConfig(member, endpoint), region: "us-east-1" }).send(
          new PutPublicAccessBlockCommand({ AccountId: account, PublicAccessBlockConfiguration: off }),
        );
        await sendEvent(call("s3", "PutAccountPublicAccessBlock"), {}, { region: "us-east-1" });
      },
      repaired: async () => {
        const out = await new S3ControlClient({
          ...awsClientConfig(member, endpoint),
          region: "us-east-1",
        }).send(new GetPublicAccessBlockCommand({ AccountId: account }));
        return out.PublicAccessBlockConfiguration?.BlockPublicPolicy === true;
      },
    },
    {
      kind: "EbsEncryptionByDefault",
      spec: () => ({ accountId: account, regions: [REGION] }),
      change: async () => {
        await ec2().send(new DisableEbsEncryptionByDefaultCommand({}));
        await sendEvent(call("ec2", "DisableEbsEncryptionByDefault"), {}, { region: REGION });
      },
      repaired: async () =>
        (await ec2().send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault === true,
    },
    {
      kind: "InstanceMetadataDefaults",
      spec: () => ({ accountId: account, regions: [REGION] }),
      change: async () => {
        await ec2().send(new ModifyInstanceMetadataDefaultsCommand({ HttpTokens: "optional" }));
        await sendEvent(
          call("ec2", "ModifyInstanceMetadataDefaults"),
          { ModifyInstanceMetadataDefaultsRequest: { HttpTokens: "optional" } },
          { region: REGION },
        );
      },
      repaired: async () =>
        (await ec2().send(new GetInstanceMetadataDefaultsCommand({}))).AccountLevel?.HttpTokens ===
        "required",
    },
    {
      kind: "SnapshotBlockPublicAccess",
      spec: () => ({ accountId: account, regions: [REGION] }),
      confirmBeforeNextChange: true,
      change: async () => {
        await ec2().send(new DisableSnapshotBlockPublicAccessCommand({}));
        await sendEvent(call("ec2", "DisableSnapshotBlockPublicAccess"), {}, { region: REGION });
      },
      repaired: async () =>
        (await ec2().send(new GetSnapshotBlockPublicAccessStateCommand({}))).State === "block-all-sharing",
    },
    {
      kind: "ImageBlockPublicAccess",
      spec: () => ({ accountId: account, regions: [REGION] }),
      confirmBeforeNextChange: true,
      change: async () => {
        await ec2().send(new DisableImageBlockPublicAccessCommand({}));
        await sendEvent(call("ec2", "DisableImageBlockPublicAccess"), {}, { region: REGION });
      },
      repaired: async () =>
        (await ec2().send(new GetImageBlockPublicAccessStateCommand({}))).ImageBlockPublicAccessState ===
        "block-new-sharing",
    },
    {
      kind: "DefaultSecurityGroups",
      spec: () => ({ accountId: account, regions: [REGION] }),
      change: async () => {
        const group = await defaultGroupId();
        await ec2().send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: group,
            IpPermissions: [
              { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
            ],
          }),
        );
        await sendEvent(call("ec2", "AuthorizeSecurityGroupIngress"), { groupId: group }, { region: REGION });
      },
      repaired: async () => {
        const rules = await ec2().send(
          new DescribeSecurityGroupRulesCommand({
            Filters: [{ Name: "group-id", Values: [await defaultGroupId()] }],
          }),
        );
        return (rules.SecurityGroupRules ?? []).length === 0;
      },
    },
    {
      kind: "AlternateContacts",
      spec: () => ({
        accountId: account,
        security: {
          name: "Security",
          title: "Security team",
          emailAddress: "security@example.com",
          phoneNumber: "+1 206 555 0100",
        },
      }),
      change: async () => {
        await managementAccount().send(
          new DeleteAlternateContactCommand({ AccountId: account, AlternateContactType: "SECURITY" }),
        );
        await sendEvent(
          call("account", "DeleteAlternateContact"),
          { accountId: account, alternateContactType: "SECURITY" },
          mgmt,
        );
      },
      repaired: () =>
        managementAccount()
          .send(new GetAlternateContactCommand({ AccountId: account, AlternateContactType: "SECURITY" }))
          .then(
            () => true,
            () => false,
          ),
    },
    {
      kind: "ConfigRecorder",
      spec: () => ({
        accountId: account,
        regions: [REGION],
        globalResourcesRegion: REGION,
        deliveryBucket: { name: "org-config-logs" },
      }),
      change: async () => {
        await config().send(new StopConfigurationRecorderCommand({ ConfigurationRecorderName: "default" }));
        await sendEvent(
          call("config", "StopConfigurationRecorder"),
          { configurationRecorderName: "default" },
          { region: REGION },
        );
      },
      repaired: async () =>
        (await config().send(new DescribeConfigurationRecorderStatusCommand({})))
          .ConfigurationRecordersStatus?.[0]?.recording === true,
    },
    {
      kind: "NoDefaultVpc",
      spec: () => ({ accountId: account, regions: [REGION] }),
      // Someone re-creates the region's default VPC (the converged object deleted moto's).
      change: async () => {
        await ec2().send(new CreateDefaultVpcCommand({}));
        await sendEvent(call("ec2", "CreateDefaultVpc"), {}, { region: REGION });
      },
      repaired: async () =>
        (
          (await ec2().send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] })))
            .Vpcs ?? []
        ).length === 0,
    },
    {
      kind: "SecurityHubOrganization",
      prepare: () => trustedAccessFor("securityhub.amazonaws.com"),
      spec: () => ({
        administrator: { accountId: account },
        regions: [REGION],
        homeRegion: REGION,
        standards: [{ name: "cis-aws-foundations-benchmark", version: "5.0.0" }],
        disabledControls: [
          { control: "IAM.18", reason: "support cases are opened from the management account" },
        ],
      }),
      // The administrator enables IAM.18 again in orgguard's configuration policy.
      change: async (o) => {
        const id = o.status?.configurationPolicyId as string;
        const hub = securityHub();
        const policy = await hub.send(new GetConfigurationPolicyCommand({ Identifier: id }));
        await hub.send(
          new UpdateConfigurationPolicyCommand({
            Identifier: id,
            Name: policy.Name,
            ConfigurationPolicy: {
              SecurityHub: {
                ...policy.ConfigurationPolicy?.SecurityHub,
                SecurityControlsConfiguration: { DisabledSecurityControlIdentifiers: [] },
              },
            },
          }),
        );
        await sendEvent(
          call("securityhub", "UpdateConfigurationPolicy"),
          { identifier: id },
          { region: REGION },
        );
      },
      repaired: async (o) => {
        const id = o.status?.configurationPolicyId as string;
        const policy = await securityHub().send(new GetConfigurationPolicyCommand({ Identifier: id }));
        return (
          policy.ConfigurationPolicy?.SecurityHub?.SecurityControlsConfiguration
            ?.DisabledSecurityControlIdentifiers ?? []
        ).includes("IAM.18");
      },
    },
    {
      kind: "ConfigAggregator",
      prepare: () => trustedAccessFor("config.amazonaws.com"),
      spec: () => ({
        region: "us-east-1",
        roleArn: `arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:role/events-config-aggregator`,
      }),
      // Someone narrows the management account's aggregator to one region.
      change: async (o) => {
        await managementConfig().send(
          new PutConfigurationAggregatorCommand({
            ConfigurationAggregatorName: o.metadata.name,
            OrganizationAggregationSource: {
              RoleArn: `arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:role/events-config-aggregator`,
              AwsRegions: ["eu-west-1"],
            },
          }),
        );
        await sendEvent(
          call("config", "PutConfigurationAggregator"),
          { configurationAggregatorName: o.metadata.name },
          { inAccount: MANAGEMENT_ACCOUNT_ID, region: "us-east-1" },
        );
      },
      repaired: async (o) =>
        (
          await managementConfig().send(
            new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: [o.metadata.name] }),
          )
        ).ConfigurationAggregators?.[0]?.OrganizationAggregationSource?.AllAwsRegions === true,
    },
  ];
}
