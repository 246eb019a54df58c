/**
 * Every orgguard object in a cluster, kind by kind as src/kinds/index.ts lists them: what
 * `orgguard report` is made of. A kind the cluster does not serve (its CRD not installed, say an
 * older chart) is left out with a note, not an error: the rest of the report stands.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { type Kind, kindRef } from "../kinds/kind-definition.js";
import type { ManagedObject } from "../runtime/managed.js";
import { errorMessage, kubeStatusCode } from "../runtime/reconcile-errors.js";
import { ResourceClient } from "../runtime/resource-client.js";

/** The objects of each kind, and what could not be read. */
export interface ClusterObjects {
  objects: Array<{ kind: Kind; object: ManagedObject }>;
  notes: string[];
}

/** Lists every object of every kind; throws when the cluster cannot be read at all. */
export async function readClusterObjects(kc: KubeConfig, kinds: readonly Kind[]): Promise<ClusterObjects> {
  const lists = await Promise.all(
    kinds.map(async (kind) => {
      const client = new ResourceClient<ManagedObject>(kc, kindRef(kind.api));
      try {
        return { kind, items: (await client.list()).items };
      } catch (err) {
        if (kubeStatusCode(err) === 404) return { kind, items: undefined };
        throw new Error(`cannot list ${kind.api.plural} from the cluster: ${errorMessage(err)}`);
      }
    }),
  );
  return {
    objects: lists.flatMap(({ kind, items }) => (items ?? []).map((object) => ({ kind, object }))),
    notes: lists
      .filter((l) => l.items === undefined)
      .map(
        (l) =>
          `the cluster does not serve ${l.kind.api.kind} (its CRD is not installed: orgguard crds | kubectl apply --server-side -f -): left out`,
      ),
  };
}
