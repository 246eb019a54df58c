/**
 * Every kind's controller: what `orgguard controller` runs. Apart from the list of kinds
 * (index.ts) so that the commands that never run a controller (plan, apply, validate) do not load
 * the controller runtime and the Kubernetes client under it (about 80 MiB of resident memory).
 */
import { type ControllerRuntime, managedController } from "../runtime/controller.js";
import type { ManagedObject } from "../runtime/managed.js";
import type { Runnable } from "../runtime/manager.js";
import { findKind, isComposite, isManaged, KINDS, TREE_KINDS } from "./index.js";
import { type KindContext, kindRef } from "./kind-definition.js";

/**
 * Every kind's controller on `runtime`: the managed reconciler for managed kinds (woken by the API
 * call events that concern their objects), the composites' own.
 */
export function controllersOf(runtime: ControllerRuntime, given: KindContext): Runnable[] {
  const context: KindContext = {
    ...given,
    treeKinds: TREE_KINDS,
    objectsOf: (kind) => {
      const k = findKind(kind);
      // Every kind has a controller, so its informer is the one already shared: no extra watch.
      return k ? runtime.informers.informer<ManagedObject>(kindRef(k.api)).list() : [];
    },
  };
  return KINDS.map((k) => {
    if (isComposite(k)) return k.runtime.controller(runtime, context);
    if (isManaged(k))
      return managedController(runtime, k.runtime.managed(context), { source: context.apiCallEvents });
    throw new Error(`${k.api.kind}: a kind is managed or composite`);
  });
}
