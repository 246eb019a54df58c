/**
 * The OrganizationTrail kind against moto and the real kube-apiserver, with its controller
 * in-process: the organization trail created into the log archive's bucket, logging, CIS in
 * status, and polls that then write nothing; StopLogging and UpdateTrail by hand put back within
 * the poll; a missing bucket and trusted access off reported by name (both moto checks or emulates:
 * the bucket lookup and the trusted access list); a trail of the name made by hand left alone, or
 * adopted when annotated; ObserveOnly; both deletion policies.
 *
 * moto keeps trails (it requires the bucket to exist) but checks neither bucket nor key policies
 * nor delivery: AWS's refusals and a failing delivery are SDK-level stubs on the controller's own
 * CloudTrail client, each named "stub" below (InsufficientS3BucketPolicyException on CreateTrail,
 * InsufficientEncryptionPolicyException on UpdateTrail, a LatestDeliveryError in GetTrailStatus).
 */
import {
  AddTagsCommand,
  CloudTrailClient,
  CreateTrailCommand,
  DeleteTrailCommand,
  GetEventSelectorsCommand,
  GetTrailCommand,
  GetTrailStatusCommand,
  InsufficientEncryptionPolicyException,
  InsufficientS3BucketPolicyException,
  ListTagsCommand,
  ListTrailsCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from "@aws-sdk/client-cloudtrail";
import {
  DisableAWSServiceAccessCommand,
  EnableAWSServiceAccessCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { WRITE_OPERATIONS } from "../../src/kinds/index.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createBucket,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
} from "../support/aws.js";
import { awsException, type Fault, injectFaults } from "../support/aws-faults.js";
import { kindTestOptions, type RunningControllers, runKindController } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventReasons,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";
import { readsPerWholePoll } from "../support/steady-polls.js";

const POLL_MS = 1500;
const REGION = "us-east-1";
const BUCKET = "example-org-cloudtrail-logs";
const KEY = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const TRAIL_PRINCIPAL = "cloudtrail.amazonaws.com";
const kc = adminKubeConfig();
const trails = orgguardClient(kc, "OrganizationTrail");
const uniqueName = uniqueNames();
const cloudtrail = () => new CloudTrailClient({ ...awsClientConfig(), region: REGION });
const org = () => new OrganizationsClient(awsClientConfig());

let running: RunningControllers<Runnable> | undefined;
/** Every AWS call the controller made, by `service/Operation`. */
const calls = new Map<string, number>();
/** The SDK stubs on the controller's CloudTrail client (emptied after each test). */
const faults: Fault[] = [];

const writesSoFar = () =>
  [...calls].filter(([k]) => WRITE_OPERATIONS.has(k.replace("/", ":"))).reduce((n, [, v]) => n + v, 0);
const trailArn = (name: string) => `arn:aws:cloudtrail:${REGION}:${MANAGEMENT_ACCOUNT_ID}:trail/${name}`;
const specOf = (trailName: string, extra: Record<string, unknown> = {}) => ({
  trailName,
  homeRegion: REGION,
  s3Bucket: { name: BUCKET, keyPrefix: "cloudtrail" },
  ...extra,
});
const conditionMessage = async (name: string, type: string) =>
  findCondition((await trails.get(name))?.status?.conditions, type)?.message ?? "";

async function isLogging(name: string): Promise<boolean> {
  return (await cloudtrail().send(new GetTrailStatusCommand({ Name: name }))).IsLogging === true;
}

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  await createOrganization({ ous: [{ name: "Security", accounts: ["log-archive"] }] });
  const aws = new AwsClients({
    region: REGION,
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) =>
      calls.set(`${service}/${operation}`, (calls.get(`${service}/${operation}`) ?? 0) + 1),
  });
  // The controller's own cached CloudTrail client in the trails' home region: where the stubs go.
  injectFaults(
    await aws.forAccount("cloudtrail", { accountId: MANAGEMENT_ACCOUNT_ID, region: REGION }),
    faults,
  );
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
    discoveryIntervalMs: 10 * 60_000,
  };
  running = await runKindController(kc, "OrganizationTrail", context, kindTestOptions(POLL_MS));
}, 120_000);

afterEach(async () => {
  faults.splice(0);
  await deleteEveryObject([trails]);
  for (const t of (await cloudtrail().send(new ListTrailsCommand({}))).Trails ?? []) {
    await cloudtrail().send(new DeleteTrailCommand({ Name: t.Name }));
  }
  await org().send(new EnableAWSServiceAccessCommand({ ServicePrincipal: TRAIL_PRINCIPAL }));
});

afterAll(async () => {
  await running?.stop();
});

describe("OrganizationTrail against moto", () => {
  beforeAll(async () => {
    await createBucket(BUCKET);
    await org().send(new EnableAWSServiceAccessCommand({ ServicePrincipal: TRAIL_PRINCIPAL }));
  });

  it("creates the organization trail into the log archive's bucket, logging, with CIS in status; polls then write nothing", async () => {
    const name = uniqueName("trail");
    const trailName = `org-${name}`;
    await trails.create(manifest("OrganizationTrail", name, specOf(trailName)));
    const ready = await waitForReadyReason(trails, name, "Available");
    const trail = (await cloudtrail().send(new GetTrailCommand({ Name: trailName }))).Trail;
    expect(trail).toMatchObject({
      S3BucketName: BUCKET,
      S3KeyPrefix: "cloudtrail",
      IsOrganizationTrail: true,
      IsMultiRegionTrail: true,
      IncludeGlobalServiceEvents: true,
      LogFileValidationEnabled: true,
    });
    expect(await isLogging(trailName)).toBe(true);
    const selectors = await cloudtrail().send(new GetEventSelectorsCommand({ TrailName: trailName }));
    expect(selectors.EventSelectors).toEqual([
      {
        ReadWriteType: "All",
        IncludeManagementEvents: true,
        DataResources: [],
        ExcludeManagementEventSources: [],
      },
    ]);
    const tags = await cloudtrail().send(new ListTagsCommand({ ResourceIdList: [trailArn(trailName)] }));
    expect(tags.ResourceTagList?.[0]?.TagsList).toEqual(
      expect.arrayContaining([
        { Key: "orgguard.io/managed-by", Value: "orgguard" },
        { Key: "orgguard.io/name", Value: name },
      ]),
    );
    expect(ready.status?.trailArn).toBe(trailArn(trailName));
    expect(ready.status?.atProvider).toMatchObject({
      isLogging: true,
      s3BucketName: BUCKET,
      managementEvents: "All",
    });
    expect(ready.status?.compliance).toEqual([
      expect.objectContaining({ control: "CIS 3.1", compliant: true }),
      expect.objectContaining({ control: "CIS 3.2", compliant: true }),
      expect.objectContaining({ control: "CIS 3.5", compliant: false }),
    ]);
    expect(await eventReasons(kc, name)).toContain("Created");

    // Steady: a second pass (each poll) changes nothing, and reads the minimum.
    const writes = writesSoFar();
    const before = new Map(calls);
    await sleep(POLL_MS * 4);
    const { perPoll } = await readsPerWholePoll(calls, before, {
      pollOperation: "cloudtrail/GetTrail",
      timeoutMs: POLL_MS * 4,
    });
    expect(writesSoFar()).toBe(writes);
    console.log(`steady state, per poll: ${JSON.stringify(perPoll)}`);
    // Its ARN is recorded: ownership needs no tag read.
    expect(perPoll).toEqual({
      "cloudtrail/GetTrail": 1,
      "cloudtrail/GetTrailStatus": 1,
      "cloudtrail/GetEventSelectors": 1,
    });
  });

  it("starts a trail stopped by hand again within the poll, and puts back one changed by hand", async () => {
    const name = uniqueName("trail");
    const trailName = `org-${name}`;
    await trails.create(manifest("OrganizationTrail", name, specOf(trailName)));
    await waitForReadyReason(trails, name, "Available");
    await cloudtrail().send(new StopLoggingCommand({ Name: trailName }));
    expect(await isLogging(trailName)).toBe(false);
    await waitUntil(() => isLogging(trailName), POLL_MS * 4, "the trail to log again");
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );

    await createBucket("somewhere-else");
    await cloudtrail().send(
      new UpdateTrailCommand({
        Name: trailName,
        S3BucketName: "somewhere-else",
        EnableLogFileValidation: false,
        IsMultiRegionTrail: false,
      }),
    );
    await waitUntil(
      async () => {
        const t = (await cloudtrail().send(new GetTrailCommand({ Name: trailName }))).Trail;
        return (
          t?.S3BucketName === BUCKET && t.LogFileValidationEnabled === true && t.IsMultiRegionTrail === true
        );
      },
      POLL_MS * 4,
      "the trail's settings to be put back",
    );
  });

  it("a missing bucket is Stalled naming the bucket, and the trail is created once the bucket exists", async () => {
    const name = uniqueName("trail");
    const trailName = `org-${name}`;
    const bucket = `missing-${name}`;
    await trails.create(
      manifest("OrganizationTrail", name, { ...specOf(trailName), s3Bucket: { name: bucket } }),
    );
    const stalled = await waitForReadyReason(trails, name, "S3BucketDoesNotExist", { condition: "Stalled" });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      `the bucket ${bucket} does not exist: create it in the log archive account`,
    );
    // Blocked, not terminal: checked again every poll, so making the bucket is enough.
    await createBucket(bucket);
    await waitForReadyReason(trails, name, "Available", { timeoutMs: 30_000 });
    expect(await isLogging(trailName)).toBe(true);
  });

  it("with trusted access for CloudTrail off, stalls before any write and names the Organization kind's field; resumes once enabled", async () => {
    await org().send(new DisableAWSServiceAccessCommand({ ServicePrincipal: TRAIL_PRINCIPAL }));
    const creates = calls.get("cloudtrail/CreateTrail") ?? 0;
    const name = uniqueName("trail");
    await trails.create(manifest("OrganizationTrail", name, specOf(`org-${name}`)));
    await waitForReadyReason(trails, name, "TrustedAccessDisabled", { condition: "Stalled" });
    expect(await conditionMessage(name, "Stalled")).toContain("the Organization kind's spec.trustedAccess");
    expect(calls.get("cloudtrail/CreateTrail") ?? 0).toBe(creates);
    await org().send(new EnableAWSServiceAccessCommand({ ServicePrincipal: TRAIL_PRINCIPAL }));
    await waitForReadyReason(trails, name, "Available", { timeoutMs: 30_000 });
  });

  it("leaves a trail of the name made by hand alone; adopts it with orgguard.io/adopt", async () => {
    const trailName = `hand-made-${Date.now().toString(36)}`;
    await cloudtrail().send(
      new CreateTrailCommand({ Name: trailName, S3BucketName: BUCKET, IsMultiRegionTrail: false }),
    );
    const name = uniqueName("trail");
    await trails.create(manifest("OrganizationTrail", name, specOf(trailName)));
    await waitForReadyReason(trails, name, "AlreadyExists", { condition: "Stalled" });
    await sleep(POLL_MS);
    const untouched = (await cloudtrail().send(new GetTrailCommand({ Name: trailName }))).Trail;
    expect(untouched).toMatchObject({ IsMultiRegionTrail: false, IsOrganizationTrail: false });
    expect(await isLogging(trailName)).toBe(false);

    const current = await trails.get(name);
    await trails.replace({
      ...current!,
      metadata: { ...current!.metadata, annotations: { "orgguard.io/adopt": "true" } },
    });
    await waitForReadyReason(trails, name, "Available", { timeoutMs: 30_000 });
    expect(await eventReasons(kc, name)).toContain("Adopted");
    const adopted = (await cloudtrail().send(new GetTrailCommand({ Name: trailName }))).Trail;
    expect(adopted).toMatchObject({
      IsMultiRegionTrail: true,
      IsOrganizationTrail: true,
      S3KeyPrefix: "cloudtrail",
    });
    expect(await isLogging(trailName)).toBe(true);
  });

  it("ObserveOnly reports what Enforce would do (create, then start logging) and writes nothing", async () => {
    const writes = writesSoFar();
    const name = uniqueName("trail");
    const trailName = `org-${name}`;
    await trails.create(
      manifest("OrganizationTrail", name, specOf(trailName, { managementPolicy: "ObserveOnly" })),
    );
    const missing = await waitForReadyReason(trails, name, "NotFound");
    const planned = (missing.status?.plannedChanges ?? []) as Array<{ description: string }>;
    expect(planned[0]?.description).toContain(`create organization trail ${trailName}`);
    await cloudtrail().send(
      new CreateTrailCommand({
        Name: trailName,
        S3BucketName: BUCKET,
        S3KeyPrefix: "cloudtrail",
        IsOrganizationTrail: true,
        IsMultiRegionTrail: true,
        EnableLogFileValidation: true,
        IncludeGlobalServiceEvents: true,
      }),
    );
    const drifted = await waitForReadyReason(trails, name, "Drifted", { timeoutMs: 10_000 });
    expect(((drifted.status?.plannedChanges ?? []) as Array<{ path: string }>).map((c) => c.path)).toEqual([
      "eventSelectors",
      "logging",
    ]);
    await sleep(POLL_MS * 2);
    expect(writesSoFar()).toBe(writes);
    expect(await isLogging(trailName)).toBe(false);
  });

  it("deletionPolicy Delete deletes the trail it made; Retain (the default) leaves it logging", async () => {
    const kept = uniqueName("trail");
    await trails.create(manifest("OrganizationTrail", kept, specOf(`org-${kept}`)));
    await waitForReadyReason(trails, kept, "Available");
    await deleteEveryObject([trails]);
    expect(await isLogging(`org-${kept}`)).toBe(true);

    const gone = uniqueName("trail");
    await trails.create(
      manifest("OrganizationTrail", gone, specOf(`org-${gone}`, { deletionPolicy: "Delete" })),
    );
    await waitForReadyReason(trails, gone, "Available");
    await deleteEveryObject([trails]);
    const names = ((await cloudtrail().send(new ListTrailsCommand({}))).Trails ?? []).map((t) => t.Name);
    expect(names).toContain(`org-${kept}`);
    expect(names).not.toContain(`org-${gone}`);
  });
});

describe("OrganizationTrail against moto plus SDK stubs of AWS's refusals", () => {
  it("stub: CreateTrail refused with InsufficientS3BucketPolicyException: Stalled naming the statements the bucket policy lacks", async () => {
    faults.push({
      operation: "CreateTrail",
      times: 100,
      error: () =>
        awsException(
          InsufficientS3BucketPolicyException,
          "Incorrect S3 bucket policy is detected for bucket: example-org-cloudtrail-logs",
        ),
    });
    const name = uniqueName("trail");
    const trailName = `org-${name}`;
    await trails.create(manifest("OrganizationTrail", name, specOf(trailName)));
    await waitForReadyReason(trails, name, "InsufficientS3BucketPolicy", { condition: "Stalled" });
    const message = await conditionMessage(name, "Stalled");
    expect(message).toContain(
      `the policy of bucket ${BUCKET} must allow the service principal cloudtrail.amazonaws.com`,
    );
    expect(message).toContain(
      `s3:PutObject on arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/${MANAGEMENT_ACCOUNT_ID}/*`,
    );
    expect(message).toMatch(new RegExp(`arn:aws:s3:::${BUCKET}/cloudtrail/AWSLogs/o-[a-z0-9]+/\\*`));
    expect(message).toContain(`aws:SourceArn = ${trailArn(trailName)}`);
    // The policy fixed (the stub gone): created at the next poll.
    faults.splice(0);
    await waitForReadyReason(trails, name, "Available", { timeoutMs: 30_000 });
  });

  it("stub: UpdateTrail refused with InsufficientEncryptionPolicyException when a KMS key is added: Stalled naming the key policy statement", async () => {
    const name = uniqueName("trail");
    const trailName = `org-${name}`;
    await trails.create(manifest("OrganizationTrail", name, specOf(trailName)));
    await waitForReadyReason(trails, name, "Available");
    faults.push({
      operation: "UpdateTrail",
      times: 100,
      error: () =>
        awsException(
          InsufficientEncryptionPolicyException,
          "Insufficient permissions to access S3 bucket or KMS key",
        ),
    });
    const current = await trails.get(name);
    await trails.replace({ ...current!, spec: { ...current!.spec, kmsKeyArn: KEY } });
    await waitForReadyReason(trails, name, "InsufficientEncryptionPolicy", { condition: "Stalled" });
    const message = await conditionMessage(name, "Stalled");
    expect(message).toContain(
      `the policy of key ${KEY} must allow the service principal cloudtrail.amazonaws.com kms:GenerateDataKey*`,
    );
    expect(message).toContain("kms:DescribeKey");
    // Nothing else changed meanwhile: the trail still logs, without the key.
    expect(await isLogging(trailName)).toBe(true);
    expect((await cloudtrail().send(new GetTrailCommand({ Name: trailName }))).Trail?.KmsKeyId).toBeFalsy();
  });

  it("stub: GetTrailStatus reports a LatestDeliveryError: Stalled/DeliveryFailing with the bucket statement, cleared when delivery works again", async () => {
    const name = uniqueName("trail");
    const trailName = `org-${name}`;
    await trails.create(manifest("OrganizationTrail", name, specOf(trailName)));
    await waitForReadyReason(trails, name, "Available");
    faults.push({
      operation: "GetTrailStatus",
      times: 1000,
      amend: (output) => ({ ...output, LatestDeliveryError: "AccessDenied" }),
    });
    const stalled = await waitForReadyReason(trails, name, "DeliveryFailing", { condition: "Stalled" });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      `CloudTrail cannot deliver: log files: AccessDenied (the policy of bucket ${BUCKET} must allow`,
    );
    expect(stalled.status?.atProvider).toMatchObject({
      isLogging: true,
      latestDeliveryError: "AccessDenied",
    });
    faults.splice(0);
    await waitForReadyReason(trails, name, "Available", { timeoutMs: 30_000 });
  });

  it("AddTags by hand with a foreign key changes nothing of orgguard's (tags are not part of the spec)", async () => {
    const name = uniqueName("trail");
    const trailName = `org-${name}`;
    await trails.create(manifest("OrganizationTrail", name, specOf(trailName)));
    await waitForReadyReason(trails, name, "Available");
    const writes = writesSoFar();
    await cloudtrail().send(
      new AddTagsCommand({ ResourceId: trailArn(trailName), TagsList: [{ Key: "team", Value: "audit" }] }),
    );
    await sleep(POLL_MS * 2);
    expect(writesSoFar()).toBe(writes);
  });
});
