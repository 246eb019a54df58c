/**
 * CentralizedRootAccess: IAM's centralized root access for the organization's member accounts, as
 * a kind of its own (organization level, one object per organization). It reads trusted access for
 * iam.amazonaws.com (the Organization kind's spec.trustedAccess gives it: this kind says so when it
 * is missing), enables root credentials management and root sessions, audits each member's root
 * credentials in a root session (sts:AssumeRoot, AWS's IAMAuditRootUserCredentials task policy),
 * and deletes them only with deleteMemberRootCredentials (IAMDeleteRootUserCredentials), each
 * deletion listed by plan. It never disables a feature or restores a credential.
 */
import { specProblems } from "../../api/problems.js";
import { type ApiCallEvent, requestParameter } from "../../aws/api-call-events.js";
import { abortable, partitionOf } from "../../aws/clients.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import type { ManagedKind, ManagedObject } from "../../runtime/managed.js";
import { type AwsOperation, iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { organizationReaderOf } from "../organization.js";
import { centralizedRootAccessApi, centralizedRootAccessSpec, observedRootAccess } from "./api.js";
import { AuditCache, IAM_PRINCIPAL, RootAccessClient } from "./client.js";
import { sdkRootAccessApi } from "./root-access-api.js";

const READS = [
  ...reads("organizations", ...ORGANIZATION_VIEW_OPERATIONS, "ListAWSServiceAccessForOrganization"),
  ...reads("iam", "ListOrganizationsFeatures"),
  // A root session into a member account: like AssumeRole, it changes nothing by itself.
  ...reads("sts", "AssumeRoot"),
];
const FEATURE_WRITES = writes(
  "iam",
  "EnableOrganizationsRootCredentialsManagement",
  "EnableOrganizationsRootSessions",
);

/** Calls made as a member's root user, in a root session: its task policy authorizes them. */
const rootSession = (ops: AwsOperation[]): AwsOperation[] => ops.map((op) => ({ ...op, rootSession: true }));
const ROOT_SESSION_OPERATIONS = [
  ...rootSession(
    reads("iam", "GetLoginProfile", "ListAccessKeys", "ListMFADevices", "ListSigningCertificates"),
  ),
  ...rootSession(
    writes("iam", "DeleteLoginProfile", "DeleteAccessKey", "DeactivateMFADevice", "DeleteSigningCertificate"),
  ),
];

/** AWS's root task policies the kind uses: the audit one always, the delete one for deleteMemberRootCredentials. */
const TASK_POLICIES = ["IAMAuditRootUserCredentials", "IAMDeleteRootUserCredentials"].map(
  (task) => `arn:aws:iam::aws:policy/root-task/${task}`,
);

/** The IAM and Organizations events that concern the object: its features, and iam.amazonaws.com's trusted access. */
function concerns(event: ApiCallEvent): boolean {
  if (event.eventSource === "organizations.amazonaws.com")
    return requestParameter(event, "servicePrincipal") === IAM_PRINCIPAL;
  return true;
}

/** What the object destroys while it exists: member root credentials, when it says so. */
export function destructive(object: ManagedObject): string | undefined {
  const parsed = centralizedRootAccessSpec.safeParse(object.spec);
  if (
    !parsed.success ||
    !parsed.data.deleteMemberRootCredentials ||
    parsed.data.managementPolicy !== "Enforce"
  )
    return undefined;
  return `while ${object.metadata.name} has deleteMemberRootCredentials: true, Enforce DELETES the root user's password, access keys, MFA devices and signing certificates in every member account that has any (${parsed.data.exceptions.length} excepted); orgguard cannot restore them`;
}

export const centralizedRootAccessKind: Kind = {
  api: centralizedRootAccessApi,
  posture: { scope: "organization" },
  operations: [...READS, ...FEATURE_WRITES, ...ROOT_SESSION_OPERATIONS],
  iam: {
    management: [
      {
        sid: "ReadCentralizedRootAccess",
        actions: [...new Set(READS.filter((op) => op.service !== "sts").map(iamActionOf))],
      },
      { sid: "EnableCentralizedRootAccess", actions: FEATURE_WRITES.map(iamActionOf) },
      // Root sessions in member accounts, only with AWS's audit and delete task policies: every call
      // made in such a session is authorized by the task policy, not by this role. Drop
      // IAMDeleteRootUserCredentials to make deleting member root credentials impossible.
      {
        sid: "RootSessionsForRootCredentialTasks",
        actions: ["sts:AssumeRoot"],
        resources: ["arn:aws:iam::*:root"],
        condition: { StringEquals: { "sts:TaskPolicyArn": TASK_POLICIES } },
      },
    ],
    member: [],
  },
  events: {
    alsoChangedBy: [
      "iam:DisableOrganizationsRootCredentialsManagement",
      "iam:DisableOrganizationsRootSessions",
      "organizations:DisableAWSServiceAccess",
      "organizations:EnableAWSServiceAccess",
    ],
    concerns,
  },
  runtime: {
    type: "managed",
    managed: (context): ManagedKind => {
      const view = organizationReaderOf(context);
      const cache = new AuditCache();
      return {
        ref: kindRef(centralizedRootAccessApi),
        validate: (object) => specProblems(centralizedRootAccessSpec, object.spec),
        // One organization, one object: a second reports Conflict.
        claim: () => "centralized root access",
        destructive,
        findings: (object) => {
          const parsed = observedRootAccess.safeParse(object.status?.atProvider);
          if (!parsed.success) return undefined;
          return {
            members_with_root_credentials: parsed.data.membersWithRootCredentials ?? 0,
            audit_failures: parsed.data.auditFailureCount ?? 0,
          };
        },
        connect: async (_object, { signal }) => {
          const aws = context.aws.bind(signal);
          const own = { accountId: await aws.ownAccountId() };
          return new RootAccessClient(
            sdkRootAccessApi({
              organizations: aws.organizations(),
              iam: await aws.forAccount("iam", own),
              sts: await aws.forAccount("sts", own),
              rootIam: async (accountId, credentials) =>
                abortable(context.aws.rootIam(accountId, credentials), signal),
              partition: partitionOf(context.aws.options.region),
            }),
            view,
            cache,
          );
        },
      };
    },
  },
};
