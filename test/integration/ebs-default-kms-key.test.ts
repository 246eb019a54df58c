/**
 * EbsEncryptionByDefault's optional default KMS key, per region. moto answers
 * GetEbsDefaultKmsKeyId, ModifyEbsDefaultKmsKeyId and ResetEbsDefaultKmsKeyId with HTTP 500, so
 * those three calls are answered by SDK-level stubs (test/support/aws-faults.ts) on the real EC2
 * clients, from a key per region kept here; everything else (encryption by default itself, the
 * kube-apiserver, the controller) is real. The controller runs in-process, so the stubs sit on
 * its own clients.
 */
import { EC2Client, GetEbsEncryptionByDefaultCommand } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP_VERSION } from "../../src/api/common.js";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { ebsEncryptionByDefaultSetting } from "../../src/kinds/ebs-encryption-by-default/index.js";
import { managedSetting } from "../../src/kinds/setting/setting-kind.js";
import { managedController } from "../../src/runtime/controller.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  memberCredentials,
  resetMoto,
} from "../support/aws.js";
import { type Attempt, type Fault, injectFaults } from "../support/aws-faults.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import { installOrgguardCrds, orgguardClient, uniqueNames, waitForReadyReason } from "../support/orgguard.js";

const POLL_MS = 1500;
const REGIONS = ["us-east-1", "eu-west-1"];
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OTHER_KEY = "arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab";
const AWS_MANAGED_KEY = (region: string) => `arn:aws:kms:${region}:000000000000:alias/aws/ebs`;
const kc = adminKubeConfig();
const ebs = orgguardClient(kc, "EbsEncryptionByDefault");
const uniqueName = uniqueNames();
let running: RunningControllers<Runnable> | undefined;
let account: string;
/** The default key of each region, as the stubs keep it. */
const keys = new Map<string, string>(REGIONS.map((r) => [r, AWS_MANAGED_KEY(r)]));
/** Every EC2 call the controller's clients made, by region. */
const attempts = new Map<string, Attempt[]>();

/** Stubs for what moto answers with a 500, keeping the key of `region`. */
const kmsStubs = (region: string): Fault[] => [
  { operation: "GetEbsDefaultKmsKeyId", times: Infinity, respond: () => ({ KmsKeyId: keys.get(region) }) },
  {
    operation: "ModifyEbsDefaultKmsKeyId",
    times: Infinity,
    respond: (input) => {
      keys.set(region, String(input.KmsKeyId));
      return { KmsKeyId: input.KmsKeyId };
    },
  },
  {
    operation: "ResetEbsDefaultKmsKeyId",
    times: Infinity,
    respond: () => {
      keys.set(region, AWS_MANAGED_KEY(region));
      return { KmsKeyId: keys.get(region) };
    },
  },
];

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ["kms-1"] }] });
  account = org.accountIds.get("kms-1")!;
  const aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
  });
  // The controller's clients for the member account are cached: the stubs sit on the very ones it uses.
  for (const region of REGIONS) {
    attempts.set(
      region,
      injectFaults(await aws.forAccount("ec2", { accountId: account, region }), kmsStubs(region)),
    );
  }
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
  };
  running = await runControllers(
    kc,
    { workers: 1, pollIntervalMs: POLL_MS, verifyAfterMs: 300, backoffBaseMs: 300, backoffMaxMs: 3000 },
    (runtime) => [managedController(runtime, managedSetting(ebsEncryptionByDefaultSetting, context))],
  );
}, 120_000);

afterAll(async () => {
  for (const o of (await ebs.list()).items) await ebs.delete(o.metadata.name);
  await waitUntil(async () => (await ebs.list()).items.length === 0, 30_000, "objects to be deleted");
  await running?.stop();
});

const calls = (region: string, operation: string) =>
  (attempts.get(region) ?? []).filter((a) => a.operation === operation);

const waitForReady = (name: string) => waitForReadyReason(ebs, name, "Available");

describe("EbsEncryptionByDefault's default KMS key (SDK-level stubs for the three key calls)", () => {
  it("sets the key only where the spec names one, before turning encryption on; repairs it; resets it on Delete", async () => {
    const name = uniqueName("ebs-kms");
    await ebs.create({
      apiVersion: API_GROUP_VERSION,
      kind: "EbsEncryptionByDefault",
      metadata: { name },
      spec: {
        accountId: account,
        regions: REGIONS,
        defaultKmsKeyIds: { "eu-west-1": KEY },
        deletionPolicy: "Delete",
      },
    });
    const ready = await waitForReady(name);
    expect(ready.status?.atProvider).toEqual({
      "us-east-1": { enabled: true },
      "eu-west-1": { enabled: true, defaultKmsKeyId: KEY },
    });
    expect(keys.get("eu-west-1")).toBe(KEY);
    // us-east-1's key is not the spec's business: never read, never changed.
    expect(keys.get("us-east-1")).toBe(AWS_MANAGED_KEY("us-east-1"));
    expect(calls("us-east-1", "GetEbsDefaultKmsKeyId")).toEqual([]);
    expect(calls("us-east-1", "ModifyEbsDefaultKmsKeyId")).toEqual([]);
    // In eu-west-1 the key was set before encryption was switched on.
    const order = (attempts.get("eu-west-1") ?? []).map((a) => a.operation);
    expect(order.indexOf("ModifyEbsDefaultKmsKeyId")).toBeLessThan(
      order.indexOf("EnableEbsEncryptionByDefault"),
    );
    const ec2 = new EC2Client({ ...awsClientConfig(await memberCredentials(account)), region: "eu-west-1" });
    expect((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(true);

    // Someone points eu-west-1 at another key: put back within a poll.
    keys.set("eu-west-1", OTHER_KEY);
    await waitUntil(
      async () => keys.get("eu-west-1") === KEY,
      POLL_MS * 1.1 + 5000,
      "the key to be repaired",
    );
    expect(calls("eu-west-1", "ModifyEbsDefaultKmsKeyId").map((a) => a.input.KmsKeyId)).toEqual([KEY, KEY]);

    await ebs.delete(name);
    await waitUntil(async () => (await ebs.get(name)) === undefined, 20_000, "the object to be gone");
    expect(keys.get("eu-west-1")).toBe(AWS_MANAGED_KEY("eu-west-1"));
    expect(calls("us-east-1", "ResetEbsDefaultKmsKeyId")).toEqual([]);
    expect((await ec2.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault).toBe(false);
  });

  it("refuses a key of another region at admission, naming the field", async () => {
    const error = await ebs
      .create({
        apiVersion: API_GROUP_VERSION,
        kind: "EbsEncryptionByDefault",
        metadata: { name: uniqueName("ebs-kms-bad") },
        spec: { accountId: account, regions: REGIONS, defaultKmsKeyIds: { "us-east-1": KEY } },
      })
      .then(
        () => undefined,
        (err: unknown) => String((err as { body?: unknown }).body ?? err),
      );
    expect(error).toContain("defaultKmsKeyIds");
    expect(error).toContain("each key of defaultKmsKeyIds must be in the region it is listed under");
  });
});
