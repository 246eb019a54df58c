/**
 * Exclusive claims. Some external things can be kept by one object only (an account's password
 * policy has one value): objects that claim the same thing are rivals, and exactly one of them may
 * write. One rule decides who, wherever rivals meet (the controller, a composite such as
 * AccountBaseline, `orgguard plan` / `apply` and `orgguard validate`):
 *
 * 1. an object written directly beats one a composite derived (it has a controlling owner): it is
 *    the more specific statement;
 * 2. then the earlier claim (creationTimestamp): whoever manages a thing keeps it, so nothing
 *    flaps when a rival appears;
 * 3. then the name, so every party computes the same winner. (`plan` and `apply` read manifests,
 *    which have no creation times: there the name decides between objects of the same rank.)
 */
import type { KubeObject } from "./kube-object.js";

/** What the rule looks at. */
export interface Claimant {
  /** `Kind/name`, for messages and the last tie-break. */
  name: string;
  /** Derived from a composite (a controlling owner reference) rather than written directly. */
  derived: boolean;
  /** When the claim was made (RFC 3339); absent for a claim not yet made or a manifest. */
  since?: string;
}

/** The claimant an object is. */
export function claimantOf(object: KubeObject): Claimant {
  return {
    name: `${object.kind}/${object.metadata.name}`,
    derived: (object.metadata.ownerReferences ?? []).some((o) => o.controller === true),
    ...(object.metadata.creationTimestamp ? { since: object.metadata.creationTimestamp } : {}),
  };
}

/** Negative when `a` keeps the claim over `b`, positive when `b` does (never 0 for distinct names). */
export function compareClaimants(a: Claimant, b: Claimant): number {
  if (a.derived !== b.derived) return a.derived ? 1 : -1;
  // A claim with no time yet (about to be made) is the youngest.
  const ta = a.since ? Date.parse(a.since) : Number.POSITIVE_INFINITY;
  const tb = b.since ? Date.parse(b.since) : Number.POSITIVE_INFINITY;
  if (ta !== tb) return ta < tb ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The rival that keeps the claim instead of `me`, if any (undefined: `me` wins). */
export function winningRival<R>(
  me: Claimant,
  rivals: readonly R[],
  claimant: (r: R) => Claimant,
): R | undefined {
  let best: { rival: R; claimant: Claimant } | undefined;
  for (const rival of rivals) {
    const c = claimant(rival);
    if (compareClaimants(c, me) < 0 && (!best || compareClaimants(c, best.claimant) < 0))
      best = { rival, claimant: c };
  }
  return best?.rival;
}

/**
 * The objects of one kind by what they claim, kept up to date from informer events, so finding an
 * object's rivals costs one map lookup rather than a scan of every object.
 */
export class ClaimIndex<T extends KubeObject> {
  private readonly names = new Map<string, Set<string>>();
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly claimOf: (object: T) => string | undefined,
    private readonly lookup: (name: string) => T | undefined,
  ) {}

  /**
   * Records `object`'s claim (on add or update). Returns the other objects whose standing may
   * have changed (rivals under the old and the new claim), to reconcile again; none when the
   * claim is unchanged (a status write must not wake every rival, or rivals would wake each other).
   */
  set(object: T): string[] {
    const name = object.metadata.name;
    const before = this.keys.get(name);
    const after = this.claimOf(object);
    if (before === after) return [];
    const affected = [...this.remove(object)];
    if (after !== undefined) {
      this.keys.set(name, after);
      const set = this.names.get(after) ?? new Set<string>();
      set.add(name);
      this.names.set(after, set);
      affected.push(...this.othersUnder(after, name));
    }
    return affected;
  }

  /** Forgets `object` (on delete); returns its former rivals, one of which may now win. */
  remove(object: T): string[] {
    const name = object.metadata.name;
    const key = this.keys.get(name);
    if (key === undefined) return [];
    this.keys.delete(name);
    const set = this.names.get(key);
    set?.delete(name);
    if (set?.size === 0) this.names.delete(key);
    return this.othersUnder(key, name);
  }

  /** The other objects claiming what `object` claims. */
  rivals(object: T): T[] {
    const key = this.claimOf(object);
    if (key === undefined) return [];
    return this.othersUnder(key, object.metadata.name)
      .map((n) => this.lookup(n))
      .filter((o): o is T => o !== undefined);
  }

  private othersUnder(key: string, name: string): string[] {
    return [...(this.names.get(key) ?? [])].filter((n) => n !== name);
  }
}
