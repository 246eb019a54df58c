/**
 * API call events: every call a kind listens for has a recorded example that parses; what is not
 * an API call event is refused with a reason; orgguard's own calls are recognised; and each event
 * reaches exactly the objects it concerns.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ApiCallName, apiCallKey, isOwnCall, parseApiCallEvent } from "../../src/aws/api-call-events.js";
import { EVENT_CALLS, EventRouter, type KindQueue } from "../../src/kinds/event-routing.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { apiCallMessage, fixtureFile, orgguardCallerArn } from "../support/api-call-events.js";

const call = (eventSource: string, eventName: string): ApiCallName => ({
  eventSource: `${eventSource}.amazonaws.com`,
  eventName,
});

describe("the recorded events", () => {
  it.each(EVENT_CALLS.map((c) => [apiCallKey(c), c] as const))("%s has a record that parses", (_, c) => {
    expect(existsSync(fixtureFile(c)), fixtureFile(c)).toBe(true);
    const event = parseApiCallEvent(apiCallMessage(c, { account: "222222222222" }));
    expect(event).toMatchObject({ ...c, account: "222222222222" });
  });

  it("covers every kind's writes, and the calls nobody but a console user makes", () => {
    const keys = EVENT_CALLS.map(apiCallKey);
    expect(keys).toEqual(
      expect.arrayContaining([
        "organizations.amazonaws.com/DetachPolicy",
        "organizations.amazonaws.com/DisablePolicyType",
        "iam.amazonaws.com/DeleteAccountPasswordPolicy",
        "s3.amazonaws.com/DeleteAccountPublicAccessBlock",
        "ec2.amazonaws.com/DisableEbsEncryptionByDefault",
        "ec2.amazonaws.com/AuthorizeSecurityGroupIngress",
        "account.amazonaws.com/DeleteAlternateContact",
        "config.amazonaws.com/StopConfigurationRecorder",
        "ec2.amazonaws.com/ModifyInstanceMetadataDefaults",
        "ec2.amazonaws.com/DisableSnapshotBlockPublicAccess",
        "ec2.amazonaws.com/DisableImageBlockPublicAccess",
        "ec2.amazonaws.com/CreateDefaultVpc",
      ]),
    );
  });
});

describe("parseApiCallEvent", () => {
  const malformed = [
    { reason: "not JSON", body: "hello", says: "not JSON" },
    { reason: "JSON but a list", body: "[1]", says: "not an EventBridge event" },
    {
      reason: "an SNS envelope",
      body: JSON.stringify({ Type: "Notification", Message: "{}" }),
      says: "not an EventBridge",
    },
    {
      reason: "another detail-type",
      body: JSON.stringify({ "detail-type": "EC2 Instance State-change Notification", detail: {} }),
      says: "not a CloudTrail API call",
    },
    {
      reason: "an API call without its name",
      body: JSON.stringify({
        "detail-type": "AWS API Call via CloudTrail",
        detail: { eventSource: "iam.amazonaws.com" },
      }),
      says: "without eventSource, eventName or account",
    },
    { reason: "an empty body", body: "", says: "not JSON" },
  ];
  it.each(malformed)("refuses $reason", ({ body, says }) => {
    const parsed = parseApiCallEvent(body);
    expect(parsed).toHaveProperty("malformed");
    expect((parsed as { malformed: string }).malformed).toContain(says);
  });

  it("reads a failed call's error code (nothing changed)", () => {
    const body = JSON.parse(
      apiCallMessage(call("iam", "DeleteAccountPasswordPolicy"), { account: "222222222222" }),
    );
    body.detail.errorCode = "AccessDenied";
    expect(parseApiCallEvent(JSON.stringify(body))).toMatchObject({ errorCode: "AccessDenied" });
  });
});

describe("isOwnCall", () => {
  const cases = [
    { reason: "orgguard's member-role session", arn: orgguardCallerArn("222222222222"), own: true },
    {
      reason: "orgguard's own role through IRSA (AWS_ROLE_SESSION_NAME=orgguard)",
      arn: "arn:aws:sts::111111111111:assumed-role/orgguard-controller/orgguard",
      own: true,
    },
    {
      reason: "a console user",
      arn: "arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_0123/jane@example.com",
      own: false,
    },
    {
      reason: "a session merely starting with orgguard",
      arn: "arn:aws:sts::1:assumed-role/r/orgguard-test",
      own: false,
    },
    { reason: "an IAM user named orgguard", arn: "arn:aws:iam::111111111111:user/orgguard", own: false },
    { reason: "no identity", arn: "", own: false },
  ];
  it.each(cases)("$reason: own = $own", ({ arn, own }) => expect(isOwnCall({ callerArn: arn })).toBe(own));
});

describe("EventRouter", () => {
  const object = (
    kind: string,
    name: string,
    spec: Record<string, unknown>,
    status?: Record<string, unknown>,
  ) =>
    ({
      apiVersion: "orgguard.io/v1alpha1",
      kind,
      metadata: { name },
      spec,
      ...(status ? { status } : {}),
    }) as ManagedObject;
  const objects: ManagedObject[] = [
    object("ServiceControlPolicy", "deny-leave", { document: {} }, { policyId: "p-aaaa1111" }),
    object(
      "ServiceControlPolicy",
      "deny-root",
      { policyName: "deny-root-user", document: {} },
      { policyId: "p-bbbb2222" },
    ),
    object("TagPolicy", "cost-center", { document: { tags: {} } }, { policyId: "p-cccc3333" }),
    object("PasswordPolicy", "prod", { accountId: "222222222222" }, { accountId: "222222222222" }),
    object("PasswordPolicy", "dev", { accountId: "333333333333" }, { accountId: "333333333333" }),
    object("PasswordPolicy", "own", {}, { accountId: "111111111111" }),
    object("EbsEncryptionByDefault", "prod-eu", { accountId: "222222222222", regions: ["eu-west-1"] }),
    object("EbsEncryptionByDefault", "prod-all", { accountId: "222222222222" }),
    object("AlternateContacts", "prod", { accountId: "222222222222" }, { accountId: "222222222222" }),
    object("NoDefaultVpc", "prod", { accountId: "222222222222", regions: ["eu-west-1"] }),
  ];
  const enqueued: string[] = [];
  const queues = new Map<string, KindQueue>(
    [...new Set(objects.map((o) => o.kind))].map((kind) => [
      kind,
      {
        objects: () => objects.filter((o) => o.kind === kind),
        enqueue: (name: string) => enqueued.push(`${kind}/${name}`),
      },
    ]),
  );
  const router = new EventRouter();
  for (const [kind, queue] of queues) router.connect(kind, queue);
  const cases = [
    {
      reason: "a detach names the policy: only the object holding it",
      call: call("organizations", "DetachPolicy"),
      change: { account: "111111111111", requestParameters: { policyId: "p-bbbb2222" } },
      expected: ["ServiceControlPolicy/deny-root"],
    },
    {
      reason: "tags on a tag policy reach the tag policy, not the SCPs",
      call: call("organizations", "UntagResource"),
      change: { account: "111111111111", requestParameters: { resourceId: "p-cccc3333" } },
      expected: ["TagPolicy/cost-center"],
    },
    {
      reason: "disabling a type concerns every object of that type",
      call: call("organizations", "DisablePolicyType"),
      change: { account: "111111111111", requestParameters: { policyType: "SERVICE_CONTROL_POLICY" } },
      expected: ["ServiceControlPolicy/deny-leave", "ServiceControlPolicy/deny-root"],
    },
    {
      reason: "a policy created by hand with an object's policy name concerns that object",
      call: call("organizations", "CreatePolicy"),
      change: {
        account: "111111111111",
        requestParameters: { name: "deny-root-user", type: "SERVICE_CONTROL_POLICY" },
      },
      expected: ["ServiceControlPolicy/deny-root"],
    },
    {
      reason: "a password policy deleted in one member reaches that account's object only",
      call: call("iam", "DeleteAccountPasswordPolicy"),
      change: { account: "222222222222" },
      expected: ["PasswordPolicy/prod"],
    },
    {
      reason: "a regional setting listing its regions hears only their events",
      call: call("ec2", "DisableEbsEncryptionByDefault"),
      change: { account: "222222222222", region: "us-east-1" },
      expected: ["EbsEncryptionByDefault/prod-all"],
    },
    {
      reason: "in a listed region both objects of the account hear it",
      call: call("ec2", "DisableEbsEncryptionByDefault"),
      change: { account: "222222222222", region: "eu-west-1" },
      expected: ["EbsEncryptionByDefault/prod-eu", "EbsEncryptionByDefault/prod-all"],
    },
    {
      reason: "alternate contacts are changed from the management account, for the account named in the call",
      call: call("account", "DeleteAlternateContact"),
      change: { account: "111111111111", requestParameters: { accountId: "222222222222" } },
      expected: ["AlternateContacts/prod"],
    },
    {
      reason:
        "a default VPC re-created by hand (a call orgguard never makes) reaches NoDefaultVpc in that region",
      call: call("ec2", "CreateDefaultVpc"),
      change: { account: "222222222222", region: "eu-west-1" },
      expected: ["NoDefaultVpc/prod"],
    },
    {
      reason: "a call in an account nothing is kept in concerns nobody",
      call: call("iam", "UpdateAccountPasswordPolicy"),
      change: { account: "444444444444" },
      expected: [],
    },
  ];
  it.each(cases)("$reason", ({ call: c, change, expected }) => {
    enqueued.length = 0;
    const outcome = router.handle(apiCallMessage(c, change));
    expect(enqueued).toEqual(expected);
    expect(outcome).toBe(expected.length > 0 ? "enqueued" : "unmatched");
  });

  const outcomes = [
    {
      reason: "orgguard's own write",
      callerArn: orgguardCallerArn("222222222222"),
      error: undefined,
      outcome: "own_write",
    },
    { reason: "a call that failed", callerArn: undefined, error: "AccessDenied", outcome: "failed_call" },
  ];
  it.each(outcomes)("$reason enqueues nothing ($outcome)", ({ callerArn, error, outcome }) => {
    enqueued.length = 0;
    const body = JSON.parse(
      apiCallMessage(call("iam", "DeleteAccountPasswordPolicy"), {
        account: "222222222222",
        ...(callerArn ? { callerArn } : {}),
      }),
    );
    if (error) body.detail.errorCode = error;
    expect(router.handle(JSON.stringify(body))).toBe(outcome);
    expect(enqueued).toEqual([]);
  });
});
