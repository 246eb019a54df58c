/**
 * Errors a kind throws to tell the runtime how to go on. Everything else is retried with backoff.
 */

/** The spec must change before a retry can help (for example AccessDenied or a malformed policy). */
export class TerminalError extends Error {
  override readonly name = "TerminalError";
  /** A CamelCase reason for the Stalled condition, for example AccessDenied or NameTaken. */
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
  }
}

/** A transient error with a reason the condition should carry (for example Throttled). */
export class RetryableError extends Error {
  override readonly name = "RetryableError";
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.reason = reason;
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
