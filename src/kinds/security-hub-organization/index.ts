/**
 * SecurityHubOrganization: AWS Security Hub for the whole organization (one object per
 * organization). The AWS operations it calls, the IAM statements they need, the API call events
 * that concern it, and the managed kind the controller drives.
 */
import { specProblems } from "../../api/problems.js";
import { DEFAULT_ROLE_ARN_TEMPLATE } from "../../aws/clients.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import { sdkServiceIntegration } from "../../aws/service-integration.js";
import type { ManagedKind } from "../../runtime/managed.js";
import {
  type AwsOperation,
  type IamStatement,
  iamActionOf,
  type Kind,
  kindRef,
  reads,
  writes,
} from "../kind-definition.js";
import { organizationPrerequisites, organizationReaderOf } from "../organization.js";
import { SECURITY_HUB_PRINCIPAL, securityHubOrganizationApi, securityHubOrganizationSpec } from "./api.js";
import { SECURITY_HUB_CLAIM, SecurityHubClient, type SecurityHubObject } from "./client.js";
import { sdkSecurityHubApi } from "./security-hub-api.js";

const ORGANIZATIONS_READS = reads(
  "organizations",
  ...ORGANIZATION_VIEW_OPERATIONS,
  "ListAWSServiceAccessForOrganization",
  "ListDelegatedAdministrators",
  "ListDelegatedServicesForAccount",
);

/** Made with the management account's credentials (the controller's own). */
const MANAGEMENT_READS = reads(
  "securityhub",
  "ListOrganizationAdminAccounts",
  // The catalogue, to check the spec before the administrator can read it (a cold start).
  "DescribeStandards",
  "ListSecurityControlDefinitions",
);
const MANAGEMENT_WRITES = writes("securityhub", "EnableOrganizationAdminAccount");

/** Made in the administrator account (a member account, through its role). */
const ADMINISTRATOR_READS = reads(
  "securityhub",
  "DescribeHub",
  "DescribeOrganizationConfiguration",
  "DescribeStandards",
  "GetEnabledStandards",
  "ListSecurityControlDefinitions",
  "BatchGetStandardsControlAssociations",
  "ListMembers",
  "ListFindingAggregators",
  "GetFindingAggregator",
  "ListConfigurationPolicies",
  "GetConfigurationPolicy",
  "ListTagsForResource",
  "GetConfigurationPolicyAssociation",
);
const ADMINISTRATOR_WRITES = writes(
  "securityhub",
  "EnableSecurityHub",
  "UpdateOrganizationConfiguration",
  "CreateFindingAggregator",
  "UpdateFindingAggregator",
  "BatchEnableStandards",
  "BatchUpdateStandardsControlAssociations",
  "CreateMembers",
);
/** orgguard's own configuration policy (central configuration). */
const POLICY_WRITES = writes(
  "securityhub",
  "CreateConfigurationPolicy",
  "UpdateConfigurationPolicy",
  "DeleteConfigurationPolicy",
  "StartConfigurationPolicyAssociation",
  "StartConfigurationPolicyDisassociation",
);

const OPERATIONS = [
  ...ORGANIZATIONS_READS,
  ...MANAGEMENT_READS,
  ...MANAGEMENT_WRITES,
  ...ADMINISTRATOR_READS.filter((op) => !MANAGEMENT_READS.some((m) => m.name === op.name)),
  ...ADMINISTRATOR_WRITES,
  ...POLICY_WRITES,
];

const MEMBER_ROLE_PATTERN = DEFAULT_ROLE_ARN_TEMPLATE.replaceAll("${accountId}", "*").replaceAll(
  "${partition}",
  "aws",
);
const POLICY_ARNS = ["arn:aws:securityhub:*:*:configuration-policy/*"];
const actions = (ops: readonly AwsOperation[]) => ops.map(iamActionOf);

/** The statements both policies carry (see iam below). */
const IN_EVERY_ACCOUNT: IamStatement[] = [
  { sid: "SecurityHubReadTheOrganization", actions: actions(ORGANIZATIONS_READS) },
  {
    sid: "SecurityHubForTheOrganization",
    actions: [
      ...new Set(
        actions([...MANAGEMENT_READS, ...MANAGEMENT_WRITES, ...ADMINISTRATOR_READS, ...ADMINISTRATOR_WRITES]),
      ),
    ],
  },
  // orgguard's own configuration policy: it names its policies, so only those resources.
  { sid: "SecurityHubConfigurationPolicies", actions: actions(POLICY_WRITES), resources: POLICY_ARNS },
  // EnableSecurityHub creates Security Hub's service-linked role in the account.
  {
    sid: "SecurityHubServiceLinkedRole",
    actions: ["iam:CreateServiceLinkedRole"],
    condition: { StringEquals: { "iam:AWSServiceName": SECURITY_HUB_PRINCIPAL } },
  },
];

/** One object per organization: two would fight over one administrator and one policy. */
const claim = () => SECURITY_HUB_CLAIM;

export const securityHubOrganizationKind: Kind = {
  api: securityHubOrganizationApi,
  posture: { scope: "organization" },
  operations: OPERATIONS,
  iam: {
    management: [
      ...IN_EVERY_ACCOUNT,
      // EnableOrganizationAdminAccount also registers the administrator in AWS Organizations (and
      // enables trusted access when it is off): organizations:RegisterDelegatedAdministrator and
      // EnableAWSServiceAccess, which the Organization kind's statements already allow.
      {
        sid: "ReachTheSecurityHubAdministrator",
        actions: ["sts:AssumeRole"],
        resources: [MEMBER_ROLE_PATTERN],
      },
    ],
    // The administrator's role: the calls made there (the rest is the management account's, and
    // the generated policies give a kind acting in members all of its actions in both).
    member: IN_EVERY_ACCOUNT,
  },
  events: {
    // What a console user or another tool does that undoes part of what the object keeps.
    alsoChangedBy: [
      "securityhub:DisableSecurityHub",
      "securityhub:DisableOrganizationAdminAccount",
      "securityhub:BatchDisableStandards",
      "securityhub:DeleteFindingAggregator",
      "securityhub:DisassociateMembers",
    ],
    // One object per organization: every Security Hub call that changes what it keeps concerns it.
    concerns: () => true,
  },
  runtime: {
    type: "managed",
    managed: (context): ManagedKind<SecurityHubObject> => ({
      ref: kindRef(securityHubOrganizationApi),
      validate: (object) => specProblems(securityHubOrganizationSpec, object.spec),
      claim,
      // Its administrator account (an Account object may create it) and trusted access.
      waitsFor: organizationPrerequisites(context),
      connect: async (_object, { signal }) => {
        const aws = context.aws.bind(signal);
        return new SecurityHubClient(
          {
            integration: sdkServiceIntegration(aws.organizations()),
            management: async (region) =>
              sdkSecurityHubApi(
                await aws.forAccount("securityhub", { accountId: await aws.ownAccountId(), region }),
              ),
            administrator: async (accountId, region) =>
              sdkSecurityHubApi(await aws.forAccount("securityhub", { accountId, region })),
          },
          organizationReaderOf(context),
        );
      },
    }),
  },
};
