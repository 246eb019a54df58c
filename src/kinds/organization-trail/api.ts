/**
 * The OrganizationTrail kind's API: the CloudTrail organization trail, created in the controller's
 * own account (the management account, or a CloudTrail delegated administrator) and delivering
 * every account's events to a bucket the user keeps (in the log archive account). What the seeds
 * ask for is fixed, not a choice: multi-region, every account of the organization, global service
 * events, log file validation, logging on, management events read and write.
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import { deletionPolicy, managementPolicy, statusSchema, withRules } from "../../api/common.js";
import { regionName } from "../setting/regions.js";

/** The management event sources a trail may leave out (AWS allows these two only). */
export const EXCLUDABLE_EVENT_SOURCES = ["kms.amazonaws.com", "rdsdata.amazonaws.com"] as const;

/** The data event resource types basic event selectors take. */
export const DATA_RESOURCE_TYPES = [
  "AWS::S3::Object",
  "AWS::Lambda::Function",
  "AWS::DynamoDB::Table",
] as const;

/** AWS allows 250 data resources (values) across a trail's basic event selectors. */
export const MAX_DATA_RESOURCE_VALUES = 250;

/**
 * A trail name as CloudTrail allows it: 3 to 128 letters, digits, periods, underscores and dashes,
 * starting and ending with a letter or digit (no two separators in a row: a rule below).
 */
export const trailName = z
  .string()
  .min(3)
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$/,
    "must be 3 to 128 letters, digits, periods, underscores or dashes, starting and ending with a letter or digit",
  )
  .describe(
    "The trail's name in CloudTrail. The SCP that protects the trail names it (examples/scp-library/protect-cloudtrail-and-log-buckets.yaml).",
  );

/** An S3 bucket name (3 to 63 lowercase letters, digits, dots and dashes). */
const bucketName = z
  .string()
  .min(3)
  .max(63)
  .regex(
    /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/,
    "must be an S3 bucket name (lowercase letters, digits, dots, dashes)",
  )
  .describe("The bucket's name.");

const kmsKeyArn = z
  .string()
  .max(2048)
  .regex(
    /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-zA-Z-]+$/,
    "must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>): CloudTrail reports the key by its ARN, so an alias or a bare id would never compare equal",
  );

const logGroupArn = z
  .string()
  .max(2048)
  .regex(
    /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[\w./#-]+:\*$/,
    "must be a log group ARN ending in :* (arn:aws:logs:<region>:<account>:log-group:<name>:*)",
  );

const roleArn = z
  .string()
  .max(2048)
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/, "must be an IAM role ARN");

const dataEvents = z
  .strictObject({
    type: z
      .enum(DATA_RESOURCE_TYPES)
      .describe("The resource type: AWS::S3::Object, AWS::Lambda::Function or AWS::DynamoDB::Table."),
    values: z
      .array(z.string().min(1).max(2048))
      .min(1)
      .max(MAX_DATA_RESOURCE_VALUES)
      .meta({ "x-kubernetes-list-type": "set" })
      .describe(
        'ARNs or ARN prefixes: "arn:aws:s3" (every bucket), "arn:aws:s3:::bucket/" (one bucket\'s objects), "arn:aws:lambda" (every function), a function or table ARN.',
      ),
  })
  .describe("Data events of one resource type to log (read and write).");

export const organizationTrailSpec = withRules(
  z
    .strictObject({
      trailName,
      homeRegion: regionName.describe(
        "The region the trail is created in (its home region). It logs every region; AWS cannot move a trail to another home region.",
      ),
      s3Bucket: z
        .strictObject({
          name: bucketName.describe(
            "The bucket logs are delivered to, in your log archive account. orgguard never creates it or changes its policy: the policy must let CloudTrail write (a refusal names the missing statement).",
          ),
          keyPrefix: z
            .string()
            .min(1)
            .max(200)
            .regex(/^[^/].*[^/]$|^[^/]$/, "must not start or end with a slash")
            .optional()
            .describe("A prefix for the log files' keys (AWSLogs/ comes after it)."),
        })
        .describe("Where the trail delivers its log files."),
      kmsKeyArn: kmsKeyArn
        .optional()
        .describe(
          "Encrypt the log files with this KMS key (CIS 3.5). Its key policy must let CloudTrail use it; absent: SSE-S3.",
        ),
      cloudWatchLogs: z
        .strictObject({
          logGroupArn: logGroupArn.describe("The log group CloudTrail sends events to."),
          roleArn: roleArn.describe("The role CloudTrail assumes to write to the log group."),
        })
        .optional()
        .describe(
          "Also send the events to a CloudWatch Logs group (for metric filters and alarms, CIS 4.x).",
        ),
      excludeManagementEventSources: z
        .array(z.enum(EXCLUDABLE_EVENT_SOURCES))
        .max(EXCLUDABLE_EVENT_SOURCES.length)
        .meta({ "x-kubernetes-list-type": "set" })
        .optional()
        .describe(
          "Management event sources not to log (kms.amazonaws.com, rdsdata.amazonaws.com): high-volume, and CIS 3.1 then no longer holds. Absent: every management event, read and write.",
        ),
      dataEvents: z
        .array(dataEvents)
        .max(DATA_RESOURCE_TYPES.length)
        .optional()
        .describe("Data events to log besides the management events (basic event selectors)."),
      managementPolicy,
      deletionPolicy: deletionPolicy.describe(
        "What deleting this object does in AWS. Retain (the default) leaves the trail logging; Delete deletes the trail orgguard created (or adopted): CloudTrail stops logging for every account, the logs already delivered stay in the bucket.",
      ),
    })
    .describe(
      "A CloudTrail organization trail: multi-region, every account, log file validation, logging on.",
    ),
  [
    {
      cel: "!self.trailName.matches('[._-][._-]')",
      message: "must not have two periods, underscores or dashes in a row (CloudTrail refuses them)",
      fieldPath: ".trailName",
      holds: (s) => !/[._-][._-]/.test(s.trailName),
    },
    {
      cel: "!has(self.dataEvents) || self.dataEvents.all(d, self.dataEvents.exists_one(e, e.type == d.type))",
      message: "each data resource type at most once",
      fieldPath: ".dataEvents",
      holds: (s) => new Set((s.dataEvents ?? []).map((d) => d.type)).size === (s.dataEvents ?? []).length,
    },
  ],
);

export type OrganizationTrailSpec = z.output<typeof organizationTrailSpec>;

const observedTrail = z
  .object({
    trailArn: z.string().max(2048).optional().describe("The trail's ARN."),
    homeRegion: z.string().max(32).optional().describe("The region the trail was created in."),
    s3BucketName: z.string().max(63).optional().describe("The bucket it delivers to."),
    s3KeyPrefix: z.string().max(200).optional().describe("The key prefix of its log files."),
    isOrganizationTrail: z
      .boolean()
      .optional()
      .describe("Whether it logs every account of the organization."),
    isMultiRegionTrail: z.boolean().optional().describe("Whether it logs every region."),
    includeGlobalServiceEvents: z
      .boolean()
      .optional()
      .describe("Whether it logs global services (IAM, STS, CloudFront)."),
    logFileValidationEnabled: z
      .boolean()
      .optional()
      .describe("Whether digest files are delivered (CIS 3.2)."),
    kmsKeyId: z.string().max(2048).optional().describe("The KMS key its log files are encrypted with."),
    cloudWatchLogsLogGroupArn: z.string().max(2048).optional().describe("The log group it sends events to."),
    isLogging: z.boolean().optional().describe("Whether it is logging now (GetTrailStatus)."),
    latestDeliveryError: z
      .string()
      .max(1024)
      .optional()
      .describe("The last error delivering log files to the bucket, as CloudTrail reports it."),
    latestDigestDeliveryError: z
      .string()
      .max(1024)
      .optional()
      .describe("The last error delivering digest files to the bucket."),
    latestCloudWatchLogsDeliveryError: z
      .string()
      .max(1024)
      .optional()
      .describe("The last error sending events to CloudWatch Logs."),
    managementEvents: z
      .string()
      .max(64)
      .optional()
      .describe("Which management events it logs: All, ReadOnly, WriteOnly or None."),
    dataResourceTypes: z
      .array(z.string().max(64))
      .max(16)
      .optional()
      .describe("The data event resource types it logs."),
  })
  .describe("The trail as CloudTrail reports it.");

/** One CIS recommendation the trail covers, judged from what CloudTrail reports. */
export const trailCompliance = z
  .object({
    control: z
      .string()
      .max(32)
      .describe('The recommendation, in CIS AWS Foundations v3.0 numbering ("CIS 3.1").'),
    title: z.string().max(256).describe("What it asks for."),
    compliant: z.boolean().describe("Whether the trail meets it, as last read."),
  })
  .describe("A CIS recommendation and whether the trail meets it.");

export const organizationTrailStatus = statusSchema(observedTrail, {
  trailArn: z
    .string()
    .max(2048)
    .optional()
    .describe(
      "The trail orgguard created or adopted for this object: a trail of this name that is not this one, and not tagged as this object's, is never changed.",
    ),
  compliance: z
    .array(trailCompliance)
    .max(8)
    .optional()
    .describe("The CIS AWS Foundations v3.0 recommendations a trail covers (3.1, 3.2, 3.5), as last read."),
});

export const organizationTrailApi: ApiDefinition = {
  kind: "OrganizationTrail",
  plural: "organizationtrails",
  singular: "organizationtrail",
  shortNames: ["orgtrail"],
  description:
    "A CloudTrail organization trail delivering every account's events, in every region, to a bucket in the log archive account: log file validation on, logging on, management events read and write. Stopped or changed by hand, it is restored.",
  spec: organizationTrailSpec,
  status: organizationTrailStatus,
  printerColumns: [
    { name: "Trail", type: "string", jsonPath: ".spec.trailName" },
    { name: "Logging", type: "boolean", jsonPath: ".status.atProvider.isLogging" },
    { name: "Bucket", type: "string", jsonPath: ".status.atProvider.s3BucketName", priority: 1 },
    {
      name: "Delivery-Error",
      type: "string",
      jsonPath: ".status.atProvider.latestDeliveryError",
      priority: 1,
    },
  ],
};
