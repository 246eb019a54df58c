/**
 * ConfigAggregator: one AWS Config organization aggregator, in the management account or Config's
 * delegated administrator, with the IAM role AWS Config assumes to read the organization. The AWS
 * operations it calls, the IAM statements they need, the API call events that concern it, and the
 * managed kind the controller drives.
 */
import { specProblems } from "../../api/problems.js";
import { DEFAULT_ROLE_ARN_TEMPLATE } from "../../aws/clients.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import { sdkServiceIntegration } from "../../aws/service-integration.js";
import type { ManagedKind, ManagedObject } from "../../runtime/managed.js";
import { type IamStatement, iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { organizationPrerequisites, organizationReaderOf } from "../organization.js";
import { sdkAggregatorApi, sdkRoleApi } from "./aggregator-api.js";
import {
  AGGREGATOR_ROLE_POLICY,
  CONFIG_PRINCIPAL,
  configAggregatorApi,
  configAggregatorSpec,
} from "./api.js";
import { ConfigAggregatorClient } from "./client.js";

const ORGANIZATIONS_READS = reads(
  "organizations",
  ...ORGANIZATION_VIEW_OPERATIONS,
  "ListAWSServiceAccessForOrganization",
  "ListDelegatedAdministrators",
  "ListDelegatedServicesForAccount",
);
const CONFIG_READS = reads("config", "DescribeConfigurationAggregators", "ListTagsForResource");
const CONFIG_WRITES = writes(
  "config",
  "PutConfigurationAggregator",
  "TagResource",
  "DeleteConfigurationAggregator",
);
const ROLE_READS = reads("iam", "GetRole", "ListAttachedRolePolicies");
const ROLE_WRITES = writes(
  "iam",
  "CreateRole",
  "TagRole",
  "UpdateAssumeRolePolicy",
  "AttachRolePolicy",
  "DetachRolePolicy",
  "DeleteRole",
);

const MEMBER_ROLE_PATTERN = DEFAULT_ROLE_ARN_TEMPLATE.replaceAll("${accountId}", "*").replaceAll(
  "${partition}",
  "aws",
);
const OWNED = { StringEquals: { "aws:ResourceTag/orgguard.io/managed-by": "orgguard" } };

/** The statements the aggregator's account needs (the management account's own, or a member's role). */
const AGGREGATOR_ACCOUNT: IamStatement[] = [
  // Organizations is read from the management account; the generated policies give a kind acting
  // in members all of its actions in both.
  { sid: "ConfigAggregatorReadTheOrganization", actions: ORGANIZATIONS_READS.map(iamActionOf) },
  {
    sid: "ConfigOrganizationAggregator",
    actions: [...CONFIG_READS, ...CONFIG_WRITES, ...ROLE_READS].map(iamActionOf),
  },
  // The role orgguard creates carries its tag from the start (CreateRole with tags needs TagRole).
  {
    sid: "ConfigAggregatorRoleCreatedTagged",
    actions: ["iam:CreateRole", "iam:TagRole"],
    condition: { StringEquals: { "aws:RequestTag/orgguard.io/managed-by": "orgguard" } },
  },
  // Changed and deleted only while it carries orgguard's tag; only AWS Config's managed policy.
  {
    sid: "ConfigAggregatorRoleOwned",
    actions: ["iam:UpdateAssumeRolePolicy", "iam:DeleteRole"],
    resources: ["arn:aws:iam::*:role/*"],
    condition: OWNED,
  },
  {
    sid: "ConfigAggregatorRolePolicy",
    actions: ["iam:AttachRolePolicy", "iam:DetachRolePolicy"],
    resources: ["arn:aws:iam::*:role/*"],
    condition: { ArnEquals: { "iam:PolicyARN": AGGREGATOR_ROLE_POLICY } },
  },
  // PutConfigurationAggregator hands the role to AWS Config.
  {
    sid: "ConfigAggregatorPassesItsRole",
    actions: ["iam:PassRole"],
    condition: { StringEquals: { "iam:PassedToService": CONFIG_PRINCIPAL } },
  },
];

export const configAggregatorKind: Kind = {
  api: configAggregatorApi,
  posture: { scope: "organization" },
  operations: [...ORGANIZATIONS_READS, ...CONFIG_READS, ...CONFIG_WRITES, ...ROLE_READS, ...ROLE_WRITES],
  iam: {
    management: [
      ...AGGREGATOR_ACCOUNT,
      { sid: "ReachTheConfigAdministrator", actions: ["sts:AssumeRole"], resources: [MEMBER_ROLE_PATTERN] },
    ],
    member: AGGREGATOR_ACCOUNT,
  },
  events: {
    concerns: (event, object: ManagedObject) => {
      const account =
        typeof object.status?.atProvider === "object" && object.status.atProvider !== null
          ? (object.status.atProvider as { accountId?: unknown }).accountId
          : undefined;
      return typeof account !== "string" || account === event.account;
    },
  },
  runtime: {
    type: "managed",
    managed: (context): ManagedKind => ({
      ref: kindRef(configAggregatorApi),
      validate: (object) => specProblems(configAggregatorSpec, object.spec),
      // The account it lives in (an Account object may create it) and trusted access.
      waitsFor: organizationPrerequisites(context),
      connect: async (_object, { signal }) => {
        const aws = context.aws.bind(signal);
        return new ConfigAggregatorClient(
          {
            integration: sdkServiceIntegration(aws.organizations()),
            ownAccountId: () => aws.ownAccountId(),
            aggregators: async (accountId, region) =>
              sdkAggregatorApi(await aws.forAccount("config", { accountId, region })),
            roles: async (accountId) => sdkRoleApi(await aws.forAccount("iam", { accountId })),
          },
          organizationReaderOf(context),
        );
      },
    }),
  },
};
