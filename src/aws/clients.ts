/**
 * The one place AWS SDK clients are made: region, endpoint overrides (for emulators), small SDK
 * retry counts (the work queue owns long backoff) paced by the SDK's adaptive mode (pacing.ts),
 * credentials per account (the controller's own account directly, member accounts through
 * AssumeRole), and hooks that count every call and every throttling answer.
 * Clients are made per service and region from one table of SDK constructors: one with the
 * controller's own credentials, and one every member account shares, each call signed with its
 * account's session (account-views.ts).
 */

import http from "node:http";
import https from "node:https";
import { AccountClient } from "@aws-sdk/client-account";
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { ConfigServiceClient } from "@aws-sdk/client-config-service";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { IAMClient } from "@aws-sdk/client-iam";
import type { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { S3ControlClient } from "@aws-sdk/client-s3-control";
import type { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  HandlerExecutionContext,
  InitializeHandler,
  InitializeHandlerOptions,
  MetadataBearer,
  RetryStrategyV2,
} from "@smithy/types";
import {
  accountView,
  currentTarget,
  guardAccountSignatures,
  scopedCredentials,
  TargetMiddleware,
} from "./account-views.js";
import { TokenBucket } from "./limiter.js";
import { localhostAwareLookup } from "./localhost-resolution.js";
import { adaptiveRetryStrategy } from "./pacing.js";

/** Called once per AWS API call with its outcome ("success" or the error code). */
export type AwsCallObserver = (service: string, operation: string, outcome: string) => void;

/** The SDK client of each service orgguard calls. */
export interface ServiceClients {
  organizations: OrganizationsClient;
  iam: IAMClient;
  s3control: S3ControlClient;
  sts: STSClient;
  ec2: EC2Client;
  account: AccountClient;
  config: ConfigServiceClient;
  sqs: SQSClient;
  cloudtrail: CloudTrailClient;
  guardduty: GuardDutyClient;
  ssoadmin: SSOAdminClient;
  identitystore: IdentitystoreClient;
  securityhub: SecurityHubClient;
}
export type ServiceName = keyof ServiceClients;

/** What every SDK client's constructor takes from us. */
interface SharedClientConfig {
  region: string;
  maxAttempts: number;
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  requestHandler: SharedRequestHandler;
  /** Attempts and pace: the SDK's adaptive mode, one limiter per client (pacing.ts). */
  retryStrategy: RetryStrategyV2;
}

interface ServiceSpec<C> {
  /** The SDK client's constructor: through its SDK's loader (below) for those loaded on first use. */
  load: () => Promise<new (config: SharedClientConfig) => C>;
  /** The suffix of AWS_ENDPOINT_URL_<SUFFIX>, as the AWS SDKs document it. */
  endpointVariable: string;
  /** Global services are served from one region per partition (us-east-1 in the aws partition). */
  global: boolean;
}

/*
 * The SDKs of services only some kinds call are loaded when one of those kinds first calls them,
 * not at process start: each SDK's code costs resident memory (on top of client-organizations,
 * measured after a GC: EC2 about 63 MiB, Security Hub 4.9, GuardDuty 3.2, AWS Config 1.6,
 * CloudTrail 0.8, Identity Store 0.5, SSO Admin 0.4), which a controller with no object of those
 * kinds should not pay. Kinds take their commands and paginators from the same loader
 * (`const { GetDetectorCommand } = await guardDutySdk()`) and import only types statically; Node
 * loads a module once, so every later call is a resolved promise. Organizations, IAM, S3 Control,
 * STS, SQS and Account stay static: the controller calls them whatever objects it holds (Account
 * lists the regions of every regional setting).
 */

/** The EC2 SDK (its code is 2 MB, ten times any other client orgguard uses). */
export const ec2Sdk = () => import("@aws-sdk/client-ec2");
/** The GuardDuty SDK (GuardDutyOrganization). */
export const guardDutySdk = () => import("@aws-sdk/client-guardduty");
/** The Security Hub SDK (SecurityHubOrganization). */
export const securityHubSdk = () => import("@aws-sdk/client-securityhub");
/** The CloudTrail SDK (OrganizationTrail). */
export const cloudTrailSdk = () => import("@aws-sdk/client-cloudtrail");
/** The IAM Identity Center SDK (IdentityCenterSessionLength, TemporaryAccess). */
export const ssoAdminSdk = () => import("@aws-sdk/client-sso-admin");
/** The Identity Store SDK (TemporaryAccess's users and groups). */
export const identityStoreSdk = () => import("@aws-sdk/client-identitystore");
/** The AWS Config SDK (ConfigRecorder, ConfigAggregator). */
export const configServiceSdk = () => import("@aws-sdk/client-config-service");

const SERVICES: { [S in ServiceName]: ServiceSpec<ServiceClients[S]> } = {
  organizations: { load: async () => OrganizationsClient, endpointVariable: "ORGANIZATIONS", global: true },
  iam: { load: async () => IAMClient, endpointVariable: "IAM", global: true },
  s3control: { load: async () => S3ControlClient, endpointVariable: "S3_CONTROL", global: false },
  sts: { load: async () => STSClient, endpointVariable: "STS", global: true },
  ec2: { load: async () => (await ec2Sdk()).EC2Client, endpointVariable: "EC2", global: false },
  account: { load: async () => AccountClient, endpointVariable: "ACCOUNT", global: true },
  config: {
    load: async () => (await configServiceSdk()).ConfigServiceClient,
    endpointVariable: "CONFIG_SERVICE",
    global: false,
  },
  sqs: { load: async () => SQSClient, endpointVariable: "SQS", global: false },
  cloudtrail: {
    load: async () => (await cloudTrailSdk()).CloudTrailClient,
    endpointVariable: "CLOUDTRAIL",
    global: false,
  },
  guardduty: {
    load: async () => (await guardDutySdk()).GuardDutyClient,
    endpointVariable: "GUARDDUTY",
    global: false,
  },
  ssoadmin: {
    load: async () => (await ssoAdminSdk()).SSOAdminClient,
    endpointVariable: "SSO_ADMIN",
    global: false,
  },
  identitystore: {
    load: async () => (await identityStoreSdk()).IdentitystoreClient,
    endpointVariable: "IDENTITYSTORE",
    global: false,
  },
  securityhub: {
    load: async () => (await securityHubSdk()).SecurityHubClient,
    endpointVariable: "SECURITYHUB",
    global: false,
  },
};

/** The AWS partition a region belongs to: aws, aws-cn (China) or aws-us-gov (GovCloud). */
export function partitionOf(region: string): "aws" | "aws-cn" | "aws-us-gov" {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

/** The region each partition serves its global services (Organizations, IAM, STS, Account) from. */
const GLOBAL_REGION = {
  aws: "us-east-1",
  "aws-cn": "cn-northwest-1",
  "aws-us-gov": "us-gov-west-1",
} as const;
/**
 * The session name of every role orgguard assumes (and of its own role: the chart sets
 * AWS_ROLE_SESSION_NAME to it), so CloudTrail shows its calls as `assumed-role/<role>/orgguard`
 * and the events queue recognises orgguard's own writes.
 */
export const ORGGUARD_SESSION_NAME = "orgguard";
export const DEFAULT_ROLE_ARN_TEMPLATE =
  "arn:${partition}:iam::${accountId}:role/OrganizationAccountAccessRole";

export interface AwsOptions {
  /** The default region for regional services (S3 Control; EC2 when a setting names none). */
  region: string;
  /** An endpoint for every service (AWS_ENDPOINT_URL), for emulators such as moto. */
  endpoint?: string;
  /** Per-service endpoints (AWS_ENDPOINT_URL_<SERVICE>). */
  serviceEndpoints?: Partial<Record<ServiceName, string>>;
  /** The member-account role: `${accountId}` and `${partition}` are replaced. */
  roleArnTemplate: string;
  externalId?: string;
  /** SDK attempts per call (1 try + retries); the work queue does the long backoff. */
  maxAttempts: number;
  /** The controller's own credentials; the SDK's default chain (IRSA, Pod Identity...) when absent. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  observeCall?: AwsCallObserver;
  /** Called for every throttling answer (each attempt the SDK retries, and a last one). */
  observeThrottle?: (service: ServiceName) => void;
  /**
   * The most Organizations attempts per second, process-wide, whatever the adaptive pace allows
   * (an operator's bound: AWS publishes no rate, and other tools share the organization's).
   */
  organizationsRate?: { perSecond: number; burst: number };
  /**
   * Refuse, before it is sent, every call but these `service:Operation`s (the reads the kinds
   * declare, and the STS calls that hand out identities): what `orgguard plan` runs with, so a plan
   * provably changes nothing.
   */
  readOnly?: ReadonlySet<string>;
  /** Refresh assumed-role credentials this long before they expire. */
  refreshBeforeExpiryMs?: number;
  /** How long a call may wait for a connection (0: no limit). */
  connectTimeoutMs?: number;
  /** How long one attempt may wait for its answer once sent (0: no limit). */
  requestTimeoutMs?: number;
}

/**
 * What a kind's code uses of the AWS clients: SDK clients per service and account, and the
 * controller's own account. AwsClients has it all; `bind(signal)` gives the same with every
 * call ending when the signal aborts (a reconcile's deadline).
 */
export interface AwsAccess {
  ownAccountId(): Promise<string>;
  knownOwnAccountId(): string | undefined;
  organizations(): OrganizationsClient;
  forAccount<S extends ServiceName>(service: S, target: ClientTarget): Promise<ServiceClients[S]>;
}

/** The STS calls that change nothing but are needed to act in an account. */
export const IDENTITY_OPERATIONS = ["sts:AssumeRole", "sts:GetCallerIdentity"];

/** Reads endpoint overrides the way the AWS SDKs document them. */
export function endpointsFromEnvironment(
  env: NodeJS.ProcessEnv,
): Pick<AwsOptions, "endpoint" | "serviceEndpoints"> {
  const serviceEndpoints: Partial<Record<ServiceName, string>> = {};
  for (const service of Object.keys(SERVICES) as ServiceName[]) {
    const value = env[`AWS_ENDPOINT_URL_${SERVICES[service].endpointVariable}`];
    if (value) serviceEndpoints[service] = value;
  }
  return { ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}), serviceEndpoints };
}

interface CachedCredentials {
  credentials: AwsCredentialIdentity;
  expiresAt: number;
}

/**
 * Root-session IAM clients (centralized root access) are kept per account in a bounded
 * most-recently-used cache: each holds its account's latest root session, so one per account of a
 * large organization would grow without bound. An evicted client is destroyed and made again when
 * needed; its connections are the shared pool's (SharedRequestHandler) and stay open.
 */
export const MAX_CACHED_ROOT_CLIENTS = 100;

function cached<V extends { destroy(): void }>(map: Map<string, V>, key: string, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
  } else {
    map.delete(key); // re-inserted below: Map order is the recency order
  }
  map.set(key, value);
  if (map.size > MAX_CACHED_ROOT_CLIENTS) {
    const [oldestKey, oldest] = map.entries().next().value as [string, V];
    map.delete(oldestKey);
    oldest.destroy();
  }
  return value;
}

/** The SDK's own default per handler: enough for every worker of every kind at once. */
const SOCKETS_PER_HOST = 50;

/**
 * One connection pool for every SDK client of a process, handed to each client as its request
 * handler: connections belong to an endpoint host and requests are signed one by one, so any
 * client may use any socket (the own-account and the member-account client of a service and
 * region share connections, and no client holds idle sockets of its own). Names under `.localhost` resolve to loopback
 * (see localhostAwareLookup); every other name as before.
 */
export class SharedRequestHandler extends NodeHttpHandler {
  constructor(timeouts: { connectTimeoutMs?: number; requestTimeoutMs?: number } = {}) {
    super({
      // A connection that is never accepted, or a request never answered, ends in an error the SDK
      // retries, instead of holding a worker for ever (AWS SDK defaults: no limit at all).
      connectionTimeout: timeouts.connectTimeoutMs ?? 0,
      requestTimeout: timeouts.requestTimeoutMs ?? 0,
      throwOnRequestTimeout: true,
      httpAgent: new http.Agent({
        keepAlive: true,
        maxSockets: SOCKETS_PER_HOST,
        lookup: localhostAwareLookup,
      }),
      httpsAgent: new https.Agent({
        keepAlive: true,
        maxSockets: SOCKETS_PER_HOST,
        lookup: localhostAwareLookup,
      }),
    });
  }

  /** Called by a client being destroyed: the pool stays, the others still use it. */
  override destroy(): void {}
}

/** Where a client acts: an account, a region for regional services, and the role to assume. */
export interface ClientTarget {
  accountId: string;
  region?: string;
  /** Overrides the role template for this account (a per-object override). */
  roleArn?: string;
}

/**
 * An initialize-step middleware that looks only at the command's name: generic in the client's
 * input and output types, so one works on every SDK client.
 */
type CommandMiddleware = <I extends object, O extends MetadataBearer>(
  next: InitializeHandler<I, O>,
  context: HandlerExecutionContext,
) => InitializeHandler<I, O>;

/** The part of an SDK client's middleware stack instrument() uses. */
interface Stackable {
  middlewareStack: {
    add(middleware: CommandMiddleware, options: InitializeHandlerOptions & { name: string }): void;
  };
}

const addMiddleware = (client: Stackable, middleware: CommandMiddleware, name: string) =>
  client.middlewareStack.add(middleware, { step: "initialize", name });

/** `ListRootsCommand` -> `ListRoots`. */
const operationOf = (context: HandlerExecutionContext): string =>
  (context.commandName ?? "Unknown").replace(/Command$/, "");

/**
 * `client` with every `send` ending when `signal` aborts, unless the call brings its own signal.
 * A Proxy keeps the client's identity (paginators check `instanceof`) and its shared middleware;
 * the proxy itself is one small object per reconcile.
 */
export function abortable<C extends object>(client: C, signal: AbortSignal): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== "send" || typeof value !== "function") return value;
      return (command: unknown, options?: { abortSignal?: AbortSignal }) =>
        Reflect.apply(value, target, [command, { ...options, abortSignal: options?.abortSignal ?? signal }]);
    },
  });
}

/** Makes SDK clients for the controller's own account and for member accounts. */
export class AwsClients implements AwsAccess {
  private ownAccount: Promise<string> | undefined;
  private resolvedOwnAccount: string | undefined;
  /** AssumeRole sessions and in-flight AssumeRole calls, by role ARN. */
  private readonly sessions = new Map<string, CachedCredentials>();
  private readonly inFlight = new Map<string, Promise<AwsCredentialIdentity>>();
  private organizationsClient: OrganizationsClient | undefined;
  /** The upper bound of Organizations attempts (AwsOptions.organizationsRate). */
  private readonly organizationsCeiling: TokenBucket | undefined;
  /** STS with the controller's own credentials: one client, so one pace, for every AssumeRole. */
  private ownStsClient: STSClient | undefined;
  /** Clients with the controller's own credentials, by service and region. */
  private readonly ownClients = new Map<string, ServiceClients[ServiceName]>();
  /** Clients every member account shares, by service and region (see account-views.ts). */
  private readonly memberClients = new Map<string, ServiceClients[ServiceName]>();
  /** Middleware added to one account's view of a client (test stubs), by service, account and region. */
  private readonly targetMiddleware = new TargetMiddleware();
  /** The latest root session (sts:AssumeRoot) per member account, and IAM clients using them. */
  private readonly rootSessions = new Map<string, AwsCredentialIdentity>();
  private readonly rootClients = new Map<string, IAMClient>();
  /** Every client's connections, whichever account it acts in (see SharedRequestHandler). */
  private readonly requestHandler: SharedRequestHandler;

  constructor(readonly options: AwsOptions) {
    this.requestHandler = new SharedRequestHandler(options);
    const rate = options.organizationsRate;
    this.organizationsCeiling = rate ? new TokenBucket(rate.perSecond, rate.burst) : undefined;
  }

  /**
   * The same clients, with every call ending when `signal` aborts: what a kind's connect binds to
   * the reconcile's deadline, so a hung endpoint never holds a worker. Sessions, caches and
   * connections stay shared.
   */
  bind(signal: AbortSignal): AwsAccess {
    return {
      ownAccountId: () => this.ownAccountId(),
      knownOwnAccountId: () => this.knownOwnAccountId(),
      organizations: () => abortable(this.organizations(), signal),
      forAccount: (service, target) => this.clientFor(service, target, signal),
    };
  }

  /** The account the controller's own credentials belong to (cached). */
  ownAccountId(): Promise<string> {
    this.ownAccount ??= this.sts()
      .send(new GetCallerIdentityCommand({}))
      .then((out) => {
        if (!out.Account) throw new Error("sts:GetCallerIdentity answered without an Account");
        this.resolvedOwnAccount = out.Account;
        return out.Account;
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
    this.organizationsClient ??= this.instrument(
      new OrganizationsClient(this.config("organizations", this.globalRegion(), this.options.credentials)),
      "organizations",
    );
    return this.organizationsClient;
  }

  /** SQS with the controller's own credentials, in `region` (the events queue's). */
  sqs(region: string): SQSClient {
    return this.instrument(new SQSClient(this.config("sqs", region, this.options.credentials)), "sqs");
  }

  /**
   * A client of `service` acting in `target.accountId` with that account's credentials (the
   * controller's own for its own account, else an AssumeRole session), in `target.region` (the
   * default region when absent; ignored by global services).
   */
  forAccount<S extends ServiceName>(service: S, target: ClientTarget): Promise<ServiceClients[S]> {
    return this.clientFor(service, target, undefined);
  }

  /**
   * forAccount, with every call ending when `signal` aborts. A member account gets its view of the
   * client its service and region share (account-views.ts): one object per call of this, a few
   * dozen bytes, instead of an SDK client per account.
   */
  private async clientFor<S extends ServiceName>(
    service: S,
    target: ClientTarget,
    signal: AbortSignal | undefined,
  ): Promise<ServiceClients[S]> {
    const spec = SERVICES[service] as ServiceSpec<ServiceClients[S]>;
    const region = spec.global ? this.globalRegion() : (target.region ?? this.options.region);
    if (!target.roleArn && target.accountId === (await this.ownAccountId())) {
      const own = await this.sharedClient(this.ownClients, service, region, this.options.credentials);
      return signal ? abortable(own, signal) : own;
    }
    const roleArn = target.roleArn ?? this.roleArn(target.accountId);
    const shared = await this.sharedClient(this.memberClients, service, region, scopedCredentials);
    return accountView(
      shared,
      { credentials: () => this.memberCredentials(roleArn) },
      {
        key: `${service}|${target.accountId}|${region}|${target.roleArn ?? ""}`,
        middleware: this.targetMiddleware,
      },
      signal,
    );
  }

  /**
   * The SDK client every member account's view of `service` in `region` shares, if one was made.
   * It acts in no account of its own: a call on it outside a view is refused before it is signed
   * (account-views.ts); what the tests use to prove that.
   */
  sharedMemberClient<S extends ServiceName>(service: S, region?: string): ServiceClients[S] | undefined {
    const spec = SERVICES[service] as ServiceSpec<ServiceClients[S]>;
    const key = `${service}|${spec.global ? this.globalRegion() : (region ?? this.options.region)}`;
    return this.memberClients.get(key) as ServiceClients[S] | undefined;
  }

  /** The client of `service` in `region` from `clients`, made with `credentials` when first needed. */
  private async sharedClient<S extends ServiceName>(
    clients: Map<string, ServiceClients[ServiceName]>,
    service: S,
    region: string,
    credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider | undefined,
  ): Promise<ServiceClients[S]> {
    const key = `${service}|${region}`;
    const existing = clients.get(key);
    if (existing) return existing as ServiceClients[S];
    const make = await (SERVICES[service] as ServiceSpec<ServiceClients[S]>).load();
    // Another call may have made it while the SDK loaded.
    const raced = clients.get(key);
    if (raced) return raced as ServiceClients[S];
    const client = this.instrument(new make(this.config(service, region, credentials)), service);
    if (credentials === scopedCredentials) guardAccountSignatures(client);
    clients.set(key, client);
    return client;
  }

  /**
   * The controller's own credentials as the SDK's chain resolves them: to tell a long-term key
   * from a role's session (long-term-credentials.ts), never logged.
   */
  async ownCredentials(): Promise<AwsCredentialIdentity> {
    return this.sts().config.credentials();
  }

  /**
   * IAM in `accountId` as its root user, with the session sts:AssumeRoot just handed out
   * (centralized root access): one cached client per account, whose credentials are the account's
   * latest root session, so a test's stubs on it stay in place.
   */
  rootIam(accountId: string, credentials: AwsCredentialIdentity): IAMClient {
    this.rootSessions.set(accountId, credentials);
    return cached(this.rootClients, accountId, () =>
      this.instrument(
        new IAMClient(
          this.config("iam", this.globalRegion(), async () => {
            const session = this.rootSessions.get(accountId);
            if (!session) throw new Error(`no root session for account ${accountId}`);
            return session;
          }),
        ),
        "iam",
      ),
    );
  }

  private sts(): STSClient {
    this.ownStsClient ??= this.instrument(
      new STSClient(this.config("sts", this.globalRegion(), this.options.credentials)),
      "sts",
    );
    return this.ownStsClient;
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

  /** The role ARN for a member account, from the template (the partition is the region's). */
  roleArn(accountId: string): string {
    return this.options.roleArnTemplate
      .replaceAll("${accountId}", accountId)
      .replaceAll("${partition}", partitionOf(this.options.region));
  }

  /** Where the global services of the configured region's partition are called. */
  private globalRegion(): string {
    return GLOBAL_REGION[partitionOf(this.options.region)];
  }

  private async assumeRole(roleArn: string): Promise<AwsCredentialIdentity> {
    const out = await this.sts().send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: ORGGUARD_SESSION_NAME,
        ...(this.options.externalId ? { ExternalId: this.options.externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new Error(`sts:AssumeRole of ${roleArn} answered without complete credentials`);
    }
    const credentials = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
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
  ): SharedClientConfig {
    const endpoint = this.options.serviceEndpoints?.[service] ?? this.options.endpoint;
    const observeThrottle = this.options.observeThrottle;
    const ceiling = service === "organizations" ? this.organizationsCeiling : undefined;
    return {
      region,
      maxAttempts: this.options.maxAttempts,
      ...(endpoint ? { endpoint } : {}),
      ...(credentials ? { credentials } : {}),
      requestHandler: this.requestHandler,
      retryStrategy: adaptiveRetryStrategy(this.options.maxAttempts, {
        ...(ceiling ? { ceiling } : {}),
        // Member accounts share a client (account-views.ts): AWS throttles each account on its own.
        ...(credentials === scopedCredentials ? { targetOf: currentTarget } : {}),
        ...(observeThrottle ? { onThrottled: () => observeThrottle(service) } : {}),
      }),
    };
  }

  /** Counts every call of `client` by operation and outcome, and refuses writes when read-only. */
  private instrument<C extends Stackable>(client: C, service: string): C {
    const allowed = this.options.readOnly;
    if (allowed) {
      addMiddleware(
        client,
        (next, context) => async (args) => {
          const operation = operationOf(context);
          if (!allowed.has(`${service}:${operation}`)) {
            throw new Error(`refusing ${service}:${operation}: this client is read-only`);
          }
          return next(args);
        },
        "orgguardReadOnly",
      );
    }
    const observe = this.options.observeCall;
    if (!observe) return client;
    addMiddleware(
      client,
      (next, context) => async (args) => {
        const operation = operationOf(context);
        try {
          const result = await next(args);
          observe(service, operation, "success");
          return result;
        } catch (err) {
          observe(service, operation, (err as { name?: string }).name ?? "Error");
          throw err;
        }
      },
      "orgguardCallCounter",
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
