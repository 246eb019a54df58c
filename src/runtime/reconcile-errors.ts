/**
 * Errors a kind throws to tell the runtime how to go on. Everything else is retried with backoff.
 *
 * | class              | condition                | what happens next                                   |
 * |--------------------|--------------------------|-----------------------------------------------------|
 * | TerminalError      | Stalled=True             | nothing until the spec changes                      |
 * | BlockedError       | Stalled=True             | checked again every poll interval (something outside the spec, such as a permission, must change) |
 * | AlreadyExistsError | (none if re-observe ends well) | a create's "already exists": observe again at once and go on from there |
 * | RetryableError     | Synced=False, reason     | retried with per-object backoff                     |
 *
 * Any of them may travel in a FailureWithStatus, when the failed reconcile still has status to write.
 */

/** The spec must change before a retry can help (for example a malformed policy document). */
export class TerminalError extends Error {
  override readonly name: string = "TerminalError";
  /** A CamelCase reason for the Stalled condition, for example AccessDenied or NameTaken. */
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * Progress is blocked by something outside the spec that someone may fix without touching the
 * object (a missing IAM permission, a policy type switched off, an AWS limit another policy fills).
 * Reported as Stalled like a TerminalError, but checked again every poll interval, so a guard rail
 * resumes by itself once the obstacle is gone.
 */
export class BlockedError extends TerminalError {
  override readonly name = "BlockedError";
}

/** A transient error with a reason the condition should carry (for example Throttled). */
export class RetryableError extends Error {
  override readonly name: string = "RetryableError";
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/**
 * A create was answered "already exists". The thing may be this object's own (an earlier attempt
 * whose answer was lost made it), so the runtime observes again at once: the kind's observe decides
 * by its ownership proof whether to take it (and go on to update it) or to refuse it.
 */
export class AlreadyExistsError extends RetryableError {
  override readonly name = "AlreadyExistsError";
}

/**
 * A failure that still has status to write: what a reconcile did before it failed, when the object
 * is the only record of it (trusted access orgguard enabled carries no tag saying who did), or what
 * it read (the feature set of an organization that blocks everything). The lifecycle writes
 * `status` beside the conditions `cause` gives; `cause` alone decides them and what happens next.
 */
export class FailureWithStatus extends Error {
  override readonly name = "FailureWithStatus";

  constructor(
    override readonly cause: unknown,
    /** Status fields to set (an undefined value removes the field). */
    readonly status: Record<string, unknown>,
  ) {
    super(errorMessage(cause), { cause });
  }
}

/** The message of any thrown value, for conditions and logs. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The HTTP status of a Kubernetes API error from client-node, if it is one. */
export function kubeStatusCode(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null) return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === "number") return e.code;
  if (typeof e.statusCode === "number") return e.statusCode;
  return undefined;
}
