/**
 * IamCredentials against moto (IAM users, access keys, policies, the credential report), with the
 * controller in-process on the real kube-apiserver: a member account whose user holds an access key
 * and a policy of its own is reported in ObserveOnly (the default: counts and user names in status,
 * findings in metrics, never a key id in status, logs or Events); in Enforce the key is deactivated,
 * not deleted, an excepted user's key is left alone, and the next reconciles write nothing. moto
 * cannot backdate a key, so the limits are 0 days (any active key is past them); its report has no
 * root row and its root flags are fixed at 0 (the root judgement is tested in-process).
 */
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  IAMClient,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { iamCredentialsSetting } from "../../src/kinds/iam-credentials/index.js";
import { managedSetting } from "../../src/kinds/setting/setting-kind.js";
import { managedController } from "../../src/runtime/controller.js";
import { KubeEventRecorder } from "../../src/runtime/event-recorder.js";
import { createLogger } from "../../src/runtime/logger.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { Metrics } from "../../src/runtime/metrics.js";
import { sleep } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  memberCredentials,
  resetMoto,
} from "../support/aws.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventMessages,
  eventReasons,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 1500;
const kc = adminKubeConfig();
const credentials = orgguardClient(kc, "IamCredentials");
const uniqueName = uniqueNames();
const logLines: string[] = [];
const calls: string[] = [];
const metrics = new Metrics();
let running: RunningControllers<Runnable> | undefined;
let member: string;
let iam: IAMClient;
/** The access key ids moto handed out: none may appear anywhere orgguard writes. */
const keyIds: string[] = [];

async function userWithKey(userName: string): Promise<string> {
  await iam.send(new CreateUserCommand({ UserName: userName }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
  const id = key.AccessKey!.AccessKeyId!;
  keyIds.push(id);
  return id;
}

const statusOf = async (userName: string) =>
  (await iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata?.map((k) => k.Status);

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ["keys-1"] }] });
  member = org.accountIds.get("keys-1")!;
  iam = new IAMClient(awsClientConfig(await memberCredentials(member)));
  // ci-bot: a key and a policy of its own; legacy: a key, excepted; console: a password, no MFA.
  await userWithKey("ci-bot");
  const policy = await iam.send(
    new CreatePolicyCommand({
      PolicyName: "deploy",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "*" }],
      }),
    }),
  );
  await iam.send(new AttachUserPolicyCommand({ UserName: "ci-bot", PolicyArn: policy.Policy!.Arn! }));
  await userWithKey("legacy");
  await iam.send(new CreateUserCommand({ UserName: "console" }));
  await iam.send(new CreateLoginProfileCommand({ UserName: "console", Password: "Very-long-password-1!" }));

  const aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) => calls.push(`${service}:${operation}`),
  });
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
  };
  const logger = createLogger("debug", {}, (line) => logLines.push(line));
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
    (runtime) => [managedController(runtime, managedSetting(iamCredentialsSetting, context))],
    { logger, metrics, events: new KubeEventRecorder(kc, "orgguard-test", logger) },
  );
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([credentials]);
  await running?.stop();
});

/** Everything orgguard wrote about `name`: its status, its Events, the process's log lines. */
async function everythingWritten(name: string): Promise<string> {
  return [JSON.stringify(await credentials.get(name)), ...(await eventMessages(kc, name)), ...logLines].join(
    "\n",
  );
}

describe("IamCredentials against moto", () => {
  const name = uniqueName("iam-credentials");
  const spec = {
    accountId: "",
    maxAccessKeyAgeDays: 0,
    maxUnusedDays: 0,
    exceptions: [{ userName: "legacy", reason: "vendor appliance without role support, ticket SEC-12" }],
  };

  it("ObserveOnly by default: reports the key past the limits, the direct policy and the console user, and changes nothing", async () => {
    await credentials.create(manifest("IamCredentials", name, { ...spec, accountId: member }));
    const drifted = await waitForReadyReason(credentials, name, "Drifted", { timeoutMs: 30_000 });
    expect(drifted.spec.managementPolicy).toBe("ObserveOnly");
    expect(drifted.status?.atProvider).toMatchObject({
      users: 3,
      activeAccessKeys: 2,
      keysPastLimits: 1,
      keysPastLimitsList: [{ userName: "ci-bot", key: 1, past: ["maxAccessKeyAgeDays", "maxUnusedDays"] }],
      exceptedKeys: 1,
      usersWithDirectPolicies: 1,
      usersWithDirectPoliciesNames: ["ci-bot"],
      consoleUsersWithoutMfa: 1,
      consoleUsersWithoutMfaNames: ["console"],
      // moto: no root row in the report, AccountAccessKeysPresent and AccountMFAEnabled always 0.
      rootAccessKeysPresent: false,
      rootMfaEnabled: false,
    });
    expect(drifted.status?.plannedChanges).toEqual([
      expect.objectContaining({ path: "users[ci-bot].accessKeys[1].status", from: "Active", to: "Inactive" }),
    ]);
    expect(await eventReasons(kc, name)).toContain("DriftDetected");
    expect(await statusOf("ci-bot")).toEqual(["Active"]);
    expect(await statusOf("legacy")).toEqual(["Active"]);
    expect(calls).not.toContain("iam:UpdateAccessKey");

    const scraped = await metrics.registry.getSingleMetricAsString("orgguard_findings");
    expect(scraped).toContain(
      `orgguard_findings{kind="IamCredentials",name="${name}",finding="keys_past_limits"} 1`,
    );
    expect(scraped).toContain(`finding="console_users_without_mfa"} 1`);
    expect(scraped).toContain(`finding="users_with_direct_policies"} 1`);

    const written = await everythingWritten(name);
    expect(written).toContain("ci-bot");
    for (const id of keyIds) expect(written).not.toContain(id);
  });

  it("Enforce: deactivates the key (never deletes it), leaves the excepted user's key, and the next reconciles write nothing", async () => {
    const current = await credentials.get(name);
    await credentials.replace({ ...current!, spec: { ...current!.spec, managementPolicy: "Enforce" } });
    const ready = await waitForReadyReason(credentials, name, "Available", { timeoutMs: 30_000 });
    expect(await statusOf("ci-bot")).toEqual(["Inactive"]);
    expect(await statusOf("legacy")).toEqual(["Active"]);
    expect(ready.status?.atProvider).toMatchObject({
      keysPastLimits: 0,
      exceptedKeys: 1,
      activeAccessKeys: 1,
    });
    expect(await eventReasons(kc, name)).toContain("Updated");
    expect(calls.filter((c) => c === "iam:UpdateAccessKey")).toHaveLength(1);

    // Two more polls: reads only.
    const before = calls.length;
    await sleep(2 * POLL_MS + 500);
    const since = calls.slice(before);
    expect(since.filter((c) => c.startsWith("iam:GetCredentialReport")).length).toBeGreaterThanOrEqual(1);
    expect(since).not.toContain("iam:UpdateAccessKey");
    expect(since).not.toContain("iam:DeleteAccessKey");

    const written = await everythingWritten(name);
    for (const id of keyIds) expect(written).not.toContain(id);
  });
});
