import { describe, expect, it } from "vitest";
import { classifyAwsError, toReconcileError } from "../../../src/aws/errors.js";
import { RetryableError, TerminalError } from "../../../src/runtime/errors.js";

/** An error shaped like the SDK's service exceptions. */
const awsError = (name: string) =>
  Object.assign(new Error(`${name} message`), { name, $metadata: { httpStatusCode: 400 } });

describe("classifyAwsError", () => {
  const cases = [
    { code: "NoSuchEntityException", expected: "not-found", reason: "no password policy set" },
    {
      code: "NoSuchPublicAccessBlockConfiguration",
      expected: "not-found",
      reason: "no public access block set",
    },
    { code: "PolicyNotFoundException", expected: "not-found", reason: "the SCP is gone" },
    { code: "AccessDeniedException", expected: "terminal", reason: "IAM permissions must change first" },
    { code: "AccessDenied", expected: "terminal", reason: "S3 Control's spelling" },
    { code: "MalformedPolicyDocumentException", expected: "terminal", reason: "the document must change" },
    { code: "ConstraintViolationException", expected: "terminal", reason: "a limit: the spec must change" },
    { code: "PolicyTypeNotEnabledException", expected: "terminal", reason: "SCPs are off on the root" },
    {
      code: "TooManyRequestsException",
      expected: "throttled",
      reason: "Organizations throttling (HTTP 400)",
    },
    { code: "ConcurrentModificationException", expected: "retryable", reason: "someone else is writing" },
    { code: "ServiceUnavailableException", expected: "retryable", reason: "unknown codes are retried" },
  ];
  it.each(cases)("$code -> $expected ($reason)", ({ code, expected }) => {
    expect(classifyAwsError(awsError(code))).toBe(expected);
  });

  it("an HTTP 403 whose body the SDK could not read is terminal, reported as AccessDenied", () => {
    const unreadable = Object.assign(new Error("Unexpected token '<'"), {
      name: "SyntaxError",
      $metadata: { httpStatusCode: 403 },
    });
    expect(classifyAwsError(unreadable)).toBe("terminal");
    expect((toReconcileError(unreadable, "cannot list") as TerminalError).reason).toBe("AccessDenied");
  });

  it("a network error without an AWS code is retryable", () => {
    expect(classifyAwsError(new Error("socket hang up"))).toBe("retryable");
  });
});

describe("toReconcileError", () => {
  it("makes terminal codes a TerminalError whose reason drops the Exception suffix", () => {
    const err = toReconcileError(awsError("AccessDeniedException"), "cannot read x");
    expect(err).toBeInstanceOf(TerminalError);
    expect((err as TerminalError).reason).toBe("AccessDenied");
    expect(err.message).toBe("cannot read x: AccessDeniedException: AccessDeniedException message");
  });

  it("makes throttling a RetryableError with reason Throttled", () => {
    const err = toReconcileError(awsError("TooManyRequestsException"), "cannot attach");
    expect(err).toBeInstanceOf(RetryableError);
    expect((err as RetryableError).reason).toBe("Throttled");
  });
});
