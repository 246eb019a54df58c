/**
 * The one place AWS SDK clients are made: region, endpoint overrides (for emulators), small SDK
 * retry counts (the work queue owns long backoff), credentials per account (the controller's own
 * account directly, member accounts through AssumeRole), and a hook that counts every call.
 */
import { IAMClient } from "@aws-sdk/client-iam";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { TokenBucket } from "./limiter.js";
import { isLocalhostName, localhostRequestHandler } from "./localhost-resolution.js";

/** Called once per AWS API call with its outcome ("success" or the error code). */
export type AwsCallObserver = (service: string, operation: string, outcome: string) => void;

export interface AwsOptions {
  /** The region for regional services (S3 Control); Organizations and IAM are global (us-east-1). */
  region: string;
  /** An endpoint for every service (AWS_ENDPOINT_URL), for emulators such as moto. */
  endpoint?: string;
  /** Per-service endpoints (AWS_ENDPOINT_URL_<SERVICE>), keyed organizations, iam, s3control, sts. */
  serviceEndpoints?: Partial<Record<ServiceName, string>>;
  /** The member-account role: `${accountId}` and `${partition}` are replaced. */
  roleArnTemplate: string;
  externalId?: string;
  /** SDK attempts per call (1 try + retries); the work queue does the long backoff. */
  maxAttempts: number;
  /** The controller's own credentials; the SDK's default chain (IRSA, Pod Identity...) when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  observeCall?: AwsCallObserver;
  /** Process-wide pace for Organizations calls. */
  organizationsRate?: { perSecond: number; burst: number };
  /**
   * Refuse every call that is not a read (Get*, List*, Describe*), before it is sent: what
   * `orgguard plan` runs with, so a plan provably changes nothing (AssumeRole and
   * GetCallerIdentity, which change nothing, are allowed).
   */
  readOnly?: boolean;
  /** Refresh assumed-role credentials this long before they expire. */
  refreshBeforeExpiryMs?: number;
}

export type ServiceName = "organizations" | "iam" | "s3control" | "sts";

/** The global services are served from us-east-1 in the aws partition. */
const GLOBAL_REGION = "us-east-1";
export const DEFAULT_ROLE_ARN_TEMPLATE =
  "arn:${partition}:iam::${accountId}:role/OrganizationAccountAccessRole";

/** Reads endpoint overrides the way the AWS SDKs document them. */
export function endpointsFromEnvironment(
  env: NodeJS.ProcessEnv,
): Pick<AwsOptions, "endpoint" | "serviceEndpoints"> {
  const serviceEndpoints: Partial<Record<ServiceName, string>> = {};
  const names: Record<ServiceName, string> = {
    organizations: "ORGANIZATIONS",
    iam: "IAM",
    s3control: "S3_CONTROL",
    sts: "STS",
  };
  for (const [service, suffix] of Object.entries(names) as [ServiceName, string][]) {
    const value = env[`AWS_ENDPOINT_URL_${suffix}`];
    if (value) serviceEndpoints[service] = value;
  }
  return { ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}), serviceEndpoints };
}

interface CachedCredentials {
  credentials: AwsCredentialIdentity;
  expiresAt: number;
}

/**
 * Clients per account are kept in a bounded most-recently-used cache: each SDK client holds its
 * own connection pool, so one per account of a 1,000-account organization would grow without
 * bound. An evicted client is destroyed (its sockets closed) and made again when needed.
 */
export const MAX_CACHED_CLIENTS_PER_SERVICE = 100;

function cached<V extends { destroy(): void }>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
  } else {
    map.delete(key); // re-inserted below: Map order is the recency order
  }
  map.set(key, value);
  if (map.size > MAX_CACHED_CLIENTS_PER_SERVICE) {
    const [oldestKey, oldest] = map.entries().next().value as [string, V];
    map.delete(oldestKey);
    oldest.destroy();
  }
  return value;
}

/** Operations that change nothing: reads, and the STS calls that only hand out identities. */
export function isReadOnlyOperation(operation: string): boolean {
  return /^(Get|List|Describe)/.test(operation) || operation === "AssumeRole";
}

/** Makes SDK clients for the controller's own account and for member accounts. */
export class AwsClients {
  private ownAccount: Promise<string> | undefined;
  private resolvedOwnAccount: string | undefined;
  /** AssumeRole sessions and in-flight AssumeRole calls, by role ARN. */
  private readonly sessions = new Map<string, CachedCredentials>();
  private readonly inFlight = new Map<string, Promise<AwsCredentialIdentity>>();
  private organizationsClient: OrganizationsClient | undefined;
  private readonly iamClients = new Map<string, IAMClient>();
  private readonly s3controlClients = new Map<string, S3ControlClient>();

  constructor(readonly options: AwsOptions) {}

  /** The account the controller's own credentials belong to (cached). */
  ownAccountId(): Promise<string> {
    this.ownAccount ??= this.sts()
      .send(new GetCallerIdentityCommand({}))
      .then((out) => {
        this.resolvedOwnAccount = out.Account!;
        return out.Account!;
      })
      .catch((err: unknown) => {
        this.ownAccount = undefined;
        throw err;
      });
    return this.ownAccount;
  }

  /**
   * The controller's own account if ownAccountId() has resolved it, for code that must not wait
   * (claims are compared synchronously; the controller resolves the account before it starts).
   */
  knownOwnAccountId(): string | undefined {
    return this.resolvedOwnAccount;
  }

  /** Organizations, with the controller's own credentials (the management or delegated admin account). */
  organizations(): OrganizationsClient {
    if (!this.organizationsClient) {
      const client = this.instrument(
        new OrganizationsClient(this.config("organizations", GLOBAL_REGION, this.options.credentials)),
        "organizations",
      );
      const rate = this.options.organizationsRate;
      if (rate) {
        const bucket = new TokenBucket(rate.perSecond, rate.burst);
        (
          client.middlewareStack as unknown as {
            add(m: unknown, o: { step: string; name: string; priority: string }): void;
          }
        ).add(
          (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
            await bucket.take();
            return next(args);
          },
          { step: "initialize", name: "orgguardOrganizationsRate", priority: "high" },
        );
      }
      this.organizationsClient = client;
    }
    return this.organizationsClient;
  }

  /**
   * IAM acting in `accountId` (its own credentials: IAM is global, the account is the caller's).
   * `roleArn` overrides the role template for this account (a per-object override).
   */
  async iam(accountId: string, roleArn?: string): Promise<IAMClient> {
    const credentials = await this.credentialsFor(accountId, roleArn);
    return cached(this.iamClients, `${accountId}|${roleArn ?? ""}`, () =>
      this.instrument(new IAMClient(this.config("iam", GLOBAL_REGION, credentials)), "iam"),
    );
  }

  /** S3 Control acting in `accountId` (the account id must be the caller's own); `roleArn` as for iam(). */
  async s3control(accountId: string, roleArn?: string): Promise<S3ControlClient> {
    const credentials = await this.credentialsFor(accountId, roleArn);
    return cached(this.s3controlClients, `${accountId}|${roleArn ?? ""}`, () =>
      this.instrument(
        new S3ControlClient(this.config("s3control", this.options.region, credentials)),
        "s3control",
      ),
    );
  }

  private sts(credentials = this.options.credentials): STSClient {
    return this.instrument(new STSClient(this.config("sts", GLOBAL_REGION, credentials)), "sts");
  }

  /**
   * Credentials acting in `accountId`: the controller's own for its own account (unless a role is
   * given), else a provider of AssumeRole sessions for `roleArn` or the template's role (cached
   * until shortly before expiry, one AssumeRole in flight per role).
   */
  async credentialsFor(
    accountId: string,
    roleArn?: string,
  ): Promise<AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined> {
    if (!roleArn && accountId === (await this.ownAccountId())) return this.options.credentials;
    const arn = roleArn ?? this.roleArn(accountId);
    return () => this.memberCredentials(arn);
  }

  private memberCredentials(roleArn: string): Promise<AwsCredentialIdentity> {
    const cachedSession = this.sessions.get(roleArn);
    const refreshBefore = this.options.refreshBeforeExpiryMs ?? 5 * 60_000;
    if (cachedSession && cachedSession.expiresAt - refreshBefore > Date.now())
      return Promise.resolve(cachedSession.credentials);
    let pending = this.inFlight.get(roleArn);
    if (!pending) {
      pending = this.assumeRole(roleArn).finally(() => this.inFlight.delete(roleArn));
      this.inFlight.set(roleArn, pending);
    }
    return pending;
  }

  /** The role ARN for a member account, from the template. */
  roleArn(accountId: string): string {
    return this.options.roleArnTemplate
      .replaceAll("${accountId}", accountId)
      .replaceAll("${partition}", "aws");
  }

  private async assumeRole(roleArn: string): Promise<AwsCredentialIdentity> {
    const out = await this.sts().send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: "orgguard",
        ...(this.options.externalId ? { ExternalId: this.options.externalId } : {}),
      }),
    );
    const c = out.Credentials!;
    const credentials = {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
      expiration: c.Expiration,
    };
    this.sessions.set(roleArn, {
      credentials,
      expiresAt: c.Expiration?.getTime() ?? Date.now() + 15 * 60_000,
    });
    return credentials;
  }

  private config(
    service: ServiceName,
    region: string,
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined,
  ) {
    const endpoint = this.options.serviceEndpoints?.[service] ?? this.options.endpoint;
    const local = endpoint !== undefined && isLocalhostName(new URL(endpoint).hostname);
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      // S3 Control prefixes the host with the account id: resolve *.localhost to loopback.
      ...(local ? { requestHandler: localhostRequestHandler() } : {}),
    };
  }

  /** Counts every call of `client` by operation and outcome, and refuses writes when read-only. */
  private instrument<C extends { middlewareStack: { add: (...args: never[]) => void } }>(
    client: C,
    service: string,
  ): C {
    if (this.options.readOnly) {
      (client.middlewareStack as unknown as { add(m: unknown, o: { step: string; name: string }): void }).add(
        (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
          async (args: unknown) => {
            const operation = (context.commandName ?? "").replace(/Command$/, "");
            if (!isReadOnlyOperation(operation)) {
              throw new Error(`refusing ${service}:${operation}: this client is read-only`);
            }
            return next(args);
          },
        { step: "initialize", name: "orgguardReadOnly" },
      );
    }
    const observe = this.options.observeCall;
    if (!observe) return client;
    const stack = client.middlewareStack as unknown as {
      add(middleware: unknown, options: { step: string; name: string }): void;
    };
    stack.add(
      (next: (args: unknown) => Promise<unknown>, context: { commandName?: string }) =>
        async (args: unknown) => {
          const operation = (context.commandName ?? "Unknown").replace(/Command$/, "");
          try {
            const result = await next(args);
            observe(service, operation, "success");
            return result;
          } catch (err) {
            observe(service, operation, (err as { name?: string }).name ?? "Error");
            throw err;
          }
        },
      { step: "initialize", name: "orgguardCallCounter" },
    );
    return client;
  }
}

/**
 * The claim of an account setting (see runtime/claims.ts): the account it is kept in. An absent
 * accountId means the controller's own account, the same account as its id spelled out.
 */
export function accountClaim(accountId: string | undefined, ownAccountId: string | undefined): string {
  return `account ${accountId ?? ownAccountId ?? "(the controller's own)"}`;
}
