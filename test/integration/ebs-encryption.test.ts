/**
 * EbsEncryptionByDefault, the first regional setting, reconciled against moto in two regions by
 * `orgguard controller` run as in production: encryption lands in every listed region of a member
 * account (read back there with its own credentials), a region switched off out of band is
 * repaired within a poll, ObserveOnly writes nothing, deletion follows deletionPolicy, regions
 * come from --default-regions where ListRegions cannot be read (moto lacks it) and status says so,
 * the AccountBaseline field fans it out, and a steady state makes only reads. The default KMS key
 * is in ebs-default-kms-key.test.ts (moto answers it with a 500: SDK-level stubs there).
 */
import {
  DisableEbsEncryptionByDefaultCommand,
  EC2Client,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep, waitUntil } from "../env/process.js";
import { awsClientConfig, EMULATOR_DEFAULT_REGIONS, memberCredentials } from "../support/aws.js";
import { type ControllerProcess, countWrites, startSettingSuite } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventReasons as eventsAbout,
  manifest,
  orgguardClient,
  uniqueNames,
} from "../support/orgguard.js";

const POLL_MS = 3000;
const REGIONS = ["us-east-1", "eu-west-1"];
const kc = adminKubeConfig();
const ebs = orgguardClient(kc, "EbsEncryptionByDefault");
const baselines = orgguardClient(kc, "AccountBaseline");
const uniqueName = uniqueNames();
let controller: ControllerProcess;
let accounts: Map<string, string>;

beforeAll(async () => {
  ({ controller, accounts } = await startSettingSuite(
    ["ebs-1", "ebs-2", "ebs-3", "ebs-4", "ebs-5"],
    POLL_MS,
  ));
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([baselines, ebs], () => controller.tail());
  await controller?.stop();
});

/** EC2 in one region of a member account, with that account's own credentials. */
async function ec2Of(accountId: string, region: string): Promise<EC2Client> {
  return new EC2Client({ ...awsClientConfig(await memberCredentials(accountId)), region });
}

async function encryptionIn(accountId: string, region: string): Promise<boolean | undefined> {
  return (await (await ec2Of(accountId, region)).send(new GetEbsEncryptionByDefaultCommand({})))
    .EbsEncryptionByDefault;
}

const eventReasons = (name: string) => eventsAbout(kc, name);

describe("EbsEncryptionByDefault", () => {
  it("turns it on in both regions of a member account, repairs a region switched off, and turns it off with Delete", async () => {
    const account = accounts.get("ebs-1")!;
    const name = uniqueName("ebs");
    await ebs.create(
      manifest("EbsEncryptionByDefault", name, {
        accountId: account,
        regions: REGIONS,
        deletionPolicy: "Delete",
      }),
    );
    const ready = await controller.waitForReason(ebs, name, "Available");
    expect(ready.status).toMatchObject({
      accountId: account,
      regions: REGIONS,
      regionsFrom: "spec.regions",
      atProvider: { "us-east-1": { enabled: true }, "eu-west-1": { enabled: true } },
    });
    for (const region of REGIONS) expect(await encryptionIn(account, region), region).toBe(true);
    expect(await eventReasons(name)).toContain("Created");

    // Someone switches it off in one region: repaired within a poll, the other region untouched.
    await (await ec2Of(account, "eu-west-1")).send(new DisableEbsEncryptionByDefaultCommand({}));
    const changedAt = Date.now();
    await waitUntil(
      async () => (await encryptionIn(account, "eu-west-1")) === true,
      POLL_MS * 1.1 + 5000,
      "drift repair",
    );
    expect(Date.now() - changedAt).toBeLessThan(POLL_MS * 1.1 + 3000);
    await waitUntil(
      async () => (await eventReasons(name)).includes("DriftRepaired"),
      10_000,
      "a DriftRepaired event",
    );
    const repaired = await controller.waitForReason(ebs, name, "Available");
    expect(repaired.status?.plannedChanges).toEqual([]);

    await ebs.delete(name);
    await waitUntil(async () => (await ebs.get(name)) === undefined, 20_000, "the object to be gone");
    for (const region of REGIONS) expect(await encryptionIn(account, region), region).toBe(false);
    expect(await eventReasons(name)).toContain("Deleted");
  });

  it("without regions, covers --default-regions where ListRegions cannot be read, says so, and keeps it with Retain", async () => {
    const account = accounts.get("ebs-2")!;
    const name = uniqueName("ebs-all");
    await ebs.create(manifest("EbsEncryptionByDefault", name, { accountId: account }));
    const ready = await controller.waitForReason(ebs, name, "Available");
    expect(ready.status?.regions).toEqual(EMULATOR_DEFAULT_REGIONS.split(","));
    expect(ready.status?.regionsFrom).toMatch(/^--default-regions \(ListRegions failed: /);
    for (const region of EMULATOR_DEFAULT_REGIONS.split(","))
      expect(await encryptionIn(account, region)).toBe(true);

    await ebs.delete(name);
    await waitUntil(async () => (await ebs.get(name)) === undefined, 20_000, "the object to be gone");
    for (const region of REGIONS) expect(await encryptionIn(account, region), region).toBe(true);
  });

  it("ObserveOnly reports the region that is off as Drifted and writes nothing", async () => {
    const account = accounts.get("ebs-3")!;
    await (await ec2Of(account, "us-east-1")).send(new EnableEbsEncryptionByDefaultCommand({}));
    const writesBefore = countWrites(await controller.awsCalls());
    const name = uniqueName("ebs-observe");
    await ebs.create(
      manifest("EbsEncryptionByDefault", name, {
        accountId: account,
        regions: REGIONS,
        managementPolicy: "ObserveOnly",
      }),
    );
    const drifted = await controller.waitForReason(ebs, name, "Drifted");
    expect(drifted.status?.plannedChanges).toEqual([
      { path: "regions[eu-west-1].enabled", from: false, to: true },
    ]);
    await sleep(POLL_MS * 1.2);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    expect(await encryptionIn(account, "eu-west-1")).toBe(false);
    expect(await eventReasons(name)).toContain("DriftDetected");
  });

  it("ObserveOnly with the setting off everywhere reports NotFound and what creating it would change", async () => {
    const account = accounts.get("ebs-4")!;
    const name = uniqueName("ebs-absent");
    await ebs.create(
      manifest("EbsEncryptionByDefault", name, {
        accountId: account,
        regions: REGIONS,
        managementPolicy: "ObserveOnly",
      }),
    );
    const missing = await controller.waitForReason(ebs, name, "NotFound");
    expect(missing.status?.plannedChanges).toEqual(
      REGIONS.map((r) => ({ path: `regions[${r}].enabled`, from: false, to: true })),
    );
    for (const region of REGIONS) expect(await encryptionIn(account, region)).toBe(false);
  });
});

describe("the AccountBaseline field ebsEncryptionByDefault", () => {
  it("gives each selected account a child EbsEncryptionByDefault that turns it on in its regions", async () => {
    const account = accounts.get("ebs-5")!;
    const name = uniqueName("ebs-baseline");
    await baselines.create(
      manifest("AccountBaseline", name, {
        accounts: { ids: [account] },
        ebsEncryptionByDefault: { regions: REGIONS },
      }),
    );
    await controller.waitForReason(baselines, name, "Available", 40_000);
    const child = await ebs.get(`${name}-${account}`);
    expect(child?.spec).toMatchObject({ accountId: account, regions: REGIONS });
    for (const region of REGIONS) expect(await encryptionIn(account, region), region).toBe(true);
  });
});

describe("steady state", () => {
  it("once Ready, polls make only reads, one per region", async () => {
    const account = accounts.get("ebs-1")!;
    const name = uniqueName("ebs-steady");
    await ebs.create(manifest("EbsEncryptionByDefault", name, { accountId: account, regions: REGIONS }));
    await controller.waitForReason(ebs, name, "Available");
    await sleep(1000);
    const before = await controller.awsCalls();
    await sleep(POLL_MS * 2.5);
    const after = await controller.awsCalls();
    const delta = (key: string) => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    expect(countWrites(after)).toBe(countWrites(before));
    // At least two polls of the object, each reading both regions (other objects may poll too).
    expect(delta("ec2/GetEbsEncryptionByDefault")).toBeGreaterThanOrEqual(2 * REGIONS.length);
    expect(delta("ec2/GetEbsDefaultKmsKeyId")).toBe(0);
  });
});
