/**
 * GuardDutyOrganization: GuardDuty in every account of the organization ("I highly recommend
 * Security Hub, Config, and GuardDuty at minimum"), administered from one member account. Its
 * delegated administrator is designated by this kind only (see one-place.ts); the administrator's
 * detector, the organization configuration (auto-enable and protection plans) and the members are
 * kept in every selected region, and a member whose monitoring was stopped by hand is monitored
 * again. Deleting the object leaves GuardDuty as it is unless deletionPolicy says Delete.
 */
import { specProblems } from "../../api/problems.js";
import { DEFAULT_ROLE_ARN_TEMPLATE } from "../../aws/clients.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import type { ManagedKind, ManagedObject } from "../../runtime/managed.js";
import {
  type IamStatement,
  iamActionOf,
  inManagementAccount,
  type Kind,
  kindRef,
  reads,
  writes,
} from "../kind-definition.js";
import { organizationPrerequisites, organizationReaderOf } from "../organization.js";
import { GUARDDUTY_PRINCIPAL, guardDutyOrganizationApi, guardDutyOrganizationSpec } from "./api.js";
import { GuardDutyOrganizationClient } from "./client.js";
import { sdkGuardDutyApi } from "./guardduty-api.js";

/** Designation, from the management account. */
const DESIGNATION_READS = inManagementAccount(reads("guardduty", "ListOrganizationAdminAccounts"));
const DESIGNATION_WRITES = inManagementAccount(
  writes("guardduty", "EnableOrganizationAdminAccount", "DisableOrganizationAdminAccount"),
);
/** In the administrator account: its detector, the organization configuration, the members. */
const ADMIN_READS = reads(
  "guardduty",
  "ListDetectors",
  "GetDetector",
  "DescribeOrganizationConfiguration",
  "ListMembers",
);
const ADMIN_WRITES = writes(
  "guardduty",
  "CreateDetector",
  "UpdateDetector",
  "UpdateOrganizationConfiguration",
  "CreateMembers",
  "StartMonitoringMembers",
);
const ORGANIZATION_READS = inManagementAccount(
  reads("organizations", ...ORGANIZATION_VIEW_OPERATIONS, "ListAccounts"),
);
/** The regions enabled in the administrator account, when the spec names none. */
const REGION_READS = reads("account", "ListRegions");

/** The role the management account assumes in the administrator account (any account). */
const MEMBER_ROLE = DEFAULT_ROLE_ARN_TEMPLATE.replaceAll("${accountId}", "*").replaceAll(
  "${partition}",
  "aws",
);
const BY_GUARDDUTY = { StringEquals: { "organizations:ServicePrincipal": GUARDDUTY_PRINCIPAL } };

/** What the administrator account's role needs (also the controller's own, if it is the administrator). */
const ADMIN_IAM: IamStatement[] = [
  {
    sid: "GuardDutyAdministrator",
    actions: [...ADMIN_READS, ...ADMIN_WRITES, ...REGION_READS].map(iamActionOf),
  },
  // CreateDetector makes GuardDuty's service-linked roles the first time (AWS GuardDuty User Guide).
  {
    sid: "GuardDutyServiceLinkedRoles",
    actions: ["iam:CreateServiceLinkedRole"],
    resources: ["arn:aws:iam::*:role/aws-service-role/*guardduty.amazonaws.com/*"],
    condition: {
      StringEquals: {
        "iam:AWSServiceName": [GUARDDUTY_PRINCIPAL, `malware-protection.${GUARDDUTY_PRINCIPAL}`],
      },
    },
  },
];

/** What deleting the object undoes: with Delete, the designations orgguard made. */
function destructive(object: ManagedObject): string | undefined {
  const parsed = guardDutyOrganizationSpec.safeParse(object.spec);
  if (!parsed.success || parsed.data.deletionPolicy !== "Delete") return undefined;
  const admin = parsed.data.administrator.accountId ?? parsed.data.administrator.accountName;
  return `deleting ${object.metadata.name} removes ${admin} as GuardDuty's delegated administrator in the regions orgguard designated it: every member account is disassociated from it (their detectors stay; findings are no longer gathered there)`;
}

/** Whether a GuardDuty API call event may concern the object: made in one of its regions. */
function inRegions(region: string, object: ManagedObject): boolean {
  const listed = Array.isArray(object.status?.regions) ? object.status.regions : object.spec.regions;
  return !Array.isArray(listed) || region === "" || listed.includes(region);
}

export const guardDutyOrganizationKind: Kind = {
  api: guardDutyOrganizationApi,
  posture: { scope: "organization" },
  operations: [
    ...DESIGNATION_READS,
    ...ADMIN_READS,
    ...ORGANIZATION_READS,
    ...REGION_READS,
    ...DESIGNATION_WRITES,
    ...ADMIN_WRITES,
  ],
  iam: {
    management: [
      {
        sid: "GuardDutyDesignation",
        actions: [...DESIGNATION_READS, ...DESIGNATION_WRITES].map(iamActionOf),
      },
      { sid: "GuardDutyReadsTheOrganization", actions: ORGANIZATION_READS.map(iamActionOf) },
      // What GuardDuty checks of the caller that designates its administrator (AWS GuardDuty User
      // Guide, "Permissions required to designate a delegated GuardDuty administrator account"):
      // it enables trusted access and registers the account itself, for GuardDuty only.
      {
        sid: "GuardDutyEnablesItsOwnTrustedAccess",
        actions: ["organizations:EnableAWSServiceAccess"],
        condition: BY_GUARDDUTY,
      },
      {
        sid: "GuardDutyRegistersItsOwnAdministrator",
        actions: ["organizations:RegisterDelegatedAdministrator"],
        resources: ["arn:aws:organizations::*:account/o-*/*"],
        condition: BY_GUARDDUTY,
      },
      {
        sid: "GuardDutyReadsItsIntegration",
        actions: [
          "organizations:ListDelegatedAdministrators",
          "organizations:ListAWSServiceAccessForOrganization",
          "organizations:DescribeOrganizationalUnit",
          "organizations:DescribeAccount",
        ],
      },
      { sid: "ReachMemberAccounts", actions: ["sts:AssumeRole"], resources: [MEMBER_ROLE] },
      ...ADMIN_IAM,
    ],
    member: ADMIN_IAM,
  },
  events: {
    // Calls orgguard never makes that undo what the kind keeps.
    alsoChangedBy: [
      "guardduty:StopMonitoringMembers",
      "guardduty:DisassociateMembers",
      "guardduty:DeleteMembers",
      "guardduty:DeleteDetector",
    ],
    concerns: (event, object) => inRegions(event.region, object),
  },
  runtime: {
    type: "managed",
    managed: (context): ManagedKind => ({
      ref: kindRef(guardDutyOrganizationApi),
      validate: (object) => specProblems(guardDutyOrganizationSpec, object.spec),
      // One organization, one GuardDuty administrator: a second object would fight over it.
      claim: () => "GuardDuty organization",
      destructive,
      // Its administrator account (an Account object may create it) and trusted access.
      waitsFor: organizationPrerequisites(context),
      connect: async (_object, { signal }) => {
        const aws = context.aws.bind(signal);
        const management = await aws.ownAccountId();
        const api = sdkGuardDutyApi(
          (accountId, region) => aws.forAccount("guardduty", { accountId, region }),
          management,
          aws.organizations(),
        );
        return new GuardDutyOrganizationClient(api, {
          organization: organizationReaderOf(context),
          regionsOf: (accountId) => context.regions.enabledIn({ accountId }),
          organizationObjects: () => context.objectsOf?.("Organization") ?? [],
        });
      },
    }),
  },
};
