/**
 * The ConfigAggregator kind's API: one AWS Config organization aggregator (every account of the
 * organization, all regions or those listed) in the Config administrator account, with the IAM
 * role AWS Config assumes to read the organization's accounts.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import { deletionPolicy, isSet, managementPolicy, statusSchema, withRules } from "../../api/common.js";
import type { ManagedSpec } from "../../runtime/managed.js";
import { administratorAccount } from "../administrator-account.js";
import { regionName } from "../setting/regions.js";

/** AWS Config's service principal (trusted access and the delegated administrator of aggregators). */
export const CONFIG_PRINCIPAL = "config.amazonaws.com";
/** The AWS managed policy an organization aggregator's role needs. */
export const AGGREGATOR_ROLE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSConfigRoleForOrganizations";
/** The role orgguard creates when the spec names none. */
export const DEFAULT_ROLE_NAME = "orgguard-config-aggregator";
/** Tags orgguard writes itself to prove ownership; users may not set them. */
const RESERVED_TAG_PREFIX = "orgguard.io/";
/** AWS Config allows 50 tags on an aggregator; orgguard's ownership tags take 3. */
const MAX_USER_TAGS = 47;

const ROLE_KEYS = ["roleName", "roleArn"] as const;

export const configAggregatorSpec = withRules(
  z
    .strictObject({
      administrator: administratorAccount(
        "account the aggregator is kept in: the management account, or a member registered as delegated administrator of config.amazonaws.com",
      )
        .optional()
        .describe(
          "The account the aggregator is kept in. Absent: the controller's own account (the management account). A member account must be registered as delegated administrator of config.amazonaws.com (the Organization object's spec.delegatedAdministrators).",
        ),
      region: regionName.describe(
        "The region the aggregator lives in (it aggregates every region it is given, wherever it lives).",
      ),
      aggregatorName: z
        .string()
        .min(1)
        .max(256)
        .regex(/^[\w-]+$/, "must be letters, digits, _ and -")
        .optional()
        .describe("The aggregator's name in AWS Config. Absent: metadata.name."),
      regions: z
        .array(regionName)
        .min(1)
        .max(50)
        .meta({ "x-kubernetes-list-type": "set" })
        .optional()
        .describe(
          "The regions to aggregate. Absent: all regions, those AWS adds later included (AllAwsRegions).",
        ),
      roleName: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[\w+=,.@-]+$/, "must be an IAM role name")
        .optional()
        .describe(
          `The IAM role AWS Config assumes to read the organization, created and kept by orgguard in the aggregator's account (trusting config.amazonaws.com, with the AWS managed policy AWSConfigRoleForOrganizations). Default: ${DEFAULT_ROLE_NAME}. Exclusive with roleArn.`,
        ),
      roleArn: z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN")
        .optional()
        .describe(
          "An IAM role you keep yourself for AWS Config to assume (orgguard never changes it). Exclusive with roleName.",
        ),
      tags: z
        .record(z.string().min(1).max(128), z.string().max(256))
        .optional()
        .describe(
          "Tags on the aggregator (and the role orgguard creates). Only these keys (and orgguard's ownership tags) are kept; others are left alone.",
        ),
      managementPolicy,
      deletionPolicy: deletionPolicy.describe(
        "What happens in AWS when this object is deleted. Retain (the default) leaves the aggregator and its role; Delete deletes the aggregator and the role orgguard created (aggregated data is not deleted: each account keeps its own).",
      ),
    })
    .describe("An AWS Config organization aggregator and its role."),
  [
    {
      cel: `[${ROLE_KEYS.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() <= 1`,
      message: "at most one of roleName or roleArn",
      holds: (s) => ROLE_KEYS.filter((k) => isSet(s[k])).length <= 1,
    },
    {
      cel: `!has(self.tags) || self.tags.size() <= ${MAX_USER_TAGS}`,
      message: `at most ${MAX_USER_TAGS} tags (AWS Config allows 50; orgguard's ownership tags take 3)`,
      fieldPath: ".tags",
      holds: (s) => Object.keys(s.tags ?? {}).length <= MAX_USER_TAGS,
    },
    {
      cel: `!has(self.tags) || self.tags.all(k, !k.startsWith('${RESERVED_TAG_PREFIX}'))`,
      message: `tag keys starting with ${RESERVED_TAG_PREFIX} are reserved for orgguard's ownership tags`,
      fieldPath: ".tags",
      holds: (s) => Object.keys(s.tags ?? {}).every((k) => !k.startsWith(RESERVED_TAG_PREFIX)),
    },
  ],
);

export type ConfigAggregatorSpec = z.output<typeof configAggregatorSpec> & ManagedSpec;

export const parseConfigAggregatorSpec = (value: unknown): ConfigAggregatorSpec =>
  configAggregatorSpec.parse(value) as ConfigAggregatorSpec;

const atProvider = z
  .object({
    accountId: z.string().optional().describe("The account the aggregator is in."),
    region: z.string().optional().describe("Its region."),
    arn: z.string().optional().describe("The aggregator's ARN."),
    organizationWide: z
      .boolean()
      .optional()
      .describe("Whether it aggregates the organization (false: an aggregator of listed accounts)."),
    allRegions: z.boolean().optional().describe("Whether it aggregates all regions."),
    regions: z.array(z.string()).max(50).optional().describe("The regions it aggregates, when not all."),
    roleArn: z.string().optional().describe("The role AWS Config assumes."),
    roleReady: z
      .boolean()
      .optional()
      .describe(
        "The role orgguard keeps: whether it trusts config.amazonaws.com and has AWSConfigRoleForOrganizations.",
      ),
  })
  .describe("The aggregator as AWS Config reports it.");

export const configAggregatorStatus = statusSchema(atProvider, {
  aggregatorArn: z
    .string()
    .optional()
    .describe(
      "The ARN of the aggregator orgguard created or adopted: with the ownership tags, what makes it this object's (a put by hand may drop its tags).",
    ),
});

export const configAggregatorApi: ApiDefinition = {
  kind: "ConfigAggregator",
  plural: "configaggregators",
  singular: "configaggregator",
  shortNames: ["configagg"],
  description:
    "An AWS Config organization aggregator: one view of every account's configuration and compliance, across all regions (or those listed), in the management account or Config's delegated administrator, with the IAM role AWS Config assumes to read the organization.",
  spec: configAggregatorSpec,
  status: configAggregatorStatus,
  printerColumns: [
    { name: "Account", type: "string", jsonPath: ".status.atProvider.accountId" },
    { name: "Region", type: "string", jsonPath: ".spec.region" },
    { name: "All-Regions", type: "boolean", jsonPath: ".status.atProvider.allRegions" },
  ],
};
