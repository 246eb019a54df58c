/**
 * The controller's Prometheus metrics, on a registry of its own (no module-level state).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";

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

  /** Forgets a deleted object (the map stays as large as the cache, no larger). */
  forgetChecked(kind: string, name: string): void {
    this.checkedAt.get(kind)?.delete(name);
  }
}
