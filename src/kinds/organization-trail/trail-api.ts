/**
 * The AWS calls the OrganizationTrail kind makes, as a narrow interface: the kind's decisions
 * (client.ts) are tested in-process against a fake of it, and against moto through the SDK
 * implementation below. Errors are AWS's own; the kind decides what they mean.
 */
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import {
  type OrganizationsClient,
  paginateListAWSServiceAccessForOrganization,
} from "@aws-sdk/client-organizations";
import { required } from "../../aws/aws-errors.js";
import { cloudTrailSdk } from "../../aws/clients.js";
import type { EventSelector, TrailRecord, TrailSelectors, TrailSettings, TrailState } from "./compare.js";

/** Every call the kind makes (declared in index.ts). */
export interface TrailApi {
  /** GetTrail in the trail's home region; AWS's TrailNotFoundException when there is none. */
  getTrail(name: string): Promise<TrailRecord>;
  /** The trail's tags (ListTags). */
  tagsOf(arn: string): Promise<Record<string, string>>;
  /** GetTrailStatus: logging, and the last delivery errors. */
  status(arn: string): Promise<TrailState>;
  /** GetEventSelectors. */
  selectors(arn: string): Promise<TrailSelectors>;
  /** CreateTrail (an organization trail, multi-region, validated, global events) with tags; its ARN. */
  create(name: string, settings: TrailSettings, tags: Record<string, string>): Promise<string>;
  /** UpdateTrail with every setting (absent ones cleared) and the fixed flags. */
  update(arn: string, settings: TrailSettings): Promise<void>;
  addTags(arn: string, tags: Record<string, string>): Promise<void>;
  putSelector(arn: string, selector: EventSelector): Promise<void>;
  startLogging(arn: string): Promise<void>;
  /** DeleteTrail, by name (moto finds a trail to delete by its name only). */
  deleteTrail(name: string): Promise<void>;
  /** The service principals with trusted access in the organization (ListAWSServiceAccessForOrganization). */
  trustedAccess(): Promise<string[]>;
}

const SERVICE = "AWS CloudTrail";
const text = (v: string | undefined | null): string | undefined => (v ? v : undefined);

/** The fixed flags of every organization trail orgguard keeps. */
const ORGANIZATION_TRAIL = {
  IsOrganizationTrail: true,
  IsMultiRegionTrail: true,
  IncludeGlobalServiceEvents: true,
  EnableLogFileValidation: true,
} as const;

/** The TrailApi of a CloudTrail client in the trail's home region, and the Organizations client. */
export function sdkTrailApi(cloudtrail: CloudTrailClient, org: OrganizationsClient): TrailApi {
  return {
    async getTrail(name) {
      const { GetTrailCommand } = await cloudTrailSdk();
      const trail = required(
        (await cloudtrail.send(new GetTrailCommand({ Name: name }))).Trail,
        `trail ${name}`,
        SERVICE,
      );
      const record: TrailRecord = {
        name: required(trail.Name, `the name of trail ${name}`, SERVICE),
        arn: required(trail.TrailARN, `the ARN of trail ${name}`, SERVICE),
        homeRegion: text(trail.HomeRegion) ?? "",
        bucket: text(trail.S3BucketName) ?? "",
        isOrganizationTrail: trail.IsOrganizationTrail === true,
        isMultiRegionTrail: trail.IsMultiRegionTrail === true,
        includeGlobalServiceEvents: trail.IncludeGlobalServiceEvents === true,
        logFileValidationEnabled: trail.LogFileValidationEnabled === true,
      };
      const optional = {
        keyPrefix: text(trail.S3KeyPrefix),
        kmsKeyId: text(trail.KmsKeyId),
        logGroupArn: text(trail.CloudWatchLogsLogGroupArn),
        logRoleArn: text(trail.CloudWatchLogsRoleArn),
      };
      for (const [key, value] of Object.entries(optional)) if (value) Object.assign(record, { [key]: value });
      return record;
    },
    async tagsOf(arn) {
      const { ListTagsCommand } = await cloudTrailSdk();
      const out = await cloudtrail.send(new ListTagsCommand({ ResourceIdList: [arn] }));
      const tags = out.ResourceTagList?.find((r) => r.ResourceId === arn)?.TagsList ?? [];
      return Object.fromEntries(tags.flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : [])));
    },
    async status(arn) {
      const { GetTrailStatusCommand } = await cloudTrailSdk();
      const out = await cloudtrail.send(new GetTrailStatusCommand({ Name: arn }));
      const state: TrailState = { isLogging: out.IsLogging === true };
      const errors = {
        latestDeliveryError: text(out.LatestDeliveryError),
        latestDigestDeliveryError: text(out.LatestDigestDeliveryError),
        latestCloudWatchLogsDeliveryError: text(out.LatestCloudWatchLogsDeliveryError),
      };
      for (const [key, value] of Object.entries(errors)) if (value) Object.assign(state, { [key]: value });
      return state;
    },
    async selectors(arn) {
      const { GetEventSelectorsCommand } = await cloudTrailSdk();
      const out = await cloudtrail.send(new GetEventSelectorsCommand({ TrailName: arn }));
      return {
        basic: (out.EventSelectors ?? []).map((s) => ({
          readWriteType: s.ReadWriteType ?? "All",
          includeManagementEvents: s.IncludeManagementEvents ?? true,
          excludeManagementEventSources: s.ExcludeManagementEventSources ?? [],
          dataResources: (s.DataResources ?? []).map((d) => ({ type: d.Type ?? "", values: d.Values ?? [] })),
        })),
        advanced: (out.AdvancedEventSelectors ?? []).length,
      };
    },
    async create(name, settings, tags) {
      const { CreateTrailCommand } = await cloudTrailSdk();
      const out = await cloudtrail.send(
        new CreateTrailCommand({
          Name: name,
          ...ORGANIZATION_TRAIL,
          S3BucketName: settings.bucket,
          ...(settings.keyPrefix ? { S3KeyPrefix: settings.keyPrefix } : {}),
          ...(settings.kmsKeyId ? { KmsKeyId: settings.kmsKeyId } : {}),
          ...(settings.logGroupArn ? { CloudWatchLogsLogGroupArn: settings.logGroupArn } : {}),
          ...(settings.logRoleArn ? { CloudWatchLogsRoleArn: settings.logRoleArn } : {}),
          TagsList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      return required(out.TrailARN, `the ARN of the new trail ${name}`, SERVICE);
    },
    async update(arn, settings) {
      const { UpdateTrailCommand } = await cloudTrailSdk();
      // UpdateTrail changes only what it is sent; "" clears a setting the spec no longer names.
      await cloudtrail.send(
        new UpdateTrailCommand({
          Name: arn,
          ...ORGANIZATION_TRAIL,
          S3BucketName: settings.bucket,
          S3KeyPrefix: settings.keyPrefix ?? "",
          KmsKeyId: settings.kmsKeyId ?? "",
          CloudWatchLogsLogGroupArn: settings.logGroupArn ?? "",
          CloudWatchLogsRoleArn: settings.logRoleArn ?? "",
        }),
      );
    },
    async addTags(arn, tags) {
      const { AddTagsCommand } = await cloudTrailSdk();
      await cloudtrail.send(
        new AddTagsCommand({
          ResourceId: arn,
          TagsList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
    },
    async putSelector(arn, selector) {
      const { PutEventSelectorsCommand } = await cloudTrailSdk();
      await cloudtrail.send(
        new PutEventSelectorsCommand({
          TrailName: arn,
          EventSelectors: [
            {
              // The spec always asks for management events read and write.
              ReadWriteType: "All",
              IncludeManagementEvents: selector.includeManagementEvents,
              ExcludeManagementEventSources: selector.excludeManagementEventSources,
              DataResources: selector.dataResources.map((d) => ({ Type: d.type, Values: d.values })),
            },
          ],
        }),
      );
    },
    async startLogging(arn) {
      const { StartLoggingCommand } = await cloudTrailSdk();
      await cloudtrail.send(new StartLoggingCommand({ Name: arn }));
    },
    async deleteTrail(name) {
      const { DeleteTrailCommand } = await cloudTrailSdk();
      await cloudtrail.send(new DeleteTrailCommand({ Name: name }));
    },
    async trustedAccess() {
      const principals: string[] = [];
      for await (const page of paginateListAWSServiceAccessForOrganization({ client: org }, {})) {
        for (const p of page.EnabledServicePrincipals ?? [])
          if (p.ServicePrincipal) principals.push(p.ServicePrincipal);
      }
      return principals;
    },
  };
}
