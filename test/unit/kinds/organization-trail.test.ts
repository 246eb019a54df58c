/**
 * The OrganizationTrail kind in-process: its pure decisions (compare.ts: what differs, the CIS
 * recommendations met, the words a refusal turns into) as tables, and its client against a fake of
 * its narrow TrailApi that answers as CloudTrail documents: a missing trail created (or refused
 * before any write when trusted access is off), a trail stopped or changed by hand put back, a
 * trail of the name that is not this object's left alone unless adopted, the bucket and KMS
 * refusals naming the statement they lack, delivery errors, deletion. The same client runs against
 * moto in test/integration/organization-trail.test.ts.
 */
import { describe, expect, it } from "vitest";
import { organizationTrailSpec } from "../../../src/kinds/organization-trail/api.js";
import { TrailClient } from "../../../src/kinds/organization-trail/client.js";
import {
  bucketStatements,
  canonicalSelector,
  type DeliveryContext,
  desiredTrail,
  refusalAdvice,
  selectorChange,
  type TrailRecord,
  trailCompliance,
  trailSettingChanges,
} from "../../../src/kinds/organization-trail/compare.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";
import {
  BlockedError,
  FailureWithStatus,
  RetryableError,
  TerminalError,
} from "../../../src/runtime/reconcile-errors.js";
import { awsError } from "../../support/fake-policy-api.js";
import {
  FakeTrailApi,
  ORGANIZATION_ID,
  TRAIL_ACCOUNT,
  TRAIL_REGION,
  trailOrganization,
} from "../../support/fake-trail-api.js";

const NAME = "organization-trail";
const BUCKET = "org-trail-logs";
const KEY = "arn:aws:kms:us-east-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ARN = `arn:aws:cloudtrail:${TRAIL_REGION}:${TRAIL_ACCOUNT}:trail/${NAME}`;
const OURS = { "orgguard.io/managed-by": "orgguard", "orgguard.io/name": "trail" };

const baseSpec = { trailName: NAME, homeRegion: TRAIL_REGION, s3Bucket: { name: BUCKET } };

function trailObject(
  spec: Record<string, unknown> = {},
  extra: { annotations?: Record<string, string>; deleting?: boolean; trailArn?: string } = {},
): ManagedObject {
  return {
    apiVersion: "orgguard.io/v1alpha1",
    kind: "OrganizationTrail",
    metadata: {
      name: "trail",
      uid: "uid-1",
      generation: 1,
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.deleting ? { deletionTimestamp: "2026-01-03T00:00:00Z" } : {}),
    },
    spec: { ...baseSpec, ...spec },
    status: extra.trailArn ? { trailArn: extra.trailArn } : {},
  };
}

const clientOf = (fake: FakeTrailApi) =>
  new TrailClient(fake, trailOrganization, { accountId: TRAIL_ACCOUNT });

/** observe, then create or update as the reconciler would. */
async function reconcile(fake: FakeTrailApi, object: ManagedObject) {
  const client = clientOf(fake);
  const observation = await client.observe(object);
  if (!observation.exists) return { observation, created: await client.create(object, observation) };
  if (!observation.upToDate) await client.update(object, observation);
  return { observation };
}

const record = (overrides: Partial<TrailRecord> = {}): TrailRecord => ({
  name: NAME,
  arn: ARN,
  homeRegion: TRAIL_REGION,
  bucket: BUCKET,
  isOrganizationTrail: true,
  isMultiRegionTrail: true,
  includeGlobalServiceEvents: true,
  logFileValidationEnabled: true,
  ...overrides,
});

const desired = (spec: Record<string, unknown> = {}) =>
  desiredTrail(organizationTrailSpec.parse({ ...baseSpec, ...spec }));

describe("trailSettingChanges", () => {
  const cases = [
    { reason: "the trail as the spec asks", spec: {}, trail: record(), paths: [] },
    {
      reason: "delivering to another bucket",
      spec: {},
      trail: record({ bucket: "elsewhere" }),
      paths: ["s3Bucket.name"],
    },
    {
      reason: "a key prefix the spec does not name is removed",
      spec: {},
      trail: record({ keyPrefix: "old" }),
      paths: ["s3Bucket.keyPrefix"],
    },
    {
      reason: "a KMS key the spec names and the trail lacks",
      spec: { kmsKeyArn: KEY },
      trail: record(),
      paths: ["kmsKeyArn"],
    },
    {
      reason: "every fixed flag switched off by hand",
      spec: {},
      trail: record({
        isOrganizationTrail: false,
        isMultiRegionTrail: false,
        includeGlobalServiceEvents: false,
        logFileValidationEnabled: false,
      }),
      paths: [
        "isOrganizationTrail",
        "isMultiRegionTrail",
        "includeGlobalServiceEvents",
        "logFileValidationEnabled",
      ],
    },
    {
      reason: "an empty prefix as CloudTrail may report it is no prefix",
      spec: {},
      trail: record({ keyPrefix: "" }),
      paths: [],
    },
  ];
  it.each(cases)("$reason", ({ spec, trail, paths }) => {
    expect(trailSettingChanges(desired(spec), trail).map((c) => c.path)).toEqual(paths);
  });
});

describe("selectorChange", () => {
  const all = {
    readWriteType: "All",
    includeManagementEvents: true,
    excludeManagementEventSources: [],
    dataResources: [],
  };
  const s3 = { type: "AWS::S3::Object", values: ["arn:aws:s3:::b/", "arn:aws:s3:::a/"] };
  const cases = [
    { reason: "the one selector the spec makes", spec: {}, basic: [all], advanced: 0, differs: false },
    { reason: "no selector at all (moto's new trail)", spec: {}, basic: [], advanced: 0, differs: true },
    {
      reason: "values in another order are the same",
      spec: { dataEvents: [{ type: "AWS::S3::Object", values: ["arn:aws:s3:::a/", "arn:aws:s3:::b/"] }] },
      basic: [{ ...all, dataResources: [s3] }],
      advanced: 0,
      differs: false,
    },
    {
      reason: "read-only management events",
      spec: {},
      basic: [{ ...all, readWriteType: "ReadOnly" }],
      advanced: 0,
      differs: true,
    },
    {
      reason: "advanced selectors set by hand replace ours",
      spec: {},
      basic: [],
      advanced: 2,
      differs: true,
    },
    {
      reason: "KMS events left out by hand, the spec logs them",
      spec: {},
      basic: [{ ...all, excludeManagementEventSources: ["kms.amazonaws.com"] }],
      advanced: 0,
      differs: true,
    },
  ];
  it.each(cases)("$reason", ({ spec, basic, advanced, differs }) => {
    expect(selectorChange(desired(spec).selector, { basic, advanced }) !== undefined).toBe(differs);
  });

  it("puts lists in one order", () => {
    expect(
      canonicalSelector({
        readWriteType: "All",
        includeManagementEvents: true,
        excludeManagementEventSources: ["rdsdata.amazonaws.com", "kms.amazonaws.com"],
        dataResources: [s3, { type: "AWS::DynamoDB::Table", values: ["arn:aws:dynamodb"] }],
      }),
    ).toEqual({
      readWriteType: "All",
      includeManagementEvents: true,
      excludeManagementEventSources: ["kms.amazonaws.com", "rdsdata.amazonaws.com"],
      dataResources: [
        { type: "AWS::DynamoDB::Table", values: ["arn:aws:dynamodb"] },
        { type: "AWS::S3::Object", values: ["arn:aws:s3:::a/", "arn:aws:s3:::b/"] },
      ],
    });
  });
});

describe("trailCompliance (CIS AWS Foundations v3.0)", () => {
  const logging = { isLogging: true };
  const all = {
    readWriteType: "All",
    includeManagementEvents: true,
    excludeManagementEventSources: [],
    dataResources: [],
  };
  const cases = [
    {
      reason: "multi-region, logging, every management event, validated, KMS",
      trail: record({ kmsKeyId: KEY }),
      state: logging,
      basic: [all],
      compliant: ["CIS 3.1", "CIS 3.2", "CIS 3.5"],
    },
    {
      reason: "without a KMS key: 3.5 fails",
      trail: record(),
      state: logging,
      basic: [all],
      compliant: ["CIS 3.1", "CIS 3.2"],
    },
    {
      reason: "stopped by hand: 3.1 fails",
      trail: record(),
      state: { isLogging: false },
      basic: [all],
      compliant: ["CIS 3.2"],
    },
    {
      reason: "single-region and without validation",
      trail: record({ isMultiRegionTrail: false, logFileValidationEnabled: false }),
      state: logging,
      basic: [all],
      compliant: [],
    },
    {
      reason: "KMS events excluded: not every management event (Security Hub CloudTrail.1)",
      trail: record(),
      state: logging,
      basic: [{ ...all, excludeManagementEventSources: ["kms.amazonaws.com"] }],
      compliant: ["CIS 3.2"],
    },
  ];
  it.each(cases)("$reason", ({ trail, state, basic, compliant }) => {
    const controls = trailCompliance(trail, state, { basic, advanced: 0 });
    expect(controls.map((c) => c.control)).toEqual(["CIS 3.1", "CIS 3.2", "CIS 3.5"]);
    expect(controls.filter((c) => c.compliant).map((c) => c.control)).toEqual(compliant);
  });
});

describe("refusalAdvice", () => {
  const ctx: DeliveryContext = {
    bucket: BUCKET,
    keyPrefix: "cloudtrail",
    kmsKeyId: KEY,
    trailArn: ARN,
    accountId: TRAIL_ACCOUNT,
    organizationId: ORGANIZATION_ID,
  };
  const cases = [
    {
      code: "InsufficientS3BucketPolicyException",
      reason: "names the bucket, both object paths (management account and organization) and the trail",
      mentions: [
        `s3:GetBucketAcl on arn:aws:s3:::${BUCKET}`,
        `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${TRAIL_ACCOUNT}/*`,
        `arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${ORGANIZATION_ID}/*`,
        "bucket-owner-full-control",
        `aws:SourceArn = ${ARN}`,
      ],
    },
    {
      code: "S3BucketDoesNotExistException",
      reason: "names the missing bucket and that orgguard never creates it",
      mentions: [`the bucket ${BUCKET} does not exist`, "orgguard never creates it"],
    },
    {
      code: "InsufficientEncryptionPolicyException",
      reason: "names the key and the KMS actions CloudTrail needs",
      mentions: [
        `key ${KEY}`,
        "kms:GenerateDataKey*",
        "kms:EncryptionContext:aws:cloudtrail:arn",
        "kms:DescribeKey",
      ],
    },
    { code: "KmsKeyNotFoundException", reason: "names the key", mentions: [`the key ${KEY} does not exist`] },
    {
      code: "CloudTrailAccessNotEnabledException",
      reason: "says where to enable trusted access",
      mentions: ["cloudtrail.amazonaws.com", "the Organization kind's spec.trustedAccess"],
    },
  ];
  it.each(cases)("$code $reason", ({ code, mentions }) => {
    const advice = refusalAdvice(code, ctx) ?? "";
    for (const m of mentions) expect(advice).toContain(m);
  });

  it("has nothing to add to codes that are not about the bucket, key or trusted access", () => {
    expect(refusalAdvice("ThrottlingException", ctx)).toBeUndefined();
  });

  it("writes the object path without a prefix when there is none", () => {
    const { keyPrefix: _p, ...noPrefix } = ctx;
    expect(bucketStatements(noPrefix)).toContain(`arn:aws:s3:::${BUCKET}/AWSLogs/${TRAIL_ACCOUNT}/*`);
  });
});

describe("TrailClient", () => {
  it("creates a missing trail: the organization trail with orgguard's tags, its selector, then logging", async () => {
    const fake = new FakeTrailApi();
    const { observation, created } = await reconcile(fake, trailObject({ kmsKeyArn: KEY }));
    expect(observation.diff?.[0]?.description).toContain(
      `create organization trail ${NAME} in ${TRAIL_REGION}`,
    );
    expect(fake.calls).toEqual([
      `getTrail ${NAME}`,
      "trustedAccess",
      `create ${NAME}`,
      `putSelector ${ARN}`,
      `startLogging ${ARN}`,
    ]);
    expect(created?.status).toEqual({ trailArn: ARN });
    const trail = fake.trails.get(NAME);
    expect(trail?.tags).toMatchObject({ ...OURS, "orgguard.io/uid": "uid-1" });
    expect(trail?.record.kmsKeyId).toBe(KEY);
    expect(trail?.state.isLogging).toBe(true);
  });

  it("with trusted access for CloudTrail off: planned with the reason, and the create stalls before any write, saying where to enable it", async () => {
    const fake = new FakeTrailApi();
    fake.trusted.clear();
    const client = clientOf(fake);
    const observation = await client.observe(trailObject());
    expect(observation.diff?.[0]?.description).toContain(
      "trusted access for cloudtrail.amazonaws.com is off",
    );
    const error = await client.create(trailObject(), observation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockedError);
    expect((error as BlockedError).reason).toBe("TrustedAccessDisabled");
    expect((error as Error).message).toContain("the Organization kind's spec.trustedAccess");
    expect(fake.calls.filter((c) => c.startsWith("create"))).toEqual([]);
  });

  it("with trusted access off but an Organization object listing it: the create waits (retried), not stalled", async () => {
    const fake = new FakeTrailApi();
    fake.trusted.clear();
    const organization = {
      apiVersion: "orgguard.io/v1alpha1",
      kind: "Organization",
      metadata: { name: "organization" },
      spec: { trustedAccess: ["cloudtrail.amazonaws.com"] },
    };
    const client = new TrailClient(fake, trailOrganization, { accountId: TRAIL_ACCOUNT }, () => [
      organization,
    ]);
    const observation = await client.observe(trailObject());
    const error = await client.create(trailObject(), observation).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).reason).toBe("TrustedAccessPending");
    expect((error as Error).message).toContain("Organization/organization lists it under spec.trustedAccess");
  });

  it("ObserveOnly reports a missing trail without asking about trusted access", async () => {
    const fake = new FakeTrailApi();
    fake.trusted.clear();
    const observation = await clientOf(fake).observe(trailObject({ managementPolicy: "ObserveOnly" }));
    expect(observation.exists).toBe(false);
    expect(fake.calls).toEqual([`getTrail ${NAME}`]);
  });

  it("restarts a trail stopped by hand and writes nothing else (its ARN recorded: no tag read)", async () => {
    const fake = new FakeTrailApi();
    fake.add(NAME, {}, OURS).state.isLogging = false;
    const { observation } = await reconcile(fake, trailObject({}, { trailArn: ARN }));
    expect(observation.diff?.map((c) => c.path)).toEqual(["logging"]);
    expect(fake.calls).toEqual([
      `getTrail ${NAME}`,
      `status ${ARN}`,
      `selectors ${ARN}`,
      `startLogging ${ARN}`,
    ]);
  });

  it("puts back a trail changed by hand with one UpdateTrail carrying every setting", async () => {
    const fake = new FakeTrailApi();
    fake.buckets.add("elsewhere");
    fake.add(NAME, { bucket: "elsewhere", logFileValidationEnabled: false }, OURS);
    const { observation } = await reconcile(fake, trailObject());
    expect(observation.diff?.map((c) => c.path)).toEqual(["s3Bucket.name", "logFileValidationEnabled"]);
    expect(fake.calls.filter((c) => c.startsWith("update"))).toEqual([`update ${ARN}`]);
    expect(fake.trails.get(NAME)?.record).toMatchObject({ bucket: BUCKET, logFileValidationEnabled: true });
    // The second reconcile finds nothing to do.
    expect((await clientOf(fake).observe(trailObject({}, { trailArn: ARN }))).upToDate).toBe(true);
  });

  it("leaves a trail of the name that is not this object's alone: Stalled/AlreadyExists", async () => {
    const fake = new FakeTrailApi();
    fake.add(NAME, { bucket: "someone-elses" }, { team: "audit" });
    const error = await clientOf(fake)
      .observe(trailObject())
      .catch((e: unknown) => e);
    expect((error as BlockedError).reason).toBe("AlreadyExists");
    expect((error as Error).message).toContain('orgguard.io/adopt: "true"');
    expect(fake.calls.some((c) => /^(update|addTags|putSelector|startLogging)/.test(c))).toBe(false);
  });

  it("adopts it when annotated: tags it first, then puts it to the spec", async () => {
    const fake = new FakeTrailApi();
    fake.buckets.add("someone-elses");
    fake.add(NAME, { bucket: "someone-elses" }, { team: "audit" });
    const { observation } = await reconcile(
      fake,
      trailObject({}, { annotations: { "orgguard.io/adopt": "true" } }),
    );
    expect(observation.adopted).toBe(`adopted trail ${ARN}`);
    const writes = fake.calls.filter((c) => /^(update|addTags)/.test(c));
    expect(writes).toEqual([`addTags ${ARN}`, `update ${ARN}`]);
    expect(fake.trails.get(NAME)?.tags).toMatchObject({ team: "audit", ...OURS });
  });

  it("a trail homed in another region: Stalled before any write (AWS cannot move it)", async () => {
    const fake = new FakeTrailApi();
    fake.add(NAME, { homeRegion: "eu-west-1" }, OURS);
    const error = await clientOf(fake)
      .observe(trailObject())
      .catch((e: unknown) => e);
    expect((error as BlockedError).reason).toBe("HomeRegionDiffers");
  });

  const refusals = [
    {
      code: "S3BucketDoesNotExistException",
      reason: "S3BucketDoesNotExist",
      says: `the bucket ${BUCKET} does not exist`,
    },
    {
      code: "InsufficientS3BucketPolicyException",
      reason: "InsufficientS3BucketPolicy",
      says: `s3:PutObject on arn:aws:s3:::${BUCKET}/AWSLogs/${TRAIL_ACCOUNT}/*`,
    },
    {
      code: "InsufficientEncryptionPolicyException",
      reason: "InsufficientEncryptionPolicy",
      says: "kms:GenerateDataKey*",
    },
  ];
  it.each(refusals)(
    "CreateTrail refused with $code: Stalled/$reason naming what is missing",
    async ({ code, reason, says }) => {
      const fake = new FakeTrailApi();
      fake.failures.push({ method: "create", error: awsError(code) });
      const error = await reconcile(fake, trailObject({ kmsKeyArn: KEY })).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlockedError);
      expect((error as BlockedError).reason).toBe(reason);
      expect((error as Error).message).toContain(says);
    },
  );

  it("a KMS key id CloudTrail refuses as malformed is the spec's to change (InvalidSpec-like, terminal)", async () => {
    const fake = new FakeTrailApi();
    fake.add(NAME, {}, OURS);
    fake.failures.push({ method: "update", error: awsError("InvalidKmsKeyIdException") });
    const error = await reconcile(fake, trailObject({ kmsKeyArn: KEY }, { trailArn: ARN })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).not.toBeInstanceOf(BlockedError);
  });

  it("a trail as the spec asks that cannot deliver: Stalled/DeliveryFailing with the bucket statement, status kept", async () => {
    const fake = new FakeTrailApi();
    fake.add(NAME, {}, OURS).state = { isLogging: true, latestDeliveryError: "AccessDenied" };
    const error = await clientOf(fake)
      .observe(trailObject({}, { trailArn: ARN }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FailureWithStatus);
    const failure = error as FailureWithStatus;
    expect((failure.cause as BlockedError).reason).toBe("DeliveryFailing");
    expect(failure.message).toContain(`the policy of bucket ${BUCKET} must allow`);
    expect(failure.status.atProvider).toMatchObject({ isLogging: true, latestDeliveryError: "AccessDenied" });
  });

  it("repairs what differs first: a delivery error is reported only once nothing is left to write", async () => {
    const fake = new FakeTrailApi();
    fake.add(NAME, {}, OURS).state = { isLogging: false, latestDeliveryError: "AccessDenied" };
    const observation = await clientOf(fake).observe(trailObject({}, { trailArn: ARN }));
    expect(observation.diff?.map((c) => c.path)).toEqual(["logging"]);
  });

  it("reports the CIS recommendations it covers in status.compliance", async () => {
    const fake = new FakeTrailApi();
    fake.add(NAME, {}, OURS);
    const observation = await clientOf(fake).observe(trailObject({}, { trailArn: ARN }));
    expect(observation.status?.compliance).toEqual([
      expect.objectContaining({ control: "CIS 3.1", compliant: true }),
      expect.objectContaining({ control: "CIS 3.2", compliant: true }),
      expect.objectContaining({ control: "CIS 3.5", compliant: false }),
    ]);
  });

  it("ObserveOnly reads a trail it does not own and records nothing as its own", async () => {
    const fake = new FakeTrailApi();
    fake.add(NAME, {}, {}).state.isLogging = false;
    const observation = await clientOf(fake).observe(trailObject({ managementPolicy: "ObserveOnly" }));
    expect(observation.diff?.map((c) => c.path)).toEqual(["logging"]);
    expect(observation.status?.trailArn).toBeUndefined();
  });

  const deletions: Array<{
    reason: string;
    tags: Record<string, string>;
    annotations: Record<string, string> | undefined;
    exists: boolean;
  }> = [
    { reason: "its own trail (tags)", tags: OURS, annotations: undefined, exists: true },
    {
      reason: "someone else's trail of the name",
      tags: { team: "audit" },
      annotations: undefined,
      exists: false,
    },
    {
      reason: "someone else's, adopted",
      tags: {},
      annotations: { "orgguard.io/adopt": "true" },
      exists: true,
    },
  ];
  it.each(deletions)(
    "deleting: exists only for $reason when $exists",
    async ({ tags, annotations, exists }) => {
      const fake = new FakeTrailApi();
      fake.add(NAME, {}, tags);
      const object = trailObject(
        { deletionPolicy: "Delete" },
        { deleting: true, ...(annotations ? { annotations } : {}) },
      );
      const client = clientOf(fake);
      const observation = await client.observe(object);
      expect(observation.exists).toBe(exists);
      if (exists) {
        await client.delete(object, observation);
        expect(fake.trails.has(NAME)).toBe(false);
      }
    },
  );
});
