import { describe, expect, it } from "vitest";
import { delayToTick, pollTickMs } from "../../../src/runtime/poll-ticks.js";

describe("pollTickMs", () => {
  it.each([
    { interval: 300_000, tick: 1000, why: "a 5-minute poll: capped at 1 s" },
    { interval: 60_000, tick: 1000, why: "a 1-minute poll: 5 % is 3 s, capped at 1 s" },
    { interval: 10_000, tick: 500, why: "a 10 s poll: 5 % of it" },
    { interval: 1500, tick: 75, why: "the tests' 1.5 s poll: 5 %, under its 10 % jitter" },
    { interval: 19, tick: 0, why: "under 20 ms: no tick at all" },
  ])("$interval ms -> $tick ms ($why)", ({ interval, tick }) => {
    expect(pollTickMs(interval)).toBe(tick);
  });
});

describe("delayToTick", () => {
  it.each([
    { delay: 300, tick: 1000, now: 10_200, want: 800, why: "due at 10,500: lengthened to 11,000" },
    { delay: 800, tick: 1000, now: 10_200, want: 800, why: "due exactly on a tick: unchanged" },
    { delay: 0, tick: 1000, now: 10_200, want: 800, why: "due now, between ticks: the next tick" },
    { delay: 1234, tick: 0, now: 10_200, want: 1234, why: "no tick: unchanged" },
    {
      delay: 59_400,
      tick: 1000,
      now: 1_765_000_000_123,
      want: 59_877,
      why: "an epoch time: ends on a whole second",
    },
  ])("$delay ms from $now on a $tick ms tick -> $want ms ($why)", ({ delay, tick, now, want }) => {
    expect(delayToTick(delay, tick, now)).toBe(want);
  });

  it("never shortens a delay, and lengthens it by less than one tick", () => {
    for (let now = 0; now < 5000; now += 37) {
      for (const delay of [0, 1, 999, 1000, 1001, 59_999]) {
        const got = delayToTick(delay, 1000, now);
        expect(got).toBeGreaterThanOrEqual(delay);
        expect(got - delay).toBeLessThan(1000);
        expect((now + got) % 1000).toBe(0);
      }
    }
  });
});
