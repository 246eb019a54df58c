/**
 * Proves the local control plane is a real kube-apiserver: CRDs become Established, objects can
 * be watched, status goes through the status subresource, stale writes get 409, and RBAC is
 * enforced for ServiceAccount tokens minted with the TokenRequest API.
 */
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  RbacAuthorizationV1Api,
  type V1CustomResourceDefinition,
  Watch,
} from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { adminKubeConfig, installCrd, kubeConfigWithToken, statusCodeOf } from "../support/kube.js";

const group = "smoke.orgguard.test";
const version = "v1";
const plural = "widgets";

const widgetCrd: V1CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${plural}.${group}` },
  spec: {
    group,
    scope: "Cluster",
    names: { plural, singular: "widget", kind: "Widget", listKind: "WidgetList" },
    versions: [
      {
        name: version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } },
              status: { type: "object", properties: { phase: { type: "string" } } },
            },
          },
        },
      },
    ],
  },
};

async function retryOn429<T>(start: () => Promise<T>, attempts = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode !== 429 || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

interface Widget {
  apiVersion: string;
  kind: string;
  metadata: { name: string; resourceVersion?: string };
  spec: { size: number };
  status?: { phase?: string };
}

describe("kube-apiserver smoke", () => {
  let kc: KubeConfig;
  let objects: CustomObjectsApi;

  beforeAll(async () => {
    kc = adminKubeConfig();
    await installCrd(kc, widgetCrd);
    objects = kc.makeApiClient(CustomObjectsApi);
  });

  it("watches a created object, writes status through the subresource, and answers 409 to a stale write", async () => {
    const name = `w-${Date.now()}`;
    const seen: string[] = [];
    let sawAdded: () => void = () => undefined;
    let watchFailed: (err: unknown) => void = () => undefined;
    const added = new Promise<void>((resolve, reject) => {
      sawAdded = resolve;
      watchFailed = reject;
    });
    // Right after a CRD is Established its watch cache may still be initializing: the apiserver
    // answers 429 until it is ready, so a watch is retried (the informer must do the same).
    const watch = await retryOn429(async () => {
      let startupError: unknown;
      let connected = false;
      const controller = await new Watch(kc).watch(
        `/apis/${group}/${version}/${plural}`,
        {},
        (phase, obj: Widget) => {
          seen.push(`${phase}:${obj.metadata.name}`);
          if (phase === "ADDED" && obj.metadata.name === name) sawAdded();
        },
        (err) => {
          if (!connected) startupError = err;
          else watchFailed(err ?? new Error("watch closed before the object was seen"));
        },
      );
      if (startupError) throw startupError;
      connected = true;
      return controller;
    });

    const created: Widget = await objects.createClusterCustomObject({
      group,
      version,
      plural,
      body: { apiVersion: `${group}/${version}`, kind: "Widget", metadata: { name }, spec: { size: 3 } },
    });
    await added.finally(() => watch.abort());
    expect(seen).toContain(`ADDED:${name}`);

    // The status subresource ignores spec changes and the main resource ignores status changes.
    const withStatus: Widget = await objects.replaceClusterCustomObjectStatus({
      group,
      version,
      plural,
      name,
      body: { ...created, spec: { size: 99 }, status: { phase: "Ready" } },
    });
    expect(withStatus.status?.phase).toBe("Ready");
    expect(withStatus.spec.size).toBe(3);

    // The first resourceVersion is stale now: a write that carries it must be refused.
    const stale = { ...created, spec: { size: 4 } };
    const conflict = await objects
      .replaceClusterCustomObject({ group, version, plural, name, body: stale })
      .then(() => 200, statusCodeOf);
    expect(conflict).toBe(409);
  });

  it("rejects an object that breaks the CRD schema", async () => {
    const status = await objects
      .createClusterCustomObject({
        group,
        version,
        plural,
        body: {
          apiVersion: `${group}/${version}`,
          kind: "Widget",
          metadata: { name: "bad" },
          spec: { size: 0 },
        },
      })
      .then(() => 201, statusCodeOf);
    expect(status).toBe(422);
  });
});

describe("RBAC smoke", () => {
  it("a TokenRequest token may do what its Role allows and nothing else", async () => {
    const kc = adminKubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const namespace = `rbac-${Date.now()}`;
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: "reader" } } });
    await rbac.createNamespacedRole({
      namespace,
      body: {
        metadata: { name: "configmap-reader" },
        rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace,
      body: {
        metadata: { name: "reader" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "configmap-reader" },
        subjects: [{ kind: "ServiceAccount", name: "reader", namespace }],
      },
    });
    const tokenRequest = await core.createNamespacedServiceAccountToken({
      name: "reader",
      namespace,
      body: { spec: { audiences: [], expirationSeconds: 600 } },
    });
    const token = tokenRequest.status?.token;
    expect(token).toBeTruthy();

    const asReader = kubeConfigWithToken(kc, token!).makeApiClient(CoreV1Api);
    const allowed = await asReader.listNamespacedConfigMap({ namespace });
    expect(Array.isArray(allowed.items)).toBe(true);
    const refused = await asReader.listSecretForAllNamespaces().then(() => 200, statusCodeOf);
    expect(refused).toBe(403);
  });
});
