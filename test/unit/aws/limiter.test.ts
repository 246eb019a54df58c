/**
 * The process-wide pace of Organizations calls (TokenBucket) and the per-target write lock
 * (KeyedMutex), in-process with vitest's fake timers: the clock the bucket reads and the timers it
 * waits on are the same fake clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { KeyedMutex, TokenBucket } from "../../../src/aws/limiter.js";

/** Takes `count` tokens at once; returns the fake time at which each was granted. */
function takeMany(bucket: TokenBucket, count: number): number[] {
  const granted: number[] = [];
  for (let i = 0; i < count; i++) void bucket.take().then(() => granted.push(Date.now()));
  return granted;
}

describe("TokenBucket", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const cases = [
    {
      reason: "a full burst is served at once",
      rate: 2,
      burst: 3,
      takes: 3,
      grantedAt: [0, 0, 0],
    },
    {
      reason: "past the burst, one token per 1/rate seconds",
      rate: 2,
      burst: 2,
      takes: 5,
      grantedAt: [0, 0, 500, 1000, 1500],
    },
    {
      reason: "a burst of one paces every call after the first",
      rate: 10,
      burst: 1,
      takes: 3,
      grantedAt: [0, 100, 200],
    },
  ];
  it.each(cases)("$reason", async ({ rate, burst, takes, grantedAt }) => {
    const bucket = new TokenBucket(rate, burst, () => Date.now());
    const granted = takeMany(bucket, takes);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(granted).toEqual(grantedAt);
  });

  it("refills while idle, but never beyond the burst", async () => {
    const bucket = new TokenBucket(1, 2, () => Date.now());
    takeMany(bucket, 2);
    await vi.advanceTimersByTimeAsync(60_000);
    const granted = takeMany(bucket, 3);
    await vi.advanceTimersByTimeAsync(10_000);
    // Idle for a minute at 1/s refills two tokens (the burst), not sixty.
    expect(granted).toEqual([60_000, 60_000, 61_000]);
  });

  it("serves callers in the order they asked", async () => {
    const bucket = new TokenBucket(1, 1, () => Date.now());
    const order: string[] = [];
    for (const who of ["a", "b", "c"]) void bucket.take().then(() => order.push(who));
    await vi.advanceTimersByTimeAsync(5_000);
    expect(order).toEqual(["a", "b", "c"]);
  });

  it("a caller waiting for a token is not granted before its time", async () => {
    const bucket = new TokenBucket(1, 1, () => Date.now());
    const granted = takeMany(bucket, 2);
    await vi.advanceTimersByTimeAsync(999);
    expect(granted).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toEqual([0, 1000]);
  });
});

/** A task that records when it starts and ends, and ends when told. */
function gate(log: string[], name: string) {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return {
    run: async () => {
      log.push(`${name} start`);
      await opened;
      log.push(`${name} end`);
      return name;
    },
    open: () => open(),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("KeyedMutex", () => {
  const cases = [
    {
      reason: "two tasks on one key run one after the other",
      keys: ["ou-1", "ou-1"],
      whileFirstRuns: ["0 start"],
    },
    {
      reason: "tasks on different keys run at once",
      keys: ["ou-1", "ou-2"],
      whileFirstRuns: ["0 start", "1 start"],
    },
  ];
  it.each(cases)("$reason", async ({ keys, whileFirstRuns }) => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    const gates = keys.map((_, i) => gate(log, String(i)));
    const results = keys.map((key, i) => mutex.run(key, gates[i]!.run));
    await settle();
    expect(log).toEqual(whileFirstRuns);
    for (const g of gates) g.open();
    expect(await Promise.all(results)).toEqual(["0", "1"]);
  });

  it("a failed task frees the key for the next, and its caller gets the error", async () => {
    const mutex = new KeyedMutex();
    const failed = mutex.run("ou-1", async () => {
      throw new Error("ConcurrentModification");
    });
    const next = mutex.run("ou-1", async () => "attached");
    await expect(failed).rejects.toThrow("ConcurrentModification");
    expect(await next).toBe("attached");
  });

  it("three waiters on one key run in the order they came, whatever each takes", async () => {
    const mutex = new KeyedMutex();
    const order: number[] = [];
    // The first takes longest: run at once, they would finish in the reverse order.
    await Promise.all(
      [1, 2, 3].map((n) =>
        mutex.run("r-1", async () => {
          for (let i = n; i < 4; i++) await settle();
          order.push(n);
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
  });
});
