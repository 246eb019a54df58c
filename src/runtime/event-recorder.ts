/**
 * Kubernetes Events for transitions (created, updated, drift repaired, deleted, failed). Repeats of
 * the same event for the same object within the dedupe window increase the count of the existing
 * Event instead of creating a new one, as client-go's recorder does.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { makeApiClient } from "./kube-api.js";
import type { KubeObject } from "./kube-object.js";
import type { Logger } from "./logger.js";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** Records an event about `object`; never throws (a lost event must not fail a reconcile). */
  record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

export interface Recorded {
  name: string;
  count: number;
  firstTimestamp: string;
  at: number;
}

/** Events of cluster-scoped objects live in the default namespace, as the apiserver expects. */
const EVENT_NAMESPACE = "default";
const DEDUPE_WINDOW_MS = 10 * 60_000;
/** Events remembered for dedupe at most (the most recent): a flood of one reason is still counted. */
const DEDUPE_CAPACITY = 1000;

/**
 * The events recorded lately, for dedupe: none older than the window and at most `capacity`, the
 * most recent. Bounded because a controller of 10,000 objects records an event or more per object
 * while it converges, and then none for hours: nothing else would ever drop them.
 */
export class RecentEvents {
  /** In the order they were last recorded, oldest first. */
  private readonly byKey = new Map<string, Recorded>();

  constructor(
    private readonly windowMs: number,
    private readonly capacity: number,
  ) {}

  /** The event recorded under `key` within the window before `now`, if any. */
  find(key: string, now: number): Recorded | undefined {
    const recorded = this.byKey.get(key);
    return recorded && now - recorded.at < this.windowMs ? recorded : undefined;
  }

  /** Remembers `recorded` as the most recent; forgets the expired and the oldest beyond capacity. */
  remember(key: string, recorded: Recorded, now: number): void {
    this.byKey.delete(key);
    this.byKey.set(key, recorded);
    for (const [oldestKey, oldest] of this.byKey) {
      if (this.byKey.size <= this.capacity && now - oldest.at < this.windowMs) break;
      this.byKey.delete(oldestKey);
    }
  }

  get size(): number {
    return this.byKey.size;
  }
}

export class KubeEventRecorder implements EventRecorder {
  private readonly core: CoreV1Api;
  private readonly recent = new RecentEvents(DEDUPE_WINDOW_MS, DEDUPE_CAPACITY);

  constructor(
    kc: KubeConfig,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.core = makeApiClient(kc, CoreV1Api);
  }

  async record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const key = `${object.metadata.uid}/${type}/${reason}/${message}`;
    const time = new Date(this.now()).toISOString();
    const previous = this.recent.find(key, this.now());
    try {
      if (previous) {
        previous.count += 1;
        previous.at = this.now();
        this.recent.remember(key, previous, this.now());
        await this.core.patchNamespacedEvent({
          name: previous.name,
          namespace: EVENT_NAMESPACE,
          body: [
            { op: "replace", path: "/count", value: previous.count },
            { op: "replace", path: "/lastTimestamp", value: time },
          ],
        });
        return;
      }
      const name = `${object.metadata.name}.${this.now().toString(16)}${Math.floor(Math.random() * 0xfff).toString(16)}`;
      await this.core.createNamespacedEvent({
        namespace: EVENT_NAMESPACE,
        body: {
          metadata: { name, namespace: EVENT_NAMESPACE },
          involvedObject: {
            apiVersion: object.apiVersion,
            kind: object.kind,
            name: object.metadata.name,
            uid: object.metadata.uid,
            resourceVersion: object.metadata.resourceVersion,
          },
          type,
          reason,
          message,
          count: 1,
          firstTimestamp: new Date(time),
          lastTimestamp: new Date(time),
          source: { component: this.component },
          reportingComponent: this.component,
        },
      });
      this.recent.remember(key, { name, count: 1, firstTimestamp: time, at: this.now() }, this.now());
    } catch (err) {
      this.logger.warn("cannot record event", { reason, error: err });
    }
  }
}
