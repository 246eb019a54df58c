/**
 * Shared setup of the integration tests that drive orgguard's own kinds: a client per kind, the
 * CRDs installed as a user would, and unique object names.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP, API_VERSION } from "../../src/api/common.js";
import { findKind } from "../../src/api/kinds.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { ResourceClient } from "../../src/runtime/resource-client.js";
import { kubectlOk } from "./kubectl.js";

/** A client for one orgguard kind, by its kind name. */
export function orgguardClient(kc: KubeConfig, kind: string): ResourceClient<ManagedObject> {
  const def = findKind(kind);
  if (!def) throw new Error(`orgguard serves no kind ${kind}`);
  return new ResourceClient<ManagedObject>(kc, {
    group: API_GROUP,
    version: API_VERSION,
    plural: def.plural,
    kind,
  });
}

/**
 * Applies crds/ with kubectl (server-side) and waits until every CRD is Established, on this
 * worker's kube-apiserver or the one `kubeconfig` names.
 */
export async function installOrgguardCrds(kubeconfig?: string): Promise<void> {
  await kubectlOk(["apply", "--server-side", "-f", "crds/"], undefined, kubeconfig);
  await kubectlOk(
    ["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"],
    undefined,
    kubeconfig,
  );
}

/** Returns a function that makes object names unique within a run: `<prefix>-<time>-<n>`. */
export function uniqueNames(): (prefix: string) => string {
  let seq = 0;
  return (prefix) => `${prefix}-${Date.now().toString(36)}-${seq++}`;
}
