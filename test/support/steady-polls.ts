/**
 * AWS reads per poll in a steady window, counted over whole polls only.
 */
import { waitUntil } from "../env/process.js";

/** Calls by `service/Operation`, as the tests' call counters keep them. */
type CallCounts = ReadonlyMap<string, number>;

export interface SteadyPolls {
  /** Polls in the window: the count of `pollOperation` divided by its calls per poll. */
  polls: number;
  /** Every operation called in the window, by calls per poll. */
  perPoll: Record<string, number>;
}

/** Calls of each operation since `before`, the operations called at least once. */
function callsSince(calls: CallCounts, before: CallCounts): Array<readonly [string, number]> {
  return [...calls].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
}

/**
 * Reads per poll since `before`, once the window ends between two reconciles: on a loaded machine
 * a poll can be in flight at any moment, and a window cut inside one counts the first reads of
 * a poll whose last ones are not in yet (10 ListOrganizationAdminAccounts beside 9 ListDetectors).
 * Waits, up to `timeoutMs`, until at least `minPolls` polls are in and every operation's count is
 * a whole number of calls per poll, so an extra read in any one poll still shows as a fraction.
 */
export async function readsPerWholePoll(
  calls: CallCounts,
  before: CallCounts,
  options: { pollOperation: string; callsPerPoll?: number; minPolls?: number; timeoutMs: number },
): Promise<SteadyPolls> {
  const { pollOperation, callsPerPoll = 1, minPolls = 2, timeoutMs } = options;
  let counted: SteadyPolls = { polls: 0, perPoll: {} };
  await waitUntil(
    () => {
      const reads = callsSince(calls, before);
      const polls = (reads.find(([k]) => k === pollOperation)?.[1] ?? 0) / callsPerPoll;
      counted = { polls, perPoll: Object.fromEntries(reads.map(([k, v]) => [k, v / polls])) };
      return Promise.resolve(
        polls >= minPolls &&
          Number.isInteger(polls) &&
          Object.values(counted.perPoll).every(Number.isInteger),
      );
    },
    timeoutMs,
    () => `whole polls in the window (${counted.polls} polls: ${JSON.stringify(counted.perPoll)})`,
  );
  return counted;
}
