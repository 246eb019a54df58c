/**
 * The EventBridge events a CloudTrail rule would deliver, built from the recorded example of each
 * API call (test/fixtures/events): moto makes no CloudTrail events, so a test that changes
 * something out of band sends the event of that change itself, with the real account, region and
 * ids put in.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { API_CALL_DETAIL_TYPE, type ApiCallName } from "../../src/aws/api-call-events.js";
import { ORGGUARD_SESSION_NAME } from "../../src/aws/clients.js";

const FIXTURES = "test/fixtures/events";

/** The file holding the recorded example of `call`. */
export const fixtureFile = (call: ApiCallName): string =>
  `${FIXTURES}/${call.eventSource.replace(/\.amazonaws\.com$/, "")}/${call.eventName}.json`;

/** The recorded CloudTrail record of `call`. */
export function recordedEvent(call: ApiCallName): Record<string, unknown> {
  return JSON.parse(readFileSync(fixtureFile(call), "utf8")) as Record<string, unknown>;
}

/** What a test's change puts into the recorded event. */
export interface ChangeMade {
  account: string;
  region?: string;
  requestParameters?: Record<string, unknown>;
  /** Who made it (default: the recorded console user, moved to `account`). */
  callerArn?: string;
}

/** The ARN CloudTrail records for a call orgguard made in `account` (the member role's session). */
export const orgguardCallerArn = (account: string): string =>
  `arn:aws:sts::${account}:assumed-role/OrganizationAccountAccessRole/${ORGGUARD_SESSION_NAME}`;

/** The EventBridge event (as the queue's message body) for `call`, made as `change` says. */
export function apiCallMessage(call: ApiCallName, change: ChangeMade): string {
  const record = recordedEvent(call);
  const identity = record.userIdentity as { arn: string; accountId: string };
  const region = change.region ?? (record.awsRegion as string);
  const detail = {
    ...record,
    userIdentity: {
      ...identity,
      accountId: change.account,
      arn: change.callerArn ?? identity.arn.replace(/::\d{12}:/, `::${change.account}:`),
    },
    awsRegion: region,
    eventTime: new Date().toISOString(),
    eventID: randomUUID(),
    recipientAccountId: change.account,
    requestParameters: { ...(record.requestParameters as object | null), ...change.requestParameters },
  };
  return JSON.stringify({
    version: "0",
    id: randomUUID(),
    "detail-type": API_CALL_DETAIL_TYPE,
    source: `aws.${call.eventSource.replace(/\.amazonaws\.com$/, "")}`,
    account: change.account,
    time: detail.eventTime,
    region,
    resources: [],
    detail,
  });
}
