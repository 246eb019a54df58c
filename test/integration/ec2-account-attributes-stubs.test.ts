/**
 * The EC2 account attributes moto does not implement (IMDS defaults, snapshot and AMI block public
 * access), answered by SDK-level stubs on the very EC2 clients the in-process controllers use
 * (test/support/aws-faults.ts): each stub keeps a region's state and answers as the EC2 API
 * reference does. GetInstanceMetadataDefaults leaves out a field without an account-level default
 * and ModifyInstanceMetadataDefaults clears one sent as no-preference (-1 for the hop limit);
 * Get...BlockPublicAccessState answers State (or ImageBlockPublicAccessState) and ManagedBy;
 * EnableImageBlockPublicAccess is accepted at once and "can take up to 10 minutes", Get reading
 * the old state meanwhile; ManagedBy: declarative-policy where an organization's declarative policy
 * keeps the value. The organization, AssumeRole and the kube-apiserver are real.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { imageBlockPublicAccessSetting } from "../../src/kinds/image-block-public-access/index.js";
import { instanceMetadataDefaultsSetting } from "../../src/kinds/instance-metadata-defaults/index.js";
import type { AccountSetting } from "../../src/kinds/setting/setting.js";
import { managedSetting } from "../../src/kinds/setting/setting-kind.js";
import { snapshotBlockPublicAccessSetting } from "../../src/kinds/snapshot-block-public-access/index.js";
import { findCondition } from "../../src/runtime/conditions.js";
import { managedController } from "../../src/runtime/controller.js";
import { KubeEventRecorder } from "../../src/runtime/event-recorder.js";
import { silentLogger } from "../../src/runtime/logger.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { sleep, waitUntil } from "../env/process.js";
import { awsEndpoint, createOrganization, MANAGEMENT_CREDENTIALS, resetMoto } from "../support/aws.js";
import { type Attempt, type Fault, injectFaults } from "../support/aws-faults.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
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

const POLL_MS = 1500;
const REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"];
const kc = adminKubeConfig();
const imds = orgguardClient(kc, "InstanceMetadataDefaults");
const snapshots = orgguardClient(kc, "SnapshotBlockPublicAccess");
const images = orgguardClient(kc, "ImageBlockPublicAccess");
const uniqueName = uniqueNames();
let running: RunningControllers<Runnable> | undefined;
/** One member account per test, so no two objects claim one account's setting. */
const accounts = new Map<string, string>();
const ACCOUNT_NAMES = ["imds-1", "imds-2", "snap-1", "snap-2", "snap-3", "ami-1", "ami-2"];

/** What EC2 has in one account and region, as the stubs keep it. */
interface Ec2State {
  /** GetInstanceMetadataDefaults' AccountLevel. */
  imds: Record<string, unknown>;
  snapshot: { State: string; ManagedBy: string };
  image: { ImageBlockPublicAccessState: string; ManagedBy: string };
  /** An AMI Enable or Disable AWS accepted and has not applied yet (Get reads the old state). */
  imageApplying?: string;
}
const states = new Map<string, Ec2State>();
const attempts = new Map<string, Attempt[]>();
const stateOf = (account: string, region: string): Ec2State => states.get(`${account}/${region}`)!;
const calls = (account: string, region: string, operation: string) =>
  (attempts.get(`${account}/${region}`) ?? []).filter((a) => a.operation === operation);

/** The stubs of one account and region: AWS's answers, from the API reference. */
function ec2Stubs(state: Ec2State): Fault[] {
  const always = (operation: string, respond: Fault["respond"]): Fault => ({
    operation,
    times: Number.POSITIVE_INFINITY,
    respond,
  });
  return [
    always("GetInstanceMetadataDefaults", () => ({ AccountLevel: { ...state.imds } })),
    always("ModifyInstanceMetadataDefaults", (input) => {
      for (const field of ["HttpTokens", "HttpEndpoint", "InstanceMetadataTags"]) {
        if (input[field] === "no-preference") delete state.imds[field];
        else if (input[field] !== undefined) state.imds[field] = input[field];
      }
      if (input.HttpPutResponseHopLimit === -1) delete state.imds.HttpPutResponseHopLimit;
      else if (input.HttpPutResponseHopLimit !== undefined)
        state.imds.HttpPutResponseHopLimit = input.HttpPutResponseHopLimit;
      return { Return: true };
    }),
    always("GetSnapshotBlockPublicAccessState", () => ({ ...state.snapshot })),
    always("EnableSnapshotBlockPublicAccess", (input) => {
      state.snapshot.State = String(input.State);
      return { State: input.State };
    }),
    always("DisableSnapshotBlockPublicAccess", () => {
      state.snapshot.State = "unblocked";
      return { State: "unblocked" };
    }),
    always("GetImageBlockPublicAccessState", () => ({ ...state.image })),
    // Accepted at once, applied later: the test decides when (AWS: within 10 minutes).
    always("EnableImageBlockPublicAccess", (input) => {
      state.imageApplying = String(input.ImageBlockPublicAccessState);
      return { ImageBlockPublicAccessState: input.ImageBlockPublicAccessState };
    }),
    always("DisableImageBlockPublicAccess", () => {
      state.imageApplying = "unblocked";
      return { ImageBlockPublicAccessState: "unblocked" };
    }),
  ];
}

/** AWS finishes applying the AMI change it accepted in `account` and `region`. */
function applyImageChange(account: string, region: string): void {
  const state = stateOf(account, region);
  if (state.imageApplying) state.image.ImageBlockPublicAccessState = state.imageApplying;
  delete state.imageApplying;
}

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ACCOUNT_NAMES }] });
  for (const name of ACCOUNT_NAMES) accounts.set(name, org.accountIds.get(name)!);
  const aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
  });
  // The controllers' clients are cached per account and region: the stubs sit on the very ones they use.
  for (const account of accounts.values()) {
    for (const region of REGIONS) {
      const state: Ec2State = {
        imds: { ManagedBy: "account" },
        snapshot: { State: "unblocked", ManagedBy: "account" },
        image: { ImageBlockPublicAccessState: "unblocked", ManagedBy: "account" },
      };
      states.set(`${account}/${region}`, state);
      attempts.set(
        `${account}/${region}`,
        injectFaults(await aws.forAccount("ec2", { accountId: account, region }), ec2Stubs(state)),
      );
    }
  }
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
  };
  const events = new KubeEventRecorder(kc, "orgguard-test", silentLogger);
  const settings: AccountSetting[] = [
    instanceMetadataDefaultsSetting,
    snapshotBlockPublicAccessSetting,
    imageBlockPublicAccessSetting,
  ];
  running = await runControllers(
    kc,
    {
      workers: 1,
      pollIntervalMs: POLL_MS,
      verifyAfterMs: 300,
      progressRecheckMs: 500,
      backoffBaseMs: 300,
      backoffMaxMs: 3000,
    },
    (runtime) => settings.map((setting) => managedController(runtime, managedSetting(setting, context))),
    { events },
  );
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([imds, snapshots, images]);
  await running?.stop();
});

describe("InstanceMetadataDefaults (SDK stubs for GetInstanceMetadataDefaults and ModifyInstanceMetadataDefaults)", () => {
  it("requires IMDSv2 in three regions, sends only the fields that differ, leaves the others, repairs a change by hand and clears only its fields on Delete", async () => {
    const account = accounts.get("imds-1")!;
    // Someone set instance tags in eu-west-1: not the spec's business.
    stateOf(account, "eu-west-1").imds.InstanceMetadataTags = "enabled";
    const name = uniqueName("imds");
    await imds.create(
      manifest("InstanceMetadataDefaults", name, {
        accountId: account,
        regions: REGIONS,
        httpPutResponseHopLimit: 2,
        deletionPolicy: "Delete",
      }),
    );
    const ready = await waitForReadyReason(imds, name, "Available");
    for (const region of REGIONS) {
      expect(stateOf(account, region).imds, region).toMatchObject({
        HttpTokens: "required",
        HttpPutResponseHopLimit: 2,
      });
      expect(ready.status?.atProvider, region).toMatchObject({
        [region]: { httpTokens: "required", httpPutResponseHopLimit: 2, managedBy: "account" },
      });
      expect(
        calls(account, region, "ModifyInstanceMetadataDefaults").map((a) => a.input),
        region,
      ).toEqual([{ HttpTokens: "required", HttpPutResponseHopLimit: 2 }]);
    }
    // The field the spec does not set: untouched, and not in status.
    expect(stateOf(account, "eu-west-1").imds.InstanceMetadataTags).toBe("enabled");
    expect(JSON.stringify(ready.status?.atProvider)).not.toContain("instanceMetadataTags");

    // A console user allows IMDSv1 again in ap-southeast-2: put back within a poll, and only that field.
    stateOf(account, "ap-southeast-2").imds.HttpTokens = "optional";
    await waitUntil(
      async () => stateOf(account, "ap-southeast-2").imds.HttpTokens === "required",
      POLL_MS * 1.1 + 5000,
      "the hand change to be repaired",
    );
    expect(calls(account, "ap-southeast-2", "ModifyInstanceMetadataDefaults").at(-1)?.input).toEqual({
      HttpTokens: "required",
    });
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );
    await waitForReadyReason(imds, name, "Available");

    await imds.delete(name);
    await waitUntil(async () => (await imds.get(name)) === undefined, 20_000, "the object to be gone");
    for (const region of REGIONS) {
      expect(calls(account, region, "ModifyInstanceMetadataDefaults").at(-1)?.input, region).toEqual({
        HttpTokens: "no-preference",
        HttpPutResponseHopLimit: -1,
      });
      expect(stateOf(account, region).imds.HttpTokens, region).toBeUndefined();
    }
    expect(stateOf(account, "eu-west-1").imds.InstanceMetadataTags).toBe("enabled");
  });

  it("does not write over an EC2 declarative policy: Stalled (ManagedByDeclarativePolicy) where one keeps the defaults, the other regions set, and resumes once the policy is gone", async () => {
    const account = accounts.get("imds-2")!;
    Object.assign(stateOf(account, "eu-west-1").imds, {
      HttpTokens: "optional",
      ManagedBy: "declarative-policy",
      ManagedExceptionMessage: "IMDS settings are managed by the platform team",
    });
    const name = uniqueName("imds-policy");
    await imds.create(manifest("InstanceMetadataDefaults", name, { accountId: account, regions: REGIONS }));
    const stalled = await waitForReadyReason(imds, name, "ManagedByDeclarativePolicy", {
      condition: "Stalled",
      timeoutMs: 30_000,
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      "IMDS settings are managed by the platform team",
    );
    expect(calls(account, "eu-west-1", "ModifyInstanceMetadataDefaults")).toEqual([]);
    for (const region of ["us-east-1", "ap-southeast-2"])
      expect(stateOf(account, region).imds.HttpTokens, region).toBe("required");

    // The policy is detached: the account keeps the value again, and the next poll sets it.
    stateOf(account, "eu-west-1").imds.ManagedBy = "account";
    delete stateOf(account, "eu-west-1").imds.ManagedExceptionMessage;
    await waitForReadyReason(imds, name, "Available", { timeoutMs: 30_000 });
    expect(stateOf(account, "eu-west-1").imds.HttpTokens).toBe("required");
  });
});

describe("SnapshotBlockPublicAccess (SDK stubs for its three calls)", () => {
  it("sets block-all-sharing in every region, reads it back, and repairs a switch to block-new-sharing", async () => {
    const account = accounts.get("snap-1")!;
    const name = uniqueName("snap");
    await snapshots.create(
      manifest("SnapshotBlockPublicAccess", name, { accountId: account, regions: REGIONS }),
    );
    const ready = await waitForReadyReason(snapshots, name, "Available");
    for (const region of REGIONS) {
      expect(stateOf(account, region).snapshot.State, region).toBe("block-all-sharing");
      expect(ready.status?.atProvider).toMatchObject({
        [region]: { state: "block-all-sharing", managedBy: "account" },
      });
    }
    stateOf(account, "eu-west-1").snapshot.State = "block-new-sharing";
    await waitUntil(
      async () => stateOf(account, "eu-west-1").snapshot.State === "block-all-sharing",
      POLL_MS * 1.1 + 5000,
      "the weaker mode to be repaired",
    );
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );
  });

  it("reports a region EC2 reads in-transition as Progressing, neither drift nor a write, then Available once settled", async () => {
    const account = accounts.get("snap-2")!;
    stateOf(account, "us-east-1").snapshot.State = "in-transition";
    const name = uniqueName("snap-transition");
    await snapshots.create(
      manifest("SnapshotBlockPublicAccess", name, { accountId: account, regions: ["us-east-1"] }),
    );
    const progressing = await waitForReadyReason(snapshots, name, "Progressing");
    expect(findCondition(progressing.status?.conditions, "Ready")?.message).toContain(
      "us-east-1: EC2 reads in-transition",
    );
    expect(progressing.status?.plannedChanges).toEqual([]);
    await sleep(1500);
    expect(calls(account, "us-east-1", "EnableSnapshotBlockPublicAccess")).toEqual([]);
    expect(await eventReasons(kc, name)).not.toContain("DriftDetected");

    stateOf(account, "us-east-1").snapshot.State = "block-all-sharing";
    await waitForReadyReason(snapshots, name, "Available");
    expect(calls(account, "us-east-1", "EnableSnapshotBlockPublicAccess")).toEqual([]);
  });

  it("ObserveOnly under a declarative policy reports the difference and who keeps it, and writes nothing", async () => {
    const account = accounts.get("snap-3")!;
    Object.assign(stateOf(account, "eu-west-1").snapshot, {
      State: "block-new-sharing",
      ManagedBy: "declarative-policy",
    });
    const name = uniqueName("snap-observe");
    await snapshots.create(
      manifest("SnapshotBlockPublicAccess", name, {
        accountId: account,
        regions: ["eu-west-1"],
        managementPolicy: "ObserveOnly",
      }),
    );
    const drifted = await waitForReadyReason(snapshots, name, "Drifted");
    expect(drifted.status?.plannedChanges).toEqual([
      {
        path: "regions[eu-west-1].state",
        from: "block-new-sharing",
        to: "block-all-sharing",
        description: "state: kept by the organization's EC2 declarative policy: orgguard cannot change it",
      },
    ]);
    expect(calls(account, "eu-west-1", "EnableSnapshotBlockPublicAccess")).toEqual([]);
  });
});

describe("ImageBlockPublicAccess (SDK stubs: Enable accepted at once, applied later)", () => {
  it("while AWS applies an Enable and still reads unblocked, the object is Progressing: one Enable per region, no drift; Available once applied; Delete disables it", async () => {
    const account = accounts.get("ami-1")!;
    const regions = ["us-east-1", "eu-west-1"];
    const name = uniqueName("ami");
    await images.create(
      manifest("ImageBlockPublicAccess", name, { accountId: account, regions, deletionPolicy: "Delete" }),
    );
    const progressing = await waitForReadyReason(images, name, "Progressing");
    const message = findCondition(progressing.status?.conditions, "Ready")?.message ?? "";
    expect(message).toMatch(/us-east-1: block-new-sharing accepted at \S+, EC2 still reads unblocked/);
    expect(progressing.status?.atProvider).toMatchObject({
      "eu-west-1": { state: "unblocked", applying: { state: "block-new-sharing" } },
    });
    // Several rechecks later: still one Enable per region, and never called drift.
    await sleep(2500);
    for (const region of regions)
      expect(calls(account, region, "EnableImageBlockPublicAccess"), region).toHaveLength(1);
    const reasons = await eventReasons(kc, name);
    expect(reasons).not.toContain("DriftDetected");
    expect(reasons).not.toContain("DriftRepaired");

    // AWS applies it in one region, then the other.
    applyImageChange(account, "us-east-1");
    await sleep(1000);
    expect(findCondition((await images.get(name))?.status?.conditions, "Ready")?.reason).toBe("Progressing");
    applyImageChange(account, "eu-west-1");
    const ready = await waitForReadyReason(images, name, "Available");
    expect(ready.status?.atProvider).toEqual({
      "us-east-1": { state: "block-new-sharing", managedBy: "account" },
      "eu-west-1": { state: "block-new-sharing", managedBy: "account" },
    });
    for (const region of regions)
      expect(calls(account, region, "EnableImageBlockPublicAccess"), region).toHaveLength(1);

    // Delete: Disable is accepted (AWS applies it later): the deletion is done once AWS took it.
    await images.delete(name);
    await waitUntil(async () => (await images.get(name)) === undefined, 20_000, "the object to be gone");
    for (const region of regions) {
      expect(calls(account, region, "DisableImageBlockPublicAccess"), region).toHaveLength(1);
      expect(stateOf(account, region).imageApplying, region).toBe("unblocked");
    }
  });

  it("a change by hand after the change was applied is drift, repaired by one new Enable", async () => {
    const account = accounts.get("ami-2")!;
    const name = uniqueName("ami-drift");
    await images.create(
      manifest("ImageBlockPublicAccess", name, { accountId: account, regions: ["eu-west-1"] }),
    );
    await waitForReadyReason(images, name, "Progressing");
    applyImageChange(account, "eu-west-1");
    await waitForReadyReason(images, name, "Available");
    // Someone disables it (AWS applied it by the next poll).
    stateOf(account, "eu-west-1").image.ImageBlockPublicAccessState = "unblocked";
    await waitUntil(
      async () => calls(account, "eu-west-1", "EnableImageBlockPublicAccess").length === 2,
      POLL_MS * 1.1 + 5000,
      "a second Enable",
    );
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );
    await waitForReadyReason(images, name, "Progressing");
    applyImageChange(account, "eu-west-1");
    await waitForReadyReason(images, name, "Available");
    expect(calls(account, "eu-west-1", "EnableImageBlockPublicAccess")).toHaveLength(2);
  });
});
