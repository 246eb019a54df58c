/**
 * Polls end on a shared tick instead of anywhere in time: a steady controller then makes its reads
 * in small bursts (the keys due in one tick, back to back on the workers) instead of one at a time
 * with the CPU idle in between. The same work costs less CPU that way: bench/sdk-call-cpu.ts
 * measured one AWS SDK read, 33 a second as 10,000 objects at a 5-minute poll make them, at 1,193
 * to 1,274 us of CPU each spread evenly and 483 us in one burst a second (within a burst the
 * caches, branch predictors and the JIT's hot code stay warm).
 *
 * The tick is at most 1 s and at most 5 % of the poll interval, so it delays a poll by less than
 * the poll's own jitter (10 %) already moves it; the jitter still spreads the polls over the
 * interval. Only polls are aligned: verifies, retries and events keep their exact times.
 */

/** The longest tick: longer ones (5 s: 458 us a read) gain little more and make polls later. */
const MAX_TICK_MS = 1000;

/** The tick polls of `pollIntervalMs` end on: 5 % of the interval, at most 1 s; 0 (none) below 20 ms. */
export function pollTickMs(pollIntervalMs: number): number {
  return Math.min(MAX_TICK_MS, Math.floor(pollIntervalMs / 20));
}

/** `delayMs` from `now`, lengthened to end on the next multiple of `tickMs` (unchanged for no tick). */
export function delayToTick(delayMs: number, tickMs: number, now: number): number {
  if (tickMs <= 0) return delayMs;
  return Math.ceil((now + delayMs) / tickMs) * tickMs - now;
}
