/**
 * Shared setup of the integration tests that drive orgguard's own kinds: a client per kind, the
 * CRDs installed as a user would, and unique object names.
 */
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import { API_GROUP_VERSION } from "../../src/api/common.js";
import { findKind } from "../../src/kinds/index.js";
import { kindRef } from "../../src/kinds/kind-definition.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { ResourceClient } from "../../src/runtime/resource-client.js";
import { waitUntil } from "../env/process.js";
import { kubectlOk } from "./kubectl.js";

/** A client for one orgguard kind, by its kind name. */
export function orgguardClient(kc: KubeConfig, kind: string): ResourceClient<ManagedObject> {
  const def = findKind(kind);
  if (!def) throw new Error(`orgguard serves no kind ${kind}`);
  return new ResourceClient<ManagedObject>(kc, kindRef(def.api));
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

/**
 * Waits until `name`'s Ready condition (or `options.condition`) has `reason`, for its current
 * generation; returns the object. A timeout shows the last status seen, and `context()` (the
 * controller's log tail).
 */
export async function waitForReadyReason(
  client: ResourceClient<ManagedObject>,
  name: string,
  reason: string,
  options: { timeoutMs?: number; context?: () => string; condition?: string } = {},
): Promise<ManagedObject> {
  let last: ManagedObject | undefined;
  await waitUntil(
    async () => {
      last = await client.get(name);
      const ready = findCondition(last?.status?.conditions, options.condition ?? "Ready");
      return ready?.reason === reason && last?.status?.observedGeneration === last?.metadata.generation;
    },
    options.timeoutMs ?? 20_000,
    () =>
      `${name} to be ${reason} (status: ${JSON.stringify(last?.status)}${options.context ? `; ${options.context()}` : ""})`,
  );
  return last!;
}

/** The reasons of the Events about `name` (a cluster-scoped object's Events live in default). */
export async function eventReasons(kc: KubeConfig, name: string): Promise<string[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: "default" });
  return list.items.filter((e) => e.involvedObject.name === name).map((e) => e.reason ?? "");
}

/** The messages of the Events about `name`. */
export async function eventMessages(kc: KubeConfig, name: string): Promise<string[]> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: "default" });
  return list.items.filter((e) => e.involvedObject.name === name).map((e) => e.message ?? "");
}

/** An orgguard object as a test writes it. */
export function manifest(kind: string, name: string, spec: Record<string, unknown>): ManagedObject {
  return { apiVersion: API_GROUP_VERSION, kind, metadata: { name }, spec };
}

/** What the apiserver answers when it refuses `object` at admission; "accepted" when it does not. */
export function admissionRefusal(
  client: ResourceClient<ManagedObject>,
  object: ManagedObject,
): Promise<string> {
  return client.create(object).then(
    () => "accepted",
    (err: unknown) => String((err as { body?: unknown }).body ?? err),
  );
}

/** Deletes every object of each client in turn (children's owners first) and waits until they are gone. */
export async function deleteEveryObject(
  clients: ResourceClient<ManagedObject>[],
  context = () => "",
): Promise<void> {
  for (const client of clients) {
    for (const o of (await client.list()).items) await client.delete(o.metadata.name);
    let left: ManagedObject[] = [];
    await waitUntil(
      async () => {
        left = (await client.list()).items;
        return left.length === 0;
      },
      // Generous: an object whose deletion met a failure is retried with the work queue's backoff,
      // and what is left here would make every later file on this worker's cluster conflict with it.
      90_000,
      () =>
        `${client.ref.plural} to be deleted (left: ${left.map((o) => `${o.metadata.name} ${JSON.stringify(o.status?.conditions?.map((c) => `${c.type}=${c.status}/${c.reason}: ${c.message}`))}`).join("; ")}) ${context()}`,
    );
  }
}
