/**
 * The GuardDutyOrganization kind's API: GuardDuty for the whole organization, administered from one
 * member account (the security tooling account) in every selected region. Its delegated
 * administrator is designated here and only here (guardduty:EnableOrganizationAdminAccount, as
 * AWS documents it), not through the Organization kind's generic registration.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import { deletionPolicy, managementPolicy, statusSchema } from "../../api/common.js";
import { administratorAccount } from "../administrator-account.js";
import { regionList } from "../setting/regions.js";

/** GuardDuty's service principal (its trusted access, its Organizations delegated administrator). */
export const GUARDDUTY_PRINCIPAL = "guardduty.amazonaws.com";

/** Designated here only, as AWS documents it, never in the Organization kind's delegatedAdministrators. */
const administrator = administratorAccount(
  "member account that administers GuardDuty for the organization (the security tooling account; designated here only: EnableOrganizationAdminAccount in each region, never in the Organization kind's delegatedAdministrators)",
);

const runtimeMonitoring = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe("Runtime Monitoring (RUNTIME_MONITORING): off by default, it runs an agent."),
    eksAddonManagement: z
      .boolean()
      .default(true)
      .describe("GuardDuty manages its security agent add-on on EKS clusters (EKS_ADDON_MANAGEMENT)."),
    ecsFargateAgentManagement: z
      .boolean()
      .default(true)
      .describe("GuardDuty manages its agent on ECS Fargate tasks (ECS_FARGATE_AGENT_MANAGEMENT)."),
    ec2AgentManagement: z
      .boolean()
      .default(true)
      .describe("GuardDuty manages its agent on EC2 instances through SSM (EC2_AGENT_MANAGEMENT)."),
  })
  .describe("Runtime Monitoring and how its agent is deployed.");

const protection = z
  .strictObject({
    s3DataEvents: z.boolean().default(true).describe("S3 Protection: S3 data events (S3_DATA_EVENTS)."),
    eksAuditLogs: z.boolean().default(true).describe("EKS Protection: EKS audit logs (EKS_AUDIT_LOGS)."),
    malwareProtection: z
      .boolean()
      .default(true)
      .describe(
        "Malware Protection for EC2: scans the EBS volumes of instances with findings (EBS_MALWARE_PROTECTION).",
      ),
    rdsLoginEvents: z
      .boolean()
      .default(true)
      .describe("RDS Protection: login events of Aurora and RDS databases (RDS_LOGIN_EVENTS)."),
    lambdaNetworkLogs: z
      .boolean()
      .default(true)
      .describe("Lambda Protection: network activity of Lambda functions (LAMBDA_NETWORK_LOGS)."),
    runtimeMonitoring: runtimeMonitoring.prefault({}),
  })
  .describe(
    "The protection plans, in the administrator's own detector and auto-enabled for the members (defaults: what GuardDuty's console enables; Runtime Monitoring off).",
  );

export const guardDutyOrganizationSpec = z
  .strictObject({
    administrator,
    regions: regionList
      .optional()
      .describe(
        "The regions GuardDuty runs in. Absent: every region enabled in the administrator account (Account Management ListRegions; where that cannot be read, the controller's --default-regions, and status.regionsFrom says so). GuardDuty belongs in every region, used or not.",
      ),
    autoEnableMembers: z
      .enum(["ALL", "NEW"])
      .default("ALL")
      .describe(
        "ALL (the default): every member account, existing and new, has GuardDuty on; orgguard enrols the existing ones at once (CreateMembers) rather than waiting up to 24 hours for AWS, and starts monitoring again for an account someone stopped. NEW: only accounts that join from now on; existing ones are only counted.",
      ),
    findingPublishingFrequency: z
      .enum(["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"])
      .default("SIX_HOURS")
      .describe(
        "How often updated findings are exported to EventBridge (and Security Hub). SIX_HOURS is AWS's default.",
      ),
    protection: protection.prefault({}),
    managementPolicy,
    deletionPolicy: deletionPolicy.describe(
      "What deleting this object does in AWS. Retain (the default) leaves GuardDuty as it is; Delete removes the administrator orgguard designated (DisableOrganizationAdminAccount in the regions in status.managed): member accounts are disassociated from it. Detectors are never deleted (their findings would go).",
    ),
  })
  .describe("GuardDuty in every account of the organization, administered from one member account.");

export type GuardDutyOrganizationSpec = z.output<typeof guardDutyOrganizationSpec>;

/** A member account GuardDuty does not monitor, and why (its relationship status). */
const notEnabledMember = z
  .object({
    accountId: z.string().max(12).describe("The account."),
    status: z
      .string()
      .max(64)
      .describe("Its relationship status: not a member, Disabled (monitoring stopped), Created, Invited..."),
  })
  .describe("An account GuardDuty does not monitor.");

/** At most this many accounts not monitored are listed per region (the counts are exact). */
export const MAX_LISTED_MEMBERS = 20;

const regionState = z
  .object({
    administrator: z
      .string()
      .max(64)
      .optional()
      .describe("The delegated administrator there, and its status."),
    detectorId: z.string().max(64).optional().describe("The administrator's detector."),
    detectorStatus: z.string().max(16).optional().describe("ENABLED or DISABLED."),
    findingPublishingFrequency: z.string().max(32).optional().describe("The detector's."),
    autoEnableMembers: z
      .string()
      .max(8)
      .optional()
      .describe("The organization configuration's: ALL, NEW or NONE."),
    features: z
      .record(z.string(), z.string().max(32))
      .meta({ maxProperties: 16 })
      .optional()
      .describe(
        "Each protection plan: the detector's status and the organization's auto-enable (ENABLED/ALL).",
      ),
    membersEnabled: z.number().int().optional().describe("Member accounts GuardDuty monitors."),
    accounts: z
      .number()
      .int()
      .optional()
      .describe("Accounts that should be members (active, the administrator aside)."),
    notEnabled: z
      .array(notEnabledMember)
      .max(MAX_LISTED_MEMBERS)
      .optional()
      .describe(`Accounts GuardDuty does not monitor (the first ${MAX_LISTED_MEMBERS}).`),
  })
  .describe("GuardDuty in one region.");

const observedGuardDuty = z
  .object({
    administratorAccountId: z.string().max(12).optional().describe("The administrator account."),
    regions: z
      .record(z.string(), regionState)
      .meta({ maxProperties: 50 })
      .optional()
      .describe("GuardDuty in each region, as last read."),
  })
  .describe("GuardDuty as AWS reports it.");

export const guardDutyOrganizationStatus = statusSchema(observedGuardDuty, {
  regions: z
    .array(z.string().max(32))
    .max(50)
    .optional()
    .describe("The regions compared at the last reconcile."),
  regionsFrom: z
    .string()
    .max(256)
    .optional()
    .describe("Where the regions came from: the spec, ListRegions, or --default-regions and why."),
  members: z
    .string()
    .max(64)
    .optional()
    .describe(
      'Member accounts monitored in every region, out of those that should be: "12/12" (kubectl get\'s MEMBERS).',
    ),
  managed: z
    .object({
      designatedRegions: z
        .array(z.string().max(32))
        .max(50)
        .optional()
        .describe(
          "The regions where orgguard designated the administrator (or adopted it): the only ones Delete removes it from.",
        ),
    })
    .optional()
    .describe(
      "What orgguard designated itself: a designation carries no tags, so this is the record of ownership.",
    ),
  compliance: z
    .array(
      z
        .object({
          control: z
            .string()
            .max(32)
            .describe(
              'The control: "GuardDuty.1" (Security Hub; no CIS AWS Foundations v3.0 recommendation covers GuardDuty).',
            ),
          title: z.string().max(256).describe("What it asks for."),
          compliant: z.boolean().describe("Whether every selected region and member meets it, as last read."),
        })
        .describe("A control and whether the organization meets it."),
    )
    .max(4)
    .optional()
    .describe("The controls the kind covers, as last read."),
});

export const guardDutyOrganizationApi: ApiDefinition = {
  kind: "GuardDutyOrganization",
  plural: "guarddutyorganizations",
  singular: "guarddutyorganization",
  shortNames: ["gdorg"],
  description:
    "GuardDuty for the whole organization: the delegated administrator designated (here only), its detector in every selected region, the organization configuration auto-enabling every member account with the chosen protection plans, members enrolled and monitoring restarted when stopped by hand.",
  spec: guardDutyOrganizationSpec,
  status: guardDutyOrganizationStatus,
  printerColumns: [
    { name: "Admin", type: "string", jsonPath: ".status.atProvider.administratorAccountId" },
    { name: "Members", type: "string", jsonPath: ".status.members" },
    { name: "Regions", type: "string", jsonPath: ".status.regions", priority: 1 },
  ],
};
