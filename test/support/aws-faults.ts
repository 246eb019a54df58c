/**
 * SDK-level stubs for what moto does not emulate: a middleware on a real SDK client that makes
 * chosen operations fail with the real exception classes, or answers them instead of moto (a
 * stale read; a call moto answers with a 500), or amends moto's answer (adds what moto refuses to
 * keep, such as a delegated administrator of a service it does not know). It sits inside the SDK's retry middleware (the
 * deserialize step, before the deserializer), so SDK retries behave as against AWS.
 */

/**
 * A fault: `operation` fails `times` times with `error()` (after reaching moto when `afterAws`: a
 * lost response), or answers with `respond()` (a stale read).
 */
export interface Fault {
  operation: string;
  /** The error to raise; or `respond` answers instead of moto (a stale read, or what moto lacks). */
  error?: () => Error;
  respond?: (input: Record<string, unknown>) => Record<string, unknown>;
  /** moto answers, and this changes its answer (what moto lacks added to a list). */
  amend?: (output: Record<string, unknown>, input: Record<string, unknown>) => Record<string, unknown>;
  times: number;
  afterAws?: boolean;
  when?: (input: Record<string, unknown>) => boolean;
}

/** Every operation attempt the client made, with its time and input. */
export interface Attempt {
  operation: string;
  at: number;
  failed: boolean;
  input: Record<string, unknown>;
}

interface Stackable {
  middlewareStack: unknown;
}

/** Installs `faults` on `client`; returns the list of attempts it sees. */
export function injectFaults(client: Stackable, faults: Fault[]): Attempt[] {
  const attempts: Attempt[] = [];
  (
    client.middlewareStack as { add(m: unknown, o: { step: string; priority: string; name: string }): void }
  ).add(
    (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
      async (args: { input: Record<string, unknown> }) => {
        const operation = (context.commandName ?? "").replace(/Command$/, "");
        const fault = faults.find(
          (f) => f.operation === operation && f.times > 0 && (f.when?.(args.input) ?? true),
        );
        const failed = fault !== undefined && fault.amend === undefined;
        attempts.push({ operation, at: Date.now(), failed, input: args.input });
        if (!fault) return next(args);
        fault.times -= 1;
        if (fault.respond) return { output: { ...fault.respond(args.input), $metadata: {} }, response: {} };
        if (fault.amend) {
          const answered = (await next(args)) as { output: Record<string, unknown> };
          return { ...answered, output: fault.amend(answered.output, args.input) };
        }
        if (fault.afterAws) await next(args);
        throw fault.error!();
      },
    // Outside the deserializer (high priority in its step): an answer given here is final.
    { step: "deserialize", priority: "high", name: `orgguardFaults${Math.random()}` },
  );
  return attempts;
}

/** An AWS service exception as the SDK would raise it. */
export function awsException<E extends Error>(
  Exception: new (opts: { message: string; $metadata: Record<string, unknown> }) => E,
  message: string,
): E {
  return new Exception({ message, $metadata: { httpStatusCode: 400 } });
}
