/**
 * What moto 5.2.5 lacks of AWS Security Hub (CSPM), answered as the Security Hub API reference
 * documents it: ListOrganizationAdminAccounts, the standards (DescribeStandards, GetEnabledStandards,
 * BatchEnableStandards), the controls (ListSecurityControlDefinitions and the standards control
 * associations), the finding aggregator and central configuration's policies and associations.
 * One model per test file, kept per account and region; installed as SDK-level stubs
 * (test/support/aws-faults.ts) on the very clients the controller uses, each answer named "stub"
 * in the tests. `stubbedSecurityHubClient` answers every operation from the model (moto's included:
 * hub, organization configuration, members) for in-process tests without moto.
 *
 * Its catalogue is a subset of AWS's: the standards AWS offers (names, versions, ARN forms: the
 * region-less ruleset ARN of CIS v1.2.0) and, per standard, a few of its real security control ids.
 */
import {
  InvalidAccessException,
  InvalidInputException,
  ResourceConflictException,
  ResourceNotFoundException,
  SecurityHubClient,
  ValidationException,
} from "@aws-sdk/client-securityhub";
import { awsException, type Fault, injectFaults } from "./aws-faults.js";

/** The standards of the catalogue: [name, version, AWS's display name, some of its controls]. */
const CATALOGUE: Array<[string, string, string, string[]]> = [
  [
    "aws-foundational-security-best-practices",
    "1.0.0",
    "AWS Foundational Security Best Practices v1.0.0",
    [
      "Account.1",
      "CloudTrail.1",
      "Config.1",
      "EC2.2",
      "EC2.7",
      "EC2.8",
      "EC2.10",
      "IAM.6",
      "S3.1",
      "S3.5",
      "SSM.1",
    ],
  ],
  [
    "cis-aws-foundations-benchmark",
    "1.2.0",
    "CIS AWS Foundations Benchmark v1.2.0",
    [
      "CloudTrail.1",
      "CloudTrail.2",
      "CloudWatch.1",
      "Config.1",
      "EC2.2",
      "IAM.3",
      "IAM.4",
      "IAM.9",
      "IAM.18",
    ],
  ],
  [
    "cis-aws-foundations-benchmark",
    "3.0.0",
    "CIS AWS Foundations Benchmark v3.0.0",
    [
      "CloudTrail.1",
      "CloudTrail.2",
      "Config.1",
      "EC2.2",
      "EC2.7",
      "IAM.3",
      "IAM.4",
      "IAM.6",
      "IAM.9",
      "IAM.18",
      "IAM.28",
      "S3.1",
      "S3.5",
    ],
  ],
  [
    "cis-aws-foundations-benchmark",
    "5.0.0",
    "CIS AWS Foundations Benchmark v5.0.0",
    [
      "CloudTrail.1",
      "CloudTrail.2",
      "Config.1",
      "EC2.2",
      "EC2.7",
      "EC2.8",
      "IAM.3",
      "IAM.4",
      "IAM.6",
      "IAM.9",
      "IAM.18",
      "IAM.28",
      "KMS.4",
      "S3.1",
      "S3.5",
    ],
  ],
  ["pci-dss", "3.2.1", "PCI DSS v3.2.1", ["CloudTrail.2", "Config.1", "EC2.2", "IAM.4", "S3.1", "S3.5"]],
  [
    "pci-dss",
    "4.0.1",
    "PCI DSS v4.0.1",
    ["CloudTrail.2", "Config.1", "EC2.2", "GuardDuty.1", "IAM.4", "IAM.9", "KMS.4", "S3.1", "S3.5", "SSM.1"],
  ],
  ["nist-800-53", "5.0.0", "NIST Special Publication 800-53 Revision 5", ["Config.1", "EC2.2", "S3.1"]],
];

/** A standard's ARN in a region, as AWS writes it (CIS v1.2.0 has the older, region-less form). */
export const standardArn = (region: string, name: string, version: string): string =>
  name === "cis-aws-foundations-benchmark" && version === "1.2.0"
    ? `arn:aws:securityhub:::ruleset/${name}/v/${version}`
    : `arn:aws:securityhub:${region}::standards/${name}/v/${version}`;

interface Association {
  status: "ENABLED" | "DISABLED";
  reason?: string;
}

interface Policy {
  id: string;
  arn: string;
  name: string;
  description: string;
  configurationPolicy: Record<string, unknown>;
  tags: Record<string, string>;
}

/** Security Hub in one account and region. */
interface AccountRegion {
  hub: boolean;
  /** Standards ARN -> status, and the reads left before a PENDING one is READY. */
  standards: Map<string, { status: string; pendingReads: number }>;
  /** `${standardsArn}|${control}` */
  associations: Map<string, Association>;
  members: Map<string, string>;
  aggregator?: { arn: string; mode: string; regions: string[] };
  policies: Map<string, Policy>;
  /** Target id -> policy id (or SELF_MANAGED_SECURITY_HUB) and its status. */
  policyAssociations: Map<string, { policyId: string; status: string; message?: string }>;
  configuration: { autoEnable: boolean; autoEnableStandards: string; type: string; status: string };
}

/** The operations moto 5.2.5 answers itself (the rest are this model's). */
export const MOTO_OPERATIONS = new Set([
  "DescribeHub",
  "EnableSecurityHub",
  "EnableOrganizationAdminAccount",
  "DescribeOrganizationConfiguration",
  "UpdateOrganizationConfiguration",
  "ListMembers",
  "CreateMembers",
]);

type Input = Record<string, unknown>;
type Handler = (state: AccountRegion, input: Input, where: { account: string; region: string }) => Input;

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const text = (v: unknown): string => (typeof v === "string" ? v : "");
const record = (v: unknown): Input =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Input) : {};

/** The Security Hub model of one test file: an organization's management account, per account and region. */
export class SecurityHubModel {
  private readonly states = new Map<string, AccountRegion>();
  /** Region -> the designated administrator (AWS: one per region). */
  readonly admins = new Map<string, string>();
  /** How many reads a standard enabled by BatchEnableStandards stays PENDING. */
  pendingReads = 0;
  /** Calls of the administrator's organization configuration answered "not an administrator" after a designation. */
  adminNotReadyCalls = 0;
  private adminNotReadyLeft = new Map<string, number>();
  private nextId = 1;

  constructor(
    readonly managementAccountId: string,
    /** The organization's accounts (EnableOrganizationAdminAccount refuses others). */
    readonly organizationAccounts: () => readonly string[],
  ) {}

  state(account: string, region: string): AccountRegion {
    const key = `${account}/${region}`;
    let state = this.states.get(key);
    if (!state) {
      state = {
        hub: false,
        standards: new Map(),
        associations: new Map(),
        members: new Map(),
        policies: new Map(),
        policyAssociations: new Map(),
        configuration: {
          autoEnable: false,
          autoEnableStandards: "DEFAULT",
          type: "LOCAL",
          status: "ENABLED",
        },
      };
      this.states.set(key, state);
    }
    return state;
  }

  /** What the catalogue offers in `region`. */
  catalogue(region: string) {
    return CATALOGUE.map(([name, version, title, controls]) => ({
      arn: standardArn(region, name, version),
      title,
      controls,
    }));
  }

  /** Records a designation moto made (EnableOrganizationAdminAccount reached moto first). */
  designated(region: string, account: string): void {
    this.admins.set(region, account);
    this.adminNotReadyLeft.set(`${account}/${region}`, this.adminNotReadyCalls);
  }

  private notReadyYet(account: string, region: string): boolean {
    const left = this.adminNotReadyLeft.get(`${account}/${region}`) ?? 0;
    if (left <= 0) return false;
    this.adminNotReadyLeft.set(`${account}/${region}`, left - 1);
    return true;
  }

  /** Every operation's answer, by the SDK's operation name. */
  readonly handlers: Record<string, Handler> = {
    ListOrganizationAdminAccounts: (_s, _i, { region }) => {
      const admin = this.admins.get(region);
      return { AdminAccounts: admin ? [{ AccountId: admin, Status: "ENABLED" }] : [] };
    },
    EnableOrganizationAdminAccount: (_s, input, { account, region }) => {
      if (account !== this.managementAccountId)
        throw awsException(
          InvalidAccessException,
          "Only the organization's management account can designate the administrator",
        );
      const admin = text(input.AdminAccountId);
      if (!this.organizationAccounts().includes(admin))
        throw awsException(InvalidInputException, `The account ${admin} is not a member of the organization`);
      this.designated(region, admin);
      this.state(admin, region).hub = true;
      return {};
    },
    DescribeHub: (s) => {
      if (!s.hub) throw awsException(InvalidAccessException, "Account is not subscribed to AWS Security Hub");
      return { HubArn: "arn:aws:securityhub:region:account:hub/default", AutoEnableControls: true };
    },
    EnableSecurityHub: (s) => {
      if (s.hub)
        throw awsException(ResourceConflictException, "Account is already subscribed to Security Hub");
      s.hub = true;
      return {};
    },
    DescribeOrganizationConfiguration: (s, _i, where) => {
      this.requireAdmin(where);
      const c = s.configuration;
      return {
        AutoEnable: c.autoEnable,
        AutoEnableStandards: c.autoEnableStandards,
        OrganizationConfiguration: { ConfigurationType: c.type, Status: c.status },
      };
    },
    UpdateOrganizationConfiguration: (s, input, where) => {
      this.requireAdmin(where);
      const type = text(record(input.OrganizationConfiguration).ConfigurationType) || s.configuration.type;
      // "If the ConfigurationType of your organization is set to CENTRAL, then this field is set to
      // false and can't be changed in the home Region and linked Regions."
      if ((type === "CENTRAL" || s.configuration.type === "CENTRAL") && input.AutoEnable === true) {
        throw awsException(
          ValidationException,
          "AutoEnable can't be true when the organization uses central configuration",
        );
      }
      if (type === "CENTRAL" && input.AutoEnableStandards !== "NONE") {
        throw awsException(
          ValidationException,
          "AutoEnableStandards must be NONE when ConfigurationType is CENTRAL",
        );
      }
      const configuration = {
        autoEnable: input.AutoEnable === true,
        autoEnableStandards: text(input.AutoEnableStandards) || "DEFAULT",
        type,
        status: "ENABLED",
      };
      s.configuration = configuration;
      // Central configuration is switched on in the home region and holds in the linked ones.
      if (type === "CENTRAL") {
        for (const linked of s.aggregator?.regions ?? [])
          this.state(where.account, linked).configuration = { ...configuration };
      }
      return {};
    },
    DescribeStandards: (_s, _i, { region }) => ({
      Standards: this.catalogue(region).map((c) => ({
        StandardsArn: c.arn,
        Name: c.title,
        EnabledByDefault: false,
      })),
    }),
    GetEnabledStandards: (s, _i, { account, region }) => {
      this.requireHub(s);
      return {
        StandardsSubscriptions: [...s.standards].map(([arn, sub]) => {
          const status = sub.pendingReads > 0 ? "PENDING" : sub.status;
          if (sub.pendingReads > 0) sub.pendingReads -= 1;
          const id = arn.replace(/^.*:(standards|ruleset)\//, "");
          return {
            StandardsArn: arn,
            StandardsSubscriptionArn: `arn:aws:securityhub:${region}:${account}:subscription/${id}`,
            StandardsInput: {},
            StandardsStatus: status,
          };
        }),
      };
    },
    BatchEnableStandards: (s, input, { region }) => {
      this.requireHub(s);
      const known = new Set(this.catalogue(region).map((c) => c.arn));
      const requests = list(input.StandardsSubscriptionRequests).map((r) => text(record(r).StandardsArn));
      const unknown = requests.filter((arn) => !known.has(arn));
      if (unknown.length > 0)
        throw awsException(InvalidInputException, `Invalid StandardsArn: ${unknown.join(", ")}`);
      for (const arn of requests) {
        s.standards.set(arn, { status: "READY", pendingReads: this.pendingReads });
        for (const control of this.catalogue(region).find((c) => c.arn === arn)?.controls ?? []) {
          if (!s.associations.has(`${arn}|${control}`))
            s.associations.set(`${arn}|${control}`, { status: "ENABLED" });
        }
      }
      return { StandardsSubscriptions: [] };
    },
    ListSecurityControlDefinitions: (_s, input, { region }) => {
      const standard = this.catalogue(region).find((c) => c.arn === text(input.StandardsArn));
      if (!standard)
        throw awsException(InvalidInputException, `Invalid StandardsArn: ${text(input.StandardsArn)}`);
      return {
        SecurityControlDefinitions: standard.controls.map((id) => ({
          SecurityControlId: id,
          Title: id,
          Description: id,
          RemediationUrl: "https://docs.aws.amazon.com/securityhub/",
          SeverityRating: "MEDIUM",
          CurrentRegionAvailability: "AVAILABLE",
        })),
      };
    },
    BatchGetStandardsControlAssociations: (s, input) => {
      this.requireHub(s);
      const details: Input[] = [];
      const unprocessed: Input[] = [];
      for (const id of list(input.StandardsControlAssociationIds).map(record)) {
        const association = s.associations.get(`${text(id.StandardsArn)}|${text(id.SecurityControlId)}`);
        if (!association) {
          unprocessed.push({
            StandardsControlAssociationId: id,
            ErrorCode: "NOT_FOUND",
            ErrorReason: "not found",
          });
          continue;
        }
        details.push({
          StandardsArn: id.StandardsArn,
          SecurityControlId: id.SecurityControlId,
          SecurityControlArn: `arn:aws:securityhub:::control/${text(id.SecurityControlId)}`,
          AssociationStatus: association.status,
          ...(association.reason ? { UpdatedReason: association.reason } : {}),
        });
      }
      return { StandardsControlAssociationDetails: details, UnprocessedAssociations: unprocessed };
    },
    BatchUpdateStandardsControlAssociations: (s, input) => {
      this.requireHub(s);
      const unprocessed: Input[] = [];
      for (const update of list(input.StandardsControlAssociationUpdates).map(record)) {
        const key = `${text(update.StandardsArn)}|${text(update.SecurityControlId)}`;
        const association = s.associations.get(key);
        if (!association) {
          unprocessed.push({
            StandardsControlAssociationUpdate: update,
            ErrorCode: "INVALID_INPUT",
            ErrorReason: `Invalid security control id or standard: ${key}`,
          });
          continue;
        }
        association.status = update.AssociationStatus === "DISABLED" ? "DISABLED" : "ENABLED";
        if (association.status === "DISABLED") association.reason = text(update.UpdatedReason);
        else delete association.reason;
      }
      return { UnprocessedAssociationUpdates: unprocessed };
    },
    ListMembers: (s) => ({
      Members: [...s.members].map(([AccountId, MemberStatus]) => ({ AccountId, MemberStatus })),
    }),
    CreateMembers: (s, input) => {
      for (const d of list(input.AccountDetails).map(record)) s.members.set(text(d.AccountId), "Enabled");
      return { UnprocessedAccounts: [] };
    },
    ListFindingAggregators: (s) => ({
      FindingAggregators: s.aggregator ? [{ FindingAggregatorArn: s.aggregator.arn }] : [],
    }),
    GetFindingAggregator: (s, input, { region }) => {
      if (!s.aggregator || s.aggregator.arn !== text(input.FindingAggregatorArn))
        throw awsException(ResourceNotFoundException, "No finding aggregator with that ARN");
      return {
        FindingAggregatorArn: s.aggregator.arn,
        FindingAggregationRegion: region,
        RegionLinkingMode: s.aggregator.mode,
        Regions: s.aggregator.regions,
      };
    },
    CreateFindingAggregator: (s, input, { account, region }) => {
      this.requireHub(s);
      if (s.aggregator) throw awsException(ResourceConflictException, "A finding aggregator already exists");
      s.aggregator = {
        arn: `arn:aws:securityhub:${region}:${account}:finding-aggregator/${this.id()}`,
        mode: text(input.RegionLinkingMode),
        regions: list(input.Regions).map(text),
      };
      return { FindingAggregatorArn: s.aggregator.arn, FindingAggregationRegion: region };
    },
    UpdateFindingAggregator: (s, input) => {
      if (!s.aggregator) throw awsException(ResourceNotFoundException, "No finding aggregator");
      s.aggregator.mode = text(input.RegionLinkingMode);
      s.aggregator.regions = list(input.Regions).map(text);
      return {};
    },
    ListConfigurationPolicies: (s, _i, where) => {
      this.requireAdmin(where);
      return {
        ConfigurationPolicySummaries: [...s.policies.values()].map((p) => ({
          Arn: p.arn,
          Id: p.id,
          Name: p.name,
          Description: p.description,
          ServiceEnabled: record(p.configurationPolicy.SecurityHub).ServiceEnabled === true,
        })),
      };
    },
    GetConfigurationPolicy: (s, input) => {
      const policy = s.policies.get(text(input.Identifier));
      if (!policy)
        throw awsException(ResourceNotFoundException, `No configuration policy ${text(input.Identifier)}`);
      return {
        Arn: policy.arn,
        Id: policy.id,
        Name: policy.name,
        Description: policy.description,
        ConfigurationPolicy: policy.configurationPolicy,
      };
    },
    ListTagsForResource: (s, input) => {
      const policy = [...s.policies.values()].find((p) => p.arn === text(input.ResourceArn));
      if (!policy) throw awsException(ResourceNotFoundException, "No such resource");
      return { Tags: policy.tags };
    },
    CreateConfigurationPolicy: (s, input, where) => {
      this.requireCentral(s, where);
      const name = text(input.Name);
      if ([...s.policies.values()].some((p) => p.name === name))
        throw awsException(ResourceConflictException, `A configuration policy named ${name} exists`);
      this.requireStandards(input, where.region);
      const id = `${this.id()}`.padStart(8, "0");
      const policy: Policy = {
        id,
        arn: `arn:aws:securityhub:${where.region}:${where.account}:configuration-policy/${id}`,
        name,
        description: text(input.Description),
        configurationPolicy: record(input.ConfigurationPolicy),
        tags: record(input.Tags) as Record<string, string>,
      };
      s.policies.set(id, policy);
      return { Id: id, Arn: policy.arn, Name: name };
    },
    UpdateConfigurationPolicy: (s, input, where) => {
      const policy = s.policies.get(text(input.Identifier));
      if (!policy)
        throw awsException(ResourceNotFoundException, `No configuration policy ${text(input.Identifier)}`);
      this.requireStandards(input, where.region);
      policy.name = text(input.Name) || policy.name;
      policy.description = text(input.Description);
      policy.configurationPolicy = record(input.ConfigurationPolicy);
      return { Id: policy.id, Arn: policy.arn };
    },
    DeleteConfigurationPolicy: (s, input) => {
      const id = text(input.Identifier);
      if ([...s.policyAssociations.values()].some((a) => a.policyId === id))
        throw awsException(ResourceConflictException, "The configuration policy is associated with targets");
      if (!s.policies.delete(id))
        throw awsException(ResourceNotFoundException, `No configuration policy ${id}`);
      return {};
    },
    GetConfigurationPolicyAssociation: (s, input) => {
      const target = record(input.Target);
      const id = text(target.RootId) || text(target.OrganizationalUnitId) || text(target.AccountId);
      const association = s.policyAssociations.get(id);
      return {
        ConfigurationPolicyId: association?.policyId ?? "SELF_MANAGED_SECURITY_HUB",
        TargetId: id,
        TargetType: target.RootId ? "ROOT" : target.OrganizationalUnitId ? "ORGANIZATIONAL_UNIT" : "ACCOUNT",
        AssociationType: association ? "APPLIED" : "INHERITED",
        AssociationStatus: association?.status ?? "SUCCESS",
        ...(association?.message ? { AssociationStatusMessage: association.message } : {}),
      };
    },
    StartConfigurationPolicyAssociation: (s, input) => {
      const policyId = text(input.ConfigurationPolicyIdentifier);
      if (!s.policies.has(policyId))
        throw awsException(ResourceNotFoundException, `No configuration policy ${policyId}`);
      const target = record(input.Target);
      const id = text(target.RootId) || text(target.OrganizationalUnitId) || text(target.AccountId);
      s.policyAssociations.set(id, { policyId, status: "SUCCESS" });
      return { ConfigurationPolicyId: policyId, TargetId: id, AssociationStatus: "SUCCESS" };
    },
    StartConfigurationPolicyDisassociation: (s, input) => {
      const target = record(input.Target);
      s.policyAssociations.delete(
        text(target.RootId) || text(target.OrganizationalUnitId) || text(target.AccountId),
      );
      return {};
    },
  };

  private id(): string {
    this.nextId += 1;
    return `${this.nextId}`;
  }

  private requireHub(s: AccountRegion): void {
    if (!s.hub) throw awsException(InvalidAccessException, "Account is not subscribed to AWS Security Hub");
  }

  /** Only the designated administrator, once AWS has made it one, acts for the organization. */
  private requireAdmin({ account, region }: { account: string; region: string }): void {
    if (this.admins.get(region) !== account || this.notReadyYet(account, region)) {
      throw awsException(
        InvalidAccessException,
        `Account ${account} is not an administrator for this organization`,
      );
    }
  }

  /** Configuration policies exist only under central configuration, in the home (aggregation) region. */
  private requireCentral(s: AccountRegion, where: { account: string; region: string }): void {
    this.requireAdmin(where);
    if (s.configuration.type !== "CENTRAL" || !s.aggregator) {
      throw awsException(
        ValidationException,
        "Central configuration must be enabled in the home Region before configuration policies can be created",
      );
    }
  }

  private requireStandards(input: Input, region: string): void {
    const known = new Set(this.catalogue(region).map((c) => c.arn));
    const policy = record(record(input.ConfigurationPolicy).SecurityHub);
    const unknown = list(policy.EnabledStandardIdentifiers)
      .map(text)
      .filter((arn) => !known.has(arn));
    if (unknown.length > 0)
      throw awsException(InvalidInputException, `Invalid standard identifiers: ${unknown.join(", ")}`);
  }

  /**
   * What moto did, mirrored into the model where the model's own answers depend on it: the
   * administrator moto designated (moto keeps no list of them), a hub it enabled, the
   * organization configuration it took.
   */
  private mirrors(account: string, region: string): Fault[] {
    const after = (operation: string, mirror: (input: Input) => void): Fault => ({
      operation,
      times: Number.POSITIVE_INFINITY,
      amend: (output, input) => {
        mirror(input);
        return output;
      },
    });
    return [
      after("EnableOrganizationAdminAccount", (input) => this.designated(region, text(input.AdminAccountId))),
      after("EnableSecurityHub", () => {
        this.state(account, region).hub = true;
      }),
      after("UpdateOrganizationConfiguration", (input) => {
        const state = this.state(account, region);
        state.configuration = {
          autoEnable: input.AutoEnable === true,
          autoEnableStandards: text(input.AutoEnableStandards) || "DEFAULT",
          type: text(record(input.OrganizationConfiguration).ConfigurationType) || state.configuration.type,
          status: "ENABLED",
        };
      }),
    ];
  }

  /** Every call the model answered, in order (`operation account region`). */
  readonly calls: Array<{ operation: string; account: string; region: string }> = [];

  /** The answer to one call in `account` and `region`. */
  answer(operation: string, input: Input, account: string, region: string): Input {
    this.calls.push({ operation, account, region });
    const handler = this.handlers[operation];
    if (!handler) throw new Error(`the Security Hub stub has no ${operation}`);
    return handler(this.state(account, region), input, { account, region });
  }

  /**
   * The stubs for one client of `account` in `region`: what moto lacks answered here, and the
   * administrators moto designates recorded (moto keeps no list of them). `all`: every operation.
   */
  faults(account: string, region: string, options: { all?: boolean } = {}): Fault[] {
    return [
      ...Object.keys(this.handlers)
        .filter((op) => options.all || !MOTO_OPERATIONS.has(op))
        .map((operation) => ({
          operation,
          times: Number.POSITIVE_INFINITY,
          respond: (input: Input) => this.answer(operation, input, account, region),
        })),
      ...(options.all ? [] : this.mirrors(account, region)),
    ];
  }
}

/** A real SDK client whose every call the model answers (no network): for in-process tests. */
export function stubbedSecurityHubClient(
  model: SecurityHubModel,
  account: string,
  region: string,
): SecurityHubClient {
  const client = new SecurityHubClient({
    region,
    endpoint: "http://securityhub.invalid",
    credentials: { accessKeyId: "stub", secretAccessKey: "stub" },
    maxAttempts: 1,
  });
  injectFaults(client, model.faults(account, region, { all: true }));
  return client;
}
