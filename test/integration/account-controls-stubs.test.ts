/**
 * What AWS refuses and moto does not: trusted access for account.amazonaws.com (AlternateContacts
 * with AccountId), an input AWS rejects with a message that repeats the contact, and AWS Config's
 * refusals of the delivery bucket (no such bucket, a bucket policy that does not let Config
 * write). Each is an SDK-level stub on the very clients the in-process controllers use; the
 * organization, the rest of Account Management and Config, and the kube-apiserver are real. Each
 * refusal must end in a condition that says why, and the object must recover by itself once the
 * cause is gone (blocked errors are rechecked every poll).
 */
import { AccessDeniedException, ValidationException } from "@aws-sdk/client-account";
import {
  ConfigServiceClient,
  DescribeConfigurationRecorderStatusCommand,
  InsufficientDeliveryPolicyException,
  NoSuchBucketException,
} from "@aws-sdk/client-config-service";
import { EnableAWSServiceAccessCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { alternateContactsSetting } from "../../src/kinds/alternate-contacts/index.js";
import { configRecorderSetting } from "../../src/kinds/config-recorder/index.js";
import { managedSetting } from "../../src/kinds/setting/setting-kind.js";
import { findCondition } from "../../src/runtime/conditions.js";
import { managedController } from "../../src/runtime/controller.js";
import { KubeEventRecorder } from "../../src/runtime/event-recorder.js";
import { createLogger } from "../../src/runtime/logger.js";
import type { Runnable } from "../../src/runtime/manager.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  MANAGEMENT_CREDENTIALS,
  memberCredentials,
  resetMoto,
} from "../support/aws.js";
import { awsException, type Fault, injectFaults } from "../support/aws-faults.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventMessages,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 1500;
const REGION = "eu-west-1";
const kc = adminKubeConfig();
const contacts = orgguardClient(kc, "AlternateContacts");
const recorders = orgguardClient(kc, "ConfigRecorder");
const uniqueName = uniqueNames();
const logLines: string[] = [];
let running: RunningControllers<Runnable> | undefined;
let member: string;
/** A second member, so the two contact tests do not claim the same account. */
let otherMember: string;
let aws: AwsClients;

const SECURITY = {
  name: "Wanda Secure",
  title: "Head of Security",
  emailAddress: "wanda.secure@example.org",
  phoneNumber: "+44 20 7946 0001",
};

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ["stub-1", "stub-2"] }] });
  member = org.accountIds.get("stub-1")!;
  otherMember = org.accountIds.get("stub-2")!;
  aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
  });
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
  };
  const logger = createLogger("debug", {}, (line) => logLines.push(line));
  const options = {
    workers: 1,
    pollIntervalMs: POLL_MS,
    verifyAfterMs: 300,
    backoffBaseMs: 300,
    backoffMaxMs: 3000,
  };
  const events = new KubeEventRecorder(kc, "orgguard-test", logger);
  running = await runControllers(
    kc,
    options,
    (runtime) => [
      managedController(runtime, managedSetting(alternateContactsSetting, context)),
      managedController(runtime, managedSetting(configRecorderSetting, context)),
    ],
    { events, logger },
  );
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([contacts, recorders]);
  await running?.stop();
});

/** Waits until the Synced condition (where a failure's reason shows) has `reason`. */
const waitForSynced = (client: typeof contacts, name: string, reason: string) =>
  waitForReadyReason(client, name, reason, { condition: "Synced", timeoutMs: 30_000 });

describe("AlternateContacts where AWS refuses", () => {
  it("says trusted access for account.amazonaws.com is off (and how to turn it on), says AccessDenied once it is on, and recovers when the refusal ends", async () => {
    const refusal: Fault = {
      operation: "GetAlternateContact",
      times: Infinity,
      when: (input) => input.AccountId === member,
      error: () =>
        awsException(AccessDeniedException, "User is not authorized to perform: account:GetAlternateContact"),
    };
    // The controller's own management-account client, as the setting makes it.
    injectFaults(await aws.forAccount("account", { accountId: MANAGEMENT_ACCOUNT_ID }), [refusal]);
    const name = uniqueName("contacts-trust");
    await contacts.create(manifest("AlternateContacts", name, { accountId: member, security: SECURITY }));

    const blocked = await waitForSynced(contacts, name, "TrustedAccessDisabled");
    const message = findCondition(blocked.status?.conditions, "Synced")?.message ?? "";
    expect(message).toContain(
      "aws organizations enable-aws-service-access --service-principal account.amazonaws.com",
    );
    expect(findCondition(blocked.status?.conditions, "Stalled")).toMatchObject({ status: "True" });

    // Trusted access on, and still refused: then it is the permission itself.
    const organizations = new OrganizationsClient({
      ...awsClientConfig(MANAGEMENT_CREDENTIALS),
      region: "us-east-1",
    });
    await organizations.send(
      new EnableAWSServiceAccessCommand({ ServicePrincipal: "account.amazonaws.com" }),
    );
    await waitForSynced(contacts, name, "AccessDenied");

    refusal.times = 0;
    await waitForReadyReason(contacts, name, "Available", { timeoutMs: 30_000 });
  });

  it("keeps AWS's message about a rejected contact, which may repeat it, out of status, Events and the log", async () => {
    const rejection: Fault = {
      operation: "PutAlternateContact",
      times: Infinity,
      when: (input) => input.AccountId === otherMember && input.AlternateContactType === "OPERATIONS",
      error: () =>
        awsException(
          ValidationException,
          `Value '${SECURITY.emailAddress}' at 'emailAddress' failed to satisfy constraint; phone ${SECURITY.phoneNumber}`,
        ),
    };
    injectFaults(await aws.forAccount("account", { accountId: MANAGEMENT_ACCOUNT_ID }), [rejection]);
    const name = uniqueName("contacts-rejected");
    await contacts.create(
      manifest("AlternateContacts", name, {
        accountId: otherMember,
        security: SECURITY,
        operations: SECURITY,
      }),
    );
    const stalled = await waitForSynced(contacts, name, "Validation");
    const status = JSON.stringify(stalled.status);
    expect(status).toContain("its message is withheld");
    const events = (await eventMessages(kc, name)).join("\n");
    for (const value of [SECURITY.emailAddress, SECURITY.phoneNumber, SECURITY.name]) {
      expect(status).not.toContain(value);
      expect(events).not.toContain(value);
      expect(logLines.join("\n")).not.toContain(value);
    }
    rejection.times = 0;
  });
});

describe("ConfigRecorder where AWS refuses the bucket", () => {
  it("stalls with NoSuchBucket, then InsufficientDeliveryPolicy, naming the bucket, and records once the bucket is fixed", async () => {
    const client = await aws.forAccount("config", { accountId: member, region: REGION });
    const noBucket: Fault = {
      operation: "PutDeliveryChannel",
      times: Infinity,
      error: () =>
        awsException(NoSuchBucketException, "Cannot find a S3 bucket with an appropriate bucket policy"),
    };
    const noAccess: Fault = {
      operation: "PutDeliveryChannel",
      times: 0,
      error: () =>
        awsException(InsufficientDeliveryPolicyException, "Insufficient delivery policy to s3 bucket"),
    };
    injectFaults(client, [noBucket, noAccess]);
    const name = uniqueName("config-bucket");
    await recorders.create(
      manifest("ConfigRecorder", name, {
        accountId: member,
        regions: [REGION],
        globalResourcesRegion: REGION,
        deliveryBucket: { name: "missing-bucket" },
      }),
    );
    const missing = await waitForSynced(recorders, name, "NoSuchBucket");
    expect(findCondition(missing.status?.conditions, "Synced")?.message).toContain("s3://missing-bucket");

    // Someone creates the bucket, without a policy for Config yet.
    noBucket.times = 0;
    noAccess.times = Infinity;
    await waitForSynced(recorders, name, "InsufficientDeliveryPolicy");

    // The policy is fixed: recording starts at the next check, with no spec change.
    noAccess.times = 0;
    await waitForReadyReason(recorders, name, "Available", { timeoutMs: 30_000 });
    const config = new ConfigServiceClient({
      ...awsClientConfig(await memberCredentials(member)),
      region: REGION,
    });
    const status = await config.send(new DescribeConfigurationRecorderStatusCommand({}));
    expect(status.ConfigurationRecordersStatus?.[0]?.recording).toBe(true);
  });
});
