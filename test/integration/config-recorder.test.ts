/**
 * ConfigRecorder against moto, by `orgguard controller` run as in production: a recorder of every
 * supported type (global types in one region only), a delivery channel to the named bucket, and
 * recording, in both regions of a member account; a recorder stopped out of band is restarted and
 * a spec change moves the channel; ObserveOnly reports what is missing and writes nothing; Delete
 * removes recorder and channel, Retain keeps them; bad input is refused at admission. moto checks
 * neither the bucket nor the role: AWS's refusals are in account-controls-stubs.test.ts.
 */
import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelsCommand,
  StopConfigurationRecorderCommand,
} from "@aws-sdk/client-config-service";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitUntil } from "../env/process.js";
import { awsClientConfig, memberCredentials } from "../support/aws.js";
import { type ControllerProcess, countWrites, startSettingSuite } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  admissionRefusal,
  deleteEveryObject,
  eventReasons,
  manifest,
  orgguardClient,
  uniqueNames,
} from "../support/orgguard.js";

const POLL_MS = 3000;
const REGIONS = ["us-east-1", "eu-west-1"];
const BUCKET = "org-config-logs";
const kc = adminKubeConfig();
const recorders = orgguardClient(kc, "ConfigRecorder");
const uniqueName = uniqueNames();
let controller: ControllerProcess;
let accounts: Map<string, string>;

beforeAll(async () => {
  ({ controller, accounts } = await startSettingSuite(["cfg-1", "cfg-2", "cfg-3"], POLL_MS));
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([recorders], () => controller.tail());
  await controller?.stop();
});

const recorder = (name: string, spec: Record<string, unknown>) => manifest("ConfigRecorder", name, spec);

async function configOf(accountId: string, region: string): Promise<ConfigServiceClient> {
  return new ConfigServiceClient({ ...awsClientConfig(await memberCredentials(accountId)), region });
}

/** What Config has in one region of an account, read with the account's own credentials. */
async function configIn(accountId: string, region: string) {
  const config = await configOf(accountId, region);
  const recorder = (await config.send(new DescribeConfigurationRecordersCommand({})))
    .ConfigurationRecorders?.[0];
  const channel = (await config.send(new DescribeDeliveryChannelsCommand({}))).DeliveryChannels?.[0];
  const status = recorder
    ? (await config.send(new DescribeConfigurationRecorderStatusCommand({})))
        .ConfigurationRecordersStatus?.[0]
    : undefined;
  return {
    recorder: recorder
      ? {
          name: recorder.name,
          allSupported: recorder.recordingGroup?.allSupported,
          includeGlobalResourceTypes: recorder.recordingGroup?.includeGlobalResourceTypes,
          roleArn: recorder.roleARN,
        }
      : undefined,
    channel: channel ? { bucket: channel.s3BucketName, keyPrefix: channel.s3KeyPrefix } : undefined,
    recording: status?.recording === true,
  };
}

describe("ConfigRecorder", () => {
  it("records every type in both regions (global types once), restarts a stopped recorder, follows a spec change, and removes it all with Delete", async () => {
    const account = accounts.get("cfg-1")!;
    const name = uniqueName("config");
    await recorders.create(
      recorder(name, {
        accountId: account,
        regions: REGIONS,
        deliveryBucket: { name: BUCKET, keyPrefix: "config" },
        deletionPolicy: "Delete",
      }),
    );
    await controller.waitForReason(recorders, name, "Available");
    for (const region of REGIONS) {
      expect(await configIn(account, region), region).toEqual({
        recorder: {
          name: "default",
          allSupported: true,
          includeGlobalResourceTypes: region === "us-east-1",
          roleArn: `arn:aws:iam::${account}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
        },
        channel: { bucket: BUCKET, keyPrefix: "config" },
        recording: true,
      });
    }

    // Someone stops recording in eu-west-1: restarted within a poll.
    await (await configOf(account, "eu-west-1")).send(
      new StopConfigurationRecorderCommand({ ConfigurationRecorderName: "default" }),
    );
    await waitUntil(
      async () => (await configIn(account, "eu-west-1")).recording,
      POLL_MS * 1.1 + 5000,
      "recording to be restarted",
    );
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );

    // A new prefix in git moves the channel in both regions.
    await recorders.jsonPatch(name, [
      { op: "replace", path: "/spec/deliveryBucket/keyPrefix", value: "org/config" },
    ]);
    await waitUntil(
      async () => {
        const all = await Promise.all(REGIONS.map((r) => configIn(account, r)));
        return all.every((c) => c.channel?.keyPrefix === "org/config");
      },
      15_000,
      "the channels to follow the spec",
    );

    await recorders.delete(name);
    await waitUntil(async () => (await recorders.get(name)) === undefined, 20_000, "the object to be gone");
    for (const region of REGIONS)
      expect(await configIn(account, region), region).toEqual({
        recorder: undefined,
        channel: undefined,
        recording: false,
      });
  });

  it("ObserveOnly on an account without Config reports NotFound and what it would create, and writes nothing", async () => {
    const account = accounts.get("cfg-2")!;
    const writesBefore = countWrites(await controller.awsCalls());
    const name = uniqueName("config-observe");
    await recorders.create(
      recorder(name, {
        accountId: account,
        regions: REGIONS,
        deliveryBucket: { name: BUCKET },
        managementPolicy: "ObserveOnly",
      }),
    );
    const missing = await controller.waitForReason(recorders, name, "NotFound");
    expect(missing.status?.plannedChanges?.map((c) => c.path)).toEqual(
      REGIONS.flatMap((r) => [
        `regions[${r}].recorder`,
        `regions[${r}].deliveryChannel`,
        `regions[${r}].recording`,
      ]),
    );
    await sleep(POLL_MS * 1.2);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    expect((await configIn(account, "us-east-1")).recorder).toBeUndefined();
  });

  it("with Retain (the default), deleting the object leaves Config recording", async () => {
    const account = accounts.get("cfg-3")!;
    const name = uniqueName("config-retain");
    await recorders.create(
      recorder(name, {
        accountId: account,
        regions: ["eu-west-1"],
        globalResourcesRegion: "eu-west-1",
        deliveryBucket: { name: BUCKET },
      }),
    );
    await controller.waitForReason(recorders, name, "Available");
    await recorders.delete(name);
    await waitUntil(async () => (await recorders.get(name)) === undefined, 20_000, "the object to be gone");
    expect(await configIn(account, "eu-west-1")).toMatchObject({
      recorder: { includeGlobalResourceTypes: true },
      recording: true,
    });
  });

  it("refuses bad input at admission, naming the field", async () => {
    const refusal = (spec: Record<string, unknown>) =>
      admissionRefusal(recorders, recorder(uniqueName("config-bad"), spec));
    expect(await refusal({ regions: ["eu-west-1"], deliveryBucket: { name: BUCKET } })).toContain(
      "globalResourcesRegion must be one of regions",
    );
    expect(await refusal({ deliveryBucket: { name: "Not_A_Bucket" } })).toContain("spec.deliveryBucket.name");
    expect(await refusal({})).toMatch(/deliveryBucket.*Required/);
  });
});
