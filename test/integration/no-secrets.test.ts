/**
 * No secret leaves orgguard: `orgguard controller` (the built binary, logging at debug) runs one
 * object of every managed kind (bench/calls-per-reconcile-cases.ts, the list a test keeps
 * complete) and a baseline, with canary values in its own credentials, in alternate contact
 * details (given in the spec, changed by hand in AWS, and sent in API call events) and in event
 * payloads, well-formed and not. Then no canary may appear in any log line, Event, object status
 * or metric. Positive controls show each canary was really used: AWS holds the contact orgguard
 * wrote, the hand change was repaired, and the events were read.
 */
import { randomBytes } from "node:crypto";
import {
  AccountClient,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
} from "@aws-sdk/client-account";
import { EnableAWSServiceAccessCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { CreateQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BENCH_TRAIL_BUCKET, callCases } from "../../bench/calls-per-reconcile-cases.js";
import { KINDS } from "../../src/kinds/index.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { waitUntil } from "../env/process.js";
import { apiCallMessage } from "../support/api-call-events.js";
import {
  awsClientConfig,
  awsEndpoint,
  createBucket,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  resetMoto,
} from "../support/aws.js";
import { ControllerProcess } from "../support/controller-process.js";
import { apiCall } from "../support/event-cases.js";
import { adminKubeConfig } from "../support/kube.js";
import { kubectlOk } from "../support/kubectl.js";
import { deleteEveryObject, installOrgguardCrds, manifest, orgguardClient } from "../support/orgguard.js";

const CANARY = `canary${randomBytes(6).toString("hex")}`;
/** Eight random digits, for a phone number no other value contains. */
const digits = () => String(randomBytes(4).readUInt32BE(0) % 100_000_000).padStart(8, "7");
/** Every value that must never leave orgguard, by what it stands for. */
const SECRETS: Record<string, string> = {
  "its secret access key": `${CANARY}SecretAccessKey`,
  "its session token": `${CANARY}SessionToken`,
  "a contact's name": `${CANARY} Name`,
  "a contact's title": `${CANARY} Title`,
  "a contact's email": `${CANARY}@example.com`,
  "a contact's phone": `+1 ${digits()}`,
  "a contact's email changed by hand": `${CANARY}.byhand@example.com`,
  "a contact's phone changed by hand": `+44 ${digits()}`,
  "an event's request parameter": `${CANARY}EventParameter`,
  "a message that is no event": `${CANARY}NotAnEvent`,
};
const POLL_MS = 2000;
/** Two regions show every regional path; the bench's 17 would only slow the test. */
const REGIONS = ["us-east-1", "eu-west-1"];
const kc = adminKubeConfig();
let controller: ControllerProcess;
let member: string;
let queueUrl: string;
const sqs = () => new SQSClient({ ...awsClientConfig(), region: "us-east-1" });
const accounts = () => new AccountClient({ ...awsClientConfig(), region: "us-east-1" });

const canaryContact = {
  name: SECRETS["a contact's name"],
  title: SECRETS["a contact's title"],
  emailAddress: SECRETS["a contact's email"],
  phoneNumber: SECRETS["a contact's phone"],
};

/**
 * The calls bench's cases, one per managed kind (a kind measured twice there, one object at a time,
 * would conflict with itself here), with what the organization needs before them.
 */
const casesByKind = (other: string) => [
  ...new Map(callCases({ member, other }).map((c) => [c.kind, c] as const)).values(),
];

/** One object of every managed kind, with the canary contact, and a baseline over the OU. */
function objects(other: string): ManagedObject[] {
  const cases = casesByKind(other).map((c, i) => {
    const spec: Record<string, unknown> = { ...c.spec };
    if (Array.isArray(spec.regions)) spec.regions = REGIONS;
    if (c.kind === "AlternateContacts") spec.security = canaryContact;
    return manifest(c.kind, `canary-${c.kind.toLowerCase()}-${i}`, spec);
  });
  return [
    ...cases,
    manifest("AccountBaseline", "canary-baseline", {
      accounts: { ids: [other] },
      alternateContacts: { security: canaryContact, operations: canaryContact },
    }),
  ];
}

const settled = (o: ManagedObject | undefined) => {
  const ready = findCondition(o?.status?.conditions, "Ready");
  return ready?.status === "True" || ready?.reason === "Drifted";
};

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const tree = await createOrganization({ ous: [{ name: "Workloads", accounts: ["canary-1", "canary-2"] }] });
  member = tree.accountIds.get("canary-1")!;
  queueUrl = (await sqs().send(new CreateQueueCommand({ QueueName: "orgguard-canary-events" }))).QueueUrl!;
  controller = new ControllerProcess(
    [
      "--log-level=debug",
      `--poll-interval=${POLL_MS}ms`,
      "--discovery-interval=2s",
      `--events-queue-url=${queueUrl}`,
    ],
    {
      AWS_SECRET_ACCESS_KEY: SECRETS["its secret access key"],
      AWS_SESSION_TOKEN: SECRETS["its session token"],
    },
  );
  await controller.ready();
  // What the cases need first, as bench/calls-per-reconcile.ts gives it: the trail's bucket, and
  // trusted access for the organization-wide services.
  await createBucket(BENCH_TRAIL_BUCKET, awsEndpoint());
  const org = new OrganizationsClient(awsClientConfig());
  for (const principal of new Set(casesByKind(member).flatMap((c) => c.trustedAccess ?? []))) {
    await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: principal }));
  }
  for (const o of objects(tree.accountIds.get("canary-2")!)) await orgguardClient(kc, o.kind).create(o);
}, 120_000);

afterAll(async () => {
  await deleteEveryObject(
    [...KINDS].reverse().map((k) => orgguardClient(kc, k.api.kind)),
    () => controller?.tail() ?? "",
  );
  await controller?.stop();
});

/** Everything orgguard said: its log lines, the Events, every object's status, its metrics. */
async function everythingSaid(): Promise<{ logs: string; events: string; status: string; metrics: string }> {
  const statuses: unknown[] = [];
  for (const kind of KINDS) {
    for (const o of (await orgguardClient(kc, kind.api.kind).list()).items) statuses.push(o.status);
  }
  return {
    logs: controller.lines.join("\n"),
    events: await kubectlOk(["get", "events", "--all-namespaces", "-o", "json"]),
    status: JSON.stringify(statuses),
    metrics: await (await fetch(`${controller.url()}/metrics`)).text(),
  };
}

describe("no secret leaves orgguard", () => {
  it("no canary in any log line (debug), Event, status or metric, while each was used", async () => {
    // Every object settles (Ready, or ObserveOnly reporting drift).
    let unsettled: string[] = [];
    await waitUntil(
      async () => {
        unsettled = [];
        for (const kind of KINDS) {
          for (const o of (await orgguardClient(kc, kind.api.kind).list()).items) {
            const ready = findCondition(o.status?.conditions, "Ready");
            if (!settled(o))
              unsettled.push(`${o.kind}/${o.metadata.name}: ${ready?.reason}: ${ready?.message}`);
          }
        }
        return unsettled.length === 0;
      },
      120_000,
      () => `every object settled (not yet: ${unsettled.join("; ")}; controller: ${controller.tail()})`,
    );
    // Control: orgguard wrote the canary contact to AWS.
    const written = await accounts().send(
      new GetAlternateContactCommand({ AccountId: member, AlternateContactType: "SECURITY" }),
    );
    expect(written.AlternateContact?.EmailAddress).toBe(SECRETS["a contact's email"]);

    // Changed by hand, with the call's event carrying the new details: repaired.
    await accounts().send(
      new PutAlternateContactCommand({
        AccountId: member,
        AlternateContactType: "SECURITY",
        Name: canaryContact.name,
        Title: canaryContact.title,
        EmailAddress: SECRETS["a contact's email changed by hand"],
        PhoneNumber: SECRETS["a contact's phone changed by hand"],
      }),
    );
    const event = apiCallMessage(apiCall("account", "PutAlternateContact"), {
      account: MANAGEMENT_ACCOUNT_ID,
      region: "us-east-1",
      requestParameters: {
        accountId: member,
        alternateContactType: "SECURITY",
        emailAddress: SECRETS["a contact's email changed by hand"],
        phoneNumber: SECRETS["a contact's phone changed by hand"],
        note: SECRETS["an event's request parameter"],
      },
    });
    await sqs().send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: event }));
    await sqs().send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: `{"not": "${SECRETS["a message that is no event"]}"}`,
      }),
    );
    await waitUntil(
      async () =>
        (
          await accounts().send(
            new GetAlternateContactCommand({ AccountId: member, AlternateContactType: "SECURITY" }),
          )
        ).AlternateContact?.EmailAddress === SECRETS["a contact's email"],
      20_000,
      "the hand change repaired",
    );
    // Control: both messages were read (one enqueued its object, one deleted as malformed).
    await waitUntil(
      async () => {
        const metrics = (await everythingSaid()).metrics;
        return (
          /^orgguard_events_received_total\{outcome="enqueued"\} [1-9]/m.test(metrics) &&
          /^orgguard_events_received_total\{outcome="malformed"\} [1-9]/m.test(metrics)
        );
      },
      20_000,
      "both messages read",
    );

    const said = await everythingSaid();
    // Control: the debug log is not empty, and talks about the objects that hold the canaries.
    expect(said.logs.split("\n").length).toBeGreaterThan(100);
    expect(said.logs).toContain("AlternateContacts");
    const found: string[] = [];
    for (const [what, secret] of Object.entries(SECRETS)) {
      for (const [where, text] of Object.entries(said)) {
        if (text.toLowerCase().includes(secret.toLowerCase())) found.push(`${what} in ${where}`);
      }
    }
    expect(found).toEqual([]);
  }, 240_000);
});
