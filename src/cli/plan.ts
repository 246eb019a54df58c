/**
 * `orgguard plan` and `orgguard apply`: the controller's reconcile without a cluster. Both read
 * manifests, validate them, and run each object through the very steps the controller runs (the
 * shared lifecycle and the managed reconciler, with the same ExternalClients), keeping status in
 * memory instead of the apiserver. plan runs them with a dry-run writer (observe for real; create,
 * update and delete recorded, not made) and a read-only AWS client (a write is refused before it
 * is sent), and prints what apply would change; apply runs them with the direct writer, in the
 * controller's order (the organization, SCPs, account settings, then baselines' per-account settings), and
 * confirms each change with a dry run that must find nothing left to do.
 */
import { DescribeOrganizationCommand } from "@aws-sdk/client-organizations";
import type { AwsClients } from "../aws/clients.js";
import { longTermKeyReason, SESSION_CREDENTIALS_ADVICE } from "../aws/long-term-credentials.js";
import { CLI_OPTIONS, type ControllerConfig, loadConfig } from "../config.js";
import { applyOrder, findKind, managedKinds, READ_OPERATIONS } from "../kinds/index.js";
import type { KindContext } from "../kinds/kind-definition.js";
import { organizationOf } from "../kinds/organization.js";
import { ClaimIndex } from "../runtime/claims.js";
import { findCondition } from "../runtime/conditions.js";
import type { EventRecorder } from "../runtime/event-recorder.js";
import { Lifecycle, type ObjectWriter, type ReconcileResult } from "../runtime/lifecycle.js";
import { silentLogger } from "../runtime/logger.js";
import type { Change, ExternalClient, ManagedKind, ManagedObject } from "../runtime/managed.js";
import { type DriftMetrics, ManagedReconciler } from "../runtime/managed-reconciler.js";
import { Metrics } from "../runtime/metrics.js";
import { errorMessage } from "../runtime/reconcile-errors.js";
import type { JsonPatchOp } from "../runtime/resource-client.js";
import { awsClientsFor, kindContextFor } from "./aws-context.js";
import {
  type Command,
  type CommandOption,
  layerArgs,
  layerFlags,
  type ParsedValues,
  UsageError,
} from "./command.js";
import { loadManifests, type ManifestDocument } from "./manifests.js";
import {
  formatJson,
  formatMarkdown,
  formatText,
  type PlanAction,
  type PlanContext,
  type PlanEntry,
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
  // Rules that span kinds (GuardDuty's administrator in one place) see the manifests planned together.
  const context: KindContext = {
    ...kindContextFor(config, aws),
    objectsOf: (kind) => objects.filter((o) => o.kind === kind),
  };
  const kinds = managedKinds(context);
  const entries: PlanEntry[] = [];
  const record = (entry: PlanEntry) => {
    entries.push(entry);
    onEntry(entry);
  };
  // Settings without an accountId mean the caller's own account: learn it before comparing claims.
  await aws.ownAccountId().catch(() => undefined);
  const metrics = new Metrics();
  const seen: Unit[] = [];
  const run = async (units: Unit[]) => {
    // The rule between rivals sees every rival: this run's and the earlier ones' (a standalone
    // setting keeps an account a baseline's child, reconciled after it, also names).
    seen.push(...units);
    const claims = claimIndexes(seen);
    for (const unit of units) {
      const destructive = unit.kind.destructive?.(unit.object);
      const base = {
        object: unit.name,
        ...(unit.via ? { via: unit.via } : {}),
        ...(destructive ? { destructive } : {}),
      };
      const entry = await reconcileUnit(unit, claims.get(unit.kind.ref.kind), metrics, apply);
      record({ ...base, ...entry });
      // A planned OU: what comes after (its children, accounts in it, policies on it) resolves it.
      const ou =
        entry.action === "create" && !apply
          ? findKind(unit.object.kind)?.plan?.createsOu?.(unit.object)
          : undefined;
      if (ou) organizationOf(context).expectOu(ou);
    }
  };
  const { direct, composites } = ordered(objects.map(withPolicyDefault));
  const units: Unit[] = [];
  for (const object of direct) {
    const kind = kinds.find((k) => k.ref.kind === object.kind);
    if (kind) units.push({ kind, object, name: nameOf(object) });
    else
      record({
        object: nameOf(object),
        action: "error",
        changes: [],
        error: `orgguard serves no kind ${object.kind}`,
      });
  }
  await run(units);
  // Composites last, and expanded only now: the accounts they select are those the objects above
  // created or moved (apply), so one apply leaves nothing for a second one to do.
  await run(await childrenOf(composites, kinds, context, record));
  return entries;
}

const nameOf = (object: ManagedObject) => `${object.kind}/${object.metadata.name}`;

/**
 * A manifest as the apiserver would store it, as far as the reconciler reads it: without
 * managementPolicy, the kind's default (Enforce, or ObserveOnly for a setting whose writes are seen
 * first), never "not ObserveOnly" by omission.
 */
function withPolicyDefault(object: ManagedObject): ManagedObject {
  if (object.spec.managementPolicy !== undefined) return object;
  const parsed = findKind(object.kind)?.api.spec.safeParse(object.spec);
  const spec: unknown = parsed?.success ? parsed.data : undefined;
  const policy =
    typeof spec === "object" && spec !== null && "managementPolicy" in spec
      ? spec.managementPolicy
      : undefined;
  return policy === "ObserveOnly" || policy === "Enforce"
    ? { ...object, spec: { ...object.spec, managementPolicy: policy } }
    : object;
}

/**
 * The objects in the controller's order (the order of the kinds: the organization and its tree,
 * policies, account settings; within a kind by its rank: an OU after its parent), the composites
 * (baselines) apart.
 */
function ordered(objects: ManagedObject[]): { direct: ManagedObject[]; composites: ManagedObject[] } {
  const rank = (o: ManagedObject) => findKind(o.kind)?.plan?.rank?.(o) ?? 0;
  const sorted = [...objects].sort((a, b) => applyOrder(a.kind) - applyOrder(b.kind) || rank(a) - rank(b));
  const isComposite = (o: ManagedObject) => findKind(o.kind)?.runtime.type === "composite";
  return { direct: sorted.filter((o) => !isComposite(o)), composites: sorted.filter(isComposite) };
}

/**
 * The child objects composites stand for now (a baseline's per-account settings). A composite
 * whose children cannot be worked out (the organization cannot be read) becomes an error entry.
 */
async function childrenOf(
  composites: ManagedObject[],
  kinds: ManagedKind[],
  context: KindContext,
  record: (entry: PlanEntry) => void,
): Promise<Unit[]> {
  const units: Unit[] = [];
  for (const object of composites) {
    const name = nameOf(object);
    const runtime = findKind(object.kind)?.runtime;
    if (runtime?.type !== "composite") continue;
    try {
      for (const child of await runtime.expand(object, context)) {
        const kind = kinds.find((k) => k.ref.kind === child.kind);
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
 * The claims of every kind's units, for the controller's rule (runtime/claims.ts) applied to
 * manifests: they have no creation times, so the name breaks ties of the same rank.
 */
function claimIndexes(units: Unit[]): Map<string, ClaimIndex<ManagedObject>> {
  const indexes = new Map<string, ClaimIndex<ManagedObject>>();
  for (const kind of new Set(units.map((u) => u.kind))) {
    const claim = kind.claim?.bind(kind);
    if (!claim) continue;
    const objects = units.filter((u) => u.kind === kind).map((u) => u.object);
    indexes.set(kind.ref.kind, ClaimIndex.of(objects, claim));
  }
  return indexes;
}

/** What a unit's entry says besides its name. */
type EntryBody = Pick<PlanEntry, "action" | "changes" | "error">;

/**
 * One unit through the controller's steps: a dry run for plan; for apply, the reconcile that
 * writes, then a dry run that must find nothing left to do (AWS shows the change).
 */
async function reconcileUnit(
  unit: Unit,
  claims: ClaimIndex<ManagedObject> | undefined,
  metrics: DriftMetrics,
  apply: boolean,
): Promise<EntryBody> {
  const run = new UnitRun(unit, claims, metrics);
  try {
    const planned = await run.reconcile(apply ? "direct" : "dry-run");
    if (!apply || (planned.action !== "create" && planned.action !== "update")) return planned;
    const confirmed = await run.reconcile("dry-run");
    if (confirmed.action === "unchanged" || confirmed.action === "progressing") return planned;
    return {
      action: "error",
      changes: confirmed.changes,
      error: confirmed.error ?? "applied, but AWS does not show the change yet",
    };
  } catch (err) {
    return { action: "error", changes: [], error: errorMessage(err) };
  }
}

/** Objects kept in memory instead of the apiserver: status writes and finalizer patches land here. */
class InMemoryObject implements ObjectWriter<ManagedObject> {
  constructor(public current: ManagedObject) {}

  async replaceStatus(object: ManagedObject): Promise<ManagedObject> {
    this.current = object;
    return object;
  }

  async jsonPatch(_name: string, ops: JsonPatchOp[]): Promise<ManagedObject> {
    // Only the finalizer is ever patched by the lifecycle: a manifest has nothing to keep.
    const finalizers = ops.some((op) => op.op === "add" && op.path.startsWith("/metadata/finalizers"))
      ? ["orgguard.io/finalizer"]
      : this.current.metadata.finalizers;
    this.current = {
      ...this.current,
      metadata: { ...this.current.metadata, ...(finalizers ? { finalizers } : {}) },
    };
    return this.current;
  }
}

const NO_EVENTS: EventRecorder = { record: async () => undefined };

/** The runs of one unit: status carried in memory from one reconcile to the next. */
class UnitRun {
  private readonly object: InMemoryObject;
  private readonly lifecycle: Lifecycle<ManagedObject>;

  constructor(
    private readonly unit: Unit,
    private readonly claims: ClaimIndex<ManagedObject> | undefined,
    private readonly metrics: DriftMetrics,
  ) {
    this.object = new InMemoryObject(unit.object);
    this.lifecycle = new Lifecycle(unit.kind.ref.kind, this.object, NO_EVENTS, silentLogger);
  }

  async reconcile(writer: "direct" | "dry-run"): Promise<EntryBody> {
    const kind = writer === "dry-run" ? dryRun(this.unit.kind) : this.unit.kind;
    const steps = new ManagedReconciler(kind, this.metrics, {}, this.claims);
    const result = await this.lifecycle.reconcile(this.object.current, steps);
    return entryOf(this.object.current, result);
  }
}

/** `kind` with create, update and delete recorded instead of made (observe still reads AWS). */
function dryRun(kind: ManagedKind): ManagedKind {
  return {
    ...kind,
    connect: async (object, context) => {
      const external = await kind.connect(object, context);
      const planned: ExternalClient<ManagedObject> = {
        observe: (o) => external.observe(o),
        create: async () => ({}),
        update: async () => undefined,
        delete: async () => undefined,
      };
      return planned;
    },
  };
}

/** The Ready reasons the managed reconciler reports, as plan actions. */
const ACTION_OF_READY: Record<string, PlanAction> = {
  Creating: "create",
  Updating: "update",
  Available: "unchanged",
  Drifted: "drift-ignored",
  NotFound: "drift-ignored",
  Progressing: "progressing",
  Conflict: "conflict",
};

/** What a reconcile of a unit decided, from the status it wrote (as the controller would show it). */
function entryOf(object: ManagedObject, result: ReconcileResult): EntryBody {
  const changes = (object.status?.plannedChanges as Change[] | undefined) ?? [];
  if (result.failure) return { action: "error", changes: [], error: errorMessage(result.failure.error) };
  const ready = findCondition(object.status?.conditions, "Ready");
  const action = ACTION_OF_READY[ready?.reason ?? ""];
  if (!action) return { action: "error", changes: [], error: ready?.message ?? "no outcome" };
  if (action === "conflict") return { action, changes: [], error: ready?.message ?? "" };
  return { action, changes: action === "unchanged" ? [] : changes };
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
  ...layerFlags(CLI_OPTIONS),
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
    config = loadConfig(layerArgs(CLI_OPTIONS, values), process.env);
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
  if (!(await checkCredentials(aws, command))) return 1;
  // On a terminal, apply shows each object as it is done (it may take minutes for a large organization).
  const progress = apply && output === "text" && process.stdout.isTTY === true;
  const context = await planContext(aws);
  const entries = await reconcileObjects(objects, aws, config, apply, (entry) => {
    if (progress) process.stdout.write(`${formatText([entry], true, true).split("\n")[0]}\n`);
  });
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
    "Makes AWS match the manifests once, without a cluster, in the controller's order (the organization, SCPs, account settings, then baselines' per-account settings), confirming each change by observing again. ObserveOnly objects are not changed.",
  details: AWS_SETTINGS,
  arguments: "<files or folders>...",
  options: APPLY_OPTIONS,
  examples: ["orgguard apply manifests/", "orgguard apply --output json manifests/ > applied.json"],
  exitCodes: {
    0: "applied (or nothing to do)",
    1: "an error (manifests, AWS, credentials, arguments) or a conflict between objects",
  },
  run: (values, positionals) => run(values, positionals, true),
};

export type { PlanEntry };
