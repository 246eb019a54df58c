/**
 * One SDK client per service and region for every member account, each call signed with its own
 * account's session.
 *
 * The AWS SDK binds credentials to a client, so orgguard used to make a client per (service,
 * account, region), keeping the 100 most recently used. A client costs about 22 KiB and, made
 * anew, about 0.4 ms of CPU on its first call (configuration resolved through the SDK's provider
 * chains); a poll over more accounts than the cache held made one for nearly every reconcile, and
 * a regional setting one per region. Here a member-account call runs in an AsyncLocalStorage scope
 * that names its account's session, and the shared client's credentials provider reads the scope.
 * The SDK memoizes a client's credentials provider unless it is marked `memoized` (its convention
 * for providers that cache on their own, which orgguard's sessions do: one AssumeRole per role
 * until shortly before expiry), so it asks the provider at every signature.
 *
 * A wrong identity would act in the wrong account, so two guards fail closed: a call outside any
 * account's scope is refused before it is signed, and every signed request is checked to carry its
 * scope's access key before it is sent.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { constructStack } from "@smithy/core/client";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  FinalizeHandlerArguments,
  FinalizeRequestHandlerOptions,
  MetadataBearer,
  MiddlewareStack,
  RelativeMiddlewareOptions,
} from "@smithy/types";

/** The account session a call is signed with. */
export interface AccountScope {
  credentials: () => Promise<AwsCredentialIdentity>;
}

const scopes = new AsyncLocalStorage<{ scope: AccountScope; target: string }>();

/**
 * The target (service, account, region and role) the current call of a shared member-account
 * client acts in, or undefined outside a view: what the client's pace is kept per (pacing.ts).
 */
export function currentTarget(): string | undefined {
  return scopes.getStore()?.target;
}

/**
 * The credentials of a shared member-account client: the session of the account the current call
 * acts in. Marked `memoized` so that the SDK calls it at every signature (see above).
 */
export const scopedCredentials: AwsCredentialIdentityProvider & { memoized: true } = Object.assign(
  async (): Promise<AwsCredentialIdentity> => {
    const scope = scopes.getStore()?.scope;
    if (!scope) {
      throw new Error("a member-account client was called outside its account's view: refusing to sign");
    }
    return scope.credentials();
  },
  { memoized: true as const },
);

/** The access key a SigV4-signed request names in its Authorization header. */
export function signingAccessKey(request: unknown): string | undefined {
  if (typeof request !== "object" || request === null || !("headers" in request)) return undefined;
  const headers = request.headers;
  if (typeof headers !== "object" || headers === null) return undefined;
  const authorization = (headers as Record<string, unknown>).authorization;
  return typeof authorization === "string" ? /Credential=([^/,\s]+)\//.exec(authorization)?.[1] : undefined;
}

/** The part of an SDK client's middleware stack the guard is added with. */
interface RelativeStackable {
  middlewareStack: {
    addRelativeTo(
      middleware: <I extends object, O extends MetadataBearer>(
        next: (args: FinalizeHandlerArguments<I>) => Promise<{ output: O; response: unknown }>,
      ) => (args: FinalizeHandlerArguments<I>) => Promise<{ output: O; response: unknown }>,
      options: RelativeMiddlewareOptions & Pick<FinalizeRequestHandlerOptions, "tags">,
    ): void;
  };
}

/**
 * Checks, after the SDK signed a request and before it is sent, that it is signed with the
 * session of the account its call acts in: a shared client must never send a request as another
 * account (an SDK that cached one account's credentials for the client, say).
 */
export function guardAccountSignatures(client: RelativeStackable): void {
  client.middlewareStack.addRelativeTo(
    (next) => async (args) => {
      const scope = scopes.getStore()?.scope;
      const expected = scope ? (await scope.credentials()).accessKeyId : undefined;
      const signed = signingAccessKey(args.request);
      if (expected === undefined || signed !== expected) {
        throw new Error("refusing to send a request not signed with its own account's session");
      }
      return next(args);
    },
    { relation: "after", toMiddleware: "httpSigningMiddleware", name: "orgguardSignedAsItsAccount" },
  );
}

/** What a view needs of an SDK client. */
interface Sendable {
  send(command: never, options?: never): Promise<unknown>;
}

/** What a view does with the command it sends. */
interface StackedCommand {
  middlewareStack: MiddlewareStack<object, MetadataBearer>;
}

/**
 * Middleware added to one account's view (`view.middlewareStack.add(...)`), kept per service,
 * account and region and applied to every command sent through a view of that target: what the
 * test suite's stubs use to fail one account's calls, as they did on a client of its own.
 */
export class TargetMiddleware {
  private readonly stacks = new Map<string, MiddlewareStack<object, MetadataBearer>>();

  /** The stack of `key`, made when first asked for. */
  stackOf(key: string): MiddlewareStack<object, MetadataBearer> {
    let stack = this.stacks.get(key);
    if (!stack) {
      stack = constructStack<object, MetadataBearer>();
      this.stacks.set(key, stack);
    }
    return stack;
  }

  /** The stack of `key` if anything was ever added for it. */
  existing(key: string): MiddlewareStack<object, MetadataBearer> | undefined {
    return this.stacks.get(key);
  }
}

/**
 * `client` as one account sees it: the same object to the caller (its config, and `instanceof`,
 * which paginators check), whose `send` runs in the account's scope and ends when `signal` aborts
 * (unless the call brings its own signal), and whose `middlewareStack` is the target's own.
 */
export function accountView<C extends object>(
  client: C,
  scope: AccountScope,
  target: { key: string; middleware: TargetMiddleware },
  signal?: AbortSignal,
): C {
  return new Proxy(client, {
    get(shared, property, receiver) {
      if (property === "middlewareStack") return target.middleware.stackOf(target.key);
      const value: unknown = Reflect.get(shared, property, receiver);
      if (property !== "send" || typeof value !== "function") return value;
      return (command: StackedCommand, options?: { abortSignal?: AbortSignal }) => {
        const extra = target.middleware.existing(target.key);
        if (extra) command.middlewareStack.use(extra);
        const abortSignal = options?.abortSignal ?? signal;
        return scopes.run({ scope, target: target.key }, () =>
          Reflect.apply(value as Sendable["send"], shared, [
            command,
            abortSignal ? { ...options, abortSignal } : options,
          ]),
        );
      };
    },
  });
}
