/**
 * API call events mapped to the kinds: which calls change what each kind keeps (derived from the
 * kinds' declared writes, never listed by hand), and which objects one event concerns.
 *
 * An event is a hint, never the truth: it only enqueues objects, and their reconcile reads AWS and
 * converges on what is there now. So a duplicate delivery enqueues a key already queued (the work
 * queue keeps one), and events out of order cannot undo each other: whichever comes last, the
 * reconcile it triggers sees AWS's latest state.
 */
import {
  type ApiCallEvent,
  type ApiCallName,
  apiCallKey,
  apiCallOf,
  isOwnCall,
  parseApiCallEvent,
} from "../aws/api-call-events.js";
import type { MessageOutcome } from "../aws/events-queue.js";
import type { WatchSource } from "../runtime/controller.js";
import type { ManagedObject } from "../runtime/managed.js";
import { KINDS } from "./index.js";
import { type IamStatement, iamActionOf, type Kind } from "./kind-definition.js";

/** The API calls that change what `kind` keeps: its writes, and the calls it names besides. */
export function changedBy(kind: Kind): ApiCallName[] {
  if (!kind.events) return [];
  const calls = [
    ...kind.operations
      .filter((op) => op.access === "write" && !op.rootSession)
      .map((op) => apiCallOf(iamActionOf(op), op.cloudTrailName)),
    ...(kind.events.alsoChangedBy ?? []).map((action) => apiCallOf(action)),
  ];
  return [...new Map(calls.map((c) => [apiCallKey(c), c])).values()];
}

/** Every API call some kind listens for (the EventBridge rule's pattern in docs/events). */
export const EVENT_CALLS: readonly ApiCallName[] = [
  ...new Map(KINDS.flatMap(changedBy).map((c) => [apiCallKey(c), c])).values(),
].sort((a, b) => apiCallKey(a).localeCompare(apiCallKey(b)));

/** The controller's own IAM to read the events queue (named orgguard-events* by the template). */
export const EVENTS_QUEUE_IAM: IamStatement = {
  sid: "ReadTheEventsQueue",
  actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
  resources: ["arn:aws:sqs:*:*:orgguard-events*"],
};

/** What the router needs of one kind's controller: its cached objects and its work queue. */
export interface KindQueue {
  objects(): ManagedObject[];
  enqueue(name: string): void;
}

/** One object an event enqueued. */
export interface Enqueued {
  kind: string;
  name: string;
}

/**
 * Routes API call events to the objects they concern, across the managed kinds: a watch source
 * of the runtime (each managed kind's controller connects to it), fed by the events queue.
 */
export class EventRouter implements WatchSource {
  private readonly listeners = new Map<string, Kind[]>();
  private readonly queues = new Map<string, KindQueue>();

  constructor(private readonly kinds: readonly Kind[] = KINDS) {}

  /** A kind's controller connects: events about its objects enqueue them there. */
  connect(kindName: string, target: KindQueue): void {
    const kind = this.kinds.find((k) => k.api.kind === kindName);
    if (!kind?.events || this.queues.has(kindName)) return;
    this.queues.set(kindName, target);
    for (const call of changedBy(kind)) {
      const key = apiCallKey(call);
      this.listeners.set(key, [...(this.listeners.get(key) ?? []), kind]);
    }
  }

  /**
   * Handles one queue message: what cannot be read is malformed; a failed call changed nothing;
   * orgguard's own call needs no second look (its reconcile already verifies what it wrote);
   * otherwise every object the event concerns is enqueued at once.
   */
  handle(body: string, onEnqueued?: (enqueued: Enqueued[], event: ApiCallEvent) => void): MessageOutcome {
    const event = parseApiCallEvent(body);
    if ("malformed" in event) return "malformed";
    if (event.errorCode) return "failed_call";
    if (isOwnCall(event)) return "own_write";
    const enqueued = this.route(event);
    if (enqueued.length === 0) return "unmatched";
    onEnqueued?.(enqueued, event);
    return "enqueued";
  }

  /** Enqueues the objects `event` concerns; returns them. */
  route(event: ApiCallEvent): Enqueued[] {
    const enqueued: Enqueued[] = [];
    for (const kind of this.listeners.get(apiCallKey(event)) ?? []) {
      const queue = this.queues.get(kind.api.kind);
      if (!queue) continue;
      for (const object of queue.objects()) {
        if (!kind.events?.concerns(event, object)) continue;
        queue.enqueue(object.metadata.name);
        enqueued.push({ kind: kind.api.kind, name: object.metadata.name });
      }
    }
    return enqueued;
  }
}
