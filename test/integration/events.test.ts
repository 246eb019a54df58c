/**
 * Event-driven repair against moto's SQS: `orgguard controller --events-queue-url` with a
 * 10-minute poll, so nothing but the event can explain a repair within seconds. For each kind an
 * out-of-band change plus the EventBridge event a CloudTrail rule would deliver (moto makes none:
 * built from test/fixtures/events) is repaired in under 5 s. orgguard's own calls cause no
 * reconcile; malformed messages are deleted and counted while the controller keeps working; a
 * queue that cannot be read shows in /readyz (which stays 200) and in a metric.
 */
import { DeleteAccountPasswordPolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { AwsCredentialIdentity } from "@smithy/types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiCallName } from "../../src/aws/api-call-events.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { sleep, waitUntil } from "../env/process.js";
import { apiCallMessage, orgguardCallerArn } from "../support/api-call-events.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  memberCredentials,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { ControllerProcess, countWrites } from "../support/controller-process.js";
import { apiCall, EVENT_CASE_KINDS, type EventCase, eventCases } from "../support/event-cases.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

/** Long enough that only an event can explain a repair within the test's seconds. */
const POLL = "10m";
const REPAIR_WITHIN_MS = 5000;
const REGION = "eu-west-1";
const kc = adminKubeConfig();
const uniqueName = uniqueNames();
let tree: TestOrganization;
let account: string;
let member: AwsCredentialIdentity;
let queueUrl: string;
let controller: ControllerProcess;
const sqs = () => new SQSClient({ ...awsClientConfig(), region: "us-east-1" });

/** Sends the event a rule would deliver for a change made in `inAccount` (default: the member). */
async function sendEvent(
  c: ApiCallName,
  requestParameters: Record<string, unknown> = {},
  options: { inAccount?: string; region?: string; callerArn?: string } = {},
): Promise<void> {
  const body = apiCallMessage(c, {
    account: options.inAccount ?? account,
    requestParameters,
    ...(options.region ? { region: options.region } : {}),
    ...(options.callerArn ? { callerArn: options.callerArn } : {}),
  });
  await sqs().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
}

async function metricsOf(process: ControllerProcess): Promise<string> {
  return (await fetch(`${process.url()}/metrics`)).text();
}
const metricValue = (text: string, pattern: RegExp): number =>
  [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0);
const eventsOutcome = async (outcome: string) =>
  metricValue(
    await metricsOf(controller),
    new RegExp(`^orgguard_events_received_total\\{outcome="${outcome}"\\} (\\d+)`, "gm"),
  );
const reconciles = async () =>
  metricValue(await metricsOf(controller), /^orgguard_reconcile_total\{[^}]*\} (\d+)/gm);

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({ ous: [{ name: "Workloads", accounts: ["events-1"] }] });
  account = tree.accountIds.get("events-1")!;
  member = await memberCredentials(account);
  queueUrl = (await sqs().send(new CreateQueueCommand({ QueueName: "orgguard-events" }))).QueueUrl!;
  controller = new ControllerProcess([
    `--poll-interval=${POLL}`,
    `--events-queue-url=${queueUrl}`,
    "--organizations-rate=50",
    "--organizations-burst=50",
  ]);
  await controller.ready();
  CASES.push(...eventCases({ tree, account, member, endpoint: awsEndpoint(), region: REGION, sendEvent }));
}, 120_000);

afterAll(async () => {
  await deleteEveryObject(
    EVENT_CASE_KINDS.map((k) => orgguardClient(kc, k)),
    () => controller?.tail() ?? "",
  );
  await controller?.stop();
});

const CASES: EventCase[] = [];
const caseOf = (kind: string): EventCase => CASES.find((c) => c.kind === kind)!;
const call = apiCall;
const mgmt = { inAccount: MANAGEMENT_ACCOUNT_ID, region: "us-east-1" };
const policyId = (o: ManagedObject) => o.status?.policyId as string;

/** One object per kind, converged; filled by the first test. */
const converged = new Map<string, ManagedObject>();

describe("events queue", () => {
  it.each(EVENT_CASE_KINDS)(
    "%s: an out-of-band change and its event are repaired in under 5 s with a 10-minute poll",
    async (kind) => {
      const c = caseOf(kind);
      const client = orgguardClient(kc, kind);
      const name = uniqueName(`events-${kind.toLowerCase()}`);
      await c.prepare?.();
      await client.create(manifest(kind, name, c.spec()));
      const ready = await waitForReadyReason(client, name, "Available", { context: () => controller.tail() });
      converged.set(kind, ready);
      await c.change(ready);
      const started = Date.now();
      await waitUntil(() => c.repaired(ready), REPAIR_WITHIN_MS + 5000, `${kind} to be repaired`);
      const ms = Date.now() - started;
      console.log(`${kind}: repaired ${ms} ms after its event`);
      expect(ms).toBeLessThan(REPAIR_WITHIN_MS);
    },
  );

  it("a change without its event waits for the poll: the event is what repairs (control)", async () => {
    const ready = converged.get("PasswordPolicy")!;
    await new IAMClient(awsClientConfig(member)).send(new DeleteAccountPasswordPolicyCommand({}));
    const repaired = caseOf("PasswordPolicy").repaired;
    await sleep(REPAIR_WITHIN_MS);
    expect(await repaired(ready)).toBe(false);
    await sendEvent(call("iam", "DeleteAccountPasswordPolicy"), {}, { region: "us-east-1" });
    await waitUntil(
      () => repaired(ready),
      REPAIR_WITHIN_MS,
      "the password policy to be repaired once its event came",
    );
  });

  it("orgguard's own writes (its session name) cause no reconcile and no write", async () => {
    const before = {
      own: await eventsOutcome("own_write"),
      reconciles: await reconciles(),
      writes: countWrites(await controller.awsCalls()),
    };
    const own = { callerArn: orgguardCallerArn(account) };
    await sendEvent(call("iam", "UpdateAccountPasswordPolicy"), {}, { ...own, region: "us-east-1" });
    await sendEvent(call("ec2", "EnableEbsEncryptionByDefault"), {}, { ...own, region: REGION });
    await sendEvent(
      call("organizations", "AttachPolicy"),
      { policyId: policyId(converged.get("ServiceControlPolicy")!) },
      {
        ...mgmt,
        callerArn: orgguardCallerArn(MANAGEMENT_ACCOUNT_ID),
      },
    );
    await waitUntil(
      async () => (await eventsOutcome("own_write")) === before.own + 3,
      30_000,
      "3 own-write events to be read",
    );
    await sleep(1000);
    expect(await reconciles()).toBe(before.reconciles);
    expect(countWrites(await controller.awsCalls())).toBe(before.writes);
  });

  it("20 malformed messages are deleted and counted while the controller keeps working", async () => {
    const before = await eventsOutcome("malformed");
    const bodies = [
      "not json",
      "[]",
      "{}",
      JSON.stringify({ Type: "Notification", Message: "hello" }),
      JSON.stringify({
        "detail-type": "EC2 Instance State-change Notification",
        detail: { state: "running" },
      }),
      JSON.stringify({ "detail-type": "AWS API Call via CloudTrail", detail: {} }),
      "",
      '{"detail-type":',
      JSON.stringify({ "detail-type": "AWS API Call via CloudTrail", detail: "a string" }),
      "null",
    ];
    for (let i = 0; i < 20; i++) {
      await sqs().send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: bodies[i % bodies.length] || " " }),
      );
    }
    await waitUntil(
      async () => (await eventsOutcome("malformed")) === before + 20,
      60_000,
      "20 malformed messages to be counted",
    );
    const attributes = await sqs().send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(attributes.Attributes).toMatchObject({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "0",
    });
    // Still working: a real change and its event are repaired.
    const ebs = caseOf("EbsEncryptionByDefault");
    await ebs.change(converged.get("EbsEncryptionByDefault")!);
    await waitUntil(
      () => ebs.repaired(converged.get("EbsEncryptionByDefault")!),
      REPAIR_WITHIN_MS,
      "a repair after the malformed messages",
    );
  });

  it("a queue that cannot be read shows in /readyz (still 200) and in the metric, and polling goes on", async () => {
    const missing = queueUrl.replace(/orgguard-events$/, "no-such-queue");
    const second = new ControllerProcess([
      `--poll-interval=${POLL}`,
      `--events-queue-url=${missing}`,
      "--workers=1",
    ]);
    try {
      await second.ready();
      await waitUntil(
        async () => (await (await fetch(`${second.url()}/readyz`)).text()).includes("degraded: events queue"),
        30_000,
        "/readyz to say the events queue cannot be read",
      );
      const readyz = await fetch(`${second.url()}/readyz`);
      expect(readyz.status).toBe(200);
      const body = await readyz.text();
      console.log(`/readyz with a missing queue: ${body.trim().replace(/\n/g, " | ")}`);
      expect(body).toContain("no-such-queue");
      expect(await metricsOf(second)).toMatch(/^orgguard_events_queue_up 0$/m);
      expect(second.lines.some((l) => l.includes("cannot read the events queue"))).toBe(true);
    } finally {
      await second.stop();
    }
  });
});
