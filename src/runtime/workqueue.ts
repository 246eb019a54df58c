/**
 * A work queue of keys, modelled on client-go's: level-triggered (it holds keys, not events), a
 * key is never handed to two workers at once, a re-add while a key is processed is coalesced and
 * runs after, delayed adds, and per-key exponential backoff with jitter. Every add says why the
 * key was queued (its trigger); a worker receives every trigger that coalesced into one turn, for
 * the logs and the metrics.
 */

/**
 * Why a key was queued:
 * - `spec`: the object was created, deleted, or its spec, labels, annotations or deletion changed;
 * - `owned`: an object it owns (a composite's child) changed;
 * - `watch`: another object it watches changed (one that may free or take what it wants);
 * - `rival`: an object that claims the same external thing came, changed its claim or went;
 * - `event`: an AWS API call event said the external thing may have changed;
 * - `poll`: the periodic comparison with the provider (drift repair);
 * - `verify`: a look soon after a write, or while the provider is still applying one;
 * - `retry`: a failed reconcile, after its backoff;
 * - `conflict`: a status write lost a race, retried with the newer object.
 */
export type Trigger =
  | "spec"
  | "owned"
  | "watch"
  | "rival"
  | "event"
  | "poll"
  | "verify"
  | "retry"
  | "conflict";

/** A key handed to a worker, with every reason it was queued since it last ran. */
export interface QueueItem {
  key: string;
  triggers: Trigger[];
}

/** Per-key exponential backoff: base * 2^failures, capped, with up to `jitter` added at random. */
export class BackoffRateLimiter {
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly baseMs = 1000,
    private readonly maxMs = 5 * 60_000,
    private readonly jitter = 0.1,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt of `key`, counting this failure. */
  when(key: string): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    const delay = Math.min(this.baseMs * 2 ** n, this.maxMs);
    return Math.min(delay * (1 + this.jitter * this.random()), this.maxMs);
  }

  /** How many failures in a row `key` has had. */
  retries(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** Forgets `key`'s failures (after a success, or when the object is gone). */
  forget(key: string): void {
    this.failures.delete(key);
  }
}

/** What the queue reports for metrics. */
export interface QueueObserver {
  depth?(depth: number): void;
  /** Time a key waited between being added and being handed to a worker. */
  waited?(ms: number): void;
}

/** A deduplicating, delaying, rate-limited queue of string keys. */
export class WorkQueue {
  private readonly queue: string[] = [];
  /** Keys waiting to be processed (in `queue`, or re-added while processing), with why. */
  private readonly dirty = new Map<string, Set<Trigger>>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly timers = new Map<string, { at: number; trigger: Trigger; timer: NodeJS.Timeout }>();
  private readonly waiters: Array<(item: QueueItem | undefined) => void> = [];
  private shuttingDown = false;
  private drained: (() => void) | undefined;

  constructor(
    readonly rateLimiter = new BackoffRateLimiter(),
    private readonly observer: QueueObserver = {},
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Adds `key` for `trigger` unless it is already waiting (the trigger is then added to its
   * reasons); if it is being processed, it runs again afterwards.
   */
  add(key: string, trigger: Trigger): void {
    if (this.shuttingDown) return;
    const waiting = this.dirty.get(key);
    if (waiting) {
      waiting.add(trigger);
      return;
    }
    this.dirty.set(key, new Set([trigger]));
    this.addedAt.set(key, this.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending delayed add of the same key wins. */
  addAfter(key: string, delayMs: number, trigger: Trigger): void {
    if (this.shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key, trigger);
      return;
    }
    const at = this.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key, trigger);
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, { at, trigger, timer });
  }

  /** Adds `key` after its backoff delay (trigger `retry`); returns the delay. */
  addRateLimited(key: string): number {
    const delay = this.rateLimiter.when(key);
    this.addAfter(key, delay, "retry");
    return delay;
  }

  /** Forgets `key`'s backoff. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  /**
   * The next key to process, with why it was queued; undefined once the queue is shut down. Call
   * `done` after processing.
   */
  get(): Promise<QueueItem | undefined> {
    const key = this.queue.shift();
    if (key !== undefined) return Promise.resolve(this.start(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks `key` processed; if it was re-added meanwhile, it is queued again. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
    this.observer.depth?.(this.queue.length);
    if (this.shuttingDown && this.processing.size === 0) this.drained?.();
  }

  get length(): number {
    return this.queue.length;
  }

  /** Whether `key` is being processed now. */
  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  /**
   * Stops handing out keys (workers waiting in get() receive undefined), cancels delayed adds,
   * and resolves once in-flight keys are done or `deadlineMs` has passed.
   */
  async shutdown(deadlineMs = 30_000): Promise<void> {
    this.shuttingDown = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    if (this.processing.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadlineMs);
      this.drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(this.start(key));
    else this.queue.push(key);
    this.observer.depth?.(this.queue.length);
  }

  private start(key: string): QueueItem {
    const triggers = [...(this.dirty.get(key) ?? [])];
    this.dirty.delete(key);
    this.processing.add(key);
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.observer.waited?.(this.now() - added);
    return { key, triggers };
  }
}
