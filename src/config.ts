/**
 * orgguard's options, in layers: the manager's, the reconcile's, AWS's, the events queue's, and
 * the ones the kinds contribute (the Organizations policy types'). The controller takes every
 * layer; `plan` and `apply` take AWS's and the kinds' (and the reconcile's organization view age)
 * as flags too. The option system (flags, environment variables, defaults, docs) is options.ts.
 */
import { z } from "zod";
import { DEFAULT_ROLE_ARN_TEMPLATE } from "./aws/clients.js";
import { POLICY_TYPE_OPTIONS, policyOptionsOf } from "./kinds/organization-policy/policy-options.js";
import type { PolicyOptions } from "./kinds/organization-policy/policy-type.js";
import { regionName } from "./kinds/setting/regions.js";
import { TEMPORARY_ACCESS_OPTIONS } from "./kinds/temporary-access/options.js";
import {
  bool,
  duration,
  optionsHelp as helpOf,
  type OptionLayer,
  type OptionValues,
  parseFlags,
  readOptions,
  optionsTable as tableOf,
  wholeNumber,
} from "./options.js";

export { envName, parseDuration } from "./options.js";

/** host:port (host optional), as the probes and metrics servers bind. */
const bindAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]*):\d{1,5}$/, "must be [host]:port, e.g. :8080 or 127.0.0.1:8080")
  .refine((a) => Number(a.slice(a.lastIndexOf(":") + 1)) <= 65535, "the port must be at most 65535");

/** The process: leader election, probes and metrics, logs, shutdown (the controller only). */
export const MANAGER_OPTIONS = {
  leaderElect: {
    flag: "leader-elect",
    description:
      "Elect a leader through a Lease so that only one replica reconciles (needed with replicas > 1).",
    default: "false",
    allowed: "true or false",
    schema: bool,
  },
  leaderElectionNamespace: {
    flag: "leader-election-namespace",
    description: "Namespace of the leader-election Lease (defaults to POD_NAMESPACE, else default).",
    default: "",
    allowed: "a namespace name, or empty",
    schema: z.string(),
  },
  leaderElectionId: {
    flag: "leader-election-id",
    description: "Name of the leader-election Lease.",
    default: "orgguard-controller",
    allowed: "a Lease name",
    schema: z.string().min(1),
  },
  leaseDuration: {
    flag: "lease-duration",
    description: "How long a standby waits after the last renewal before taking the Lease.",
    default: "15s",
    allowed: "a duration >= 1s",
    schema: duration("1s"),
  },
  renewDeadline: {
    flag: "renew-deadline",
    description: "How long the leader keeps trying to renew before it stops reconciling.",
    default: "10s",
    allowed: "a duration >= 1s, shorter than --lease-duration",
    schema: duration("1s"),
  },
  retryPeriod: {
    flag: "retry-period",
    description: "How often candidates try to take, and the leader to renew, the Lease.",
    default: "2s",
    allowed: "a duration >= 100ms",
    schema: duration("100ms"),
  },
  metricsBindAddress: {
    flag: "metrics-bind-address",
    description: "Where /metrics is served.",
    default: ":8080",
    allowed: "[host]:port",
    schema: bindAddress,
  },
  healthProbeBindAddress: {
    flag: "health-probe-bind-address",
    description: "Where /healthz and /readyz are served.",
    default: ":8081",
    allowed: "[host]:port",
    schema: bindAddress,
  },
  logLevel: {
    flag: "log-level",
    description: "debug, info, warn or error.",
    default: "info",
    allowed: "debug, info, warn or error",
    schema: z.enum(["debug", "info", "warn", "error"]),
  },
  shutdownTimeout: {
    flag: "shutdown-timeout",
    description: "How long SIGTERM waits for in-flight reconciles before exiting.",
    default: "30s",
    allowed: "a duration >= 1s",
    schema: duration("1s"),
  },
  allowLongTermCredentials: {
    flag: "allow-long-term-credentials",
    description:
      "Run on a long-term access key (AKIA..., or any key without a session token). Without it the controller refuses to start on one; with it, it warns every hour and sets orgguard_long_term_credentials to 1. The chart never sets it: give the pod a role (IRSA, EKS Pod Identity).",
    default: "false",
    allowed: "true or false",
    schema: bool,
  },
} satisfies OptionLayer;

/** How objects are reconciled: the poll, the workers, the deadline, the organization view's age. */
export const RECONCILE_OPTIONS = {
  pollInterval: {
    flag: "poll-interval",
    description:
      "How often an in-sync object is compared with AWS again (drift repair); +/- 10% jitter, then on to the next poll tick (1 s, or 5% of a shorter interval).",
    default: "5m",
    allowed: "a duration >= 1s",
    schema: duration("1s"),
  },
  workers: {
    flag: "workers",
    description: "Concurrent reconciles per kind.",
    default: "2",
    allowed: "1 to 64",
    schema: wholeNumber(1, 64),
  },
  reconcileTimeout: {
    flag: "reconcile-timeout",
    description:
      "How long one reconcile may take: then every AWS call it is making is aborted, and it fails as DeadlineExceeded (Synced=False) and is retried with backoff, so a hung AWS endpoint never holds a worker.",
    default: "1m",
    allowed: "a duration >= 1s",
    schema: duration("1s"),
  },
  discoveryInterval: {
    flag: "discovery-interval",
    description:
      "How old the organization view (OUs and accounts) may be: AccountBaselines re-read it this often (and at once on a spec change); policy targets named by OU path or account name resolve in it (and in a fresh one when a name is not found).",
    default: "5m",
    allowed: "a duration >= 1s",
    schema: duration("1s"),
  },
} satisfies OptionLayer;

/** How orgguard reaches AWS: regions, the member-account role, retries, timeouts and pace (the controller, plan and apply). */
export const AWS_OPTIONS = {
  awsRegion: {
    flag: "aws-region",
    description:
      "The region of regional AWS calls that name none (S3 Control; the events queue when its URL names none); defaults to AWS_REGION, else us-east-1. Its partition (aws, aws-cn, aws-us-gov) decides where global services are called and the ${partition} of --role-arn-template. Regional settings use their own regions.",
    default: "",
    allowed: "a region name, or empty",
    schema: z.string(),
  },
  defaultRegions: {
    flag: "default-regions",
    description:
      "Regions a regional setting covers when its spec names none and the account's enabled regions cannot be read (account:ListRegions denied, or an emulator without it); status.regionsFrom says when they were used. Empty: such objects report the error instead.",
    default: "",
    allowed: "region names separated by commas, or empty",
    schema: z
      .string()
      .transform((text) =>
        text
          .split(",")
          .map((r) => r.trim())
          .filter((r) => r !== ""),
      )
      .pipe(z.array(regionName)),
  },
  roleArnTemplate: {
    flag: "role-arn-template",
    description:
      "The role assumed in member accounts; ${accountId} is the account, ${partition} the partition of --aws-region (aws, aws-cn or aws-us-gov).",
    default: DEFAULT_ROLE_ARN_TEMPLATE,
    allowed: "an ARN containing ${accountId}",
    schema: z.string().includes("${accountId}", { message: "must contain ${accountId}" }),
  },
  externalId: {
    flag: "external-id",
    description: "ExternalId sent with AssumeRole, when the member roles' trust policy requires one.",
    default: "",
    allowed: "any string",
    schema: z.string(),
  },
  awsMaxAttempts: {
    flag: "aws-max-attempts",
    description: "Attempts per AWS call inside the SDK; longer backoff is the work queue's (1 s to 5 min).",
    default: "3",
    allowed: "1 to 10",
    schema: wholeNumber(1, 10),
  },
  awsConnectTimeout: {
    flag: "aws-connect-timeout",
    description: "How long an AWS SDK call may wait for a connection before it fails (and is retried).",
    default: "5s",
    allowed: "a duration >= 100ms",
    schema: duration("100ms"),
  },
  awsRequestTimeout: {
    flag: "aws-request-timeout",
    description:
      "How long one AWS SDK attempt may wait for an answer on an open connection before it fails (and is retried).",
    default: "30s",
    allowed: "a duration >= 1s",
    schema: duration("1s"),
  },
  organizationsRate: {
    flag: "organizations-rate",
    description:
      "The most AWS Organizations calls per second, process-wide (retries included). Below it the pace follows AWS: full speed until Organizations throttles, then the AWS SDK's adaptive rate (orgguard_aws_throttled_total counts throttling answers). AWS publishes no Organizations rate; this bounds orgguard's share of the organization's allowance.",
    default: "20",
    allowed: ">= 1",
    schema: wholeNumber(1),
  },
  organizationsBurst: {
    flag: "organizations-burst",
    description: "AWS Organizations calls allowed at once above --organizations-rate.",
    default: "40",
    allowed: ">= 1",
    schema: wholeNumber(1),
  },
} satisfies OptionLayer;

/** API call events (the controller only). */
export const EVENTS_OPTIONS = {
  eventsQueueUrl: {
    flag: "events-queue-url",
    description:
      "An SQS queue fed by the EventBridge rule of docs/events (CloudTrail API calls that change what orgguard manages): each event reconciles the objects it concerns at once; polling stays the safety net. Empty: polling only.",
    default: "",
    allowed: "an SQS queue URL, or empty",
    schema: z.union([
      z.literal(""),
      z.url({ message: "must be an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)" }),
    ]),
  },
} satisfies OptionLayer;

/** The options the kinds contribute. */
export const KIND_OPTIONS = { ...POLICY_TYPE_OPTIONS, ...TEMPORARY_ACCESS_OPTIONS } satisfies OptionLayer;

/** Every option, by layer, in the order the docs list them. */
export const OPTION_LAYERS = [
  { title: "Reconcile", options: RECONCILE_OPTIONS },
  { title: "AWS", options: AWS_OPTIONS },
  { title: "Organizations policy types", options: POLICY_TYPE_OPTIONS },
  { title: "Temporary access", options: TEMPORARY_ACCESS_OPTIONS },
  { title: "Events", options: EVENTS_OPTIONS },
  { title: "Manager", options: MANAGER_OPTIONS },
] as const;

/** Every controller option. */
export const OPTIONS = {
  ...RECONCILE_OPTIONS,
  ...AWS_OPTIONS,
  ...KIND_OPTIONS,
  ...EVENTS_OPTIONS,
  ...MANAGER_OPTIONS,
} satisfies OptionLayer;

/** What `plan` and `apply` take as flags (and ORGGUARD_* variables): AWS's, the kinds', the view's age. */
export const CLI_OPTIONS = {
  ...AWS_OPTIONS,
  ...KIND_OPTIONS,
  discoveryInterval: RECONCILE_OPTIONS.discoveryInterval,
} satisfies OptionLayer;

export type ControllerConfig = OptionValues<typeof OPTIONS>;

/** Reads flags (`--name value` or `--name=value`) and the environment; throws with every problem. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  let flags: Map<string, string>;
  try {
    flags = parseFlags(argv, OPTIONS);
  } catch (err) {
    throw new Error(`invalid configuration:\n  ${(err as Error).message}`);
  }
  const { values: config, problems } = readOptions(OPTIONS, flags, env);
  if (problems.length > 0) throw new Error(`invalid configuration:\n  ${problems.join("\n  ")}`);
  if (config.leaderElectionNamespace === "") config.leaderElectionNamespace = env.POD_NAMESPACE || "default";
  if (config.awsRegion === "") config.awsRegion = env.AWS_REGION || "us-east-1";
  if (config.renewDeadline >= config.leaseDuration) {
    throw new Error("invalid configuration:\n  --renew-deadline must be shorter than --lease-duration");
  }
  return config;
}

/** The values an option takes when they are a fixed set (`debug`, `info`...), for shell completion. */
export function optionChoices(option: { schema: z.ZodType }): readonly string[] | undefined {
  const schema = option.schema;
  if (schema instanceof z.ZodEnum) return schema.options.map(String);
  if (schema instanceof z.ZodPipe && schema.in instanceof z.ZodEnum) return schema.in.options.map(String);
  return undefined;
}

/** The options as Markdown tables by layer (README and chart docs). */
export const optionsTable = (): string => tableOf(OPTION_LAYERS);

/** The options as plain text for a terminal (`orgguard controller --help`). */
export const optionsHelp = (): string => helpOf(OPTIONS);

/** The options of every Organizations policy type. */
export const policyOptionsFor = (config: ControllerConfig): PolicyOptions => policyOptionsOf(config);
