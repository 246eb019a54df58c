/**
 * CloudTrail management events as EventBridge delivers them ("AWS API Call via CloudTrail"):
 * which events a kind's API calls produce, how to read one from a queue message, and whether
 * orgguard made the call itself. An event is only ever a hint that something may have changed;
 * the reconcile it triggers reads AWS and decides.
 */
import { ORGGUARD_SESSION_NAME } from "./clients.js";

/** The detail-type EventBridge gives CloudTrail's records of API calls. */
export const API_CALL_DETAIL_TYPE = "AWS API Call via CloudTrail";

/** An API call as CloudTrail names it: `organizations.amazonaws.com` / `DetachPolicy`. */
export interface ApiCallName {
  eventSource: string;
  eventName: string;
}

/**
 * The CloudTrail name of the call an IAM action authorizes. CloudTrail names a call by the
 * service's IAM prefix and the action (`iam:UpdateAccountPasswordPolicy` is logged as
 * `iam.amazonaws.com` / `UpdateAccountPasswordPolicy`); S3 Control's account-level calls are
 * logged under `s3.amazonaws.com` as their IAM actions (`PutAccountPublicAccessBlock`), which is
 * why the IAM action, not the SDK operation, is the key. Where CloudTrail names the call otherwise
 * (S3 Control's delete, authorized by the put action), the operation says so: `eventName`.
 */
export function apiCallOf(iamAction: string, eventName?: string): ApiCallName {
  const [prefix = "", action = ""] = iamAction.split(":");
  return { eventSource: `${prefix}.amazonaws.com`, eventName: eventName ?? action };
}

/** `source/name`, for sets and metrics. */
export const apiCallKey = (call: ApiCallName): string => `${call.eventSource}/${call.eventName}`;

/** One API call event, as much of it as orgguard reads. */
export interface ApiCallEvent extends ApiCallName {
  /** The account the call was made in (for calls made from the management account on a member's behalf, see requestParameters). */
  account: string;
  region: string;
  /** Who called: the ARN CloudTrail records (an assumed role's session ARN for orgguard). */
  callerArn: string;
  requestParameters: Record<string, unknown>;
  /** Set when the call failed: nothing changed. */
  errorCode?: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Reads one queue message body as an EventBridge envelope of a CloudTrail API call; a body that
 * is not one says why (it is deleted and counted, never retried: it would never parse).
 */
export function parseApiCallEvent(body: string): ApiCallEvent | { malformed: string } {
  let envelope: unknown;
  try {
    envelope = JSON.parse(body);
  } catch {
    return { malformed: "not JSON" };
  }
  if (!isRecord(envelope) || !isRecord(envelope.detail) || envelope["detail-type"] === undefined)
    return { malformed: "not an EventBridge event (no detail-type and detail)" };
  if (envelope["detail-type"] !== API_CALL_DETAIL_TYPE)
    return {
      malformed: `not a CloudTrail API call (detail-type ${JSON.stringify(envelope["detail-type"])})`,
    };
  const detail = envelope.detail;
  const eventSource = text(detail.eventSource);
  const eventName = text(detail.eventName);
  const account = text(detail.recipientAccountId) ?? text(envelope.account);
  if (!eventSource || !eventName || !account)
    return { malformed: "a CloudTrail event without eventSource, eventName or account" };
  const identity = isRecord(detail.userIdentity) ? detail.userIdentity : {};
  const errorCode = text(detail.errorCode);
  return {
    eventSource,
    eventName,
    account,
    region: text(detail.awsRegion) ?? text(envelope.region) ?? "",
    callerArn: text(identity.arn) ?? "",
    requestParameters: isRecord(detail.requestParameters) ? detail.requestParameters : {},
    ...(errorCode ? { errorCode } : {}),
  };
}

/**
 * Whether orgguard made the call: its sessions are named `orgguard` (the member roles it assumes,
 * and its own role through AWS_ROLE_SESSION_NAME, which the chart sets), so CloudTrail records
 * `arn:aws:sts::<account>:assumed-role/<role>/orgguard`.
 */
export const isOwnCall = (event: Pick<ApiCallEvent, "callerArn">): boolean =>
  /:assumed-role\/[^/]+\/(.+)$/.exec(event.callerArn)?.[1] === ORGGUARD_SESSION_NAME;

/** A string request parameter (policyId, accountId, ...), when the event has it. */
export const requestParameter = (event: ApiCallEvent, name: string): string | undefined =>
  text(event.requestParameters[name]);

/**
 * The EventBridge pattern that matches exactly `calls` (for the rule in docs/events): CloudTrail
 * management events of those names, from those services, successful or not (a failed call is
 * dropped by orgguard; EventBridge patterns cannot test for a missing errorCode cheaply).
 */
export function eventPattern(calls: readonly ApiCallName[]): Record<string, unknown> {
  const sources = [...new Set(calls.map((c) => c.eventSource))].sort();
  return {
    source: sources.map((s) => `aws.${s.replace(/\.amazonaws\.com$/, "")}`),
    "detail-type": [API_CALL_DETAIL_TYPE],
    detail: {
      eventSource: sources,
      eventName: [...new Set(calls.map((c) => c.eventName))].sort(),
    },
  };
}
