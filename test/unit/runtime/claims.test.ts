/**
 * The one conflict rule (runtime/claims.ts), in-process: who keeps a claim between two claimants,
 * which rival wins among several, and the ClaimIndex that gathers rivals for the controller, the
 * baseline and the CLI (what set and remove say was affected, whom a lookup names as keeper).
 */
import { describe, expect, it } from "vitest";
import {
  type Claimant,
  ClaimIndex,
  claimantOf,
  compareClaimants,
  winningRival,
} from "../../../src/runtime/claims.js";
import type { KubeObject } from "../../../src/runtime/kube-object.js";

const T1 = "2026-01-01T00:00:00Z";
const T2 = "2026-01-02T00:00:00Z";

const claimant = (name: string, extra: Partial<Claimant> = {}): Claimant => ({
  name,
  label: name,
  derived: false,
  ...extra,
});

describe("compareClaimants", () => {
  const cases: Array<{ reason: string; a: Claimant; b: Claimant; winner: "a" | "b" }> = [
    {
      reason: "written directly beats derived, even when the derived one is older",
      a: claimant("P/b-1", { derived: true, since: T1 }),
      b: claimant("P/direct", { since: T2 }),
      winner: "b",
    },
    {
      reason: "of two written directly, the earlier claim keeps it",
      a: claimant("P/z", { since: T1 }),
      b: claimant("P/a", { since: T2 }),
      winner: "a",
    },
    {
      reason: "of two derived, the earlier claim keeps it",
      a: claimant("P/z", { derived: true, since: T2 }),
      b: claimant("P/a", { derived: true, since: T1 }),
      winner: "b",
    },
    {
      reason: "a claim not yet made (no time) loses to one made",
      a: claimant("P/a"),
      b: claimant("P/z", { since: T2 }),
      winner: "b",
    },
    {
      reason: "same rank and time: the name decides, so every party computes the same winner",
      a: claimant("P/b", { since: T1 }),
      b: claimant("P/a", { since: T1 }),
      winner: "b",
    },
    {
      reason: "manifests (no times): the name decides",
      a: claimant("P/a"),
      b: claimant("P/b"),
      winner: "a",
    },
  ];
  it.each(cases)("$reason", ({ a, b, winner }) => {
    expect(Math.sign(compareClaimants(a, b))).toBe(winner === "a" ? -1 : 1);
    // The rule is antisymmetric: asked the other way round, it names the same winner.
    expect(Math.sign(compareClaimants(b, a))).toBe(winner === "a" ? 1 : -1);
  });

  it("is 0 only for the same name at the same rank and time", () => {
    expect(compareClaimants(claimant("P/a", { since: T1 }), claimant("P/a", { since: T1 }))).toBe(0);
  });
});

describe("winningRival", () => {
  const me = claimant("P/me", { since: T2 });
  const cases: Array<{ reason: string; rivals: Claimant[]; winner: string | undefined }> = [
    { reason: "no rivals: I keep it", rivals: [], winner: undefined },
    {
      reason: "only younger rivals: I keep it",
      rivals: [claimant("P/young", { since: "2026-02-01T00:00:00Z" })],
      winner: undefined,
    },
    {
      reason: "only derived rivals, older ones included: I keep it (written directly)",
      rivals: [claimant("P/derived", { derived: true, since: T1 })],
      winner: undefined,
    },
    {
      reason: "of several rivals that beat me, the best one is named",
      rivals: [claimant("P/old", { since: T1 }), claimant("P/older", { since: "2025-12-01T00:00:00Z" })],
      winner: "P/older",
    },
    {
      reason: "a rival that beats me among ones that do not",
      rivals: [claimant("P/young", { since: "2026-03-01T00:00:00Z" }), claimant("P/old", { since: T1 })],
      winner: "P/old",
    },
  ];
  it.each(cases)("$reason", ({ rivals, winner }) =>
    expect(winningRival(me, rivals, (r) => r)?.name).toBe(winner),
  );
});

/** A setting object: what it claims is its account. */
function object(
  name: string,
  accountId: string | undefined,
  extra: { since?: string; owner?: string; deleting?: boolean } = {},
): KubeObject {
  return {
    apiVersion: "orgguard.io/v1alpha1",
    kind: "PasswordPolicy",
    metadata: {
      name,
      ...(extra.since ? { creationTimestamp: extra.since } : {}),
      ...(extra.deleting ? { deletionTimestamp: T2 } : {}),
      ...(extra.owner
        ? {
            ownerReferences: [
              {
                apiVersion: "orgguard.io/v1alpha1",
                kind: "AccountBaseline",
                name: extra.owner,
                uid: "u",
                controller: true,
              },
            ],
          }
        : {}),
    },
    spec: accountId ? { accountId } : {},
  };
}

const claimOf = (o: KubeObject): string | undefined => {
  const accountId = (o.spec as { accountId?: string }).accountId;
  return accountId ? `account ${accountId}` : undefined;
};

describe("claimantOf", () => {
  it("an object without a controlling owner is written directly, and named by itself", () => {
    expect(claimantOf(object("pp", "1", { since: T1 }))).toEqual({
      name: "PasswordPolicy/pp",
      label: "PasswordPolicy/pp",
      derived: false,
      since: T1,
    });
  });

  it("an object a baseline owns is derived, and messages name the baseline", () => {
    expect(claimantOf(object("b-1", "1", { owner: "workloads" }))).toEqual({
      name: "PasswordPolicy/b-1",
      label: "AccountBaseline/workloads",
      derived: true,
    });
  });
});

/** A live index over a mutable store, as the controller keeps one from informer events. */
function liveIndex(...objects: KubeObject[]) {
  const store = new Map(objects.map((o) => [o.metadata.name, o]));
  const index = new ClaimIndex<KubeObject>(claimOf, (name) => store.get(name));
  const told: string[][] = [];
  index.onStandingChanged((names) => told.push([...names].sort()));
  const put = (o: KubeObject) => {
    store.set(o.metadata.name, o);
    return index.set(o).sort();
  };
  const drop = (o: KubeObject) => {
    store.delete(o.metadata.name);
    return index.remove(o).sort();
  };
  return { index, told, put, drop };
}

describe("ClaimIndex.set and remove", () => {
  it("an object that claims what others claim names them as affected, and tells the listener", () => {
    const { put, told } = liveIndex();
    expect(put(object("a", "1"))).toEqual([]);
    expect(put(object("b", "1"))).toEqual(["a"]);
    expect(put(object("c", "1"))).toEqual(["a", "b"]);
    expect(told).toEqual([["a"], ["a", "b"]]);
  });

  const cases: Array<{ reason: string; before: KubeObject; after: KubeObject; affected: string[] }> = [
    {
      reason: "an unchanged claim (a status write) affects nobody, so rivals never wake each other",
      before: object("b", "1"),
      after: { ...object("b", "1"), status: { conditions: [] } },
      affected: [],
    },
    {
      reason: "a claim moved to another account affects the rivals it left and the ones it joined",
      before: object("b", "1"),
      after: object("b", "2"),
      affected: ["a", "x"],
    },
    {
      reason: "a claim given up (no account any more) affects the rivals it left",
      before: object("b", "1"),
      after: object("b", undefined),
      affected: ["a"],
    },
  ];
  it.each(cases)("$reason", ({ before, after, affected }) => {
    const { put } = liveIndex();
    put(object("a", "1"));
    put(object("x", "2"));
    put(before);
    expect(put(after)).toEqual(affected);
  });

  it("remove names the former rivals (one of them may now win), and nobody for an unknown object", () => {
    const { put, drop, told } = liveIndex();
    put(object("a", "1"));
    put(object("b", "1"));
    put(object("c", "2"));
    told.length = 0;
    expect(drop(object("a", "1"))).toEqual(["b"]);
    expect(drop(object("nobody", "1"))).toEqual([]);
    expect(drop(object("c", "2"))).toEqual([]);
    expect(told).toEqual([["b"]]);
  });
});

describe("ClaimIndex.keeperOf", () => {
  const older = object("older", "1", { since: T1 });
  const younger = object("younger", "1", { since: T2 });
  const cases: Array<{
    reason: string;
    objects: KubeObject[];
    asked: KubeObject;
    ignoreDeleting?: boolean;
    keeper: string | undefined;
  }> = [
    { reason: "alone: it keeps its claim", objects: [older], asked: older, keeper: undefined },
    { reason: "the older of two keeps it", objects: [older, younger], asked: older, keeper: undefined },
    {
      reason: "the younger of two is told who keeps it",
      objects: [older, younger],
      asked: younger,
      keeper: "older",
    },
    {
      reason: "an object claiming nothing has no keeper",
      objects: [older],
      asked: object("none", undefined, { since: T2 }),
      keeper: undefined,
    },
    {
      reason: "a child not created yet (no time) loses to every existing claim",
      objects: [younger],
      asked: object("to-be", "1", { owner: "b" }),
      keeper: "younger",
    },
    {
      reason: "a standalone object beats an older baseline child",
      objects: [object("child", "1", { since: T1, owner: "b" }), younger],
      asked: object("child", "1", { since: T1, owner: "b" }),
      keeper: "younger",
    },
    {
      reason: "a rival being deleted still keeps its claim until it is gone (it may be removing the setting)",
      objects: [object("leaving", "1", { since: T1, deleting: true }), younger],
      asked: younger,
      keeper: "leaving",
    },
    {
      reason: "ignoreDeleting: a rival being deleted gives way at once",
      objects: [object("leaving", "1", { since: T1, deleting: true }), younger],
      asked: younger,
      ignoreDeleting: true,
      keeper: undefined,
    },
    {
      reason: "ignoreDeleting skips only the deleting rival: the next one still wins",
      objects: [object("leaving", "1", { since: "2025-01-01T00:00:00Z", deleting: true }), older, younger],
      asked: younger,
      ignoreDeleting: true,
      keeper: "older",
    },
  ];
  it.each(cases)("$reason", ({ objects, asked, ignoreDeleting, keeper }) => {
    const index = ClaimIndex.of(objects, claimOf);
    expect(index.keeperOf(asked, ignoreDeleting ? { ignoreDeleting } : {})?.metadata.name).toBe(keeper);
  });

  it("ClaimIndex.of indexes every object given, and rivals are only those under the same claim", () => {
    const index = ClaimIndex.of([older, younger, object("other", "2", { since: T1 })], claimOf);
    expect(index.rivals(younger).map((o) => o.metadata.name)).toEqual(["older"]);
    expect(index.rivals(object("other", "2")).map((o) => o.metadata.name)).toEqual([]);
  });

  it("a rival the index still lists but the cache no longer has is not a keeper", () => {
    const store = new Map([older, younger].map((o) => [o.metadata.name, o]));
    const index = new ClaimIndex<KubeObject>(claimOf, (name) => store.get(name));
    index.set(older);
    index.set(younger);
    store.delete("older");
    expect(index.keeperOf(younger)).toBeUndefined();
  });
});
