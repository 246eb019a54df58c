/**
 * The SecurityHubOrganization kind's API: AWS Security Hub (CSPM) for the whole organization, one
 * object per organization. The administrator account is designated through Security Hub's own
 * EnableOrganizationAdminAccount (which registers it in AWS Organizations itself); standards are
 * named by name and version and resolved to ARNs in each region; controls are disabled with a
 * reason each.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import {
  deletionPolicy,
  isSet,
  managementPolicy,
  ouId,
  ouPath,
  statusSchema,
  withRules,
} from "../../api/common.js";
import type { ManagedSpec } from "../../runtime/managed.js";
import { administratorAccount } from "../administrator-account.js";
import { regionName as anyRegion } from "../setting/regions.js";

/** A region name, bounded (the apiserver's CEL cost estimate needs a length). */
const regionName = anyRegion.max(32);

/** Security Hub's service principal in AWS Organizations. */
export const SECURITY_HUB_PRINCIPAL = "securityhub.amazonaws.com";

/** At most this many standards and disabled controls in a spec (Security Hub offers about ten standards). */
export const MAX_STANDARDS = 20;
export const MAX_DISABLED_CONTROLS = 200;
/** AWS's limit on a control association's UpdatedReason. */
export const MAX_REASON = 512;

/** A security control id of Security Hub's consolidated controls: IAM.6, CloudTrail.7, EC2.182. */
export const CONTROL_ID = /^[A-Za-z][A-Za-z0-9]*\.[0-9]+$/;

const standard = z
  .strictObject({
    name: z
      .string()
      .min(1)
      .max(128)
      .regex(
        /^[a-z0-9]+(-[a-z0-9]+)*$/,
        "must be a standard's name as its ARN spells it, such as cis-aws-foundations-benchmark or pci-dss",
      )
      .describe(
        "The standard's name as Security Hub's standards ARNs spell it: aws-foundational-security-best-practices, cis-aws-foundations-benchmark, pci-dss, nist-800-53, ... An unknown name is refused before any write, with the standards the region offers.",
      ),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/, "must be a version as Security Hub writes it, such as 5.0.0 or 4.0.1")
      .describe(
        "The standard's version as Security Hub writes it: 5.0.0 and 3.0.0 for CIS AWS Foundations, 4.0.1 and 3.2.1 for PCI DSS, 1.0.0 for AWS Foundational Security Best Practices.",
      ),
  })
  .describe(
    "A Security Hub standard by name and version: resolved to its ARN with DescribeStandards in each region (never typed by hand).",
  );

export type StandardSpec = z.output<typeof standard>;

const disabledControl = z
  .strictObject({
    control: z
      .string()
      .max(64)
      .regex(
        CONTROL_ID,
        "must be a security control id such as IAM.6 or CloudTrail.7 (Security Hub's consolidated controls; a standard's own numbering such as CIS.1.14 is not one: the control's page in the Security Hub user guide names its security control id)",
      )
      .describe("The security control id, for example IAM.6 (Security Hub's consolidated controls)."),
    reason: z
      .string()
      .min(1)
      .max(MAX_REASON)
      .regex(/\S/, "must say why the control is disabled")
      .describe(
        "Why the control is disabled: required, shown in status and plan, and written as the control's reason in Security Hub where AWS keeps one (LOCAL configuration).",
      ),
  })
  .describe("A control disabled in every standard of this spec that has it, with the reviewed reason.");

export type DisabledControlSpec = z.output<typeof disabledControl>;

const TARGET_KEYS = ["root", "ouId", "ouPath"] as const;

const policyTarget = withRules(
  z
    .strictObject({
      root: z.literal(true).optional().describe("The organization's root: every account."),
      ouId: ouId.optional(),
      ouPath: ouPath.optional(),
    })
    .describe("Where the configuration policy applies: exactly one of root, ouId or ouPath."),
  [
    {
      cel: `[${TARGET_KEYS.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`,
      message: "exactly one of root, ouId or ouPath must be set",
      holds: (t) => TARGET_KEYS.filter((k) => isSet(t[k])).length === 1,
    },
  ],
);

export type PolicyTargetSpec = z.output<typeof policyTarget>;

export const securityHubOrganizationSpec = withRules(
  z
    .strictObject({
      administrator: administratorAccount(
        "Security Hub administrator account (a member account: the management account cannot administer central configuration)",
      ),
      regions: z
        .array(regionName)
        .min(1)
        .max(50)
        .meta({ "x-kubernetes-list-type": "set" })
        .describe(
          "The regions Security Hub is kept in: the administrator is designated and Security Hub enabled in each, and their findings are aggregated into homeRegion.",
        ),
      homeRegion: regionName.describe(
        "The aggregation (home) region: one of regions. Findings of the other regions are aggregated here, and central configuration is managed from here.",
      ),
      configuration: z
        .enum(["CENTRAL", "LOCAL"])
        .default("CENTRAL")
        .describe(
          "CENTRAL (the default): one configuration policy, associated with policyTargets, gives every account of the organization (existing and new) Security Hub, the standards and the disabled controls, in every region. LOCAL: new accounts get Security Hub (autoEnableStandards for their standards), existing ones are enabled as members, and the standards and disabled controls are kept in the administrator account only.",
        ),
      autoEnableStandards: z
        .enum(["NONE", "DEFAULT"])
        .optional()
        .describe(
          "LOCAL only: whether new member accounts get AWS's default standards (DEFAULT, AWS's default) or none.",
        ),
      policyTargets: z
        .array(policyTarget)
        .min(1)
        .max(100)
        .optional()
        .describe(
          "CENTRAL only: where the configuration policy is associated. Absent: the root (every account). Accounts and OUs below with their own association keep it.",
        ),
      configurationPolicyName: z
        .string()
        .min(1)
        .max(128)
        .regex(/^[A-Za-z0-9\-_ ]+$/, "must be letters, digits, spaces, - and _")
        .optional()
        .describe("CENTRAL only: the configuration policy's name. Absent: orgguard-<metadata.name>."),
      standards: z
        .array(standard)
        .max(MAX_STANDARDS)
        // A map list keyed by name and version: the apiserver refuses a standard listed twice.
        .refine(
          (list) => new Set(list.map((x) => `${x.name}/${x.version}`)).size === list.length,
          "each standard (name and version) at most once",
        )
        .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name", "version"] })
        .default([])
        .describe(
          "The standards enabled, by name and version. CENTRAL: exactly these, in every account the policy reaches. LOCAL: these are enabled in the administrator account; others already enabled there are left as they are.",
        ),
      disabledControls: z
        .array(disabledControl)
        .max(MAX_DISABLED_CONTROLS)
        // A map list keyed by control: the apiserver refuses a control listed twice.
        .refine(
          (list) => new Set(list.map((x) => x.control)).size === list.length,
          "each disabled control at most once",
        )
        .meta({ "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["control"] })
        .default([])
        .describe(
          "Controls disabled, each with its reason. A control re-enabled by hand is disabled again; a control of these standards disabled by hand and not listed here is enabled again (ObserveOnly: reported). An id in none of the standards is refused before any write.",
        ),
      managementPolicy,
      deletionPolicy: deletionPolicy.describe(
        "What happens in AWS when this object is deleted. Retain (the default) leaves everything. Delete disassociates and deletes the configuration policy orgguard created (accounts keep the settings it gave them, as AWS documents); Security Hub, the administrator, the aggregator, the standards and the controls stay (disabling them deletes findings).",
      ),
    })
    .describe("AWS Security Hub for the whole organization."),
  [
    {
      cel: "self.regions.exists(r, r == self.homeRegion)",
      message: "homeRegion must be one of regions",
      fieldPath: ".homeRegion",
      holds: (s) => s.regions.includes(s.homeRegion),
    },
    {
      cel: "!has(self.autoEnableStandards) || self.configuration == 'LOCAL'",
      message:
        "autoEnableStandards is for LOCAL configuration: with CENTRAL the configuration policy decides",
      fieldPath: ".autoEnableStandards",
      holds: (s) => !isSet(s.autoEnableStandards) || s.configuration === "LOCAL",
    },
    {
      cel: "(!has(self.policyTargets) && !has(self.configurationPolicyName)) || self.configuration == 'CENTRAL'",
      message: "policyTargets and configurationPolicyName are for CENTRAL configuration",
      fieldPath: ".configuration",
      holds: (s) =>
        (!isSet(s.policyTargets) && !isSet(s.configurationPolicyName)) || s.configuration === "CENTRAL",
    },
  ],
);

/** What the spec holds once parsed (defaults filled in). */
export type SecurityHubOrganizationSpec = z.output<typeof securityHubOrganizationSpec> & ManagedSpec;

/** A spec parsed (defaults filled in); throws a ZodError when it is not valid. */
export const parseSecurityHubSpec = (value: unknown): SecurityHubOrganizationSpec =>
  securityHubOrganizationSpec.parse(value) as SecurityHubOrganizationSpec;

const controlWithReason = z
  .object({
    control: z.string().describe("The security control id."),
    reason: z.string().optional().describe("Why it is disabled."),
  })
  .describe("A disabled control and its reason.");

const regionStatus = z
  .object({
    region: z.string().describe("The region."),
    administrator: z
      .string()
      .optional()
      .describe("The Security Hub administrator account designated in this region (none: absent)."),
    hubEnabled: z
      .boolean()
      .optional()
      .describe("Whether Security Hub is enabled in the administrator account."),
    standards: z
      .array(z.string())
      .max(50)
      .optional()
      .describe("The standards enabled in the administrator account (name version: status)."),
    disabledControls: z
      .array(controlWithReason)
      .max(MAX_DISABLED_CONTROLS)
      .optional()
      .describe(
        "LOCAL: the controls of the spec's standards disabled in the administrator account, with AWS's reason.",
      ),
    membersEnabled: z
      .number()
      .int()
      .optional()
      .describe("Member accounts with Security Hub enabled under the administrator (ListMembers)."),
    accounts: z
      .number()
      .int()
      .optional()
      .describe(
        "Active accounts of the organization besides the administrator: what membersEnabled counts towards.",
      ),
  })
  .describe("Security Hub in one region.");

const atProvider = z
  .object({
    administratorAccountId: z
      .string()
      .optional()
      .describe("The administrator account the spec names, resolved."),
    configurationType: z
      .string()
      .optional()
      .describe("The organization's configuration in the home region: CENTRAL or LOCAL."),
    configurationStatus: z
      .string()
      .optional()
      .describe("Whether AWS has applied it: PENDING, ENABLED or FAILED (with AWS's message)."),
    findingAggregator: z
      .object({
        region: z.string().optional().describe("The aggregation region."),
        regionLinkingMode: z.string().optional().describe("How regions are linked."),
        regions: z.array(z.string()).max(50).optional().describe("The linked regions."),
      })
      .optional()
      .describe("Cross-region aggregation of findings."),
    configurationPolicy: z
      .object({
        id: z.string().optional().describe("The policy's id."),
        name: z.string().optional().describe("The policy's name."),
        serviceEnabled: z.boolean().optional().describe("Whether the policy enables Security Hub."),
        standards: z.array(z.string()).max(50).optional().describe("The standards it enables."),
        disabledControls: z
          .array(z.string())
          .max(MAX_DISABLED_CONTROLS)
          .optional()
          .describe("The controls it disables."),
        targets: z
          .array(
            z
              .object({
                target: z.string().describe("root r-..., or an OU."),
                policy: z
                  .string()
                  .optional()
                  .describe("The policy in force there (SELF_MANAGED_SECURITY_HUB: none)."),
                status: z.string().optional().describe("PENDING, SUCCESS or FAILED (with AWS's message)."),
              })
              .describe("An association."),
          )
          .max(100)
          .optional()
          .describe("The spec's targets and what AWS has associated with each."),
      })
      .optional()
      .describe("CENTRAL: the configuration policy orgguard keeps."),
    regions: z.array(regionStatus).max(50).optional().describe("Per region."),
  })
  .describe("Security Hub as AWS reports it.");

export const securityHubOrganizationStatus = statusSchema(atProvider, {
  configurationPolicyId: z
    .string()
    .optional()
    .describe(
      "CENTRAL: the id of the configuration policy orgguard created or adopted (the record of ownership).",
    ),
  disabledControls: z
    .array(controlWithReason)
    .max(MAX_DISABLED_CONTROLS)
    .optional()
    .describe("The controls this object keeps disabled, each with its reviewed reason (the spec's)."),
});

/** The API definition of the SecurityHubOrganization kind. */
export const securityHubOrganizationApi: ApiDefinition = {
  kind: "SecurityHubOrganization",
  plural: "securityhuborganizations",
  singular: "securityhuborganization",
  shortNames: ["shub"],
  description:
    "AWS Security Hub for the whole organization: the administrator account (Security Hub's EnableOrganizationAdminAccount), Security Hub in every listed region, findings aggregated into a home region, the organization configuration (CENTRAL with a configuration policy, or LOCAL), standards by name and version, and controls disabled with a reason each. One object per organization.",
  spec: securityHubOrganizationSpec,
  status: securityHubOrganizationStatus,
  printerColumns: [
    { name: "Admin", type: "string", jsonPath: ".status.atProvider.administratorAccountId" },
    { name: "Config", type: "string", jsonPath: ".spec.configuration" },
    { name: "Home", type: "string", jsonPath: ".spec.homeRegion" },
  ],
};
