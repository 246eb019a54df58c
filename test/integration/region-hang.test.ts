/**
 * One region never blocks the others: `orgguard controller` (the built binary) keeps a regional
 * setting in three regions of a member account through the fault proxy, whose eu-west-1 accepts
 * requests and never answers. The other two regions are enforced (and repaired when changed by
 * hand) while it hangs across several polls; status, a Warning and a metric label name the
 * region; once it answers again the object is Ready within one poll. AWS is read directly (moto,
 * not through the proxy).
 */
import {
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  GetEbsEncryptionByDefaultCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  memberCredentials,
  resetMoto,
} from "../support/aws.js";
import { ControllerProcess } from "../support/controller-process.js";
import { FaultProxy } from "../support/fault-proxy.js";
import { adminKubeConfig } from "../support/kube.js";
import { eventReasons, installOrgguardCrds, manifest, orgguardClient } from "../support/orgguard.js";

const POLL_MS = 3000;
/** A region's reads get a quarter of the reconcile's deadline: 2 s here. */
const RECONCILE_TIMEOUT = "8s";
const REGIONS = ["us-east-1", "eu-west-1", "eu-central-1"];
const HUNG = "eu-west-1";
const kc = adminKubeConfig();
const ebs = orgguardClient(kc, "EbsEncryptionByDefault");
let proxy: FaultProxy;
let controller: ControllerProcess;
let account: string;

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ["regions-1"] }] });
  account = org.accountIds.get("regions-1")!;
  proxy = await FaultProxy.start({ target: awsEndpoint(), seed: 1, rate: 0 });
  controller = new ControllerProcess(
    [`--poll-interval=${POLL_MS}ms`, `--reconcile-timeout=${RECONCILE_TIMEOUT}`, "--aws-max-attempts=1"],
    { AWS_ENDPOINT_URL: proxy.endpoint },
  );
  await controller.ready();
}, 120_000);

afterAll(async () => {
  proxy?.hangingRegions.clear();
  for (const o of (await ebs.list()).items) await ebs.delete(o.metadata.name);
  await waitUntil(async () => (await ebs.list()).items.length === 0, 30_000, "the objects to be gone");
  await controller?.stop();
  await proxy?.stop();
});

async function ec2In(region: string): Promise<EC2Client> {
  return new EC2Client({ ...awsClientConfig(await memberCredentials(account)), region });
}
const encryptionIn = async (region: string) =>
  (await (await ec2In(region)).send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault;
const conditionOf = (o: ManagedObject | undefined, type: string) =>
  findCondition(o?.status?.conditions, type);

describe("a region whose endpoint hangs", () => {
  it("leaves the other regions enforced, says which region in status, an Event and a metric, and recovers within one poll", async () => {
    proxy.hangingRegions.add(HUNG);
    const started = Date.now();
    await ebs.create(
      manifest("EbsEncryptionByDefault", "three-regions", { accountId: account, regions: REGIONS }),
    );
    let object: ManagedObject | undefined;
    await waitUntil(
      async () => {
        object = await ebs.get("three-regions");
        return conditionOf(object, "Synced")?.reason === "RegionUnavailable";
      },
      30_000,
      () => `RegionUnavailable (${JSON.stringify(object?.status)}; controller: ${controller.tail()})`,
    );
    console.log(`${HUNG} hanging: RegionUnavailable reported ${Date.now() - started} ms after the create`);
    expect(await encryptionIn("us-east-1")).toBe(true);
    expect(await encryptionIn("eu-central-1")).toBe(true);
    expect(await encryptionIn(HUNG)).toBe(false);
    expect(object?.status?.unavailableRegions).toEqual([HUNG]);
    expect(conditionOf(object, "Ready")?.status).toBe("False");
    expect(conditionOf(object, "Synced")?.message).toBe(
      `not read, so not kept this time: ${HUNG} (no answer within 2000 ms); the other regions were compared and kept`,
    );

    // Still hanging, polls go on for the others: a region switched off by hand is repaired.
    await (await ec2In("eu-central-1")).send(new DisableEbsEncryptionByDefaultCommand({}));
    await waitUntil(
      async () => (await encryptionIn("eu-central-1")) === true,
      15_000,
      "eu-central-1 repaired",
    );
    await sleep(3 * POLL_MS);
    expect(proxy.hung).toBeGreaterThanOrEqual(3);
    expect(await encryptionIn(HUNG)).toBe(false);
    const metrics = await (await fetch(`${controller.url()}/metrics`)).text();
    const unavailable = new RegExp(
      `^orgguard_region_unavailable_total\\{kind="EbsEncryptionByDefault",region="${HUNG}"\\} (\\d+)$`,
      "m",
    ).exec(metrics);
    expect(Number(unavailable?.[1])).toBeGreaterThanOrEqual(3);
    // One Warning for the region, not one per poll.
    expect((await eventReasons(kc, "three-regions")).filter((r) => r === "RegionUnavailable")).toHaveLength(
      1,
    );
    const hungFor = Date.now() - started;

    // The region answers again: Ready within one poll (plus the verify of its write).
    proxy.hangingRegions.delete(HUNG);
    const answering = Date.now();
    await waitUntil(
      async () => {
        object = await ebs.get("three-regions");
        return conditionOf(object, "Ready")?.status === "True";
      },
      POLL_MS * 2 + 5_000,
      () => `Ready again (${JSON.stringify(object?.status)})`,
    );
    console.log(`${HUNG} hung for ${hungFor} ms; Ready ${Date.now() - answering} ms after it answered again`);
    expect(await encryptionIn(HUNG)).toBe(true);
    expect(object?.status?.unavailableRegions).toBeUndefined();
  }, 120_000);
});
