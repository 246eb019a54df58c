import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Informer, type ListWatchClient } from "../../../src/runtime/informer.js";
import type { KubeObject } from "../../../src/runtime/kube-object.js";
import { silentLogger } from "../../../src/runtime/logger.js";
import type { WatchEventType } from "../../../src/runtime/resource-client.js";

const object = (name: string, resourceVersion: string): KubeObject => ({
  apiVersion: "test/v1",
  kind: "Thing",
  metadata: { name, resourceVersion },
  spec: {},
});

type OnEvent = (type: WatchEventType, object: KubeObject) => void;
type OnDone = (err: unknown) => void;
/** What one watch call does: answer events or end, as the apiserver would. */
type WatchBehaviour = (onEvent: OnEvent, onDone: OnDone) => void;

/** Ends the watch with an ERROR event carrying `code`, as the apiserver does after a restart (410). */
const errorEvent =
  (code: number): WatchBehaviour =>
  (onEvent) => {
    // A metav1.Status, as the watch stream carries it in place of an object.
    const status = {
      apiVersion: "v1",
      kind: "Status",
      metadata: { name: "" },
      spec: undefined,
      code,
      message: `status ${code}`,
    };
    onEvent("ERROR", status);
  };
/** Drops the connection. */
const drop: WatchBehaviour = (_e, onDone) => onDone(new Error("socket hang up"));
/** Stays open for ever (a healthy watch). */
const stayOpen: WatchBehaviour = () => undefined;

/**
 * A list/watch client that plays a script. Like client-node, aborting a watch reports an
 * AbortError to its done callback: the informer must not let it hide the first failure.
 */
class ScriptedClient implements ListWatchClient<KubeObject> {
  readonly watchedFrom: string[] = [];
  lists = 0;

  constructor(
    private readonly behaviours: Array<WatchBehaviour | "reject-410">,
    private readonly listVersion = (n: number) => String(n * 100),
  ) {}

  async list() {
    this.lists += 1;
    return {
      items: [object("a", this.listVersion(this.lists))],
      resourceVersion: this.listVersion(this.lists),
    };
  }

  async watch(resourceVersion: string, onEvent: OnEvent, onDone: OnDone): Promise<AbortController> {
    this.watchedFrom.push(resourceVersion);
    const behaviour = this.behaviours.shift() ?? stayOpen;
    if (behaviour === "reject-410") throw Object.assign(new Error("Gone"), { code: 410 });
    const controller = new AbortController();
    controller.signal.addEventListener("abort", () =>
      onDone(Object.assign(new Error("aborted"), { name: "AbortError" })),
    );
    // Events arrive later, from the network (after the caller holds the watch).
    setTimeout(() => behaviour(onEvent, onDone), 1);
    return controller;
  }
}

describe("Informer", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const cases = [
    {
      reason:
        "an ERROR event 410 (a restarted apiserver) re-lists, though aborting the watch then reports an AbortError",
      behaviours: [errorEvent(410)],
      lists: 2,
      watchedFrom: ["100", "200"],
    },
    {
      reason: "a watch refused at once with 410 re-lists",
      behaviours: ["reject-410" as const],
      lists: 2,
      watchedFrom: ["100", "200"],
    },
    {
      reason: "any other ERROR event cannot be resumed from either: re-list",
      behaviours: [errorEvent(500)],
      lists: 2,
      watchedFrom: ["100", "200"],
    },
    {
      reason: "a dropped connection resumes from the last resourceVersion, without a list",
      behaviours: [drop],
      lists: 1,
      watchedFrom: ["100", "100"],
    },
    {
      reason: "three failures in a row re-list rather than resume again",
      behaviours: [drop, drop, drop],
      lists: 2,
      watchedFrom: ["100", "100", "100", "200"],
    },
  ];
  it.each(cases)("$reason", async ({ behaviours, lists, watchedFrom }) => {
    const client = new ScriptedClient([...behaviours]);
    const informer = new Informer(client, silentLogger);
    void informer.start();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(client.lists).toBe(lists);
    expect(client.watchedFrom).toEqual(watchedFrom);
    await informer.stop();
  });

  it("backs off between failed attempts, doubling up to the maximum", async () => {
    const client = new ScriptedClient(Array.from({ length: 8 }, () => errorEvent(410)));
    const informer = new Informer(client, silentLogger, { minBackoffMs: 100, maxBackoffMs: 400 });
    void informer.start();
    // Attempts at 0, +100, +200, +400, +400 ms: a 410 loop cannot spin.
    const watchesAt = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      return client.watchedFrom.length;
    };
    expect(await watchesAt(50)).toBe(1);
    expect(await watchesAt(100)).toBe(2);
    expect(await watchesAt(200)).toBe(3);
    expect(await watchesAt(400)).toBe(4);
    expect(await watchesAt(400)).toBe(5);
    await informer.stop();
  });
});

describe("Informer cache", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const managed = (name: string, resourceVersion: string): KubeObject => ({
    ...object(name, resourceVersion),
    metadata: {
      name,
      resourceVersion,
      managedFields: [{ manager: "kubectl", operation: "Apply", fieldsV1: { "f:spec": {} } }],
    },
  });

  it("keeps objects without managedFields, from the list and from the watch alike", async () => {
    class ManagedFieldsClient extends ScriptedClient {
      override async list() {
        return { items: [managed("listed", "100")], resourceVersion: "100" };
      }
    }
    const client = new ManagedFieldsClient([(onEvent) => onEvent("ADDED", managed("watched", "101"))]);
    const added: KubeObject[] = [];
    const informer = new Informer(client, silentLogger);
    informer.addHandler({ onAdd: (o) => added.push(o), onUpdate: () => {}, onDelete: () => {} });
    void informer.start();
    await vi.advanceTimersByTimeAsync(100);
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(["listed", "watched"]);
    for (const o of [...informer.list(), ...added]) expect(o.metadata).not.toHaveProperty("managedFields");
    await informer.stop();
  });
});

describe("Informer handlers", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("tells every handler about every change, and replays the cache to a handler added late", async () => {
    const client = new ScriptedClient([(onEvent) => onEvent("ADDED", object("watched", "101"))]);
    const informer = new Informer(client, silentLogger);
    const early: string[] = [];
    informer.addHandler({
      onAdd: (o) => early.push(`add ${o.metadata.name}`),
      onUpdate: () => {},
      onDelete: () => {},
    });
    void informer.start();
    await vi.advanceTimersByTimeAsync(100);
    const late: string[] = [];
    informer.addHandler({
      onAdd: (o) => late.push(`add ${o.metadata.name}`),
      onUpdate: () => {},
      onDelete: () => {},
    });
    expect(early.sort()).toEqual(late.sort());
    expect(late).toContain("add watched");
    await informer.stop();
  });
});
