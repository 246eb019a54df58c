import { describe, expect, it } from "vitest";
import { meaningOf, toReconcileError } from "../../../src/aws/aws-errors.js";
import {
  AlreadyExistsError,
  BlockedError,
  RetryableError,
  TerminalError,
} from "../../../src/runtime/reconcile-errors.js";

/** An error shaped like the SDK's service exceptions. */
const awsError = (name: string, fields: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: 400 }, ...fields });

describe("meaningOf", () => {
  const cases = [
    { code: "NoSuchEntityException", expected: "not-found", reason: "no password policy set" },
    {
      code: "NoSuchPublicAccessBlockConfiguration",
      expected: "not-found",
      reason: "no public access block set",
    },
    { code: "PolicyNotFoundException", expected: "not-found", reason: "the SCP is gone: re-create it" },
    {
      code: "TargetNotFoundException",
      expected: "transient",
      reason: "the OU or account may appear; never 'done' for a delete",
    },
    { code: "PolicyNotAttachedException", expected: "goal-reached", reason: "detach: already detached" },
    {
      code: "DuplicatePolicyAttachmentException",
      expected: "goal-reached",
      reason: "attach: already attached",
    },
    {
      code: "DuplicatePolicyException",
      expected: "already-exists",
      reason: "create: possibly our own lost create; the ownership tags decide",
    },
    {
      code: "MalformedPolicyDocumentException",
      expected: "spec-rejected",
      reason: "the document must change",
    },
    { code: "InvalidInputException", expected: "spec-rejected", reason: "the input must change" },
    {
      code: "ConstraintViolationException",
      expected: "blocked",
      reason: "a count limit or the last SCP: other policies can make room",
    },
    { code: "AccessDeniedException", expected: "blocked", reason: "IAM permissions can be granted" },
    { code: "AccessDenied", expected: "blocked", reason: "S3 Control's spelling" },
    {
      code: "PolicyTypeNotEnabledException",
      expected: "transient",
      reason: "retried with backoff: the policy lands soon after the type is switched on",
    },
    { code: "AWSOrganizationsNotInUseException", expected: "blocked", reason: "no organization yet" },
    {
      code: "AccountAlreadyRegisteredException",
      expected: "goal-reached",
      reason: "register: already the delegated administrator (a lost answer, or a list not showing it yet)",
    },
    {
      code: "AccountNotRegisteredException",
      expected: "goal-reached",
      reason: "deregister: not (any more) the delegated administrator",
    },
    {
      code: "InvalidAccessException",
      expected: "blocked",
      reason: "Security Hub: not subscribed, or not the administrator; fixed outside the spec",
    },
    {
      code: "ResourceConflictException",
      expected: "goal-reached",
      reason: "Security Hub: already subscribed (an earlier answer was lost)",
    },
    {
      code: "NoSuchConfigurationAggregatorException",
      expected: "not-found",
      reason: "AWS Config: no aggregator of that name",
    },
    {
      code: "OrganizationAccessDeniedException",
      expected: "blocked",
      reason: "AWS Config: not the management account nor a delegated administrator",
    },
    {
      code: "PolicyTypeAlreadyEnabledException",
      expected: "goal-reached",
      reason: "enable a policy type: it is on already",
    },
    {
      code: "AccountNotFoundException",
      expected: "not-found",
      reason: "the account is not in the organization (it may be created or join: retried)",
    },
    {
      code: "PolicyChangesInProgressException",
      expected: "transient",
      reason: "AWS says to try again later",
    },
    {
      code: "TooManyRequestsException",
      expected: "throttled",
      reason: "Organizations throttling (HTTP 400)",
    },
    { code: "Throttling", expected: "throttled", reason: "IAM and STS throttling (query protocol)" },
    { code: "SlowDown", expected: "throttled", reason: "S3 throttling (HTTP 503)" },
    { code: "ConcurrentModificationException", expected: "transient", reason: "someone else is writing" },
    { code: "ServiceException", expected: "transient", reason: "a server-side failure" },
    { code: "SomethingNewException", expected: "transient", reason: "unknown codes are retried" },
    { code: "TrailNotFoundException", expected: "not-found", reason: "CloudTrail: no trail of that name" },
    {
      code: "TrailAlreadyExistsException",
      expected: "already-exists",
      reason: "CreateTrail: possibly our own lost create; the trail's tags decide",
    },
    {
      code: "S3BucketDoesNotExistException",
      expected: "blocked",
      reason: "the trail's bucket is the user's to create: checked again every poll",
    },
    {
      code: "InsufficientS3BucketPolicyException",
      expected: "blocked",
      reason: "the bucket policy is the user's to fix",
    },
    {
      code: "InsufficientEncryptionPolicyException",
      expected: "blocked",
      reason: "the key policy is the user's to fix",
    },
    {
      code: "CloudTrailAccessNotEnabledException",
      expected: "blocked",
      reason: "trusted access is enabled outside the trail's spec",
    },
    {
      code: "InvalidKmsKeyIdException",
      expected: "spec-rejected",
      reason: "the key ARN in the spec is wrong",
    },
  ];
  it.each(cases)("$code -> $expected ($reason)", ({ code, expected }) => {
    expect(meaningOf(awsError(code))).toBe(expected);
  });

  it("a ConstraintViolation about the document's size is the spec's, not an outside limit", () => {
    expect(
      meaningOf(awsError("ConstraintViolationException", { Reason: "POLICY_CONTENT_LIMIT_EXCEEDED" })),
    ).toBe("spec-rejected");
    expect(
      meaningOf(
        awsError("ConstraintViolationException", { Reason: "MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED" }),
      ),
    ).toBe("blocked");
  });

  it("a ConstraintViolation naming the management account as delegated administrator is the spec's", () => {
    const refusal = awsError("ConstraintViolationException", {
      Reason: "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
    });
    expect(meaningOf(refusal)).toBe("spec-rejected");
    // Another service's administrator already registered: someone outside the spec must act.
    expect(
      meaningOf(
        awsError("ConstraintViolationException", {
          Reason: "DELEGATED_ADMINISTRATOR_EXISTS_FOR_THIS_SERVICE",
        }),
      ),
    ).toBe("blocked");
  });

  it("AWS's Reason is in the message: it says which limit or rule", () => {
    const err = toReconcileError(
      awsError("ConstraintViolationException", { Reason: "SERVICE_ACCESS_NOT_ENABLED" }),
      "cannot register",
    );
    expect(err.message).toBe(
      "cannot register: ConstraintViolationException (SERVICE_ACCESS_NOT_ENABLED): ConstraintViolationException message",
    );
  });

  it("an HTTP 403 whose body the SDK could not read is blocked, reported as AccessDenied", () => {
    const unreadable = Object.assign(new Error("Unexpected token '<'"), {
      name: "SyntaxError",
      $metadata: { httpStatusCode: 403 },
    });
    expect(meaningOf(unreadable)).toBe("blocked");
    expect((toReconcileError(unreadable, "cannot list") as TerminalError).reason).toBe("AccessDenied");
  });

  it("a network error without an AWS code is transient", () => {
    expect(meaningOf(new Error("socket hang up"))).toBe("transient");
  });
});

describe("toReconcileError", () => {
  const cases = [
    {
      code: "MalformedPolicyDocumentException",
      type: TerminalError,
      reason: "MalformedPolicyDocument",
      why: "spec-rejected: Stalled until the spec changes",
    },
    {
      code: "AccessDeniedException",
      type: BlockedError,
      reason: "AccessDenied",
      why: "blocked: Stalled, checked again every poll",
    },
    {
      code: "DuplicatePolicyException",
      type: AlreadyExistsError,
      reason: "DuplicatePolicy",
      why: "already-exists: observe again at once",
    },
    { code: "TooManyRequestsException", type: RetryableError, reason: "Throttled", why: "throttled" },
    { code: "ServiceException", type: RetryableError, reason: "Service", why: "transient" },
  ];
  it.each(cases)("$code -> $type.name ($why)", ({ code, type, reason }) => {
    const err = toReconcileError(awsError(code), "cannot do x");
    expect(err).toBeInstanceOf(type);
    expect((err as RetryableError | TerminalError).reason).toBe(reason);
    expect(err.message).toBe(`cannot do x: ${code}: ${code} message`);
  });

  it("a blocked error is still a TerminalError (Stalled), but a distinct class", () => {
    const err = toReconcileError(awsError("AccessDenied"), "cannot put");
    expect(err).toBeInstanceOf(TerminalError);
    expect(err).toBeInstanceOf(BlockedError);
  });
});
