/**
 * The OrganizationTrail kind's decisions, pure: what the trail must be (from the spec), what
 * differs from what CloudTrail reports (each difference a Change a reviewer reads), which CIS
 * recommendations the trail meets, and what a refusal from CloudTrail means in words: the bucket
 * and key policies are the user's, so a refusal names the statement they lack.
 */
import type { Change } from "../../runtime/managed.js";
import type { OrganizationTrailSpec } from "./api.js";

/** The settings CreateTrail and UpdateTrail send (the fixed ones are always sent as true). */
export interface TrailSettings {
  bucket: string;
  keyPrefix?: string;
  kmsKeyId?: string;
  logGroupArn?: string;
  logRoleArn?: string;
}

/** One basic event selector, as GetEventSelectors gives it. */
export interface EventSelector {
  readWriteType: string;
  includeManagementEvents: boolean;
  excludeManagementEventSources: string[];
  dataResources: Array<{ type: string; values: string[] }>;
}

/** A trail as GetTrail reports it. */
export interface TrailRecord extends TrailSettings {
  name: string;
  arn: string;
  homeRegion: string;
  isOrganizationTrail: boolean;
  isMultiRegionTrail: boolean;
  includeGlobalServiceEvents: boolean;
  logFileValidationEnabled: boolean;
}

/** What GetTrailStatus says. */
export interface TrailState {
  isLogging: boolean;
  latestDeliveryError?: string;
  latestDigestDeliveryError?: string;
  latestCloudWatchLogsDeliveryError?: string;
}

/** What GetEventSelectors says: the basic selectors, and how many advanced ones there are. */
export interface TrailSelectors {
  basic: EventSelector[];
  advanced: number;
}

/** The trail the spec asks for. */
export interface DesiredTrail extends TrailSettings {
  name: string;
  homeRegion: string;
  selector: EventSelector;
}

export function desiredTrail(spec: OrganizationTrailSpec): DesiredTrail {
  return {
    name: spec.trailName,
    homeRegion: spec.homeRegion,
    bucket: spec.s3Bucket.name,
    ...(spec.s3Bucket.keyPrefix ? { keyPrefix: spec.s3Bucket.keyPrefix } : {}),
    ...(spec.kmsKeyArn ? { kmsKeyId: spec.kmsKeyArn } : {}),
    ...(spec.cloudWatchLogs
      ? { logGroupArn: spec.cloudWatchLogs.logGroupArn, logRoleArn: spec.cloudWatchLogs.roleArn }
      : {}),
    selector: {
      readWriteType: "All",
      includeManagementEvents: true,
      excludeManagementEventSources: [...(spec.excludeManagementEventSources ?? [])],
      dataResources: (spec.dataEvents ?? []).map((d) => ({ type: d.type, values: [...d.values] })),
    },
  };
}

/** The flags every organization trail orgguard keeps has, whatever the spec says. */
const FIXED_FLAGS = [
  { field: "isOrganizationTrail", what: "log every account of the organization" },
  { field: "isMultiRegionTrail", what: "log every region" },
  { field: "includeGlobalServiceEvents", what: "log global services (IAM, STS)" },
  { field: "logFileValidationEnabled", what: "deliver digest files (log file validation)" },
] as const;

/** A setting as the spec and AWS spell "none": an absent value and "" are the same. */
const orNone = (value: string | undefined): string | undefined => (value ? value : undefined);

/**
 * What differs between the trail's settings (UpdateTrail's) and the spec: the bucket, prefix,
 * key and log group the spec names (absent in the spec: absent in AWS), and the fixed flags.
 */
export function trailSettingChanges(desired: DesiredTrail, trail: TrailRecord): Change[] {
  const changes: Change[] = [];
  const compare = (path: string, want: string | undefined, have: string | undefined, what: string) => {
    if (orNone(want) === orNone(have)) return;
    changes.push({
      path,
      from: orNone(have) ?? "none",
      to: orNone(want) ?? "none",
      description: want ? `${what}: ${want}` : `stop using ${what} ${have}`,
    });
  };
  compare("s3Bucket.name", desired.bucket, trail.bucket, "deliver to bucket");
  compare("s3Bucket.keyPrefix", desired.keyPrefix, trail.keyPrefix, "key prefix");
  compare("kmsKeyArn", desired.kmsKeyId, trail.kmsKeyId, "encrypt log files with");
  compare("cloudWatchLogs.logGroupArn", desired.logGroupArn, trail.logGroupArn, "send events to log group");
  compare("cloudWatchLogs.roleArn", desired.logRoleArn, trail.logRoleArn, "write to CloudWatch Logs as");
  for (const flag of FIXED_FLAGS) {
    if (!trail[flag.field]) changes.push({ path: flag.field, from: false, to: true, description: flag.what });
  }
  return changes;
}

/** Whether UpdateTrail must be called for these changes (all but logging and selectors). */
export const needsUpdateTrail = (changes: readonly Change[]): boolean =>
  changes.some((c) => c.path !== "logging" && c.path !== "eventSelectors" && c.path !== "tags");

/** A trail that is not logging: StartLogging. */
export function loggingChange(state: TrailState): Change | undefined {
  if (state.isLogging) return undefined;
  return { path: "logging", from: "stopped", to: "logging", description: "start logging (StartLogging)" };
}

/** A selector in one canonical form: lists sorted, so order never reads as a difference. */
export function canonicalSelector(selector: EventSelector): EventSelector {
  return {
    readWriteType: selector.readWriteType,
    includeManagementEvents: selector.includeManagementEvents,
    excludeManagementEventSources: [...selector.excludeManagementEventSources].sort(),
    dataResources: selector.dataResources
      .map((d) => ({ type: d.type, values: [...new Set(d.values)].sort() }))
      .sort((a, b) => a.type.localeCompare(b.type)),
  };
}

/** How a reviewer reads a selector: "management events All (excluding kms.amazonaws.com), data events of AWS::S3::Object". */
export function describeSelectors(selectors: TrailSelectors): string {
  if (selectors.basic.length === 0 && selectors.advanced === 0) return "no event selectors";
  const parts = selectors.basic.map((s) => {
    const management = s.includeManagementEvents
      ? `management events ${s.readWriteType}`
      : "no management events";
    const excluded =
      s.excludeManagementEventSources.length > 0
        ? ` (excluding ${s.excludeManagementEventSources.join(", ")})`
        : "";
    const data =
      s.dataResources.length > 0 ? `, data events of ${s.dataResources.map((d) => d.type).join(", ")}` : "";
    return `${management}${excluded}${data}`;
  });
  if (selectors.advanced > 0) parts.push(`${selectors.advanced} advanced event selector(s)`);
  return parts.join("; ");
}

/**
 * What differs in the event selectors: the trail must have exactly the one basic selector the
 * spec makes (management events read and write, the data events it lists) and no advanced ones.
 */
export function selectorChange(desired: EventSelector, observed: TrailSelectors): Change | undefined {
  const want = canonicalSelector(desired);
  const [only, ...more] = observed.basic;
  const same =
    observed.advanced === 0 &&
    more.length === 0 &&
    only !== undefined &&
    JSON.stringify(canonicalSelector(only)) === JSON.stringify(want);
  if (same) return undefined;
  return {
    path: "eventSelectors",
    from: describeSelectors(observed),
    to: describeSelectors({ basic: [want], advanced: 0 }),
    description: `log ${describeSelectors({ basic: [want], advanced: 0 })} (PutEventSelectors)`,
  };
}

/** A CIS AWS Foundations v3.0 recommendation and whether the trail meets it. */
export interface TrailControl {
  control: string;
  title: string;
  compliant: boolean;
}

/**
 * The CIS recommendations an organization trail covers, judged from what CloudTrail reports:
 * 3.1 (Security Hub CloudTrail.1: a multi-region trail, logging, management events read and write,
 * none excluded), 3.2 (CloudTrail.4: log file validation), 3.5 (CloudTrail.2: encrypted with KMS).
 */
export function trailCompliance(
  trail: TrailRecord,
  state: TrailState,
  selectors: TrailSelectors,
): TrailControl[] {
  const allManagementEvents = selectors.basic.some(
    (s) =>
      s.includeManagementEvents && s.readWriteType === "All" && s.excludeManagementEventSources.length === 0,
  );
  return [
    {
      control: "CIS 3.1",
      title: "CloudTrail is enabled in all regions, logging management events read and write",
      compliant: trail.isMultiRegionTrail && state.isLogging && allManagementEvents,
    },
    {
      control: "CIS 3.2",
      title: "CloudTrail log file validation is enabled",
      compliant: trail.logFileValidationEnabled,
    },
    {
      control: "CIS 3.5",
      title: "CloudTrail logs are encrypted at rest with KMS keys",
      compliant: Boolean(orNone(trail.kmsKeyId)),
    },
  ];
}

/** What a refusal message needs to name the trail, its bucket and the accounts that write to it. */
export interface DeliveryContext {
  bucket: string;
  keyPrefix?: string;
  kmsKeyId?: string;
  /** The trail's ARN, or the one it will have (arn:aws:cloudtrail:<home region>:<account>:trail/<name>). */
  trailArn: string;
  /** The account that owns the trail (CloudTrail writes under AWSLogs/<it>/). */
  accountId: string;
  /** The organization (CloudTrail writes every member's logs under AWSLogs/<o-id>/). */
  organizationId: string;
}

/** The ARN a trail of this name gets in its home region, in `accountId`. */
export const trailArnOf = (name: string, homeRegion: string, accountId: string, partition = "aws"): string =>
  `arn:${partition}:cloudtrail:${homeRegion}:${accountId}:trail/${name}`;

/** The bucket policy statements an organization trail needs, as a reviewer reads them. */
export function bucketStatements(ctx: DeliveryContext): string {
  const prefix = ctx.keyPrefix ? `${ctx.keyPrefix}/` : "";
  const objects = (owner: string) => `arn:aws:s3:::${ctx.bucket}/${prefix}AWSLogs/${owner}/*`;
  return (
    `the policy of bucket ${ctx.bucket} must allow the service principal cloudtrail.amazonaws.com ` +
    `s3:GetBucketAcl on arn:aws:s3:::${ctx.bucket}, and s3:PutObject on ${objects(ctx.accountId)} and ` +
    `${objects(ctx.organizationId)} with the condition s3:x-amz-acl = bucket-owner-full-control, ` +
    `each conditioned on aws:SourceArn = ${ctx.trailArn} (AWS CloudTrail User Guide: "Amazon S3 bucket policy for CloudTrail", organization trails)`
  );
}

/** The key policy statements a trail encrypting with KMS needs. */
export function keyStatements(ctx: DeliveryContext): string {
  return (
    `the policy of key ${ctx.kmsKeyId ?? "(none)"} must allow the service principal cloudtrail.amazonaws.com ` +
    `kms:GenerateDataKey* with the condition kms:EncryptionContext:aws:cloudtrail:arn like ` +
    `arn:aws:cloudtrail:*:${ctx.accountId}:trail/* and aws:SourceArn = ${ctx.trailArn}, and kms:DescribeKey ` +
    `(AWS CloudTrail User Guide: "Configure AWS KMS key policies for CloudTrail")`
  );
}

/**
 * What a CloudTrail refusal of the trail's bucket or key means, in words naming what to fix, for
 * the codes that are about them; undefined for the others.
 */
export function refusalAdvice(code: string, ctx: DeliveryContext): string | undefined {
  switch (code) {
    case "S3BucketDoesNotExistException":
      return `the bucket ${ctx.bucket} does not exist: create it in the log archive account (orgguard never creates it), with ${bucketStatements(ctx)}`;
    case "InsufficientS3BucketPolicyException":
      return bucketStatements(ctx);
    case "InsufficientEncryptionPolicyException":
      return keyStatements(ctx);
    case "KmsKeyNotFoundException":
      return `the key ${ctx.kmsKeyId ?? "(none)"} does not exist, or is not in the bucket's region: name a key there in spec.kmsKeyArn, with ${keyStatements(ctx)}`;
    case "KmsException":
      return `AWS KMS refused the key ${ctx.kmsKeyId ?? "(none)"} (disabled, or pending deletion?): enable it, with ${keyStatements(ctx)}`;
    case "CloudTrailAccessNotEnabledException":
      return TRUSTED_ACCESS_ADVICE;
    default:
      return undefined;
  }
}

/** The service principal CloudTrail's trusted access is enabled for. */
export const CLOUDTRAIL_PRINCIPAL = "cloudtrail.amazonaws.com";

/** What to do when trusted access for CloudTrail is off (an organization trail needs it). */
export const TRUSTED_ACCESS_ADVICE = `enable trusted access for ${CLOUDTRAIL_PRINCIPAL}: the Organization kind's spec.trustedAccess (or aws organizations enable-aws-service-access --service-principal ${CLOUDTRAIL_PRINCIPAL}); an organization trail created through the API needs it`;

/**
 * What a delivery error GetTrailStatus reports means, naming what to fix: CloudTrail reports the
 * S3 or KMS error code it met ("AccessDenied", "NoSuchBucket", "KMS.AccessDeniedException").
 */
export function deliveryAdvice(error: string, ctx: DeliveryContext): string {
  if (/^KMS\./i.test(error)) return keyStatements(ctx);
  if (/NoSuchBucket/i.test(error))
    return `the bucket ${ctx.bucket} is gone: re-create it, with ${bucketStatements(ctx)}`;
  return bucketStatements(ctx);
}
