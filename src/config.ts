/**
 * The controller's configuration: every option is a flag (`--poll-interval 30s`) and an
 * environment variable (`ORGGUARD_POLL_INTERVAL=30s`); a flag wins over the environment, which
 * wins over the default. Validated with zod; `optionsTable()` renders the documentation.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { DEFAULT_ROLE_ARN_TEMPLATE } from "./aws/clients.js";
import type { PolicyOptions, PolicyType } from "./kinds/organization-policy/policy-type.js";
import { POLICY_TYPES } from "./kinds/policy-types.js";
import { regionName } from "./kinds/setting/regions.js";

/** Parses "500ms", "30s", "10m", "1.5h". A unit is required: "10" could mean 10 ms or 10 minutes. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    throw new Error(`'${text}' needs a unit: ${trimmed}s, ${trimmed}m... (ms, s, m or h)`);
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(trimmed);
  if (!match) throw new Error(`'${text}' is not a duration (use e.g. 500ms, 30s, 10m, 1h)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(match[1]) * factor);
}

/** A duration of at least `minimum` (spelled as the docs spell it, e.g. "1s"). */
const duration = (minimum: string) =>
  z.string().transform((text, ctx) => {
    try {
      const ms = parseDuration(text);
      if (ms < parseDuration(minimum)) {
        ctx.addIssue({ code: "custom", message: `'${text}' is below the minimum of ${minimum}` });
        return z.NEVER;
      }
      return ms;
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });
const bool = z.enum(["true", "false"]).transform((v) => v === "true");
const wholeNumber = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(
      z.number().int().min(minimum, `must be at least ${minimum}`).max(maximum, `must be at most ${maximum}`),
    );
const POLICY_TYPE_IDS = POLICY_TYPES.map((t) => t.id).join(", ");
const findPolicyType = (id: string) => POLICY_TYPES.find((t) => t.id === id);

/** A comma-separated list of policy type ids: `scp,tag`. */
const policyTypeList = z.string().transform((text, ctx) => {
  const ids = text
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  for (const id of ids.filter((i) => !findPolicyType(i)))
    ctx.addIssue({ code: "custom", message: `'${id}' is not a policy type: use ${POLICY_TYPE_IDS}` });
  return new Set(ids);
});

/** AWS's limits as the option's default shows them: `scp=10,rcp=5,...`. */
const limitsText = (limit: (type: PolicyType) => number) =>
  POLICY_TYPES.map((t) => `${t.id}=${limit(t)}`).join(",");

/**
 * `type=N,...` over AWS's limits (a type not named keeps its default). A per-target limit leaves
 * room for the AWS-managed policy that every target keeps (FullAWSAccess, RCPFullAWSAccess).
 */
const policyLimits = (limit: "perTargetLimit" | "sizeLimit") =>
  z.string().transform((text, ctx) => {
    const limits = new Map(POLICY_TYPES.map((t) => [t.id, t.defaults[limit]]));
    for (const entry of text.split(",").map((e) => e.trim())) {
      if (entry === "") continue;
      const [id = "", value = ""] = entry.split("=").map((p) => p.trim());
      const type = findPolicyType(id);
      const minimum = limit === "perTargetLimit" && type?.awsManagedPolicy ? 2 : 1;
      if (!type)
        ctx.addIssue({ code: "custom", message: `'${id}' is not a policy type: use ${POLICY_TYPE_IDS}` });
      else if (!/^\d+$/.test(value) || Number(value) < minimum)
        ctx.addIssue({
          code: "custom",
          message: `${id}=${value}: must be a whole number of at least ${minimum}${minimum === 2 ? ` (${type.awsManagedPolicy} and one more)` : ""}`,
        });
      else limits.set(id, Number(value));
    }
    return limits;
  });

/** host:port (host optional), as the probes and metrics servers bind. */
const bindAddress = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s]*):\d{1,5}$/, "must be [host]:port, e.g. :8080 or 127.0.0.1:8080")
  .refine((a) => Number(a.slice(a.lastIndexOf(":") + 1)) <= 65535, "the port must be at most 65535");

interface OptionSpec {
  flag: string;
  description: string;
  default: string;
  /** What values are allowed, for the docs (the schema enforces it). */
  allowed: string;
  schema: z.ZodType;
}

/** Every controller option, in the order the docs list them. */
export const OPTIONS = {
  pollInterval: {
    flag: "poll-interval",
    description: "How often an in-sync object is compared with AWS again (drift repair); +/- 10% jitter.",
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
  awsRegion: {
    flag: "aws-region",
    description:
      "Region for regional AWS services (S3 Control); defaults to AWS_REGION, else us-east-1. Organizations and IAM are global.",
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
    description: "The role assumed in member accounts; ${accountId} and ${partition} are replaced.",
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
  discoveryInterval: {
    flag: "discovery-interval",
    description:
      "How often AccountBaselines re-read the organization's accounts and OUs (and at once on a spec change).",
    default: "5m",
    allowed: "a duration >= 1s",
    schema: duration("1s"),
  },
  enablePolicyTypes: {
    flag: "enable-policy-types",
    description: `Organizations policy types orgguard enables on the root when they are off, comma-separated (${POLICY_TYPE_IDS}); objects of a type that is off report PolicyTypeNotEnabled.`,
    default: "",
    allowed: `a list of ${POLICY_TYPE_IDS}`,
    schema: policyTypeList,
  },
  policyPerTargetLimits: {
    flag: "policy-per-target-limits",
    description:
      "Policies of each type allowed per root, OU or account, AWS-managed ones (FullAWSAccess, RCPFullAWSAccess) included; the types not named keep AWS's limits.",
    default: limitsText((t) => t.defaults.perTargetLimit),
    allowed: "type=N,... (N >= 1; >= 2 for scp and rcp)",
    schema: policyLimits("perTargetLimit"),
  },
  policySizeLimits: {
    flag: "policy-size-limits",
    description:
      "Characters allowed in a minified policy document of each type; the types not named keep AWS's limits.",
    default: limitsText((t) => t.defaults.sizeLimit),
    allowed: "type=N,... (N >= 1)",
    schema: policyLimits("sizeLimit"),
  },
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
  organizationsRate: {
    flag: "organizations-rate",
    description:
      "AWS Organizations calls per second, process-wide (AWS publishes no limit and throttles large organizations).",
    default: "5",
    allowed: ">= 1",
    schema: wholeNumber(1),
  },
  organizationsBurst: {
    flag: "organizations-burst",
    description: "AWS Organizations calls allowed in a burst above the rate.",
    default: "10",
    allowed: ">= 1",
    schema: wholeNumber(1),
  },
  shutdownTimeout: {
    flag: "shutdown-timeout",
    description: "How long SIGTERM waits for in-flight reconciles before exiting.",
    default: "30s",
    allowed: "a duration >= 1s",
    schema: duration("1s"),
  },
} satisfies Record<string, OptionSpec>;

type Options = typeof OPTIONS;
export type ControllerConfig = { [K in keyof Options]: z.output<Options[K]["schema"]> };

/** The environment variable of an option: --poll-interval -> ORGGUARD_POLL_INTERVAL. */
export const envName = (flag: string): string => `ORGGUARD_${flag.toUpperCase().replace(/-/g, "_")}`;

/** Reads flags (`--name value` or `--name=value`) and the environment; throws with every problem. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ControllerConfig {
  const flags = parseFlags(argv);
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(OPTIONS) as [keyof Options, OptionSpec][]) {
    const raw = flags.get(spec.flag) ?? env[envName(spec.flag)] ?? spec.default;
    flags.delete(spec.flag);
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else
      problems.push(
        `--${spec.flag} (${envName(spec.flag)}): ${parsed.error.issues.map((i) => i.message).join("; ")}`,
      );
  }
  for (const unknown of flags.keys()) problems.push(`unknown flag --${unknown}`);
  if (problems.length > 0) throw new Error(`invalid configuration:\n  ${problems.join("\n  ")}`);
  const config = out as ControllerConfig;
  if (config.leaderElectionNamespace === "") config.leaderElectionNamespace = env.POD_NAMESPACE || "default";
  if (config.awsRegion === "") config.awsRegion = env.AWS_REGION || "us-east-1";
  if (config.renewDeadline >= config.leaseDuration) {
    throw new Error("invalid configuration:\n  --renew-deadline must be shorter than --lease-duration");
  }
  return config;
}

/**
 * Flags by name, tokenized by node:util's parseArgs: `--name value` and `--name=value`; a
 * true/false option may stand alone (`--leader-elect` means true) or take `true`/`false` after it.
 * Every value is checked by the option's schema afterwards, so parseArgs runs without its own
 * type checks (`strict: false`); what it cannot place is reported here.
 */
function parseFlags(argv: string[]): Map<string, string> {
  const booleans = new Set(
    Object.values(OPTIONS)
      .filter((o: OptionSpec) => o.schema === bool)
      .map((o: OptionSpec) => o.flag),
  );
  const options = Object.fromEntries(
    Object.values(OPTIONS).map(
      (o: OptionSpec) => [o.flag, { type: booleans.has(o.flag) ? "boolean" : "string" }] as const,
    ),
  );
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const flags = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (token.kind === "positional")
      throw new Error(`invalid configuration:\n  unexpected argument '${token.value}'`);
    if (token.kind !== "option") continue;
    const next = tokens[i + 1];
    const following = next?.kind === "positional" ? next.value : undefined;
    if (token.value !== undefined) flags.set(token.name, token.value);
    else if (booleans.has(token.name) && following !== "true" && following !== "false")
      flags.set(token.name, "true");
    else if (following !== undefined) {
      flags.set(token.name, following);
      i++;
    } else throw new Error(`invalid configuration:\n  --${token.name} needs a value`);
  }
  return flags;
}

/** The values an option takes when they are a fixed set (`debug`, `info`...), for shell completion. */
export function optionChoices(option: { schema: z.ZodType }): readonly string[] | undefined {
  const schema = option.schema;
  if (schema instanceof z.ZodEnum) return schema.options.map(String);
  if (schema instanceof z.ZodPipe && schema.in instanceof z.ZodEnum) return schema.in.options.map(String);
  return undefined;
}

/** The options as a Markdown table (README and chart docs). */
export function optionsTable(): string {
  const rows = Object.values(OPTIONS).map(
    (o: OptionSpec) =>
      `| \`--${o.flag}\` | \`${envName(o.flag)}\` | \`${o.default || '""'}\` | ${o.allowed} | ${o.description} |`,
  );
  return ["| flag | environment | default | allowed | meaning |", "|---|---|---|---|---|", ...rows].join(
    "\n",
  );
}

/** The options as plain text for a terminal (`orgguard controller --help`). */
export function optionsHelp(): string {
  return Object.values(OPTIONS)
    .map(
      (o: OptionSpec) =>
        `  --${o.flag} VALUE\n      ${o.description}\n      env ${envName(o.flag)}; default ${o.default || '""'}; allowed: ${o.allowed}`,
    )
    .join("\n");
}

/** The options of every Organizations policy type, from the three policy options. */
export function policyOptionsOf(config: ControllerConfig): PolicyOptions {
  return Object.fromEntries(
    POLICY_TYPES.map((t) => [
      t.id,
      {
        enablePolicyType: config.enablePolicyTypes.has(t.id),
        perTargetLimit: config.policyPerTargetLimits.get(t.id) ?? t.defaults.perTargetLimit,
        sizeLimit: config.policySizeLimits.get(t.id) ?? t.defaults.sizeLimit,
      },
    ]),
  );
}
