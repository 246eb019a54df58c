import {
  ApiException,
  ApiextensionsV1Api,
  KubeConfig,
  type V1CustomResourceDefinition,
} from "@kubernetes/client-node";
import { waitUntil } from "../env/process.js";
import { workerEnvironment } from "./environment.js";

/** A KubeConfig for this worker's kube-apiserver, as cluster admin. */
export function adminKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(workerEnvironment().kubeconfigPath);
  return kc;
}

/** A KubeConfig for the same apiserver that authenticates with `token` instead. */
export function kubeConfigWithToken(admin: KubeConfig, token: string): KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error("admin kubeconfig has no current cluster");
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: "token-user", token }],
    contexts: [{ name: "token", cluster: cluster.name, user: "token-user" }],
    currentContext: "token",
  });
  return kc;
}

/** The HTTP status of a failed client-node call, or undefined when it was not an API error. */
export function statusCodeOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** Creates (or replaces) a CRD and waits until the apiserver reports it Established. */
export async function installCrd(kc: KubeConfig, crd: V1CustomResourceDefinition): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const name = crd.metadata!.name!;
  try {
    await api.createCustomResourceDefinition({ body: crd });
  } catch (err) {
    if (statusCodeOf(err) !== 409) throw err;
    const existing = await api.readCustomResourceDefinition({ name });
    await api.replaceCustomResourceDefinition({
      name,
      body: { ...crd, metadata: { ...crd.metadata, resourceVersion: existing.metadata!.resourceVersion! } },
    });
  }
  await waitUntil(
    async () => {
      const current = await api.readCustomResourceDefinition({ name });
      return (current.status?.conditions ?? []).some((c) => c.type === "Established" && c.status === "True");
    },
    30_000,
    `CRD ${name} to be Established`,
  );
}
