/**
 * OrganizationTrail: the CloudTrail organization trail the seeds ask for ("Set up CloudTrail.
 * Funnel logs into a super-secure logging account"), created in the controller's own account
 * (the management account) and kept as declared: stopped by hand it is started again, changed by
 * hand it is changed back, and its StopLogging, UpdateTrail or DeleteTrail API call event wakes it
 * at once. Deleting the object leaves the trail logging unless deletionPolicy says Delete.
 */
import { specProblems } from "../../api/problems.js";
import { requestParameter } from "../../aws/api-call-events.js";
import { partitionOf } from "../../aws/clients.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import type { ManagedKind, ManagedObject } from "../../runtime/managed.js";
import { iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { organizationPrerequisites, organizationReaderOf } from "../organization.js";
import { organizationTrailApi, organizationTrailSpec } from "./api.js";
import { TrailClient } from "./client.js";
import { CLOUDTRAIL_PRINCIPAL } from "./compare.js";
import { sdkTrailApi } from "./trail-api.js";

const TRAIL_READS = reads("cloudtrail", "GetTrail", "ListTags", "GetTrailStatus", "GetEventSelectors");
const ORGANIZATION_READS = reads(
  "organizations",
  ...ORGANIZATION_VIEW_OPERATIONS,
  "ListAWSServiceAccessForOrganization",
);
const CREATES = writes("cloudtrail", "CreateTrail", "AddTags");
const CHANGES = writes("cloudtrail", "UpdateTrail", "PutEventSelectors", "StartLogging", "DeleteTrail");

/** Any trail, in any region and account (the trail's name is the spec's, which IAM cannot know). */
const TRAIL_ARNS = ["arn:aws:cloudtrail:*:*:trail/*"];
const TAG = "orgguard.io/managed-by";

/** What deleting the object destroys: with Delete, the trail itself (the logs already delivered stay). */
function destructive(object: ManagedObject): string | undefined {
  const parsed = organizationTrailSpec.safeParse(object.spec);
  if (!parsed.success || parsed.data.deletionPolicy !== "Delete") return undefined;
  return `deleting ${object.metadata.name} DELETES organization trail ${parsed.data.trailName}: CloudTrail stops logging every account of the organization (the logs already in s3://${parsed.data.s3Bucket.name} stay)`;
}

/** Whether a CloudTrail API call event names this object's trail (by name or ARN). */
function namesTrail(name: string | undefined, object: ManagedObject): boolean {
  const trail = typeof object.spec.trailName === "string" ? object.spec.trailName : undefined;
  if (name === undefined || trail === undefined) return true;
  return name === trail || name.endsWith(`:trail/${trail}`);
}

export const organizationTrailKind: Kind = {
  api: organizationTrailApi,
  posture: { scope: "organization" },
  operations: [...TRAIL_READS, ...ORGANIZATION_READS, ...CREATES, ...CHANGES],
  iam: {
    management: [
      { sid: "ReadTrails", actions: TRAIL_READS.map(iamActionOf), resources: TRAIL_ARNS },
      { sid: "TrailsReadTheOrganization", actions: ORGANIZATION_READS.map(iamActionOf) },
      // A new trail must carry orgguard's tag, and tags are added only as orgguard's (an adopted
      // trail is tagged before anything else is written to it).
      {
        sid: "CreateOnlyTrailsTaggedAsOrgguards",
        actions: CREATES.map(iamActionOf),
        resources: TRAIL_ARNS,
        condition: { StringEquals: { [`aws:RequestTag/${TAG}`]: "orgguard" } },
      },
      // Updates, StartLogging and deletion only of trails tagged as orgguard's.
      {
        sid: "ChangeOnlyOrgguardsOwnTrails",
        actions: CHANGES.map(iamActionOf),
        resources: TRAIL_ARNS,
        condition: { StringEquals: { [`aws:ResourceTag/${TAG}`]: "orgguard" } },
      },
      // What CloudTrail itself checks of the caller that creates an organization trail (AWS
      // CloudTrail User Guide, "Prepare for creating a trail for your organization"): its
      // service-linked role, made at the first organization trail.
      {
        sid: "CloudTrailServiceLinkedRole",
        actions: ["iam:CreateServiceLinkedRole", "iam:GetRole"],
        resources: ["arn:aws:iam::*:role/aws-service-role/cloudtrail.amazonaws.com/*"],
        condition: { StringEquals: { "iam:AWSServiceName": CLOUDTRAIL_PRINCIPAL } },
      },
      // The role CloudTrail assumes to write to CloudWatch Logs (spec.cloudWatchLogs.roleArn).
      {
        sid: "PassRoleToCloudTrail",
        actions: ["iam:PassRole"],
        condition: { StringEquals: { "iam:PassedToService": CLOUDTRAIL_PRINCIPAL } },
      },
    ],
    member: [],
  },
  events: {
    // StopLogging is never orgguard's own call: it is what the kind undoes.
    alsoChangedBy: ["cloudtrail:StopLogging"],
    concerns: (event, object) =>
      namesTrail(requestParameter(event, "name") ?? requestParameter(event, "trailName"), object),
  },
  runtime: {
    type: "managed",
    managed: (context): ManagedKind => ({
      ref: kindRef(organizationTrailApi),
      validate: (object) => specProblems(organizationTrailSpec, object.spec),
      // One trail of a name per account and region: two objects naming it would fight over it.
      claim: (object) =>
        typeof object.spec.trailName === "string" && typeof object.spec.homeRegion === "string"
          ? `trail ${object.spec.trailName} in ${object.spec.homeRegion}`
          : undefined,
      destructive,
      // CloudTrail's trusted access, which the Organization object enables.
      waitsFor: organizationPrerequisites(context),
      connect: async (object, { signal }) => {
        const aws = context.aws.bind(signal);
        const accountId = await aws.ownAccountId();
        const region = typeof object.spec.homeRegion === "string" ? object.spec.homeRegion : undefined;
        const cloudtrail = await aws.forAccount("cloudtrail", { accountId, ...(region ? { region } : {}) });
        return new TrailClient(
          sdkTrailApi(cloudtrail, aws.organizations()),
          organizationReaderOf(context),
          { accountId, partition: partitionOf(region ?? "us-east-1") },
          () => context.objectsOf?.("Organization") ?? [],
        );
      },
    }),
  },
};
