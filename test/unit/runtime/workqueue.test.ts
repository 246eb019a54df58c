import { describe, expect, it, vi } from "vitest";
import { BackoffRateLimiter, WorkQueue } from "../../../src/runtime/workqueue.js";

describe("WorkQueue", () => {
  it("dedupes a key added twice before it is processed", async () => {
    const q = new WorkQueue();
    q.add("a", "spec");
    q.add("a", "spec");
    q.add("b", "spec");
    expect(q.length).toBe(2);
    expect((await q.get())?.key).toBe("a");
    expect((await q.get())?.key).toBe("b");
  });

  it("never hands a key to two workers: a re-add while processing runs after done()", async () => {
    const q = new WorkQueue();
    q.add("a", "spec");
    const first = await q.get();
    q.add("a", "spec"); // while "a" is processing
    expect(q.length).toBe(0);
    let second: string | undefined;
    void q.get().then((item) => {
      second = item?.key;
    });
    await Promise.resolve();
    expect(second).toBeUndefined();
    q.done(first!.key);
    await Promise.resolve();
    expect(second).toBe("a");
  });

  it("coalesces several re-adds during processing into one", async () => {
    const q = new WorkQueue();
    q.add("a", "spec");
    const key = await q.get();
    q.add("a", "spec");
    q.add("a", "spec");
    q.done(key!.key);
    expect(q.length).toBe(1);
  });

  it("addAfter delays, and an earlier pending delayed add wins", async () => {
    vi.useFakeTimers();
    try {
      const q = new WorkQueue();
      q.addAfter("a", 1000, "poll");
      q.addAfter("a", 5000, "poll");
      vi.advanceTimersByTime(999);
      expect(q.length).toBe(0);
      vi.advanceTimersByTime(1);
      expect(q.length).toBe(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shutdown hands waiting workers undefined and waits for in-flight keys", async () => {
    const q = new WorkQueue();
    q.add("a", "spec");
    const key = await q.get();
    const waiting = q.get();
    let drained = false;
    const shutdown = q.shutdown(5000).then(() => {
      drained = true;
    });
    expect(await waiting).toBeUndefined();
    await Promise.resolve();
    expect(drained).toBe(false);
    q.done(key!.key);
    await shutdown;
    expect(drained).toBe(true);
    q.add("b", "spec");
    expect(q.length).toBe(0);
  });

  it("hands a worker every reason the key was queued for since it last ran, once", async () => {
    vi.useFakeTimers();
    try {
      const q = new WorkQueue();
      q.add("a", "spec");
      q.add("a", "owned");
      q.add("a", "spec");
      const first = await q.get();
      expect(first?.triggers).toEqual(["spec", "owned"]);
      q.add("a", "event"); // while processing: runs again after, with this reason only
      q.addAfter("a", 1000, "poll");
      q.done("a");
      expect((await q.get())?.triggers).toEqual(["event"]);
      q.done("a");
      vi.advanceTimersByTime(1000);
      expect((await q.get())?.triggers).toEqual(["poll"]);
      q.done("a");
      q.addRateLimited("a");
      vi.advanceTimersByTime(1100);
      expect((await q.get())?.triggers).toEqual(["retry"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("shutdown gives up on in-flight keys after the deadline", async () => {
    const q = new WorkQueue();
    q.add("a", "spec");
    await q.get();
    const started = Date.now();
    await q.shutdown(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  });
});

describe("BackoffRateLimiter", () => {
  const cases = [
    { reason: "first failure waits the base delay", failures: 1, expected: 1000 },
    { reason: "doubles per failure", failures: 4, expected: 8000 },
    { reason: "capped at the maximum", failures: 20, expected: 300_000 },
  ];
  it.each(cases)("$reason", ({ failures, expected }) => {
    const limiter = new BackoffRateLimiter(1000, 300_000, 0);
    let delay = 0;
    for (let i = 0; i < failures; i++) delay = limiter.when("k");
    expect(delay).toBe(expected);
  });

  it("adds up to 10% jitter and never exceeds the cap", () => {
    const limiter = new BackoffRateLimiter(1000, 300_000, 0.1, () => 1);
    expect(limiter.when("k")).toBe(1100);
    for (let i = 0; i < 30; i++) limiter.when("k");
    expect(limiter.when("k")).toBe(300_000);
  });

  it("forget starts over", () => {
    const limiter = new BackoffRateLimiter(1000, 300_000, 0);
    limiter.when("k");
    limiter.when("k");
    limiter.forget("k");
    expect(limiter.when("k")).toBe(1000);
  });
});
