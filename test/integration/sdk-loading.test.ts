/**
 * The SDKs of services only some kinds call (EC2: 2 MB of code; GuardDuty, Security Hub, CloudTrail,
 * Identity Center, AWS Config) are loaded only once such a kind calls them: a controller keeping
 * password policies pays for none of them; one keeping EBS encryption loads EC2 and works as
 * before. Observed from outside: the controller runs with a module hook that writes a line per SDK
 * package it loads (test/support/report-sdk-loads.mjs).
 */
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsEndpoint, createOrganization, resetMoto } from "../support/aws.js";
import { ControllerProcess } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
} from "../support/orgguard.js";

const kc = adminKubeConfig();
const passwordPolicies = orgguardClient(kc, "PasswordPolicy");
const ebs = orgguardClient(kc, "EbsEncryptionByDefault");
const uniqueName = uniqueNames();
let controller: ControllerProcess;
let account: string;

/** The SDKs src/aws/clients.ts loads on first use (ec2Sdk, guardDutySdk...). */
const LOADED_ON_FIRST_USE = [
  "client-ec2",
  "client-guardduty",
  "client-securityhub",
  "client-cloudtrail",
  "client-sso-admin",
  "client-identitystore",
  "client-config-service",
];

const loaded = (sdk: string) => controller.lines.some((l) => l.includes(`sdk loaded: ${sdk}`));

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ["sdk-1"] }] });
  account = org.accountIds.get("sdk-1")!;
  controller = new ControllerProcess(["--poll-interval=3s", "--discovery-interval=2s"], {
    NODE_OPTIONS: `--import=${path.resolve("test/support/report-sdk-loads.mjs")}`,
  });
  await controller.ready();
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([passwordPolicies, ebs], () => controller.tail());
  await controller?.stop();
});

describe("AWS SDKs loaded on demand", () => {
  it("keeps a password policy without loading an SDK loaded on first use, and loads EC2 for the first EBS setting", async () => {
    const policy = uniqueName("pp");
    await passwordPolicies.create(
      manifest("PasswordPolicy", policy, { accountId: account, minimumPasswordLength: 16 }),
    );
    await controller.waitForReason(passwordPolicies, policy, "Available");
    // The hook reports what the process loads: IAM (the password policy) and Organizations are there.
    expect(loaded("client-iam"), controller.tail()).toBe(true);
    expect(loaded("client-organizations"), controller.tail()).toBe(true);
    expect(
      LOADED_ON_FIRST_USE.filter(loaded),
      "no object of a kind calling them yet, yet these SDKs were loaded",
    ).toEqual([]);

    const setting = uniqueName("ebs");
    await ebs.create(
      manifest("EbsEncryptionByDefault", setting, { accountId: account, regions: ["us-east-1"] }),
    );
    const ready = await controller.waitForReason(ebs, setting, "Available");
    expect(ready.status?.atProvider).toEqual({ "us-east-1": { enabled: true } });
    expect(loaded("client-ec2"), controller.tail()).toBe(true);
  });
});
