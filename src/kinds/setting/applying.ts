/**
 * Changes AWS accepted and applies later, as this process remembers them. EnableImageBlockPublicAccess
 * "can take up to 10 minutes to configure this setting. During this time, if you run
 * GetImageBlockPublicAccessState, the response will be unblocked" (EC2 API reference; Disable the
 * same the other way). Nothing in such a reading says a change is under way, so a setting records
 * what it asked for, where and when; a later reading that still shows another value reports the
 * change as applying (the object is Progressing: not drift, not written again) instead of as drift.
 *
 * A record ends when AWS shows the value asked for, or `withinMs` after it was accepted: a reading
 * that still differs then is drift, and Enforce writes again (and remembers again). Process memory
 * only: after a restart or a leader change, the first reconcile may repeat the (idempotent) write.
 * A change made by hand during the window is seen only once the window ends.
 */

/** What is being applied in one place, as status shows it (a stable time, so status does not churn). */
export interface Applying<V> {
  /** The value AWS accepted. */
  value: V;
  /** When it was accepted (ISO 8601). */
  since: string;
}

export class AcceptedChanges<V> {
  private readonly accepted = new Map<string, { value: V; at: number }>();

  constructor(
    /** How long AWS may take, at most, to show an accepted change. */
    private readonly withinMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** AWS accepted `value` for `place` (an account and region): remember it. */
  accept(place: string, value: V): void {
    const now = this.now();
    for (const [key, change] of this.accepted) {
      if (now - change.at >= this.withinMs) this.accepted.delete(key);
    }
    this.accepted.set(place, { value, at: now });
  }

  /**
   * What is still being applied at `place`, given what AWS reads back there now: undefined when
   * nothing was accepted, when AWS shows it (forgotten), or when the window has passed (forgotten).
   */
  pending(place: string, reading: V): Applying<V> | undefined {
    const change = this.accepted.get(place);
    if (!change) return undefined;
    if (change.value === reading || this.now() - change.at >= this.withinMs) {
      this.accepted.delete(place);
      return undefined;
    }
    return { value: change.value, since: new Date(change.at).toISOString() };
  }

  /** How many places have a change being applied (for tests). */
  get size(): number {
    return this.accepted.size;
  }
}
