/**
 * The GuardDutyOrganization kind's decisions, pure: what each region must have (from the spec),
 * what differs from what GuardDuty reports there (each difference a Change naming its region),
 * which member accounts to enrol or to monitor again, and how a region is summed up in status.
 */
import type { Change } from "../../runtime/managed.js";
import { type GuardDutyOrganizationSpec, MAX_LISTED_MEMBERS } from "./api.js";

/** The protection plans orgguard keeps, by GuardDuty's feature names (detector and organization alike). */
export type FeatureName =
  | "S3_DATA_EVENTS"
  | "EKS_AUDIT_LOGS"
  | "EBS_MALWARE_PROTECTION"
  | "RDS_LOGIN_EVENTS"
  | "LAMBDA_NETWORK_LOGS"
  | "RUNTIME_MONITORING";
export type AdditionalName = "EKS_ADDON_MANAGEMENT" | "ECS_FARGATE_AGENT_MANAGEMENT" | "EC2_AGENT_MANAGEMENT";

/** A plan, and its additional configuration, on or off. */
export interface DesiredFeature {
  name: FeatureName;
  enabled: boolean;
  additional: Array<{ name: AdditionalName; enabled: boolean }>;
}

/** What the spec asks of every region. */
export interface DesiredGuardDuty {
  adminAccountId: string;
  /** How messages name the administrator: `222222222222 (Security Tooling)`. */
  adminLabel: string;
  autoEnableMembers: "ALL" | "NEW";
  findingPublishingFrequency: "FIFTEEN_MINUTES" | "ONE_HOUR" | "SIX_HOURS";
  features: DesiredFeature[];
}

export function desiredFeatures(protection: GuardDutyOrganizationSpec["protection"]): DesiredFeature[] {
  const plain = (name: FeatureName, enabled: boolean): DesiredFeature => ({ name, enabled, additional: [] });
  const runtime = protection.runtimeMonitoring;
  return [
    plain("S3_DATA_EVENTS", protection.s3DataEvents),
    plain("EKS_AUDIT_LOGS", protection.eksAuditLogs),
    plain("EBS_MALWARE_PROTECTION", protection.malwareProtection),
    plain("RDS_LOGIN_EVENTS", protection.rdsLoginEvents),
    plain("LAMBDA_NETWORK_LOGS", protection.lambdaNetworkLogs),
    {
      name: "RUNTIME_MONITORING",
      enabled: runtime.enabled,
      additional: [
        { name: "EKS_ADDON_MANAGEMENT", enabled: runtime.enabled && runtime.eksAddonManagement },
        {
          name: "ECS_FARGATE_AGENT_MANAGEMENT",
          enabled: runtime.enabled && runtime.ecsFargateAgentManagement,
        },
        { name: "EC2_AGENT_MANAGEMENT", enabled: runtime.enabled && runtime.ec2AgentManagement },
      ],
    },
  ];
}

/** A delegated administrator as ListOrganizationAdminAccounts gives it. */
export interface AdminAccount {
  accountId: string;
  /** ENABLED or DISABLE_IN_PROGRESS. */
  status: string;
}

/** A feature as a detector or the organization configuration reports it (status or auto-enable). */
export interface FeatureState {
  name: string;
  /** ENABLED/DISABLED for a detector; ALL/NEW/NONE for the organization configuration. */
  value: string;
  additional: Array<{ name: string; value: string }>;
}

export interface DetectorRecord {
  id: string;
  /** ENABLED or DISABLED (suspended). */
  status: string;
  findingPublishingFrequency: string;
  features: FeatureState[];
}

export interface OrganizationConfiguration {
  /** ALL, NEW or NONE. */
  autoEnableMembers: string;
  features: FeatureState[];
  memberAccountLimitReached: boolean;
}

export interface Member {
  accountId: string;
  /** Enabled, Disabled (monitoring stopped), Removed, Created, Invited, Resigned, ... */
  status: string;
}

/** A detector's value for a plan (ENABLED/DISABLED) and the organization's (ALL/NEW/NONE). */
const detectorValue = (enabled: boolean) => (enabled ? "ENABLED" : "DISABLED");
const organizationValue = (enabled: boolean, autoEnable: DesiredGuardDuty["autoEnableMembers"]) =>
  enabled ? autoEnable : "NONE";

/**
 * What differs between the features `have` reports and the spec, by `value` (a detector's status,
 * or the organization's auto-enable). A feature AWS does not report reads as off ("DISABLED" or
 * "NONE"); features orgguard does not keep (AI_PROTECTION...) are never looked at.
 */
function featureChanges(
  region: string,
  field: string,
  desired: readonly DesiredFeature[],
  have: readonly FeatureState[],
  value: (enabled: boolean) => string,
  off: string,
): Change[] {
  const changes: Change[] = [];
  for (const feature of desired) {
    const current = have.find((f) => f.name === feature.name);
    const want = value(feature.enabled);
    const is = current?.value ?? off;
    if (is !== want) {
      changes.push({ path: `regions[${region}].${field}[${feature.name}]`, from: is, to: want });
    }
    for (const extra of feature.additional) {
      const was = current?.additional.find((a) => a.name === extra.name)?.value ?? off;
      const wanted = value(extra.enabled);
      // An additional configuration of a plan that stays off is not worth a write.
      if (was !== wanted && (feature.enabled || was !== off)) {
        changes.push({
          path: `regions[${region}].${field}[${feature.name}].${extra.name}`,
          from: was,
          to: wanted,
        });
      }
    }
  }
  return changes;
}

/** What differs in the administrator's own detector: suspended, its frequency, its plans. */
export function detectorChanges(
  region: string,
  desired: DesiredGuardDuty,
  detector: DetectorRecord,
): Change[] {
  const changes: Change[] = [];
  if (detector.status !== "ENABLED") {
    changes.push({
      path: `regions[${region}].detector`,
      from: detector.status,
      to: "ENABLED",
      description: `enable GuardDuty again in the administrator account in ${region} (its detector ${detector.id} is ${detector.status.toLowerCase()})`,
    });
  }
  if (detector.findingPublishingFrequency !== desired.findingPublishingFrequency) {
    changes.push({
      path: `regions[${region}].findingPublishingFrequency`,
      from: detector.findingPublishingFrequency,
      to: desired.findingPublishingFrequency,
    });
  }
  return [
    ...changes,
    ...featureChanges(region, "features", desired.features, detector.features, detectorValue, "DISABLED"),
  ];
}

/** What differs in the organization configuration: auto-enable for members, and each plan's. */
export function organizationChanges(
  region: string,
  desired: DesiredGuardDuty,
  config: OrganizationConfiguration,
): Change[] {
  const changes: Change[] = [];
  if (config.autoEnableMembers !== desired.autoEnableMembers) {
    changes.push({
      path: `regions[${region}].autoEnableMembers`,
      from: config.autoEnableMembers,
      to: desired.autoEnableMembers,
      description: `auto-enable GuardDuty for ${desired.autoEnableMembers === "ALL" ? "every member account, existing and new" : "new member accounts"} in ${region}`,
    });
  }
  return [
    ...changes,
    ...featureChanges(
      region,
      "organizationFeatures",
      desired.features,
      config.features,
      (enabled) => organizationValue(enabled, desired.autoEnableMembers),
      "NONE",
    ),
  ];
}

/** What to do about the member accounts of one region. */
export interface MemberPlan {
  /** Accounts to add as members (not members yet, or removed): CreateMembers. */
  enrol: string[];
  /** Members whose monitoring someone stopped: StartMonitoringMembers. */
  monitorAgain: string[];
  /** Accounts that should be members. */
  accounts: number;
  /** Of those, the members GuardDuty monitors. */
  enabled: number;
  /** The accounts GuardDuty does not monitor, with why. */
  notEnabled: Member[];
}

/** Statuses after which an organization account is made a member again (CreateMembers). */
const ENROL_AGAIN = new Set(["Removed", "Resigned"]);

/**
 * The member accounts of a region: every active account of the organization but the
 * administrator should be a monitored member. With autoEnableMembers ALL, the ones missing are
 * enrolled and the ones whose monitoring was stopped are started again; with NEW, they are only
 * counted (the spec leaves existing accounts to their owners).
 */
export function memberPlan(
  accounts: readonly string[],
  members: readonly Member[],
  autoEnable: DesiredGuardDuty["autoEnableMembers"],
): MemberPlan {
  const byAccount = new Map(members.map((m) => [m.accountId, m]));
  const notEnabled: Member[] = [];
  const enrol: string[] = [];
  const monitorAgain: string[] = [];
  let enabled = 0;
  for (const accountId of accounts) {
    const member = byAccount.get(accountId);
    if (member?.status === "Enabled") {
      enabled++;
      continue;
    }
    notEnabled.push({ accountId, status: member?.status ?? "not a member" });
    if (autoEnable !== "ALL") continue;
    if (!member || ENROL_AGAIN.has(member.status)) enrol.push(accountId);
    else if (member.status === "Disabled") monitorAgain.push(accountId);
  }
  return { enrol, monitorAgain, accounts: accounts.length, enabled, notEnabled };
}

/** The changes a member plan stands for, as a reviewer reads them. */
export function memberChanges(region: string, plan: MemberPlan): Change[] {
  const changes: Change[] = [];
  if (plan.enrol.length > 0) {
    changes.push({
      path: `regions[${region}].members`,
      to: "enrolled",
      description: `enrol ${plan.enrol.length} account(s) as GuardDuty members in ${region}: ${listed(plan.enrol)}`,
    });
  }
  if (plan.monitorAgain.length > 0) {
    changes.push({
      path: `regions[${region}].monitoring`,
      from: "Disabled",
      to: "Enabled",
      description: `start monitoring again ${plan.monitorAgain.length} member(s) whose GuardDuty was stopped in ${region}: ${listed(plan.monitorAgain)}`,
    });
  }
  return changes;
}

const listed = (ids: readonly string[]) =>
  ids.length <= 10 ? ids.join(", ") : `${ids.slice(0, 10).join(", ")} and ${ids.length - 10} more`;

/** What GuardDuty read in one region, for status.atProvider (bounded, sorted: a quiet poll writes nothing). */
export interface RegionState {
  administrator?: string;
  detectorId?: string;
  detectorStatus?: string;
  findingPublishingFrequency?: string;
  autoEnableMembers?: string;
  features?: Record<string, string>;
  membersEnabled?: number;
  accounts?: number;
  notEnabled?: Member[];
}

export function regionState(read: {
  admin?: AdminAccount;
  detector?: DetectorRecord;
  config?: OrganizationConfiguration;
  members?: MemberPlan;
}): RegionState {
  const features: Record<string, string> = {};
  for (const f of read.detector?.features ?? []) features[f.name] = f.value;
  for (const f of read.config?.features ?? []) features[f.name] = `${features[f.name] ?? "-"}/${f.value}`;
  return {
    ...(read.admin ? { administrator: `${read.admin.accountId} (${read.admin.status})` } : {}),
    ...(read.detector
      ? {
          detectorId: read.detector.id,
          detectorStatus: read.detector.status,
          findingPublishingFrequency: read.detector.findingPublishingFrequency,
        }
      : {}),
    ...(read.config ? { autoEnableMembers: read.config.autoEnableMembers } : {}),
    ...(Object.keys(features).length > 0
      ? { features: Object.fromEntries(Object.entries(features).sort(([a], [b]) => a.localeCompare(b))) }
      : {}),
    ...(read.members
      ? {
          membersEnabled: read.members.enabled,
          accounts: read.members.accounts,
          ...(read.members.notEnabled.length > 0
            ? { notEnabled: read.members.notEnabled.slice(0, MAX_LISTED_MEMBERS) }
            : {}),
        }
      : {}),
  };
}

/**
 * GuardDuty.1 (Security Hub's "GuardDuty should be enabled", PCI DSS v4.0.1 11.5.1): no CIS AWS
 * Foundations v3.0 recommendation covers GuardDuty. Met when every selected region has the
 * administrator's detector enabled and every account that should be a member is monitored.
 */
export function guardDutyCompliance(states: readonly RegionState[]): {
  control: string;
  title: string;
  compliant: boolean;
} {
  return {
    control: "GuardDuty.1",
    title:
      "GuardDuty is enabled in every region, for every account (Security Hub GuardDuty.1; PCI DSS v4.0.1 11.5.1; no CIS AWS Foundations v3.0 recommendation covers GuardDuty)",
    compliant:
      states.length > 0 &&
      states.every(
        (s) =>
          s.detectorStatus === "ENABLED" && s.membersEnabled !== undefined && s.membersEnabled === s.accounts,
      ),
  };
}

/**
 * Whether a GuardDuty refusal says the account just designated is not accepted as administrator
 * yet (AWS takes a while after EnableOrganizationAdminAccount): "...is not an administrator for
 * this organization", "...you do not have required AWS Organization master permission".
 */
export const NOT_ADMIN_YET =
  /is not an administrator for this organization|do not have required AWS Organization master permission|not the (GuardDuty )?(delegated )?administrator/i;

/** CreateDetector refused because the account has one in the region already (GuardDuty made it). */
export const DETECTOR_EXISTS = /detector already exists/i;
