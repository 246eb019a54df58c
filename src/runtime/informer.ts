/**
 * List + watch + cache for one resource. Keeps the resourceVersion of the last event and resumes
 * watching from it; re-lists when the watch cannot be resumed (410 Gone, which a restarted
 * kube-apiserver answers to any resourceVersion older than its new watch cache; any ERROR event;
 * or several failures in a row); waits with exponential backoff between failed attempts (also on
 * 429 while a new CRD's watch cache initializes), and tells its handlers about changes. One
 * informer per resource is shared by everything that reads it (shared-informers.ts): the kind's own
 * controller, a composite that owns or watches its objects, claim indexes; each turns changes into
 * keys of its own.
 */

import type { KubeObject } from "./kube-object.js";
import type { Logger } from "./logger.js";
import { kubeStatusCode } from "./reconcile-errors.js";
import type { ResourceClient, WatchEventType } from "./resource-client.js";

export interface InformerHandler<T> {
  onAdd(object: T): void;
  onUpdate(previous: T, object: T): void;
  onDelete(object: T): void;
}

/** What an informer needs of a client: list and watch (ResourceClient has both). */
export type ListWatchClient<T extends KubeObject> = Pick<ResourceClient<T>, "list" | "watch">;

export interface InformerOptions {
  labelSelector?: string;
  /** First reconnect delay; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** An ERROR event on the watch stream (a metav1.Status): the watch cannot go on from here. */
class WatchError extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** After this many failed attempts in a row, re-list instead of resuming from our resourceVersion. */
const RELIST_AFTER_FAILURES = 3;

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private readonly handlers: InformerHandler<T>[] = [];
  private resourceVersion = "";
  private synced = false;
  private stopped = false;
  private currentWatch: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: ListWatchClient<T>,
    private readonly logger: Logger,
    private readonly options: InformerOptions = {},
  ) {}

  /**
   * Tells `handler` about every change from now on; what the cache already holds is replayed to it
   * as adds first, so a handler added late misses nothing.
   */
  addHandler(handler: InformerHandler<T>): void {
    this.handlers.push(handler);
    for (const object of this.cache.values()) handler.onAdd(object);
  }

  /** Whether the loop runs (started and not stopped). */
  get started(): boolean {
    return this.loop !== undefined && !this.stopped;
  }

  /** Starts listing and watching; resolves after the first successful list (the cache is synced). */
  start(): Promise<void> {
    let resolveSynced: () => void = () => undefined;
    const syncedOnce = new Promise<void>((resolve) => {
      resolveSynced = resolve;
    });
    this.loop = this.run(resolveSynced);
    return Promise.race([syncedOnce, this.loop]);
  }

  /** Stops watching; the cache stays readable. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.currentWatch?.abort();
    this.wakeUp?.();
    await this.loop;
  }

  hasSynced(): boolean {
    return this.synced;
  }

  get(name: string): T | undefined {
    return this.cache.get(name);
  }

  list(): T[] {
    return [...this.cache.values()];
  }

  private async run(onSynced: () => void): Promise<void> {
    const min = this.options.minBackoffMs ?? 500;
    const max = this.options.maxBackoffMs ?? 30_000;
    let backoff = min;
    let failuresInARow = 0;
    while (!this.stopped) {
      try {
        if (this.resourceVersion === "") {
          await this.relist();
          onSynced();
        }
        await this.watchUntilClosed();
        // The server closed a healthy watch (its timeout): resume at once.
        backoff = min;
        failuresInARow = 0;
      } catch (err) {
        if (this.stopped) break;
        failuresInARow += 1;
        const status = err instanceof WatchError ? err.code : kubeStatusCode(err);
        const relist = err instanceof WatchError || status === 410 || failuresInARow >= RELIST_AFTER_FAILURES;
        if (relist) this.resourceVersion = "";
        this.logger[status === 410 ? "info" : "warn"](
          relist ? "watch cannot resume: re-listing" : "list/watch failed: retrying",
          { error: err, status, retryInMs: backoff, failuresInARow },
        );
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  /** Waits `ms`, or less if stop() is called meanwhile. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Lists everything and reconciles the cache with it, emitting adds, updates and deletes. */
  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.client.list(this.options.labelSelector);
    const seen = new Set<string>();
    for (const listed of items) {
      const item = forCache(listed);
      const name = item.metadata.name;
      seen.add(name);
      const previous = this.cache.get(name);
      this.cache.set(name, item);
      if (!previous) this.emit((h) => h.onAdd(item));
      else if (previous.metadata.resourceVersion !== item.metadata.resourceVersion)
        this.emit((h) => h.onUpdate(previous, item));
    }
    for (const [name, object] of this.cache) {
      if (!seen.has(name)) {
        this.cache.delete(name);
        this.emit((h) => h.onDelete(object));
      }
    }
    this.resourceVersion = resourceVersion;
    this.synced = true;
  }

  /** Watches from the current resourceVersion until the server closes the watch or it fails. */
  private async watchUntilClosed(): Promise<void> {
    let failure: unknown;
    let closed: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      closed = resolve;
    });
    // The first failure is the one that counts: aborting the watch after an ERROR event makes the
    // client report an AbortError too, which must not hide why we stopped (a 410 means re-list).
    this.currentWatch = await this.client.watch(
      this.resourceVersion,
      (type, object) => {
        try {
          this.apply(type, object);
        } catch (err) {
          failure ??= err;
          this.currentWatch?.abort();
          closed();
        }
      },
      (err) => {
        if (err && !this.stopped) failure ??= err;
        closed();
      },
      this.options.labelSelector,
    );
    if (this.stopped) this.currentWatch.abort();
    await ended;
    if (failure !== undefined) throw failure;
  }

  private apply(type: WatchEventType, event: T): void {
    if (type === "ERROR") throw watchError(event);
    const object = forCache(event);
    const rv = object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === "BOOKMARK") return;
    const name = object.metadata.name;
    const previous = this.cache.get(name);
    if (type === "DELETED") {
      this.cache.delete(name);
      this.emit((h) => h.onDelete(object));
    } else {
      this.cache.set(name, object);
      if (previous) this.emit((h) => h.onUpdate(previous, object));
      else this.emit((h) => h.onAdd(object));
    }
  }

  private emit(call: (handler: InformerHandler<T>) => void): void {
    for (const handler of this.handlers) call(handler);
  }
}

/**
 * An object as the cache keeps it: without metadata.managedFields, which no reconcile reads and
 * which is often the largest part of an object (one entry per field manager, every field listed).
 * A status write (PUT) without it keeps the server's: the apiserver preserves managedFields a
 * request leaves out.
 */
function forCache<T extends KubeObject>(object: T): T {
  if (object.metadata?.managedFields === undefined) return object;
  const metadata = { ...object.metadata };
  delete metadata.managedFields;
  return { ...object, metadata };
}

/** The metav1.Status an ERROR event carries, as a WatchError. */
function watchError(event: unknown): WatchError {
  const status = (typeof event === "object" && event !== null ? event : {}) as {
    code?: unknown;
    message?: unknown;
  };
  const code = typeof status.code === "number" ? status.code : undefined;
  const message = typeof status.message === "string" ? status.message : JSON.stringify(event);
  return new WatchError(code, `watch error${code ? ` ${code}` : ""}: ${message}`);
}
