/**
 * One out-of-band change per kind, with the CloudTrail event that reports it and a check that it
 * is repaired: shared by test/integration/events.test.ts and bench/events.ts.
 */
import {
  AccountClient,
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
} from "@aws-sdk/client-account";
import { CloudTrailClient, GetTrailStatusCommand, StopLoggingCommand } from "@aws-sdk/client-cloudtrail";
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
  GuardDutyClient,
  ListDetectorsCommand,
  ListMembersCommand,
  StopMonitoringMembersCommand,
} from "@aws-sdk/client-guardduty";
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  DeleteAccountPasswordPolicyCommand,
  DetachRolePolicyCommand,
  GetAccountPasswordPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListAttachedRolePoliciesCommand,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateUserCommand as CreateIdentityStoreUserCommand,
  GetUserIdCommand,
  IdentitystoreClient,
} from "@aws-sdk/client-identitystore";
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
import {
  CreatePermissionSetCommand,
  DeleteAccountAssignmentCommand,
  DescribePermissionSetCommand,
  ListAccountAssignmentsCommand,
  ListInstancesCommand,
  ListPermissionSetsCommand,
  SSOAdminClient,
  UpdatePermissionSetCommand,
} from "@aws-sdk/client-sso-admin";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { ApiCallName } from "../../src/aws/api-call-events.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import {
  awsClientConfig,
  createBucket,
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
  spec: () => Record<string, unknown>;
  /**
   * What AWS must hold before the object is created: something the spec names and orgguard never
   * makes (an organization trail's bucket, an IAM user with a key, trusted access for its service).
   */
  prepare?(): Promise<void>;
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
/** The organization trail the OrganizationTrail case keeps, and its bucket (in the log archive account in AWS). */
const TRAIL = "events-organization-trail";
const TRAIL_BUCKET = "events-org-cloudtrail-logs";
/** What the IncidentRoles case's support role keeps attached. */
const SUPPORT_POLICY = "arn:aws:iam::aws:policy/AWSSupportAccess";
/** The permission set the IdentityCenterSessionLength case keeps at 10 hours. */
const EVENTS_PERMISSION_SET = "EventsAdmin";
/** The IAM user the IamCredentials case gives a key. */
const EVENTS_USER = "events-key-holder";
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
  "OrganizationTrail",
  "GuardDutyOrganization",
  "IamCredentials",
  "IdentityCenterSessionLength",
  "TemporaryAccess",
  "IncidentRoles",
  // Against the test environment's emulation of what moto lacks (test/env/moto_security_hub.py).
  "SecurityHubOrganization",
  "ConfigAggregator",
] as const;

/**
 * Kinds that hear API call events but have no case here, each with the reason (moto lacks the API
 * the case would change). test/unit/kind-lists.test.ts checks the two lists cover every such kind.
 */
export const NO_EVENT_CASE: Readonly<Record<string, string>> = {
  CentralizedRootAccess:
    "moto has none of IAM's organization features (ListOrganizationsFeatures, EnableOrganizationsRoot*) and refuses trusted access for iam.amazonaws.com: tested with SDK stubs (test/integration/centralized-root-access-stubs.test.ts)",
};

/** One case per kind (AccountBaseline's children are these kinds' objects). */
export function eventCases(ctx: EventCaseContext): EventCase[] {
  const { account, member, endpoint, sendEvent } = ctx;
  const REGION = ctx.region;
  const call = apiCall;
  const org = () => new OrganizationsClient(awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint));
  const ec2 = () => new EC2Client({ ...awsClientConfig(member, endpoint), region: REGION });
  const config = () => new ConfigServiceClient({ ...awsClientConfig(member, endpoint), region: REGION });
  const cloudtrail = () =>
    new CloudTrailClient({ ...awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint), region: "us-east-1" });
  const guardduty = () => new GuardDutyClient({ ...awsClientConfig(member, endpoint), region: REGION });
  async function detectorId(): Promise<string> {
    const [id] = (await guardduty().send(new ListDetectorsCommand({}))).DetectorIds ?? [];
    if (!id) throw new Error(`no GuardDuty detector in ${account} in ${REGION}`);
    return id;
  }
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
  const sso = () =>
    new SSOAdminClient({ ...awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint), region: "us-east-1" });
  const identityStore = () =>
    new IdentitystoreClient({ ...awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint), region: "us-east-1" });
  /** The events case's Identity Center user, if made. */
  async function eventsUserId(): Promise<string | undefined> {
    const store = (await sso().send(new ListInstancesCommand({}))).Instances?.[0]?.IdentityStoreId;
    return identityStore()
      .send(
        new GetUserIdCommand({
          IdentityStoreId: store,
          AlternateIdentifier: {
            UniqueAttribute: { AttributePath: "userName", AttributeValue: EVENTS_USER },
          },
        }),
      )
      .then(
        (out) => out.UserId,
        () => undefined,
      );
  }
  /** The management account's Identity Center instance and the events case's permission set, if made. */
  async function eventsPermissionSet(): Promise<{ instance: string; arn: string | undefined }> {
    const instance = (await sso().send(new ListInstancesCommand({}))).Instances?.[0]?.InstanceArn ?? "";
    const arns =
      (await sso().send(new ListPermissionSetsCommand({ InstanceArn: instance }))).PermissionSets ?? [];
    for (const arn of arns) {
      const out = await sso().send(
        new DescribePermissionSetCommand({ InstanceArn: instance, PermissionSetArn: arn }),
      );
      if (out.PermissionSet?.Name === EVENTS_PERMISSION_SET) return { instance, arn };
    }
    return { instance, arn: undefined };
  }
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
      kind: "IamCredentials",
      // Enforce with 0-day limits (moto cannot backdate a key): any active key is past them.
      spec: () => ({
        accountId: account,
        managementPolicy: "Enforce",
        maxAccessKeyAgeDays: 0,
        maxUnusedDays: 0,
      }),
      // Someone gives a user a key (the first time), or activates the key orgguard deactivated.
      // In AWS a brand-new key shows in the credential report only once IAM regenerates it (up to
      // 4 hours): moto's report is always current, so the first change only works here.
      change: async () => {
        const iam = new IAMClient(awsClientConfig(member, endpoint));
        const keys = await iam
          .send(new ListAccessKeysCommand({ UserName: EVENTS_USER }))
          .then((out) => out.AccessKeyMetadata ?? [])
          .catch(() => undefined);
        if (!keys) await iam.send(new CreateUserCommand({ UserName: EVENTS_USER }));
        const key = keys?.[0]?.AccessKeyId;
        if (key) {
          await iam.send(
            new UpdateAccessKeyCommand({ UserName: EVENTS_USER, AccessKeyId: key, Status: "Active" }),
          );
          await sendEvent(
            call("iam", "UpdateAccessKey"),
            { userName: EVENTS_USER, status: "Active" },
            { region: "us-east-1" },
          );
        } else {
          await iam.send(new CreateAccessKeyCommand({ UserName: EVENTS_USER }));
          await sendEvent(call("iam", "CreateAccessKey"), { userName: EVENTS_USER }, { region: "us-east-1" });
        }
      },
      repaired: async () => {
        const out = await new IAMClient(awsClientConfig(member, endpoint)).send(
          new ListAccessKeysCommand({ UserName: EVENTS_USER }),
        );
        const keys = out.AccessKeyMetadata ?? [];
        return keys.length > 0 && keys.every((k) => k.Status === "Inactive");
      },
    },
    {
      kind: "IdentityCenterSessionLength",
      spec: () => ({ permissionSets: [EVENTS_PERMISSION_SET] }),
      // A permission set with 10 hours, made before the object names it (orgguard never makes one).
      prepare: async () => {
        const { instance, arn } = await eventsPermissionSet();
        if (!arn) {
          await sso().send(
            new CreatePermissionSetCommand({
              InstanceArn: instance,
              Name: EVENTS_PERMISSION_SET,
              SessionDuration: "PT10H",
            }),
          );
        }
      },
      // Someone gives its sessions 12 hours.
      change: async () => {
        const { instance, arn } = await eventsPermissionSet();
        await sso().send(
          new UpdatePermissionSetCommand({
            InstanceArn: instance,
            PermissionSetArn: arn,
            SessionDuration: "PT12H",
          }),
        );
        await sendEvent(
          call("sso", "UpdatePermissionSet"),
          { instanceArn: instance, permissionSetArn: arn, sessionDuration: "PT12H" },
          { inAccount: MANAGEMENT_ACCOUNT_ID, region: "us-east-1" },
        );
      },
      repaired: async () => {
        const { instance, arn } = await eventsPermissionSet();
        const out = await sso().send(
          new DescribePermissionSetCommand({ InstanceArn: instance, PermissionSetArn: arn }),
        );
        return out.PermissionSet?.SessionDuration === "PT10H";
      },
    },
    {
      kind: "TemporaryAccess",
      // A day of the events case's permission set for a user (made before the object names them).
      spec: () => ({
        permissionSet: EVENTS_PERMISSION_SET,
        principal: { userName: EVENTS_USER },
        accounts: [account],
        expiresAt: new Date(Date.now() + 24 * 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
        reason: "events case",
      }),
      prepare: async () => {
        const { instance, arn } = await eventsPermissionSet();
        if (!arn) {
          await sso().send(
            new CreatePermissionSetCommand({
              InstanceArn: instance,
              Name: EVENTS_PERMISSION_SET,
              SessionDuration: "PT10H",
            }),
          );
        }
        if (!(await eventsUserId())) {
          const store = (await sso().send(new ListInstancesCommand({}))).Instances?.[0]?.IdentityStoreId;
          await identityStore().send(
            new CreateIdentityStoreUserCommand({
              IdentityStoreId: store,
              UserName: EVENTS_USER,
              DisplayName: EVENTS_USER,
              Name: { GivenName: "E", FamilyName: "U" },
            }),
          );
        }
      },
      // Someone removes the assignment before its time.
      change: async () => {
        const { instance, arn } = await eventsPermissionSet();
        const target = {
          InstanceArn: instance,
          PermissionSetArn: arn,
          PrincipalType: "USER" as const,
          PrincipalId: await eventsUserId(),
          TargetType: "AWS_ACCOUNT" as const,
          TargetId: account,
        };
        await sso().send(new DeleteAccountAssignmentCommand(target));
        await sendEvent(
          call("sso", "DeleteAccountAssignment"),
          { instanceArn: instance, permissionSetArn: arn, targetId: account, targetType: "AWS_ACCOUNT" },
          { inAccount: MANAGEMENT_ACCOUNT_ID, region: "us-east-1" },
        );
      },
      repaired: async () => {
        const { instance, arn } = await eventsPermissionSet();
        const out = await sso().send(
          new ListAccountAssignmentsCommand({
            InstanceArn: instance,
            AccountId: account,
            PermissionSetArn: arn,
          }),
        );
        const user = await eventsUserId();
        return (out.AccountAssignments ?? []).some((a) => a.PrincipalId === user);
      },
    },
    {
      kind: "IncidentRoles",
      spec: () => ({
        accountId: account,
        trustedPrincipal: `arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:role/IncidentResponders`,
      }),
      // Someone detaches AWSSupportAccess from the support role.
      change: async () => {
        await new IAMClient(awsClientConfig(member, endpoint)).send(
          new DetachRolePolicyCommand({ RoleName: "incident-support", PolicyArn: SUPPORT_POLICY }),
        );
        await sendEvent(
          call("iam", "DetachRolePolicy"),
          { roleName: "incident-support", policyArn: SUPPORT_POLICY },
          { region: "us-east-1" },
        );
      },
      repaired: async () =>
        (
          (
            await new IAMClient(awsClientConfig(member, endpoint)).send(
              new ListAttachedRolePoliciesCommand({ RoleName: "incident-support" }),
            )
          ).AttachedPolicies ?? []
        ).some((p) => p.PolicyArn === SUPPORT_POLICY),
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
      kind: "OrganizationTrail",
      // The bucket is the user's (orgguard never makes it); an organization trail needs trusted access.
      prepare: async () => {
        await createBucket(TRAIL_BUCKET, endpoint);
        await org().send(new EnableAWSServiceAccessCommand({ ServicePrincipal: "cloudtrail.amazonaws.com" }));
      },
      spec: () => ({ trailName: TRAIL, homeRegion: "us-east-1", s3Bucket: { name: TRAIL_BUCKET } }),
      // Someone stops the organization trail (the first step of covering one's tracks).
      change: async () => {
        await cloudtrail().send(new StopLoggingCommand({ Name: TRAIL }));
        await sendEvent(
          call("cloudtrail", "StopLogging"),
          { name: `arn:aws:cloudtrail:us-east-1:${MANAGEMENT_ACCOUNT_ID}:trail/${TRAIL}` },
          mgmt,
        );
      },
      repaired: async () =>
        (await cloudtrail().send(new GetTrailStatusCommand({ Name: TRAIL }))).IsLogging === true,
    },
    {
      // The member account administers GuardDuty; the management account is its one member. The
      // organization configuration and members are the test environment's emulation
      // (test/env/moto_guardduty_organization.py: moto lacks them).
      kind: "GuardDutyOrganization",
      spec: () => ({ administrator: { accountId: account }, regions: [REGION] }),
      // Someone stops GuardDuty for a member account (StopMonitoringMembers, from the administrator).
      change: async () => {
        const id = await detectorId();
        await guardduty().send(
          new StopMonitoringMembersCommand({ DetectorId: id, AccountIds: [MANAGEMENT_ACCOUNT_ID] }),
        );
        await sendEvent(
          call("guardduty", "StopMonitoringMembers"),
          { detectorId: id, accountIds: [MANAGEMENT_ACCOUNT_ID] },
          { region: REGION },
        );
      },
      repaired: async () => {
        const members = await guardduty().send(
          new ListMembersCommand({ DetectorId: await detectorId(), OnlyAssociated: "false" }),
        );
        return (
          members.Members?.find((m) => m.AccountId === MANAGEMENT_ACCOUNT_ID)?.RelationshipStatus ===
          "Enabled"
        );
      },
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
