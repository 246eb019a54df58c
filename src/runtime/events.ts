/**
 * Kubernetes Events for transitions (created, updated, drift repaired, deleted, failed). Repeats of
 * the same event for the same object within the dedupe window increase the count of the existing
 * Event instead of creating a new one, as client-go's recorder does.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { KubeObject } from "./kube-object.js";
import type { Logger } from "./logger.js";

export type EventType = "Normal" | "Warning";

export interface EventRecorder {
  /** Records an event about `object`; never throws (a lost event must not fail a reconcile). */
  record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void>;
}

interface Recorded {
  name: string;
  count: number;
  firstTimestamp: string;
  at: number;
}

/** Events of cluster-scoped objects live in the default namespace, as the apiserver expects. */
const EVENT_NAMESPACE = "default";
const DEDUPE_WINDOW_MS = 10 * 60_000;

export class KubeEventRecorder implements EventRecorder {
  private readonly core: CoreV1Api;
  private readonly recent = new Map<string, Recorded>();

  constructor(
    kc: KubeConfig,
    private readonly component: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async record(object: KubeObject, type: EventType, reason: string, message: string): Promise<void> {
    const key = `${object.metadata.uid}/${type}/${reason}/${message}`;
    const time = new Date(this.now()).toISOString();
    const previous = this.recent.get(key);
    try {
      if (previous && this.now() - previous.at < DEDUPE_WINDOW_MS) {
        previous.count += 1;
        previous.at = this.now();
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
      this.recent.set(key, { name, count: 1, firstTimestamp: time, at: this.now() });
      this.forgetOld();
    } catch (err) {
      this.logger.warn("cannot record event", { reason, error: err });
    }
  }

  private forgetOld(): void {
    if (this.recent.size < 1000) return;
    for (const [key, r] of this.recent) if (this.now() - r.at >= DEDUPE_WINDOW_MS) this.recent.delete(key);
  }
}
