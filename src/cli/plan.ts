/**
 * `orgguard plan` and `orgguard apply`: the controller's reconcile without a cluster. Both read
 * manifests, validate them, and observe AWS with the same ExternalClients the controller uses;
 * plan runs with a read-only AWS client (a write is refused before it is sent) and prints what
 * apply would change; apply makes the changes, in the controller's order (SCPs, then account
 * settings, then baselines' per-account settings), and confirms each by observing again.
 */
import { DescribeOrganizationCommand } from "@aws-sdk/client-organizations";
import type { AwsClients } from "../aws/clients.js";
import { type ControllerConfig, loadConfig } from "../config.js";
import { applyOrder, findKind, managedKinds, READ_OPERATIONS } from "../kinds/index.js";
import type { KindContext } from "../kinds/kind-definition.js";
import { claimantOf, winningRival } from "../runtime/claims.js";
import type { ManagedKind, ManagedObject } from "../runtime/managed.js";
import { errorMessage } from "../runtime/reconcile-errors.js";
import { awsClientsFor, kindContextFor } from "./aws-context.js";
import { type Command, type CommandOption, type ParsedValues, UsageError } from "./command.js";
import { loadManifests, type ManifestDocument } from "./manifests.js";
import {
  formatMarkdown,
  formatText,
  type PlanAction,
  type PlanContext,
  type PlanEntry,
  summary,
} from "./plan-format.js";
import { checkManifests, formatProblem } from "./validate.js";

/** One thing to plan: a manifest's object, or a baseline's setting for one account. */
interface Unit {
  kind: ManagedKind;
  object: ManagedObject;
  /** `Kind/name` of the manifest it comes from. */
  name: string;
  via?: string;
}

/** Plans (or applies) every object; errors are per entry, never thrown. */
export async function reconcileObjects(
  objects: ManagedObject[],
  aws: AwsClients,
  config: ControllerConfig,
  apply: boolean,
  onEntry: (entry: PlanEntry) => void = () => undefined,
): Promise<PlanEntry[]> {
  const context = kindContextFor(config, aws);
  const kinds = managedKinds(context);
  const entries: PlanEntry[] = [];
  const record = (entry: PlanEntry) => {
    entries.push(entry);
    onEntry(entry);
  };
  // Settings without an accountId mean the caller's own account: learn it before comparing claims.
  await aws.ownAccountId().catch(() => undefined);
  const units = await unitsOf(objects, kinds, context, record);
  const keepers = keepersByUnit(units);
  for (const unit of units) {
    const keeper = keepers.get(unit);
    if (keeper) {
      record({
        object: unit.name,
        ...(unit.via ? { via: unit.via } : {}),
        action: "conflict",
        changes: [],
        error: `${describeUnit(keeper)} manages the same ${unit.kind.claim?.(unit.object)} and keeps it: not changed`,
      });
      continue;
    }
    record(await reconcileOne(unit.kind, unit.object, unit.name, unit.via, apply));
  }
  return entries;
}

/**
 * The units to plan, in the controller's order (the order of the kinds: SCPs, account settings,
 * then composites' children, such as baselines' per-account settings). A composite whose children
 * cannot be worked out (the organization cannot be read) becomes an error entry.
 */
async function unitsOf(
  objects: ManagedObject[],
  kinds: ManagedKind[],
  context: KindContext,
  record: (entry: PlanEntry) => void,
): Promise<Unit[]> {
  const managedKind = (name: string) => kinds.find((k) => k.ref.kind === name);
  const sorted = [...objects].sort((a, b) => applyOrder(a.kind) - applyOrder(b.kind));
  const units: Unit[] = [];
  for (const object of sorted) {
    const name = `${object.kind}/${object.metadata.name}`;
    const runtime = findKind(object.kind)?.runtime;
    if (runtime?.type !== "composite") {
      const kind = managedKind(object.kind);
      if (kind) units.push({ kind, object, name });
      else
        record({
          object: name,
          action: "error",
          changes: [],
          error: `orgguard serves no kind ${object.kind}`,
        });
      continue;
    }
    try {
      for (const child of await runtime.expand(object, context)) {
        const kind = managedKind(child.kind);
        if (!kind)
          throw new Error(`${object.kind} stands for a ${child.kind}, which no controller reconciles`);
        const accountId = typeof child.spec.accountId === "string" ? ` of ${child.spec.accountId}` : "";
        units.push({ kind, object: child, name, via: `${child.kind}${accountId}` });
      }
    } catch (err) {
      record({ object: name, action: "error", changes: [], error: errorMessage(err) });
    }
  }
  return units;
}

/**
 * For each unit a rival keeps the claim from, that rival: the controller's rule (runtime/claims.ts)
 * applied to manifests, which have no creation times, so the name breaks ties of the same rank.
 */
function keepersByUnit(units: Unit[]): Map<Unit, Unit> {
  const byClaim = new Map<string, Unit[]>();
  for (const unit of units) {
    const claim = unit.kind.claim?.(unit.object);
    if (claim === undefined) continue;
    const key = `${unit.kind.ref.kind}|${claim}`;
    byClaim.set(key, [...(byClaim.get(key) ?? []), unit]);
  }
  const keepers = new Map<Unit, Unit>();
  for (const rivals of byClaim.values()) {
    for (const unit of rivals) {
      const others = rivals.filter((r) => r !== unit);
      const keeper = winningRival(claimantOf(unit.object), others, (r) => claimantOf(r.object));
      if (keeper) keepers.set(unit, keeper);
    }
  }
  return keepers;
}

const describeUnit = (unit: Unit): string => (unit.via ? `${unit.name} (${unit.via})` : unit.name);

async function reconcileOne(
  kind: ManagedKind,
  object: ManagedObject,
  name: string,
  via: string | undefined,
  apply: boolean,
): Promise<PlanEntry> {
  const base = { object: name, ...(via ? { via } : {}) };
  try {
    const problems = kind.validate?.(object) ?? [];
    if (problems.length > 0)
      return { ...base, action: "error", changes: [], error: `invalid spec: ${problems.join("; ")}` };
    const external = await kind.connect(object);
    const observation = await external.observe(object);
    const changes = observation.diff ?? [];
    if (observation.exists && observation.upToDate) return { ...base, action: "unchanged", changes: [] };
    if (object.spec.managementPolicy === "ObserveOnly") return { ...base, action: "drift-ignored", changes };
    const action: PlanAction = observation.exists ? "update" : "create";
    if (apply) {
      if (observation.exists) await external.update(object, observation);
      else await external.create(object, observation);
      const after = await external.observe(object);
      if (!after.exists || !after.upToDate) {
        return {
          ...base,
          action: "error",
          changes: after.diff ?? [],
          error: "applied, but AWS does not show the change yet",
        };
      }
    }
    return { ...base, action, changes };
  } catch (err) {
    return { ...base, action: "error", changes: [], error: errorMessage(err) };
  }
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
} satisfies Record<string, CommandOption>;

const APPLY_OPTIONS = {
  ...PLAN_OPTIONS,
  output: { ...PLAN_OPTIONS.output, description: "text or json", choices: ["text", "json"] },
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
  values: ParsedValues<typeof PLAN_OPTIONS>,
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
  let config: ControllerConfig;
  try {
    config = loadConfig([], process.env);
  } catch (err) {
    console.error(`orgguard ${command}: ${errorMessage(err)}`);
    return 1;
  }
  const objects = await readObjects(command, positionals, config, {
    strictKinds: values["strict-kinds"] === true,
    allowEmpty: values["allow-empty"] === true,
  });
  if (!objects) return 1;
  // plan: a write, or any call no kind declares as a read, is refused before it is sent.
  const aws = awsClientsFor(config, apply ? {} : { readOnly: READ_OPERATIONS });
  // On a terminal, apply shows each object as it is done (it may take minutes for a large organization).
  const progress = apply && output === "text" && process.stdout.isTTY === true;
  const context = await planContext(aws);
  const entries = await reconcileObjects(objects, aws, config, apply, (entry) => {
    if (progress) process.stdout.write(`${formatText([entry], true, true).split("\n")[0]}\n`);
  });
  if (output === "json") {
    console.log(JSON.stringify({ ...context, entries, summary: summary(entries, apply) }, null, 2));
  } else if (output === "markdown") console.log(formatMarkdown(entries, context));
  else console.log(formatText(entries, process.stdout.isTTY === true, apply, context));
  if (entries.some((e) => e.action === "error")) return 1;
  if (apply) return 0;
  return entries.some((e) => e.action === "create" || e.action === "update") ? 2 : 0;
}

const AWS_SETTINGS =
  "AWS settings come from the same ORGGUARD_* variables as the controller (orgguard controller --help), credentials from the SDK's default chain.";

/** `orgguard plan`. */
export const planCommand: Command<typeof PLAN_OPTIONS> = {
  name: "plan",
  summary:
    "Shows what apply would change in AWS, without a cluster: validates, then observes AWS with the controller's own code through a client that refuses any write before sending it.",
  details: AWS_SETTINGS,
  arguments: "<files or folders>...",
  options: PLAN_OPTIONS,
  examples: ["orgguard plan manifests/", "orgguard plan --output markdown manifests/ > plan.md"],
  exitCodes: { 0: "no changes", 1: "an error (manifests, AWS, arguments)", 2: "changes to make" },
  run: (values, positionals) => run(values, positionals, false),
};

/** `orgguard apply`. */
export const applyCommand: Command<typeof APPLY_OPTIONS> = {
  name: "apply",
  summary:
    "Makes AWS match the manifests once, without a cluster, in the controller's order (SCPs, account settings, then baselines' per-account settings), confirming each change by observing again. ObserveOnly objects are not changed.",
  details: AWS_SETTINGS,
  arguments: "<files or folders>...",
  options: APPLY_OPTIONS,
  examples: ["orgguard apply manifests/", "orgguard apply --output json manifests/ > applied.json"],
  exitCodes: { 0: "applied (or nothing to do)", 1: "an error (manifests, AWS, arguments)" },
  run: (values, positionals) => run(values, positionals, true),
};

export type { PlanEntry };
