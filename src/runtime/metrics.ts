/**
 * The controller's Prometheus metrics, on a registry of its own (no module-level state).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Condition } from "./conditions.js";
import type { KubeObject } from "./kube-object.js";

/** The conditions orgguard_objects counts objects by. */
const COUNTED_CONDITIONS = ["Ready", "Synced", "Stalled"] as const;

/** How far back orgguard_object_drift_repairs counts one object's repairs. */
export const DRIFT_REPAIR_WINDOW_MS = 60 * 60_000;

export class Metrics {
  readonly registry = new Registry();
  readonly reconciles = new Counter({
    name: "orgguard_reconcile_total",
    help: "Reconciles by kind and result (success, error, terminal, conflict, deadline).",
    labelNames: ["kind", "result"],
    registers: [this.registry],
  });
  readonly reconcileTriggers = new Counter({
    name: "orgguard_reconcile_triggers_total",
    help: "Why reconciles ran, by kind and trigger (spec, owned, watch, rival, event, poll, verify, retry, conflict); one reconcile counts each trigger that coalesced into it.",
    labelNames: ["kind", "trigger"],
    registers: [this.registry],
  });
  readonly reconcileDuration = new Histogram({
    name: "orgguard_reconcile_duration_seconds",
    help: "Time one reconcile took, by kind.",
    labelNames: ["kind"],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly queueDepth = new Gauge({
    name: "orgguard_workqueue_depth",
    help: "Keys waiting in the work queue, by kind.",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly queueWait = new Histogram({
    name: "orgguard_workqueue_wait_seconds",
    help: "Time a key waited in the queue before a worker took it, by kind.",
    labelNames: ["kind"],
    buckets: [0.001, 0.01, 0.1, 0.5, 1, 5, 30, 120],
    registers: [this.registry],
  });
  readonly awsCalls = new Counter({
    name: "orgguard_aws_api_calls_total",
    help: "AWS API calls by service, operation and outcome (success or the AWS error code).",
    labelNames: ["service", "operation", "outcome"],
    registers: [this.registry],
  });
  readonly driftDetected = new Counter({
    name: "orgguard_drift_detected_total",
    help: "Reconciles that found AWS different from a spec that had not changed, by kind.",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly driftRepaired = new Counter({
    name: "orgguard_drift_repaired_total",
    help: "Drift orgguard repaired in Enforce mode, by kind.",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly eventsReceived = new Counter({
    name: "orgguard_events_received_total",
    help: "Messages read from the events queue, by outcome (enqueued, own_write, unmatched, failed_call, malformed).",
    labelNames: ["outcome"],
    registers: [this.registry],
  });
  readonly regionUnavailable = new Counter({
    name: "orgguard_region_unavailable_total",
    help: "Reconciles that could not read one region of an object while the others were kept, by kind and region.",
    labelNames: ["kind", "region"],
    registers: [this.registry],
  });
  readonly longTermCredentials = new Gauge({
    name: "orgguard_long_term_credentials",
    help: "1 while the controller runs on a long-term access key (allowed by --allow-long-term-credentials), 0 on a role's session.",
    registers: [this.registry],
  });
  readonly eventsQueueUp = new Gauge({
    name: "orgguard_events_queue_up",
    help: "1 while the events queue answers, 0 while it cannot be read (polling still works); absent without --events-queue-url.",
    registers: [this.registry],
  });
  readonly eventsEnqueued = new Counter({
    name: "orgguard_events_enqueued_objects_total",
    help: "Objects enqueued because an event concerned them, by kind.",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  /** When each object was last compared with AWS without error, by kind and name. */
  private readonly checkedAt = new Map<string, Map<string, number>>();
  readonly oldestCheckAge = new Gauge({
    name: "orgguard_oldest_check_age_seconds",
    help: "Seconds since the least recently checked object of each kind was compared with AWS without error (status is written only when something changed: a poll falling behind, or an object failing, shows here).",
    labelNames: ["kind"],
    registers: [this.registry],
    collect: () => {
      const now = Date.now();
      for (const [kind, byName] of this.checkedAt) {
        let oldest = now;
        for (const at of byName.values()) oldest = Math.min(oldest, at);
        this.oldestCheckAge.set({ kind }, (now - oldest) / 1000);
      }
    },
  });
  readonly memory = new Gauge({
    name: "orgguard_process_memory_bytes",
    help: "The process's memory by area (rss, heap_total, heap_used, external, array_buffers), read at each scrape.",
    labelNames: ["area"],
    registers: [this.registry],
    collect: () => {
      const m = process.memoryUsage();
      this.memory.set({ area: "rss" }, m.rss);
      this.memory.set({ area: "heap_total" }, m.heapTotal);
      this.memory.set({ area: "heap_used" }, m.heapUsed);
      this.memory.set({ area: "external" }, m.external);
      this.memory.set({ area: "array_buffers" }, m.arrayBuffers);
    },
  });
  /** Each kind's objects as its controller's informer holds them (for orgguard_objects). */
  private readonly objectLists = new Map<string, () => readonly KubeObject[]>();
  readonly objects = new Gauge({
    name: "orgguard_objects",
    help: "Objects by kind and by the status and reason of their Ready, Synced and Stalled conditions, as the controller's caches hold them (a condition not set yet counts as status Unknown, reason None; Stalled is counted only when True). Exported by the replica that reconciles.",
    labelNames: ["kind", "condition", "status", "reason"],
    registers: [this.registry],
    collect: () => {
      this.objects.reset();
      for (const [kind, list] of this.objectLists) {
        for (const object of list()) {
          const conditions = (object.status as { conditions?: Condition[] } | undefined)?.conditions ?? [];
          for (const type of COUNTED_CONDITIONS) {
            const condition = conditions.find((c) => c.type === type);
            if (type === "Stalled" && condition?.status !== "True") continue;
            const status = condition?.status ?? "Unknown";
            this.objects.inc({ kind, condition: type, status, reason: condition?.reason ?? "None" });
          }
        }
      }
    },
  });
  /** Each kind's objects and how to read their findings (for orgguard_findings). */
  private readonly findingLists = new Map<
    string,
    () => Array<{ name: string; findings: Record<string, number> | undefined }>
  >();
  readonly findings = new Gauge({
    name: "orgguard_findings",
    help: "What each object last found in the provider, by kind, object and finding (for example IAM access keys past the limits, console users without MFA), read from the controller's caches at each scrape; zero counts are left out. Names are in the object's status, never in labels.",
    labelNames: ["kind", "name", "finding"],
    registers: [this.registry],
    collect: () => {
      this.findings.reset();
      for (const [kind, objects] of this.findingLists) {
        for (const { name, findings } of objects()) {
          for (const [finding, count] of Object.entries(findings ?? {})) {
            if (count > 0) this.findings.set({ kind, name, finding }, count);
          }
        }
      }
    },
  });
  /** When each object's drift was repaired within the window, by kind and name. */
  private readonly repairs = new Map<string, Map<string, number[]>>();
  readonly objectDriftRepairs = new Gauge({
    name: "orgguard_object_drift_repairs",
    help: "Drift repairs of one object within the last hour, by kind and name; only objects repaired at least twice in that hour are exported (someone keeps changing what orgguard keeps).",
    labelNames: ["kind", "name"],
    registers: [this.registry],
    collect: () => {
      this.objectDriftRepairs.reset();
      const since = Date.now() - DRIFT_REPAIR_WINDOW_MS;
      for (const [kind, byName] of this.repairs) {
        for (const [name, times] of byName) {
          const recent = times.filter((t) => t >= since);
          if (recent.length === 0) byName.delete(name);
          else byName.set(name, recent);
          if (recent.length >= 2) this.objectDriftRepairs.set({ kind, name }, recent.length);
        }
      }
    },
  });
  readonly pollInterval = new Gauge({
    name: "orgguard_poll_interval_seconds",
    help: "How often an in-sync object of each kind is compared with AWS again (--poll-interval; --discovery-interval for AccountBaseline), before jitter: orgguard_oldest_check_age_seconds is read against it.",
    labelNames: ["kind"],
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: "orgguard_leader",
    help: "1 while this replica holds the leader Lease (or leader election is off), else 0.",
    registers: [this.registry],
  });

  constructor() {
    this.registry.setDefaultLabels({});
  }

  /** Records that `name` of `kind` was just compared with AWS without error. */
  checked(kind: string, name: string, at = Date.now()): void {
    let byName = this.checkedAt.get(kind);
    if (!byName) {
      byName = new Map();
      this.checkedAt.set(kind, byName);
    }
    byName.set(name, at);
  }

  /** Forgets a deleted object (the maps stay as large as the cache, no larger). */
  forgetChecked(kind: string, name: string): void {
    this.checkedAt.get(kind)?.delete(name);
    this.repairs.get(kind)?.delete(name);
  }

  /** Counts the objects `list` gives (the informer's cache of `kind`) at each scrape, by condition. */
  countObjects(kind: string, list: () => readonly KubeObject[]): void {
    this.objectLists.set(kind, list);
  }

  /** Exports the findings `findings` reads from the objects `list` gives (a kind's cache) at each scrape. */
  countFindings<T extends KubeObject>(
    kind: string,
    list: () => readonly T[],
    findings: (object: T) => Record<string, number> | undefined,
  ): void {
    this.findingLists.set(kind, () => list().map((o) => ({ name: o.metadata.name, findings: findings(o) })));
  }

  /** Records a drift repair of `name` of `kind` (orgguard_drift_repaired_total and the per-object count). */
  driftRepairedOf(kind: string, name: string, at = Date.now()): void {
    this.driftRepaired.inc({ kind });
    let byName = this.repairs.get(kind);
    if (!byName) {
      byName = new Map();
      this.repairs.set(kind, byName);
    }
    byName.set(name, [...(byName.get(name) ?? []).filter((t) => t >= at - DRIFT_REPAIR_WINDOW_MS), at]);
  }
}
