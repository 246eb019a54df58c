/**
 * The AWS Security Hub (CSPM) calls the SecurityHubOrganization kind makes, in one account and one
 * region, as a narrow interface: the kind's decisions are tested in-process against fakes of it,
 * and against moto (hub, administrator, organization configuration, members) and SDK stubs (what
 * moto lacks) through the SDK implementation below. Errors are AWS's own; the kind decides what
 * they mean. Lists are whole (every page followed); batch calls are split to AWS's batch sizes.
 */
import type { SecurityHubClient, Target } from "@aws-sdk/client-securityhub";
import { awsErrorCode, required } from "../../aws/aws-errors.js";
import { securityHubSdk } from "../../aws/clients.js";

const SERVICE = "AWS Security Hub";
const need = <V>(value: V | null | undefined, what: string): V => required(value, what, SERVICE);

/** A Security Hub administrator as the management account lists it in a region. */
export interface AdminAccount {
  accountId: string;
  /** ENABLED, or DISABLE_IN_PROGRESS. */
  status: string;
}

/** The organization's configuration as the administrator reads it in a region. */
export interface OrganizationConfiguration {
  autoEnable: boolean;
  /** NONE or DEFAULT. */
  autoEnableStandards: string;
  /** CENTRAL or LOCAL. */
  configurationType: string;
  /** PENDING, ENABLED or FAILED (central configuration being switched on). */
  status: string;
  statusMessage?: string;
}

/** What UpdateOrganizationConfiguration is sent. */
export interface DesiredOrganizationConfiguration {
  autoEnable: boolean;
  autoEnableStandards: "NONE" | "DEFAULT";
  configurationType: "CENTRAL" | "LOCAL";
}

/** A standard Security Hub offers in a region (DescribeStandards). */
export interface StandardDefinition {
  arn: string;
  /** AWS's display name: "CIS AWS Foundations Benchmark v5.0.0". */
  name: string;
}

/** A standard enabled in an account (GetEnabledStandards). */
export interface StandardSubscription {
  standardsArn: string;
  subscriptionArn: string;
  /** PENDING, READY, INCOMPLETE, DELETING or FAILED. */
  status: string;
  statusReason?: string;
}

/** A control's status in one standard of an account. */
export interface ControlAssociation {
  standardsArn: string;
  control: string;
  status: "ENABLED" | "DISABLED";
  reason?: string;
}

/** A control association AWS did not process, and why (ErrorCode: INVALID_INPUT, NOT_FOUND, ...). */
export interface UnprocessedAssociation {
  standardsArn: string;
  control: string;
  errorCode: string;
  errorReason?: string;
}

/** A member account under the administrator (ListMembers). */
export interface Member {
  accountId: string;
  /** Enabled (AWS), or Created, Invited, Associated, Removed, Resigned, Deleted... */
  status: string;
}

/** An account CreateMembers did not make a member, and why. */
export interface UnprocessedAccount {
  accountId: string;
  result: string;
}

/** Cross-region aggregation of findings (one per administrator account). */
export interface FindingAggregator {
  arn: string;
  region: string;
  /** ALL_REGIONS, ALL_REGIONS_EXCEPT_SPECIFIED, SPECIFIED_REGIONS or NO_REGIONS. */
  regionLinkingMode: string;
  regions: string[];
}

export interface DesiredFindingAggregator {
  regionLinkingMode: "SPECIFIED_REGIONS" | "NO_REGIONS";
  regions: string[];
}

/** A configuration policy as ListConfigurationPolicies summarizes it. */
export interface PolicySummary {
  id: string;
  arn: string;
  name: string;
}

/** What a configuration policy of Security Hub holds (the parts orgguard keeps). */
export interface PolicyContent {
  serviceEnabled: boolean;
  /** Standards ARNs (of the home region). */
  standards: string[];
  /** Controls disabled (every other control enabled, new ones included). */
  disabledControls: string[];
  /** Set when the policy lists enabled controls instead, or custom parameters: not orgguard's form. */
  otherControlSettings?: string;
}

export interface ConfigurationPolicy extends PolicySummary {
  description: string;
  content: PolicyContent;
}

/** Where a configuration policy applies. */
export interface PolicyTarget {
  type: "ROOT" | "ORGANIZATIONAL_UNIT";
  id: string;
}

/** What AWS has associated with a target (GetConfigurationPolicyAssociation). */
export interface PolicyAssociation {
  /** A policy id, or SELF_MANAGED_SECURITY_HUB. */
  policyId: string;
  /** APPLIED (directly) or INHERITED (from a parent). */
  associationType: string;
  /** PENDING, SUCCESS or FAILED. */
  status: string;
  statusMessage?: string;
}

/** Every Security Hub call of the kind, in one account and region. */
export interface SecurityHubApi {
  /** ListOrganizationAdminAccounts (management account). */
  adminAccounts(): Promise<AdminAccount[]>;
  /** EnableOrganizationAdminAccount (management account). */
  designate(accountId: string): Promise<void>;
  /** Whether the account is subscribed to Security Hub here (DescribeHub; not subscribed: false). */
  hubEnabled(): Promise<boolean>;
  /** EnableSecurityHub, without AWS's default standards, with consolidated control findings. */
  enableHub(): Promise<void>;
  organizationConfiguration(): Promise<OrganizationConfiguration>;
  updateOrganizationConfiguration(configuration: DesiredOrganizationConfiguration): Promise<void>;
  /** DescribeStandards: what Security Hub offers in this region. */
  standards(): Promise<StandardDefinition[]>;
  /** GetEnabledStandards. */
  enabledStandards(): Promise<StandardSubscription[]>;
  /** BatchEnableStandards. */
  enableStandards(standardsArns: string[]): Promise<void>;
  /** The security control ids of a standard (ListSecurityControlDefinitions). */
  controlDefinitions(standardsArn: string): Promise<string[]>;
  /** BatchGetStandardsControlAssociations of `controls` in one standard. */
  controlAssociations(
    standardsArn: string,
    controls: string[],
  ): Promise<{ associations: ControlAssociation[]; unprocessed: UnprocessedAssociation[] }>;
  /** BatchUpdateStandardsControlAssociations: what AWS did not process. */
  updateControlAssociations(updates: ControlAssociation[]): Promise<UnprocessedAssociation[]>;
  /** ListMembers, every member whatever its status. */
  members(): Promise<Member[]>;
  /** CreateMembers of organization accounts: what AWS did not process. */
  createMembers(accountIds: string[]): Promise<UnprocessedAccount[]>;
  /** The account's finding aggregator, if any (ListFindingAggregators, GetFindingAggregator). */
  findingAggregator(): Promise<FindingAggregator | undefined>;
  createFindingAggregator(aggregator: DesiredFindingAggregator): Promise<void>;
  updateFindingAggregator(arn: string, aggregator: DesiredFindingAggregator): Promise<void>;
  configurationPolicies(): Promise<PolicySummary[]>;
  /** GetConfigurationPolicy; AWS's ResourceNotFoundException when it is gone. */
  configurationPolicy(id: string): Promise<ConfigurationPolicy>;
  tagsOf(arn: string): Promise<Record<string, string>>;
  createConfigurationPolicy(
    policy: { name: string; description: string; content: PolicyContent },
    tags: Record<string, string>,
  ): Promise<PolicySummary>;
  updateConfigurationPolicy(
    id: string,
    policy: { name: string; description: string; content: PolicyContent },
  ): Promise<void>;
  deleteConfigurationPolicy(id: string): Promise<void>;
  association(target: PolicyTarget): Promise<PolicyAssociation>;
  associate(policyId: string, target: PolicyTarget): Promise<void>;
  disassociate(policyId: string, target: PolicyTarget): Promise<void>;
}

/** AWS's batch sizes: control associations and members per call. */
const ASSOCIATION_BATCH = 100;
const MEMBER_BATCH = 50;

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

const sdkTarget = (target: PolicyTarget): Target =>
  target.type === "ROOT" ? { RootId: target.id } : { OrganizationalUnitId: target.id };

/** The SDK's policy union, from what orgguard keeps. */
function sdkPolicy(content: PolicyContent) {
  return {
    SecurityHub: {
      ServiceEnabled: content.serviceEnabled,
      EnabledStandardIdentifiers: content.standards,
      SecurityControlsConfiguration: { DisabledSecurityControlIdentifiers: content.disabledControls },
    },
  };
}

interface SdkControlsConfiguration {
  EnabledSecurityControlIdentifiers?: string[] | undefined;
  DisabledSecurityControlIdentifiers?: string[] | undefined;
  SecurityControlCustomParameters?: unknown[] | undefined;
}

/** What a policy holds besides a list of disabled controls, said in words (orgguard sends none of it). */
function otherControlSettings(controls: SdkControlsConfiguration | undefined): string | undefined {
  const parts = [
    ...(controls?.EnabledSecurityControlIdentifiers !== undefined
      ? [`a list of ${controls.EnabledSecurityControlIdentifiers.length} enabled controls`]
      : []),
    ...((controls?.SecurityControlCustomParameters ?? []).length > 0
      ? [`custom parameters for ${controls?.SecurityControlCustomParameters?.length} controls`]
      : []),
  ];
  return parts.length > 0 ? parts.join(" and ") : undefined;
}

/** Security Hub answers "not subscribed" with InvalidAccessException. */
const notSubscribed = (err: unknown): boolean => awsErrorCode(err) === "InvalidAccessException";

/** The SecurityHubApi of a Security Hub SDK client (one account and region, bound to a deadline by its caller). */
export function sdkSecurityHubApi(hub: SecurityHubClient): SecurityHubApi {
  return {
    async adminAccounts() {
      const { paginateListOrganizationAdminAccounts } = await securityHubSdk();
      const admins: AdminAccount[] = [];
      for await (const page of paginateListOrganizationAdminAccounts({ client: hub }, {})) {
        for (const a of page.AdminAccounts ?? []) {
          admins.push({
            accountId: need(a.AccountId, "an administrator's account id"),
            status: a.Status ?? "ENABLED",
          });
        }
      }
      return admins;
    },
    async designate(accountId) {
      const { EnableOrganizationAdminAccountCommand } = await securityHubSdk();
      await hub.send(new EnableOrganizationAdminAccountCommand({ AdminAccountId: accountId }));
    },
    async hubEnabled() {
      const { DescribeHubCommand } = await securityHubSdk();
      try {
        await hub.send(new DescribeHubCommand({}));
        return true;
      } catch (err) {
        if (notSubscribed(err)) return false;
        throw err;
      }
    },
    async enableHub() {
      const { EnableSecurityHubCommand } = await securityHubSdk();
      await hub.send(
        new EnableSecurityHubCommand({
          EnableDefaultStandards: false,
          ControlFindingGenerator: "SECURITY_CONTROL",
        }),
      );
    },
    async organizationConfiguration() {
      const { DescribeOrganizationConfigurationCommand } = await securityHubSdk();
      const out = await hub.send(new DescribeOrganizationConfigurationCommand({}));
      const configuration = out.OrganizationConfiguration;
      return {
        autoEnable: out.AutoEnable === true,
        autoEnableStandards: out.AutoEnableStandards ?? "DEFAULT",
        configurationType: configuration?.ConfigurationType ?? "LOCAL",
        status: configuration?.Status ?? "ENABLED",
        ...(configuration?.StatusMessage ? { statusMessage: configuration.StatusMessage } : {}),
      };
    },
    async updateOrganizationConfiguration(c) {
      const { UpdateOrganizationConfigurationCommand } = await securityHubSdk();
      await hub.send(
        new UpdateOrganizationConfigurationCommand({
          AutoEnable: c.autoEnable,
          AutoEnableStandards: c.autoEnableStandards,
          OrganizationConfiguration: { ConfigurationType: c.configurationType },
        }),
      );
    },
    async standards() {
      const { paginateDescribeStandards } = await securityHubSdk();
      const standards: StandardDefinition[] = [];
      for await (const page of paginateDescribeStandards({ client: hub }, {})) {
        for (const s of page.Standards ?? []) {
          const arn = need(s.StandardsArn, "a standard's ARN");
          standards.push({ arn, name: s.Name ?? arn });
        }
      }
      return standards;
    },
    async enabledStandards() {
      const { paginateGetEnabledStandards } = await securityHubSdk();
      const subscriptions: StandardSubscription[] = [];
      for await (const page of paginateGetEnabledStandards({ client: hub }, {})) {
        for (const s of page.StandardsSubscriptions ?? []) {
          const reason = s.StandardsStatusReason?.StatusReasonCode;
          subscriptions.push({
            standardsArn: need(s.StandardsArn, "an enabled standard's ARN"),
            subscriptionArn: need(s.StandardsSubscriptionArn, "a standards subscription's ARN"),
            status: s.StandardsStatus ?? "READY",
            ...(reason ? { statusReason: reason } : {}),
          });
        }
      }
      return subscriptions;
    },
    async enableStandards(standardsArns) {
      const { BatchEnableStandardsCommand } = await securityHubSdk();
      await hub.send(
        new BatchEnableStandardsCommand({
          StandardsSubscriptionRequests: standardsArns.map((StandardsArn) => ({ StandardsArn })),
        }),
      );
    },
    async controlDefinitions(standardsArn) {
      const { paginateListSecurityControlDefinitions } = await securityHubSdk();
      const controls: string[] = [];
      for await (const page of paginateListSecurityControlDefinitions(
        { client: hub },
        { StandardsArn: standardsArn },
      )) {
        for (const d of page.SecurityControlDefinitions ?? []) {
          controls.push(need(d.SecurityControlId, "a security control's id"));
        }
      }
      return controls;
    },
    async controlAssociations(standardsArn, controls) {
      const { BatchGetStandardsControlAssociationsCommand } = await securityHubSdk();
      const associations: ControlAssociation[] = [];
      const unprocessed: UnprocessedAssociation[] = [];
      for (const batch of chunks(controls, ASSOCIATION_BATCH)) {
        const out = await hub.send(
          new BatchGetStandardsControlAssociationsCommand({
            StandardsControlAssociationIds: batch.map((SecurityControlId) => ({
              SecurityControlId,
              StandardsArn: standardsArn,
            })),
          }),
        );
        for (const a of out.StandardsControlAssociationDetails ?? []) {
          associations.push({
            standardsArn: need(a.StandardsArn, "an association's standard"),
            control: need(a.SecurityControlId, "an association's control"),
            status: a.AssociationStatus === "DISABLED" ? "DISABLED" : "ENABLED",
            ...(a.UpdatedReason ? { reason: a.UpdatedReason } : {}),
          });
        }
        for (const u of out.UnprocessedAssociations ?? []) {
          unprocessed.push({
            standardsArn: u.StandardsControlAssociationId?.StandardsArn ?? standardsArn,
            control: u.StandardsControlAssociationId?.SecurityControlId ?? "",
            errorCode: u.ErrorCode ?? "UNKNOWN",
            ...(u.ErrorReason ? { errorReason: u.ErrorReason } : {}),
          });
        }
      }
      return { associations, unprocessed };
    },
    async updateControlAssociations(updates) {
      const { BatchUpdateStandardsControlAssociationsCommand } = await securityHubSdk();
      const unprocessed: UnprocessedAssociation[] = [];
      for (const batch of chunks(updates, ASSOCIATION_BATCH)) {
        const out = await hub.send(
          new BatchUpdateStandardsControlAssociationsCommand({
            StandardsControlAssociationUpdates: batch.map((u) => ({
              StandardsArn: u.standardsArn,
              SecurityControlId: u.control,
              AssociationStatus: u.status,
              ...(u.reason !== undefined ? { UpdatedReason: u.reason } : {}),
            })),
          }),
        );
        for (const u of out.UnprocessedAssociationUpdates ?? []) {
          unprocessed.push({
            standardsArn: u.StandardsControlAssociationUpdate?.StandardsArn ?? "",
            control: u.StandardsControlAssociationUpdate?.SecurityControlId ?? "",
            errorCode: u.ErrorCode ?? "UNKNOWN",
            ...(u.ErrorReason ? { errorReason: u.ErrorReason } : {}),
          });
        }
      }
      return unprocessed;
    },
    async members() {
      const { paginateListMembers } = await securityHubSdk();
      const members: Member[] = [];
      for await (const page of paginateListMembers({ client: hub }, { OnlyAssociated: false })) {
        for (const m of page.Members ?? []) {
          members.push({
            accountId: need(m.AccountId, "a member's account id"),
            status: m.MemberStatus ?? "",
          });
        }
      }
      return members;
    },
    async createMembers(accountIds) {
      const { CreateMembersCommand } = await securityHubSdk();
      const unprocessed: UnprocessedAccount[] = [];
      for (const batch of chunks(accountIds, MEMBER_BATCH)) {
        const out = await hub.send(
          new CreateMembersCommand({ AccountDetails: batch.map((AccountId) => ({ AccountId })) }),
        );
        for (const u of out.UnprocessedAccounts ?? []) {
          unprocessed.push({ accountId: u.AccountId ?? "", result: u.ProcessingResult ?? "" });
        }
      }
      return unprocessed;
    },
    async findingAggregator() {
      const { GetFindingAggregatorCommand, paginateListFindingAggregators } = await securityHubSdk();
      for await (const page of paginateListFindingAggregators({ client: hub }, {})) {
        const arn = page.FindingAggregators?.[0]?.FindingAggregatorArn;
        if (!arn) continue;
        const out = await hub.send(new GetFindingAggregatorCommand({ FindingAggregatorArn: arn }));
        return {
          arn,
          region: need(out.FindingAggregationRegion, "the aggregation region"),
          regionLinkingMode: need(out.RegionLinkingMode, "the region linking mode"),
          regions: out.Regions ?? [],
        };
      }
      return undefined;
    },
    async createFindingAggregator({ regionLinkingMode, regions }) {
      const { CreateFindingAggregatorCommand } = await securityHubSdk();
      await hub.send(
        new CreateFindingAggregatorCommand({
          RegionLinkingMode: regionLinkingMode,
          ...(regionLinkingMode === "SPECIFIED_REGIONS" ? { Regions: regions } : {}),
        }),
      );
    },
    async updateFindingAggregator(arn, { regionLinkingMode, regions }) {
      const { UpdateFindingAggregatorCommand } = await securityHubSdk();
      await hub.send(
        new UpdateFindingAggregatorCommand({
          FindingAggregatorArn: arn,
          RegionLinkingMode: regionLinkingMode,
          ...(regionLinkingMode === "SPECIFIED_REGIONS" ? { Regions: regions } : {}),
        }),
      );
    },
    async configurationPolicies() {
      const { paginateListConfigurationPolicies } = await securityHubSdk();
      const policies: PolicySummary[] = [];
      for await (const page of paginateListConfigurationPolicies({ client: hub }, {})) {
        for (const p of page.ConfigurationPolicySummaries ?? []) {
          policies.push({
            id: need(p.Id, "a configuration policy's id"),
            arn: need(p.Arn, "a configuration policy's ARN"),
            name: p.Name ?? "",
          });
        }
      }
      return policies;
    },
    async configurationPolicy(id) {
      const { GetConfigurationPolicyCommand } = await securityHubSdk();
      const out = await hub.send(new GetConfigurationPolicyCommand({ Identifier: id }));
      const securityHub = out.ConfigurationPolicy?.SecurityHub;
      const controls = securityHub?.SecurityControlsConfiguration;
      const other = otherControlSettings(controls);
      return {
        id: need(out.Id, "the configuration policy's id"),
        arn: need(out.Arn, "the configuration policy's ARN"),
        name: out.Name ?? "",
        description: out.Description ?? "",
        content: {
          serviceEnabled: securityHub?.ServiceEnabled === true,
          standards: securityHub?.EnabledStandardIdentifiers ?? [],
          disabledControls: controls?.DisabledSecurityControlIdentifiers ?? [],
          ...(other ? { otherControlSettings: other } : {}),
        },
      };
    },
    async tagsOf(arn) {
      const { ListTagsForResourceCommand } = await securityHubSdk();
      return (await hub.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? {};
    },
    async createConfigurationPolicy({ name, description, content }, tags) {
      const { CreateConfigurationPolicyCommand } = await securityHubSdk();
      const out = await hub.send(
        new CreateConfigurationPolicyCommand({
          Name: name,
          Description: description,
          ConfigurationPolicy: sdkPolicy(content),
          Tags: tags,
        }),
      );
      return {
        id: need(out.Id, "the new configuration policy's id"),
        arn: need(out.Arn, "the new configuration policy's ARN"),
        name,
      };
    },
    async updateConfigurationPolicy(id, { name, description, content }) {
      const { UpdateConfigurationPolicyCommand } = await securityHubSdk();
      await hub.send(
        new UpdateConfigurationPolicyCommand({
          Identifier: id,
          Name: name,
          Description: description,
          ConfigurationPolicy: sdkPolicy(content),
        }),
      );
    },
    async deleteConfigurationPolicy(id) {
      const { DeleteConfigurationPolicyCommand } = await securityHubSdk();
      await hub.send(new DeleteConfigurationPolicyCommand({ Identifier: id }));
    },
    async association(target) {
      const { GetConfigurationPolicyAssociationCommand } = await securityHubSdk();
      const out = await hub.send(new GetConfigurationPolicyAssociationCommand({ Target: sdkTarget(target) }));
      return {
        policyId: out.ConfigurationPolicyId ?? "SELF_MANAGED_SECURITY_HUB",
        associationType: out.AssociationType ?? "APPLIED",
        status: out.AssociationStatus ?? "SUCCESS",
        ...(out.AssociationStatusMessage ? { statusMessage: out.AssociationStatusMessage } : {}),
      };
    },
    async associate(policyId, target) {
      const { StartConfigurationPolicyAssociationCommand } = await securityHubSdk();
      await hub.send(
        new StartConfigurationPolicyAssociationCommand({
          ConfigurationPolicyIdentifier: policyId,
          Target: sdkTarget(target),
        }),
      );
    },
    async disassociate(policyId, target) {
      const { StartConfigurationPolicyDisassociationCommand } = await securityHubSdk();
      await hub.send(
        new StartConfigurationPolicyDisassociationCommand({
          ConfigurationPolicyIdentifier: policyId,
          Target: sdkTarget(target),
        }),
      );
    },
  };
}
