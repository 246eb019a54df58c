/**
 * `orgguard plan` and `orgguard apply`: the controller's reconcile without a cluster. Both read
 * manifests, validate them, and run each object through the very steps the controller runs
 * (reconcile-objects.ts). plan observes through a read-only AWS client (a write is refused before
 * it is sent) and prints what apply would change; apply makes the changes, in the controller's
 * order, many accounts at once (--parallelism); `apply --plan FILE` applies exactly what a saved
 * plan said, or nothing when AWS no longer matches it.
 */
import { DescribeOrganizationCommand } from "@aws-sdk/client-organizations";
import type { AwsClients } from "../aws/clients.js";
import { longTermKeyReason, SESSION_CREDENTIALS_ADVICE } from "../aws/long-term-credentials.js";
import { CLI_OPTIONS, type ControllerConfig, loadConfig } from "../config.js";
import { READ_OPERATIONS } from "../kinds/index.js";
import type { ManagedObject } from "../runtime/managed.js";
import { errorMessage } from "../runtime/reconcile-errors.js";
import { awsClientsFor } from "./aws-context.js";
import {
  type Command,
  type CommandOption,
  layerArgs,
  layerFlags,
  type ParsedValues,
  UsageError,
} from "./command.js";
import { loadManifests, type ManifestDocument } from "./manifests.js";
import { type PlanFile, readPlanFile } from "./plan-file.js";
import { formatJson, formatMarkdown, formatText, type PlanContext, type PlanEntry } from "./plan-format.js";
import {
  applyPlan,
  DEFAULT_PARALLELISM,
  MAX_PARALLELISM,
  type ReconcileOptions,
  reconcileObjects,
} from "./reconcile-objects.js";
import { checkManifests, formatProblem } from "./validate.js";

export {
  DEFAULT_PARALLELISM,
  MAX_PARALLELISM,
  ordered,
  placementOf,
  reconcileObjects,
} from "./reconcile-objects.js";

/** --parallelism as a number, or a usage error naming what is allowed. */
export function parseParallelism(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PARALLELISM;
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PARALLELISM) {
    throw new UsageError(`--parallelism must be a whole number from 1 to ${MAX_PARALLELISM}, not '${value}'`);
  }
  return n;
}

/**
 * The caller's credentials, checked once before any object: without them every object would fail
 * with the same error. A long-term access key works, with one warning (the controller refuses one).
 */
async function checkCredentials(aws: AwsClients, command: string): Promise<boolean> {
  try {
    await aws.ownAccountId();
  } catch (err) {
    console.error(
      `orgguard ${command}: cannot use the AWS credentials (sts:GetCallerIdentity): ${errorMessage(err)}`,
    );
    return false;
  }
  const reason = longTermKeyReason(await aws.ownCredentials());
  if (reason) {
    console.error(
      `orgguard ${command}: warning: the AWS credentials are a long-term access key: ${reason}; ${SESSION_CREDENTIALS_ADVICE}`,
    );
  }
  return true;
}

/** The organization and the caller's account, for the plan's header (read-only calls). */
async function planContext(aws: AwsClients): Promise<PlanContext> {
  const [account, organization] = await Promise.all([
    aws.ownAccountId().catch(() => undefined),
    aws
      .organizations()
      .send(new DescribeOrganizationCommand({}))
      .catch(() => undefined),
  ]);
  return {
    ...(account ? { account } : {}),
    ...(organization?.Organization?.Id ? { organizationId: organization.Organization.Id } : {}),
  };
}

const PLAN_OPTIONS = {
  output: {
    type: "string",
    short: "o",
    valueName: "FORMAT",
    description: "text, json or markdown (for a pull-request comment)",
    default: "text",
    choices: ["text", "json", "markdown"],
  },
  "strict-kinds": {
    type: "boolean",
    description: "treat documents of other kinds as errors instead of skipping them",
  },
  "allow-empty": { type: "boolean", description: "succeed when no orgguard manifest is found" },
  parallelism: {
    type: "string",
    valueName: "N",
    description: `objects worked on at once, 1 to ${MAX_PARALLELISM} (accounts in parallel; the apply order between kinds, and one account's settings in order, are kept)`,
    default: String(DEFAULT_PARALLELISM),
  },
  ...layerFlags(CLI_OPTIONS),
} satisfies Record<string, CommandOption>;

const APPLY_OPTIONS = {
  ...PLAN_OPTIONS,
  output: { ...PLAN_OPTIONS.output, description: "text or json", choices: ["text", "json"] },
  plan: {
    type: "string",
    valueName: "FILE",
    description:
      "apply exactly what this saved plan (`orgguard plan --output json` of the same manifests) says; refuse, changing nothing, if AWS or the manifests no longer match it",
    completes: "file",
  },
} satisfies Record<string, CommandOption>;

/** Reads and checks the manifests; prints problems and notes; the objects to plan, or undefined on problems. */
async function readObjects(
  command: string,
  positionals: string[],
  config: ControllerConfig,
  options: { strictKinds: boolean; allowEmpty: boolean },
): Promise<ManagedObject[] | undefined> {
  if (positionals.length === 0) throw new UsageError("name the files or folders with the manifests");
  let documents: ManifestDocument[];
  try {
    documents = await loadManifests(positionals);
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const checked = checkManifests(documents, {
    sizeLimits: Object.fromEntries(config.policySizeLimits),
    inputs: positionals,
    ...options,
  });
  for (const note of checked.notes) console.error(note);
  if (checked.problems.length > 0) {
    for (const p of checked.problems) console.error(formatProblem(p));
    console.error(`orgguard ${command}: fix the manifests first (orgguard validate shows the same problems)`);
    return undefined;
  }
  return checked.orgguard.map((d) => d.object as ManagedObject);
}

async function run(
  values: ParsedValues<typeof APPLY_OPTIONS>,
  positionals: string[],
  apply: boolean,
): Promise<number> {
  const command = apply ? "apply" : "plan";
  const output = values.output ?? "text";
  if (!["text", "json", "markdown"].includes(output) || (apply && output === "markdown")) {
    throw new UsageError(
      `--output must be text${apply ? " or json" : ", json or markdown"}, not '${output}'`,
    );
  }
  const parallelism = parseParallelism(values.parallelism);
  let config: ControllerConfig;
  try {
    config = loadConfig(layerArgs(CLI_OPTIONS, values), process.env);
  } catch (err) {
    console.error(`orgguard ${command}: ${errorMessage(err)}`);
    return 1;
  }
  let saved: PlanFile | undefined;
  if (apply && values.plan !== undefined) {
    try {
      saved = await readPlanFile(values.plan);
    } catch (err) {
      console.error(`orgguard apply: ${errorMessage(err)}`);
      return 1;
    }
  }
  const objects = await readObjects(command, positionals, config, {
    strictKinds: values["strict-kinds"] === true,
    allowEmpty: values["allow-empty"] === true,
  });
  if (!objects) return 1;
  // plan: a write, or any call no kind declares as a read, is refused before it is sent.
  const aws = awsClientsFor(config, apply ? {} : { readOnly: READ_OPERATIONS });
  if (!(await checkCredentials(aws, command))) return 1;
  // On a terminal, apply shows each object as it is done (it may take minutes for a large organization).
  const progress = apply && output === "text" && process.stdout.isTTY === true;
  const context = await planContext(aws);
  const options: ReconcileOptions = {
    parallelism,
    onEntry: (entry) => {
      if (progress) process.stdout.write(`${formatText([entry], true, true).split("\n")[0]}\n`);
    },
  };
  let entries: PlanEntry[];
  if (saved && values.plan !== undefined) {
    const result = await applyPlan(objects, aws, config, saved, context, options);
    if (result.differences.length > 0) {
      console.error(
        `orgguard apply: AWS or the manifests no longer match the plan ${values.plan}; nothing was changed:`,
      );
      for (const d of result.differences) console.error(`  ${d}`);
      console.error("orgguard apply: plan again, review the new plan, and apply that one");
      return 1;
    }
    entries = result.entries;
  } else {
    entries = await reconcileObjects(objects, aws, config, apply, options);
  }
  if (output === "json") console.log(formatJson(entries, context, apply));
  else if (output === "markdown") console.log(formatMarkdown(entries, context));
  else console.log(formatText(entries, process.stdout.isTTY === true, apply, context));
  // A conflict is two objects keeping one thing: the loser is never applied, so the change is not safe to merge.
  if (entries.some((e) => e.action === "error" || e.action === "conflict")) return 1;
  if (apply) return 0;
  return entries.some((e) => e.action === "create" || e.action === "update") ? 2 : 0;
}

const AWS_SETTINGS =
  "AWS and policy-type options are the controller's own (a flag here, or its ORGGUARD_* variable); credentials come from the SDK's default chain.";

/** `orgguard plan`. */
export const planCommand: Command<typeof PLAN_OPTIONS> = {
  name: "plan",
  summary:
    "Shows what apply would change in AWS, without a cluster: validates, then observes AWS with the controller's own code through a client that refuses any write before sending it.",
  details: AWS_SETTINGS,
  arguments: "<files or folders>...",
  options: PLAN_OPTIONS,
  examples: ["orgguard plan manifests/", "orgguard plan --output markdown manifests/ > plan.md"],
  exitCodes: {
    0: "no changes",
    1: "an error (manifests, AWS, credentials, arguments) or a conflict between objects",
    2: "changes to make",
  },
  run: (values, positionals) => run(values, positionals, false),
};

/** `orgguard apply`. */
export const applyCommand: Command<typeof APPLY_OPTIONS> = {
  name: "apply",
  summary:
    "Makes AWS match the manifests once, without a cluster, in the controller's order (the organization, SCPs, account settings, then baselines' per-account settings), many accounts at once. An account setting is done when AWS accepts its write; other changes are confirmed by observing again. ObserveOnly objects are not changed. With --plan, applies exactly a saved plan, or nothing if AWS changed since.",
  details: AWS_SETTINGS,
  arguments: "<files or folders>...",
  options: APPLY_OPTIONS,
  examples: [
    "orgguard apply manifests/",
    "orgguard apply --output json manifests/ > applied.json",
    "orgguard plan --output json manifests/ > plan.json; orgguard apply --plan plan.json manifests/",
  ],
  exitCodes: {
    0: "applied (or nothing to do)",
    1: "an error (manifests, AWS, credentials, arguments), a conflict between objects, or a saved plan AWS no longer matches (nothing changed)",
  },
  run: (values, positionals) => run(values, positionals, true),
};

export type { PlanEntry };
