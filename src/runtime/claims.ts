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
  /** `Kind/name`, the last tie-break. */
  name: string;
  /** How messages name it: `Kind/name`, or for a derived object its owner (`AccountBaseline/workloads`). */
  label: string;
  /** Derived from a composite (a controlling owner reference) rather than written directly. */
  derived: boolean;
  /** When the claim was made (RFC 3339); absent for a claim not yet made or a manifest. */
  since?: string;
}

/** The claimant an object is. */
export function claimantOf(object: KubeObject): Claimant {
  const owner = (object.metadata.ownerReferences ?? []).find((o) => o.controller === true);
  const name = `${object.kind}/${object.metadata.name}`;
  return {
    name,
    label: owner ? `${owner.kind}/${owner.name}` : name,
    derived: owner !== undefined,
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

/** Who keeps what an object claims: what a reconcile asks before it writes. */
export interface ClaimLookup<T extends KubeObject> {
  /**
   * The rival that keeps `object`'s claim instead of it (undefined: `object` keeps it or claims
   * nothing). `object` may be one not created yet (a composite's child to be): a claim not yet
   * made loses to every existing one. Rivals being deleted still keep their claim until they are
   * gone (one may be removing the setting it kept), unless `ignoreDeleting` says otherwise.
   */
  keeperOf(object: T, options?: { ignoreDeleting?: boolean }): T | undefined;
}

/**
 * The objects of one kind by what they claim: the one place rivals are gathered, for the
 * controller (kept up to date from informer events: finding rivals costs one map lookup, not a scan
 * of every object), a composite choosing its children's accounts, and `orgguard plan` / `apply`
 * (built from manifests with `ClaimIndex.of`).
 */
export class ClaimIndex<T extends KubeObject> implements ClaimLookup<T> {
  private readonly names = new Map<string, Set<string>>();
  private readonly keys = new Map<string, string>();
  private readonly listeners: Array<(names: string[]) => void> = [];
  /** What the index asks of the kind and of the cache (methods: an index of a kind's objects is one of KubeObjects). */
  private readonly source: { claimOf(object: T): string | undefined; lookup(name: string): T | undefined };

  constructor(claimOf: (object: T) => string | undefined, lookup: (name: string) => T | undefined) {
    this.source = { claimOf, lookup };
  }

  /** An index over a fixed set of objects (manifests: `orgguard plan` and `apply`). */
  static of<T extends KubeObject>(objects: readonly T[], claimOf: (object: T) => string | undefined) {
    const byName = new Map(objects.map((o) => [o.metadata.name, o]));
    const index = new ClaimIndex<T>(claimOf, (name) => byName.get(name));
    for (const o of objects) index.set(o);
    return index;
  }

  /**
   * Calls `listener` with the objects whose standing may have changed after each set or remove
   * (rivals under the old and the new claim): the controller reconciles them again.
   */
  onStandingChanged(listener: (names: string[]) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Records `object`'s claim (on add or update). Returns the other objects whose standing may
   * have changed (rivals under the old and the new claim), to reconcile again; none when the
   * claim is unchanged (a status write must not wake every rival, or rivals would wake each other).
   */
  set(object: T): string[] {
    const name = object.metadata.name;
    const before = this.keys.get(name);
    const after = this.source.claimOf(object);
    if (before === after) return [];
    const affected = [...this.forget(name)];
    if (after !== undefined) {
      this.keys.set(name, after);
      const set = this.names.get(after) ?? new Set<string>();
      set.add(name);
      this.names.set(after, set);
      affected.push(...this.othersUnder(after, name));
    }
    return this.tell(affected);
  }

  /** Forgets `object` (on delete); returns its former rivals, one of which may now win. */
  remove(object: T): string[] {
    return this.tell(this.forget(object.metadata.name));
  }

  keeperOf(object: T, options: { ignoreDeleting?: boolean } = {}): T | undefined {
    const rivals = this.rivals(object).filter(
      (r) => !(options.ignoreDeleting && r.metadata.deletionTimestamp),
    );
    return rivals.length === 0 ? undefined : winningRival(claimantOf(object), rivals, claimantOf);
  }

  /** The other objects claiming what `object` claims. */
  rivals(object: T): T[] {
    const key = this.source.claimOf(object);
    if (key === undefined) return [];
    return this.othersUnder(key, object.metadata.name)
      .map((n) => this.source.lookup(n))
      .filter((o): o is T => o !== undefined);
  }

  private forget(name: string): string[] {
    const key = this.keys.get(name);
    if (key === undefined) return [];
    this.keys.delete(name);
    const set = this.names.get(key);
    set?.delete(name);
    if (set?.size === 0) this.names.delete(key);
    return this.othersUnder(key, name);
  }

  private tell(names: string[]): string[] {
    if (names.length > 0) for (const listener of this.listeners) listener(names);
    return names;
  }

  private othersUnder(key: string, name: string): string[] {
    return [...(this.names.get(key) ?? [])].filter((n) => n !== name);
  }
}
