/**
 * AWS error codes sorted into what the reconciler should do with them. Every code here is named
 * in ../shared/design/AWS-FACTS.md or the service's API reference.
 */
import { RetryableError, TerminalError } from "../runtime/errors.js";

export type AwsErrorClass = "not-found" | "terminal" | "throttled" | "retryable";

const NOT_FOUND = new Set([
  "NoSuchEntity",
  "NoSuchEntityException",
  "NoSuchPublicAccessBlockConfiguration",
  "PolicyNotFoundException",
  "TargetNotFoundException",
  "PolicyNotAttachedException",
]);

const TERMINAL = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "AccessDeniedForDependencyException",
  "UnauthorizedOperation",
  "MalformedPolicyDocumentException",
  "ConstraintViolationException",
  "InvalidInputException",
  "PolicyTypeNotEnabledException",
  "DuplicatePolicyException",
  "AWSOrganizationsNotInUseException",
  "ValidationError",
  "ValidationException",
  "InvalidClientTokenId",
  "PolicyChangesInProgressException",
]);

const THROTTLED = new Set([
  "TooManyRequestsException",
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "SlowDown",
]);

/** The error code of an AWS SDK error (its name), or undefined for other errors. */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown; $metadata?: unknown };
  if (typeof e.Code === "string") return e.Code;
  if (e.$metadata !== undefined && typeof e.name === "string") return e.name;
  return undefined;
}

/** Which class an AWS error belongs to; unknown codes and network errors are retryable. */
export function classifyAwsError(err: unknown): AwsErrorClass {
  const code = awsErrorCode(err);
  if (code === undefined) return "retryable";
  if (NOT_FOUND.has(code)) return "not-found";
  if (TERMINAL.has(code)) return "terminal";
  if (THROTTLED.has(code)) return "throttled";
  // HTTP 403 is "forbidden" whatever the body says (an unreadable body leaves the SDK with a
  // generic name such as Unknown or SyntaxError): retrying cannot help until permissions change.
  if (httpStatus(err) === 403) return "terminal";
  return "retryable";
}

const httpStatus = (err: unknown): number | undefined =>
  (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;

export const isNotFound = (err: unknown): boolean => classifyAwsError(err) === "not-found";

/**
 * Wraps an AWS error for the reconciler: terminal ones stall the object (the spec or the IAM
 * permissions must change first), throttling and the rest are retried with backoff.
 * `what` says what was attempted, lower-case: "cannot update the password policy of 123456789012".
 */
export function toReconcileError(err: unknown, what: string): Error {
  const named = awsErrorCode(err) ?? "Error";
  // A 403 whose code the SDK could not read is, for the condition, an AccessDenied.
  const code = httpStatus(err) === 403 && !TERMINAL.has(named) ? "AccessDenied" : named;
  const message = `${what}: ${code}: ${err instanceof Error ? err.message : String(err)}`;
  switch (classifyAwsError(err)) {
    case "terminal":
      return new TerminalError(code.replace(/Exception$/, ""), message, { cause: err });
    case "throttled":
      return new RetryableError("Throttled", message, { cause: err });
    default:
      return new RetryableError(code.replace(/Exception$/, ""), message, { cause: err });
  }
}
