/**
 * List + watch + cache for one resource. Keeps the resourceVersion of the last event, re-lists on
 * 410 Gone, reconnects with backoff (also on 429 while a new CRD's watch cache initializes), and
 * tells its handler about changes. The controller turns those into keys.
 */
import { kubeStatusCode } from "./errors.js";
import type { KubeObject } from "./kube-object.js";
import type { Logger } from "./logger.js";
import type { ResourceClient, WatchEventType } from "./resource-client.js";

export interface InformerHandler<T> {
  onAdd(object: T): void;
  onUpdate(previous: T, object: T): void;
  onDelete(object: T): void;
}

export interface InformerOptions {
  labelSelector?: string;
  /** First reconnect delay; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** Thrown inside the watch loop when the server says our resourceVersion is too old. */
class Gone extends Error {}

export class Informer<T extends KubeObject> {
  private readonly cache = new Map<string, T>();
  private resourceVersion = "";
  private synced = false;
  private stopped = false;
  private currentWatch: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly client: ResourceClient<T>,
    private readonly handler: InformerHandler<T>,
    private readonly logger: Logger,
    private readonly options: InformerOptions = {},
  ) {}

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
    while (!this.stopped) {
      try {
        if (this.resourceVersion === "") {
          await this.relist();
          onSynced();
        }
        await this.watchUntilClosed();
        backoff = min;
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof Gone || kubeStatusCode(err) === 410) {
          this.logger.info("watch resourceVersion expired: re-listing", {
            resourceVersion: this.resourceVersion,
          });
          this.resourceVersion = "";
          continue;
        }
        this.logger.warn("list/watch failed: retrying", {
          error: err,
          retryInMs: backoff,
          status: kubeStatusCode(err),
        });
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          setTimeout(resolve, backoff);
        });
        backoff = Math.min(backoff * 2, max);
      }
    }
  }

  /** Lists everything and reconciles the cache with it, emitting adds, updates and deletes. */
  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.client.list(this.options.labelSelector);
    const seen = new Set<string>();
    for (const item of items) {
      const name = item.metadata.name;
      seen.add(name);
      const previous = this.cache.get(name);
      this.cache.set(name, item);
      if (!previous) this.handler.onAdd(item);
      else if (previous.metadata.resourceVersion !== item.metadata.resourceVersion)
        this.handler.onUpdate(previous, item);
    }
    for (const [name, object] of this.cache) {
      if (!seen.has(name)) {
        this.cache.delete(name);
        this.handler.onDelete(object);
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
    this.currentWatch = await this.client.watch(
      this.resourceVersion,
      (type, object) => {
        try {
          this.apply(type, object);
        } catch (err) {
          failure = err;
          this.currentWatch?.abort();
          closed();
        }
      },
      (err) => {
        if (err && !this.stopped) failure = err;
        closed();
      },
      this.options.labelSelector,
    );
    if (this.stopped) this.currentWatch.abort();
    await ended;
    if (failure !== undefined) throw failure;
  }

  private apply(type: WatchEventType, object: T): void {
    if (type === "ERROR") {
      const status = object as unknown as { code?: number; message?: string };
      if (status.code === 410) throw new Gone(status.message ?? "resourceVersion too old");
      throw new Error(`watch error: ${status.message ?? JSON.stringify(status)}`);
    }
    const rv = object.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === "BOOKMARK") return;
    const name = object.metadata.name;
    const previous = this.cache.get(name);
    if (type === "DELETED") {
      this.cache.delete(name);
      this.handler.onDelete(object);
    } else {
      this.cache.set(name, object);
      if (previous) this.handler.onUpdate(previous, object);
      else this.handler.onAdd(object);
    }
  }
}
