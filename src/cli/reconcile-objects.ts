/**
 * What `orgguard plan` and `orgguard apply` run: each object through the very steps the
 * controller runs (the shared lifecycle and the managed reconciler, with the same
 * ExternalClients), status kept in memory instead of the apiserver, in the controller's order
 * (the organization and its tree, policies, account settings, then baselines' per-account
 * settings) with many objects at once where the order allows (unit-schedule.ts).
 *
 * - plan: a dry-run writer (observe for real; create, update and delete recorded, not made).
 * - apply: the direct writer. A change to an account setting is done when AWS accepts the write
 *   (one read and one write; a setting whose service is eventually consistent reads back in its
 *   own write: PublicAccessBlock); any other change is confirmed by a dry run that must find
 *   nothing left to do.
 * - apply of a saved plan: the dry run first, for every object, compared with the plan; any
 *   difference refuses the whole apply before a single write. Then the planned changes, an
 *   account setting's from the very reading that was compared (no second read).
 */
import type { AwsClients } from "../aws/clients.js";
import type { ControllerConfig } from "../config.js";
import { applyOrder, findKind, managedKinds } from "../kinds/index.js";
import type { KindContext } from "../kinds/kind-definition.js";
import { organizationOf } from "../kinds/organization.js";
import { ClaimIndex } from "../runtime/claims.js";
import { findCondition } from "../runtime/conditions.js";
import type { EventRecorder } from "../runtime/event-recorder.js";
import { Lifecycle, type ObjectWriter, type ReconcileResult } from "../runtime/lifecycle.js";
import { silentLogger } from "../runtime/logger.js";
import type { Change, ExternalClient, ManagedKind, ManagedObject, Observation } from "../runtime/managed.js";
import { type DriftMetrics, ManagedReconciler } from "../runtime/managed-reconciler.js";
import { Metrics } from "../runtime/metrics.js";
import { errorMessage } from "../runtime/reconcile-errors.js";
import type { JsonPatchOp } from "../runtime/resource-client.js";
import { kindContextFor } from "./aws-context.js";
import { type PlanFile, planDifferences } from "./plan-file.js";
import type { PlanAction, PlanContext, PlanEntry } from "./plan-format.js";
import { InOrder, type Placement, runScheduled } from "./unit-schedule.js";

/**
 * How many objects plan and apply work on at once by default (--parallelism). Each object makes
 * one to a few calls in turn, each a round trip to AWS; at 100 accounts with 50 ms added to every
 * answer, apply converged in 47 s one at a time, 23 s with 4, 9 s with 16 and 6 s with 64
 * (README, Performance). 16 keeps the calls in flight well under the connection pool's 50 per
 * endpoint host (IAM and STS are one host for every account) and leaves the accounts' allowance
 * to other tools; --parallelism raises it.
 */
export const DEFAULT_PARALLELISM = 16;
/** The most --parallelism allows: past about 50, one endpoint's connections (50 per host) are the limit. */
export const MAX_PARALLELISM = 64;

/** How plan and apply run. */
export interface ReconcileOptions {
  /** Each entry, in the apply order, as soon as it and every one before it are done. */
  onEntry?: (entry: PlanEntry) => void;
  /** Objects worked on at once (within what the apply order allows): DEFAULT_PARALLELISM. */
  parallelism?: number;
}

/** One thing to plan: a manifest's object, or a baseline's setting for one account. */
interface Unit {
  kind: ManagedKind;
  object: ManagedObject;
  /** `Kind/name` of the manifest it comes from. */
  name: string;
  via?: string;
}

/** What a unit's entry says besides its name. */
type EntryBody = Pick<PlanEntry, "action" | "changes" | "error">;

/** What one pass does with one unit (its claims are the rivals' of the unit's kind). */
type Step = (unit: Unit, claims: ClaimIndex<ManagedObject> | undefined) => Promise<EntryBody>;

/**
 * Plans (or applies) every object; errors are per entry, never thrown. Entries come in the apply
 * order whatever order the work finished in.
 */
export async function reconcileObjects(
  objects: ManagedObject[],
  aws: AwsClients,
  config: ControllerConfig,
  apply: boolean,
  options: ReconcileOptions = {},
): Promise<PlanEntry[]> {
  const manifests = objects.map(withPolicyDefault);
  const pass = await Pass.start(manifests, aws, config, options, !apply);
  const step: Step = apply
    ? (unit, claims) => applyUnit(new UnitRun(unit, claims, pass.metrics))
    : (unit, claims) => planUnit(new UnitRun(unit, claims, pass.metrics));
  await pass.run(pass.unitsOf(manifests), step);
  // Composites last, and expanded only now: the accounts they select are those the objects above
  // created or moved (apply), so one apply leaves nothing for a second one to do.
  await pass.run(await pass.childrenOf(manifests), step);
  return pass.entries;
}

/** What `apply --plan` did: the entries, or, when AWS no longer matches the plan, why nothing was written. */
export interface PlannedApply {
  entries: PlanEntry[];
  /** Non-empty: the plan is out of date (or has errors), and nothing was written. */
  differences: string[];
}

/**
 * Applies exactly what `plan` planned: observes every object first (as plan does, through the
 * same dry run) and compares each entry with the plan's; any difference, or an error in the plan,
 * refuses the apply before any write. Then makes the planned changes: an account setting's from
 * the very reading that was compared (one read and one write), any other object as apply does. A
 * baseline's settings are those of the accounts it selected when checked (accounts this apply
 * creates get theirs at the next apply, as they were not in the plan).
 */
export async function applyPlan(
  objects: ManagedObject[],
  aws: AwsClients,
  config: ControllerConfig,
  plan: PlanFile,
  context: PlanContext,
  options: ReconcileOptions = {},
): Promise<PlannedApply> {
  const manifests = objects.map(withPolicyDefault);
  const check = await Pass.start(manifests, aws, config, {}, true);
  const checked = new Map<Unit, { run: UnitRun; entry: EntryBody }>();
  const checkStep: Step = async (unit, claims) => {
    const run = new UnitRun(unit, claims, check.metrics);
    const entry = await planUnit(run);
    checked.set(unit, { run, entry });
    return entry;
  };
  const direct = check.unitsOf(manifests);
  await check.run(direct, checkStep);
  const children = await check.childrenOf(manifests);
  await check.run(children, checkStep);
  const differences = planDifferences(plan, context, check.entries);
  if (differences.length > 0) return { entries: check.entries, differences };

  const write = await Pass.start(manifests, aws, config, options, false);
  const writeStep: Step = async (unit, claims) => {
    const was = checked.get(unit);
    if (!was) return { action: "error", changes: [], error: "not checked against the plan" };
    if (was.entry.action !== "create" && was.entry.action !== "update") return was.entry;
    if (findKind(unit.object.kind)?.plan?.accountLocal)
      return applyFromReading(unit, claims, write.metrics, was.run);
    return applyUnit(new UnitRun(unit, claims, write.metrics));
  };
  await write.run(direct, writeStep);
  await write.run(children, writeStep);
  return { entries: write.entries, differences: [] };
}

/** One pass over the units: scheduling, claims, entries in order, and the plan's expected OUs. */
class Pass {
  readonly entries: PlanEntry[] = [];
  readonly metrics = new Metrics();
  private readonly seen: Unit[] = [];

  private constructor(
    private readonly context: KindContext,
    private readonly kinds: ManagedKind[],
    private readonly options: ReconcileOptions,
    /** Plan: an OU planned for creation is expected by what comes after it. */
    private readonly planning: boolean,
  ) {}

  static async start(
    objects: ManagedObject[],
    aws: AwsClients,
    config: ControllerConfig,
    options: ReconcileOptions,
    planning: boolean,
  ): Promise<Pass> {
    // Rules that span kinds (GuardDuty's administrator in one place) see the manifests planned together.
    const context: KindContext = {
      ...kindContextFor(config, aws),
      objectsOf: (kind) => objects.filter((o) => o.kind === kind),
    };
    // Settings without an accountId mean the caller's own account: learn it before comparing claims.
    await aws.ownAccountId().catch(() => undefined);
    return new Pass(context, managedKinds(context), options, planning);
  }

  private record(entry: PlanEntry): void {
    this.entries.push(entry);
    this.options.onEntry?.(entry);
  }

  /** The units of the objects that are not composites; an object of no kind orgguard serves is an error entry. */
  unitsOf(objects: ManagedObject[]): Unit[] {
    const units: Unit[] = [];
    for (const object of ordered(objects).direct) {
      const kind = this.kinds.find((k) => k.ref.kind === object.kind);
      if (kind) units.push({ kind, object, name: nameOf(object) });
      else
        this.record({
          object: nameOf(object),
          action: "error",
          changes: [],
          error: `orgguard serves no kind ${object.kind}`,
        });
    }
    return units;
  }

  /**
   * The child objects composites stand for now (a baseline's per-account settings). A composite
   * whose children cannot be worked out (the organization cannot be read) becomes an error entry.
   */
  async childrenOf(objects: ManagedObject[]): Promise<Unit[]> {
    const units: Unit[] = [];
    for (const object of ordered(objects).composites) {
      const name = nameOf(object);
      const runtime = findKind(object.kind)?.runtime;
      if (runtime?.type !== "composite") continue;
      try {
        for (const child of await runtime.expand(object, this.context)) {
          const kind = this.kinds.find((k) => k.ref.kind === child.kind);
          if (!kind)
            throw new Error(`${object.kind} stands for a ${child.kind}, which no controller reconciles`);
          const accountId = typeof child.spec.accountId === "string" ? ` of ${child.spec.accountId}` : "";
          units.push({ kind, object: child, name, via: `${child.kind}${accountId}` });
        }
      } catch (err) {
        this.record({ object: name, action: "error", changes: [], error: errorMessage(err) });
      }
    }
    return units;
  }

  /** Runs `step` for every unit, as many at once as the apply order and --parallelism allow. */
  async run(units: Unit[], step: Step): Promise<void> {
    // The rule between rivals sees every rival: this run's and the earlier ones' (a standalone
    // setting keeps an account a baseline's child, reconciled after it, also names).
    this.seen.push(...units);
    const claims = claimIndexes(this.seen);
    const inOrder = new InOrder((entry: PlanEntry) => this.record(entry));
    await runScheduled(
      units.map((u) => placementOf(u.object, u.kind.claim?.(u.object))),
      this.options.parallelism ?? DEFAULT_PARALLELISM,
      async (index) => {
        const unit = units[index];
        if (!unit) return;
        const destructive = unit.kind.destructive?.(unit.object);
        const entry = await step(unit, claims.get(unit.kind.ref.kind));
        // A planned OU: what comes after (its children, accounts in it, policies on it) resolves it.
        const ou =
          entry.action === "create" && this.planning
            ? findKind(unit.object.kind)?.plan?.createsOu?.(unit.object)
            : undefined;
        if (ou) organizationOf(this.context).expectOu(ou);
        inOrder.done(index, {
          object: unit.name,
          ...(unit.via ? { via: unit.via } : {}),
          ...(destructive ? { destructive } : {}),
          ...entry,
        });
      },
    );
  }
}

/**
 * Where a unit runs (unit-schedule.ts): its kind's parallel group at its rank, in the lane of
 * what it claims (one account's settings in order); a kind without a group one object at a time.
 */
export function placementOf(object: ManagedObject, claim: string | undefined): Placement {
  const plan = findKind(object.kind)?.plan;
  const rank = plan?.rank?.(object) ?? 0;
  const group = plan?.parallelGroup;
  if (!group) return { stage: `${object.kind}#${rank}`, lane: "one at a time" };
  return { stage: `${group}#${rank}`, ...(claim ? { lane: claim } : {}) };
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
export function ordered(objects: ManagedObject[]): { direct: ManagedObject[]; composites: ManagedObject[] } {
  const rank = (o: ManagedObject) => findKind(o.kind)?.plan?.rank?.(o) ?? 0;
  const sorted = [...objects].sort((a, b) => applyOrder(a.kind) - applyOrder(b.kind) || rank(a) - rank(b));
  const isComposite = (o: ManagedObject) => findKind(o.kind)?.runtime.type === "composite";
  return { direct: sorted.filter((o) => !isComposite(o)), composites: sorted.filter(isComposite) };
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

/** A unit planned: the dry run. */
async function planUnit(run: UnitRun): Promise<EntryBody> {
  try {
    return await run.reconcile("dry-run");
  } catch (err) {
    return { action: "error", changes: [], error: errorMessage(err) };
  }
}

/**
 * A unit applied: the reconcile that writes; then, unless the kind's writes are done when AWS
 * accepts them (an account setting), a dry run that must find nothing left to do.
 */
async function applyUnit(run: UnitRun): Promise<EntryBody> {
  try {
    const applied = await run.reconcile("direct");
    if (applied.action !== "create" && applied.action !== "update") return applied;
    if (findKind(run.unit.object.kind)?.plan?.accountLocal) return applied;
    const confirmed = await run.reconcile("dry-run");
    if (confirmed.action === "unchanged" || confirmed.action === "progressing") return applied;
    return {
      action: "error",
      changes: confirmed.changes,
      error: confirmed.error ?? "applied, but AWS does not show the change yet",
    };
  } catch (err) {
    return { action: "error", changes: [], error: errorMessage(err) };
  }
}

/** An account setting applied from the reading `checked` made (compared with the plan): no second read. */
async function applyFromReading(
  unit: Unit,
  claims: ClaimIndex<ManagedObject> | undefined,
  metrics: DriftMetrics,
  checked: UnitRun,
): Promise<EntryBody> {
  const reading = checked.reading;
  if (!reading) return applyUnit(new UnitRun(unit, claims, metrics));
  try {
    return await new UnitRun(unit, claims, metrics, reading).reconcile("direct");
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

/** What one observe read, with the client that read it (its writes act on what it found). */
interface Reading {
  external: ExternalClient<ManagedObject>;
  observation: Observation;
}

/** The runs of one unit: status carried in memory from one reconcile to the next. */
class UnitRun {
  private readonly object: InMemoryObject;
  private readonly lifecycle: Lifecycle<ManagedObject>;
  /** What the last dry run read (for apply --plan to write from). */
  reading: Reading | undefined;

  constructor(
    readonly unit: Unit,
    private readonly claims: ClaimIndex<ManagedObject> | undefined,
    private readonly metrics: DriftMetrics,
    /** A reading to act on instead of observing first (apply --plan: the reading compared with the plan). */
    private readonly given?: Reading,
  ) {
    this.object = new InMemoryObject(unit.object);
    this.lifecycle = new Lifecycle(unit.kind.ref.kind, this.object, NO_EVENTS, silentLogger);
  }

  async reconcile(writer: "direct" | "dry-run"): Promise<EntryBody> {
    const kind =
      writer === "dry-run"
        ? dryRun(this.unit.kind, (reading) => {
            this.reading = reading;
          })
        : this.given
          ? fromReading(this.unit.kind, this.given)
          : this.unit.kind;
    const steps = new ManagedReconciler(kind, this.metrics, {}, this.claims);
    const result = await this.lifecycle.reconcile(this.object.current, steps);
    return entryOf(this.object.current, result);
  }
}

/**
 * `kind` with create, update and delete recorded instead of made (observe still reads AWS);
 * `read` is told what each observe found, and by which client.
 */
function dryRun(kind: ManagedKind, read: (reading: Reading) => void): ManagedKind {
  return {
    ...kind,
    connect: async (object, context) => {
      const external = await kind.connect(object, context);
      const planned: ExternalClient<ManagedObject> = {
        observe: async (o) => {
          const observation = await external.observe(o);
          read({ external, observation });
          return observation;
        },
        create: async () => ({}),
        update: async () => undefined,
        delete: async () => undefined,
      };
      return planned;
    },
  };
}

/**
 * `kind` whose first observe answers `reading` (already read, and compared with the plan) and
 * whose writes go through the client that read it; any later observe reads AWS again.
 */
function fromReading(kind: ManagedKind, reading: Reading): ManagedKind {
  let given: Observation | undefined = reading.observation;
  const { external } = reading;
  return {
    ...kind,
    connect: async () => ({
      observe: async (o) => {
        const observation = given ?? (await external.observe(o));
        given = undefined;
        return observation;
      },
      create: (o, observation) => external.create(o, observation),
      update: (o, observation) => external.update(o, observation),
      delete: (o, observation) => external.delete(o, observation),
    }),
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
