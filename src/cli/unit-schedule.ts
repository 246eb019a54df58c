/**
 * In which order, and how many at once, `orgguard plan` and `apply` work through their objects.
 *
 * The objects come sorted in the apply order (kinds in their list's order, then each kind's rank).
 * They are cut into stages: consecutive objects of one stage key (a kind, or a group of kinds whose
 * objects do not depend on one another, such as the account settings, at one rank). A stage starts
 * when the one before it has finished: an OU before its children, policies before settings,
 * everything before the baselines' settings. Within a stage, objects run in lanes: objects of one
 * lane (one account's settings) one after the other, in the apply order; different lanes at once,
 * at most `parallelism` of them. Work is the caller's; this only decides when each item starts.
 */

/** Where an item runs: its stage, and the lane within it that keeps its items in order (none: alone). */
export interface Placement {
  stage: string;
  lane?: string;
}

/** Consecutive runs of items of one stage, each as the indexes of its items (in their order). */
export function stagesOf(placements: readonly Placement[]): number[][] {
  const stages: number[][] = [];
  let previous: string | undefined;
  placements.forEach((placement, index) => {
    if (stages.length === 0 || placement.stage !== previous) stages.push([]);
    stages.at(-1)?.push(index);
    previous = placement.stage;
  });
  return stages;
}

/** The items of one stage by lane, lanes in the order of their first item; an item without a lane is one alone. */
export function lanesOf(placements: readonly Placement[], stage: readonly number[]): number[][] {
  const lanes = new Map<string, number[]>();
  for (const index of stage) {
    const lane = placements[index]?.lane;
    const key = lane === undefined ? `\u0000${index}` : `lane:${lane}`;
    const items = lanes.get(key);
    if (items) items.push(index);
    else lanes.set(key, [index]);
  }
  return [...lanes.values()];
}

/**
 * Runs `work` for every item: stage after stage, the lanes of a stage at most `parallelism` at a
 * time, the items of a lane one after the other. A failed item does not stop the others (the
 * caller's work records its own errors); the first failure is thrown once every item has run.
 */
export async function runScheduled(
  placements: readonly Placement[],
  parallelism: number,
  work: (index: number) => Promise<void>,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  const attempt = async (index: number) => {
    try {
      await work(index);
    } catch (error) {
      failure ??= { error };
    }
  };
  for (const stage of stagesOf(placements)) {
    const lanes = lanesOf(placements, stage);
    let next = 0;
    const runLanes = async () => {
      for (let lane = lanes[next++]; lane !== undefined; lane = lanes[next++]) {
        for (const index of lane) await attempt(index);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(parallelism, lanes.length)) }, runLanes));
  }
  if (failure) throw failure.error;
}

/**
 * Hands results to `deliver` in the items' order, each as soon as it and every item before it
 * are done (so output stays in the apply order however the work interleaves).
 */
export class InOrder<R> {
  private readonly results: Array<R | undefined> = [];
  private next = 0;

  constructor(private readonly deliver: (result: R) => void) {}

  /** The result of item `index`; delivers every result now in order. */
  done(index: number, result: R): void {
    this.results[index] = result;
    for (let r = this.results[this.next]; r !== undefined; r = this.results[this.next]) {
      this.results[this.next] = undefined;
      this.next += 1;
      this.deliver(r);
    }
  }
}
