/**
 * In-memory child kinds for AccountBaseline's in-process tests: per kind, an object store that
 * answers as the apiserver does (create of an existing name: 409; list by label; the JSON Patch
 * the baseline sends to pause and unpause), an informer cache that may lag behind it, and the real
 * ClaimIndex built over the cache, as the controller's informers keep one.
 */
import { accountClaim } from "../../src/aws/clients.js";
import type { ChildClient, ChildKind, ChildKinds } from "../../src/kinds/account-baseline/reconciler.js";
import { ClaimIndex } from "../../src/runtime/claims.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import type { JsonPatchOp } from "../../src/runtime/resource-client.js";

/** An error shaped like client-node's for an HTTP status (what kubeStatusCode reads). */
export const kubeError = (code: number) => Object.assign(new Error(`HTTP ${code}`), { code });

/** The claim of a setting object, as the setting kinds make it: the account it keeps. */
export const settingClaim = (object: ManagedObject): string =>
  accountClaim(typeof object.spec.accountId === "string" ? object.spec.accountId : undefined, "000000000000");

/** One child kind's store, the client over it, and the cache the baseline lists. */
class FakeChildKind implements ChildKind {
  readonly store = new Map<string, ManagedObject>();
  readonly client: ChildClient;
  readonly informer: ChildKind["informer"];
  readonly claims: ClaimIndex<ManagedObject>;

  constructor(
    kind: string,
    objects: readonly ManagedObject[],
    cached: readonly ManagedObject[],
    writes: string[],
  ) {
    for (const o of objects) this.store.set(o.metadata.name, structuredClone(o));
    const cache = cached.map((o) => structuredClone(o));
    this.informer = { list: () => cache };
    this.claims = ClaimIndex.of(cache, settingClaim);
    const store = this.store;
    const existing = (name: string) => {
      const object = store.get(name);
      if (!object) throw kubeError(404);
      return object;
    };
    this.client = {
      create: async (object) => {
        writes.push(`create ${kind}/${object.metadata.name}`);
        if (store.has(object.metadata.name)) throw kubeError(409);
        store.set(object.metadata.name, structuredClone(object));
        return object;
      },
      replace: async (object) => {
        writes.push(`replace ${kind}/${object.metadata.name}`);
        existing(object.metadata.name);
        store.set(object.metadata.name, structuredClone(object));
        return object;
      },
      jsonPatch: async (name, ops) => {
        writes.push(`patch ${kind}/${name} ${ops.map(describeOp).join(", ")}`);
        const object = existing(name);
        applyAnnotationPatch(object, ops);
        return object;
      },
      delete: async (name) => {
        writes.push(`delete ${kind}/${name}`);
        store.delete(name);
      },
      list: async (labelSelector) => ({
        items: [...store.values()].filter(matches(labelSelector)),
        resourceVersion: "1",
      }),
    };
  }
}

/** `add /metadata/annotations/orgguard.io~1paused` as a short line for a test to compare. */
const describeOp = (op: JsonPatchOp) => `${op.op} ${op.path}`;

/** Applies the annotation ops the baseline sends (pause and unpause); any other op is a test's mistake. */
function applyAnnotationPatch(object: ManagedObject, ops: JsonPatchOp[]): void {
  for (const op of ops) {
    if (op.path === "/metadata/annotations" && op.op === "add") {
      object.metadata.annotations = { ...(op.value as Record<string, string>) };
      continue;
    }
    const prefix = "/metadata/annotations/";
    if (!op.path.startsWith(prefix)) throw new Error(`the fake applies annotation patches only: ${op.path}`);
    const key = op.path.slice(prefix.length).replace("~1", "/");
    const annotations = { ...object.metadata.annotations };
    if (op.op === "remove") delete annotations[key];
    else annotations[key] = String(op.value);
    object.metadata.annotations = annotations;
  }
}

/** A `key=value` label selector as a filter (the only form the baseline lists with). */
function matches(labelSelector: string | undefined): (object: ManagedObject) => boolean {
  if (!labelSelector) return () => true;
  const [key, value] = labelSelector.split("=");
  return (object) => key !== undefined && object.metadata.labels?.[key] === value;
}

/**
 * Child kinds holding `objects` by kind (in the store and, unless listed in `notCached`, in the
 * informer cache too); every write of every kind goes to `writes`, in order.
 */
export function fakeChildKinds(
  kinds: readonly string[],
  objects: readonly ManagedObject[] = [],
  options: { notCached?: readonly string[] } = {},
): { children: ChildKinds; writes: string[]; stores: Map<string, Map<string, ManagedObject>> } {
  const writes: string[] = [];
  const notCached = new Set(options.notCached);
  const fakes = kinds.map((kind) => {
    const own = objects.filter((o) => o.kind === kind);
    return [
      kind,
      new FakeChildKind(
        kind,
        own,
        own.filter((o) => !notCached.has(o.metadata.name)),
        writes,
      ),
    ] as const;
  });
  return {
    children: new Map(fakes),
    writes,
    stores: new Map(fakes.map(([kind, fake]) => [kind, fake.store])),
  };
}
