/**
 * The finalizer that keeps an object until orgguard has cleaned up in AWS. Added and removed with
 * a JSON Patch guarded by a `test` op, never by replacing the whole list, so a concurrent change
 * by another controller makes the patch fail (422) instead of being overwritten.
 */
import type { KubeObject } from "./kube-object.js";
import type { JsonPatchOp, ResourceClient } from "./resource-client.js";

export const FINALIZER = "orgguard.io/finalizer";

export const hasFinalizer = (object: KubeObject): boolean =>
  (object.metadata.finalizers ?? []).includes(FINALIZER);

/** The patch that adds the finalizer, given the list as we saw it. */
export function addFinalizerPatch(object: KubeObject): JsonPatchOp[] {
  const finalizers = object.metadata.finalizers;
  if (!finalizers) {
    return [
      { op: "test", path: "/metadata/resourceVersion", value: object.metadata.resourceVersion },
      { op: "add", path: "/metadata/finalizers", value: [FINALIZER] },
    ];
  }
  return [
    { op: "test", path: "/metadata/finalizers", value: finalizers },
    { op: "add", path: "/metadata/finalizers/-", value: FINALIZER },
  ];
}

/** The patch that removes the finalizer at the index we saw it. */
export function removeFinalizerPatch(object: KubeObject): JsonPatchOp[] {
  const index = (object.metadata.finalizers ?? []).indexOf(FINALIZER);
  if (index < 0) return [];
  return [
    { op: "test", path: `/metadata/finalizers/${index}`, value: FINALIZER },
    { op: "remove", path: `/metadata/finalizers/${index}` },
  ];
}

/** What the finalizer needs of a client: a JSON Patch. */
type Patcher<T extends KubeObject> = Pick<ResourceClient<T>, "jsonPatch">;

export async function addFinalizer<T extends KubeObject>(client: Patcher<T>, object: T): Promise<T> {
  return client.jsonPatch(object.metadata.name, addFinalizerPatch(object));
}

export async function removeFinalizer<T extends KubeObject>(client: Patcher<T>, object: T): Promise<T> {
  const patch = removeFinalizerPatch(object);
  return patch.length === 0 ? object : client.jsonPatch(object.metadata.name, patch);
}
