/**
 * The pace of one SDK client (AdaptivePace: the AWS SDK's adaptive rate limiter under an optional
 * ceiling, counting throttling answers), in-process with vitest's fake timers: the clock the
 * limiter reads (Date.now) and the timers it waits on are the same fake clock. What the SDK does
 * around it (asking for a token before each attempt, reporting each attempt's outcome) is played
 * here by hand; test/integration/aws-pacing.test.ts runs it inside real SDK clients against moto.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TokenBucket } from "../../../src/aws/limiter.js";
import { AdaptivePace, isThrottlingAnswer, MAX_PACED_TARGETS } from "../../../src/aws/pacing.js";

/** What the SDK reports to the limiter after an attempt: a success, or a retry's error info. */
const SUCCESS = {};
const THROTTLED = { errorType: "THROTTLING" };
const TRANSIENT = { errorType: "TRANSIENT" };

const START = 1_000_000;
const elapsed = () => Date.now() - START;

/** Asks for `count` tokens at once; returns the times (ms since START) they were granted, as granted. */
function sendAtOnce(pace: AdaptivePace, count: number): number[] {
  const granted: number[] = [];
  for (let i = 0; i < count; i++)
    void pace.getSendToken().then(() => {
      granted.push(elapsed());
      pace.updateClientSendingRate(SUCCESS);
    });
  return granted;
}

/**
 * A client sending `perSecond` requests each second for `seconds`, every answer a success (the
 * limiter measures the rate it was sending at); returns when the last answer is in.
 */
async function sendSteadily(pace: AdaptivePace, perSecond: number, seconds: number): Promise<void> {
  for (let i = 0; i < perSecond * seconds; i++) {
    await pace.getSendToken();
    pace.updateClientSendingRate(SUCCESS);
    await vi.advanceTimersByTimeAsync(1000 / perSecond);
  }
}

/** How many of `granted` fell in each whole second after `from` (ms). */
const perSecondFrom = (granted: number[], from: number, seconds: number): number[] =>
  Array.from(
    { length: seconds },
    (_, s) => granted.filter((t) => t >= from + s * 1000 && t < from + (s + 1) * 1000).length,
  );

describe("AdaptivePace", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("starts fast: before any throttling answer, no send waits", async () => {
    const pace = new AdaptivePace();
    const granted = sendAtOnce(pace, 200);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toHaveLength(200);
    expect(Math.max(...granted)).toBe(0);
  });

  it("a throttling answer paces the next sends below the rate it was sending at", async () => {
    const pace = new AdaptivePace();
    await sendSteadily(pace, 40, 3);
    pace.updateClientSendingRate(THROTTLED);
    const from = elapsed();
    const granted = sendAtOnce(pace, 100);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(granted).toHaveLength(100);
    // 70 % of the 40/s it measured: a second's worth at once, then about 28 a second.
    const [first, second] = perSecondFrom(granted, from, 2);
    expect(first).toBeLessThan(2 * 40 * 0.7);
    expect(first).toBeGreaterThan(40 * 0.7 * 0.9);
    expect(second).toBeLessThan(40);
    expect(Math.max(...granted) - from).toBeGreaterThan(1500);
  });

  it("throttling answers that keep coming cut the pace each time, down to one send every two seconds", async () => {
    const pace = new AdaptivePace();
    await sendSteadily(pace, 40, 2);
    for (let i = 0; i < 30; i++) pace.updateClientSendingRate(THROTTLED);
    const from = elapsed();
    const granted = sendAtOnce(pace, 4);
    await vi.advanceTimersByTimeAsync(60_000);
    // The SDK's floor is 0.5 sends a second (one token of capacity).
    expect(granted).toHaveLength(4);
    expect(granted.at(-1)! - from).toBeGreaterThanOrEqual(3 * 2000 * 0.5);
  });

  it("successes after a throttling answer bring the pace back, and beyond, as a cubic curve", async () => {
    const pace = new AdaptivePace();
    await sendSteadily(pace, 40, 3);
    pace.updateClientSendingRate(THROTTLED);
    const from = elapsed();
    // Four workers, each sending as soon as it may (an answer takes 10 ms), for 12 seconds: what
    // they get each second is the pace the limiter allows.
    const granted: number[] = [];
    const worker = async () => {
      while (elapsed() - from < 12_000) {
        await pace.getSendToken();
        granted.push(elapsed());
        await new Promise((resolve) => setTimeout(resolve, 10));
        pace.updateClientSendingRate(SUCCESS);
      }
    };
    const workers = Promise.all([worker(), worker(), worker(), worker()]);
    await vi.advanceTimersByTimeAsync(13_000);
    await workers;
    const seconds = perSecondFrom(granted, from, 12);
    // First held at about the rate AWS throttled (after a first second that spends the bucket's
    // capacity), then probing for more, faster and faster, until the next throttling answer.
    for (const n of seconds.slice(1, 4)) expect(n).toBeLessThanOrEqual(40);
    for (let s = 5; s < 12; s++) expect(seconds[s]).toBeGreaterThan(seconds[s - 1]!);
    expect(seconds[11]).toBeGreaterThan(2 * 40);
  });

  it("the operator's ceiling bounds the pace even before any throttling answer", async () => {
    const pace = new AdaptivePace({ ceiling: new TokenBucket(10, 5, () => Date.now()) });
    const granted = sendAtOnce(pace, 35);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(granted).toHaveLength(35);
    // A burst of 5, then one every 100 ms.
    expect(granted.filter((t) => t === 0)).toHaveLength(5);
    expect(Math.max(...granted)).toBe(3000);
  });

  it("the ceiling and the adaptive pace both hold: the slower one sets the pace", async () => {
    const pace = new AdaptivePace({ ceiling: new TokenBucket(100, 100, () => Date.now()) });
    await sendSteadily(pace, 40, 3);
    for (let i = 0; i < 30; i++) pace.updateClientSendingRate(THROTTLED);
    const from = elapsed();
    const granted = sendAtOnce(pace, 3);
    await vi.advanceTimersByTimeAsync(60_000);
    // The ceiling would allow all three at once; the throttled pace does not.
    expect(granted.at(-1)! - from).toBeGreaterThanOrEqual(2000);
  });
});

describe("AdaptivePace shared by targets (member accounts on one client)", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: START });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A pace shared by targets, and a way to act as one of them (undefined: outside any). */
  function sharedPace() {
    let current: string | undefined;
    const pace = new AdaptivePace({ targetOf: () => current });
    /** Asks for `count` tokens at once as `target`; the times (ms since START) they were granted. */
    const ask = (target: string | undefined, count: number): number[] => {
      const granted: number[] = [];
      current = target;
      for (let i = 0; i < count; i++) void pace.getSendToken().then(() => granted.push(elapsed()));
      return granted;
    };
    const report = (target: string | undefined, info: object) => {
      current = target;
      pace.updateClientSendingRate(info);
    };
    return { ask, report };
  }

  const cases = [
    {
      reason: "a throttled account is paced; another account on the same client is not",
      throttled: "iam|111111111111",
      other: "iam|222222222222",
    },
    {
      reason: "a call outside any target keeps the client's own pace, apart from the targets'",
      throttled: undefined,
      other: "iam|111111111111",
    },
    {
      reason: "a throttled target does not slow a call outside any target",
      throttled: "iam|111111111111",
      other: undefined,
    },
  ];
  it.each(cases)("$reason", async ({ throttled, other }) => {
    const { ask, report } = sharedPace();
    report(throttled, THROTTLED);
    const from = elapsed();
    const slowed = ask(throttled, 3);
    const free = ask(other, 50);
    await vi.advanceTimersByTimeAsync(0);
    expect(free).toEqual(Array.from({ length: 50 }, () => from));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(slowed).toHaveLength(3);
    expect(slowed.at(-1)! - from).toBeGreaterThanOrEqual(1000);
  });

  it(`keeps at most ${MAX_PACED_TARGETS} throttled targets: the longest ago throttled is forgotten (unpaced)`, async () => {
    const { ask, report } = sharedPace();
    for (let i = 0; i <= MAX_PACED_TARGETS; i++) report(`t${i}`, THROTTLED);
    const from = elapsed();
    const forgotten = ask("t0", 5);
    const kept = ask(`t${MAX_PACED_TARGETS}`, 3);
    await vi.advanceTimersByTimeAsync(0);
    expect(forgotten).toEqual([from, from, from, from, from]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(kept.at(-1)! - from).toBeGreaterThanOrEqual(1000);
  });
});

describe("throttling answers are counted", () => {
  const cases = [
    { reason: "a success is not throttling", reports: [SUCCESS], counted: 0 },
    { reason: "a throttling answer is", reports: [THROTTLED], counted: 1 },
    {
      reason: "each throttled attempt counts, other retried errors do not",
      reports: [THROTTLED, TRANSIENT, THROTTLED, { errorType: "SERVER_ERROR" }, SUCCESS],
      counted: 2,
    },
    {
      reason: "a refused call (AccessDenied: a client error) is not",
      reports: [{ errorType: "CLIENT_ERROR" }],
      counted: 0,
    },
  ];
  it.each(cases)("$reason", ({ reports, counted }) => {
    let count = 0;
    const pace = new AdaptivePace({ onThrottled: () => count++ });
    for (const report of reports) pace.updateClientSendingRate(report);
    expect(count).toBe(counted);
    expect(reports.filter(isThrottlingAnswer)).toHaveLength(counted);
  });
});
