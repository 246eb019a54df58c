/**
 * A typed client for one cluster-scoped custom resource, over client-node's generated API.
 * Kept small on purpose: list, watch, get, create, delete, JSON Patch and status replace.
 */
import { CustomObjectsApi, type KubeConfig, Watch } from "@kubernetes/client-node";
import { makeApiClient } from "./kube-api.js";
import type { KubeObject, ResourceRef } from "./kube-object.js";
import { kubeStatusCode } from "./reconcile-errors.js";

/** A JSON Patch operation (RFC 6902). */
export type JsonPatchOp =
  | { op: "add" | "replace" | "test"; path: string; value: unknown }
  | { op: "remove"; path: string };

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export class ResourceClient<T extends KubeObject = KubeObject> {
  private readonly api: CustomObjectsApi;
  private readonly params: { group: string; version: string; plural: string };

  constructor(
    private readonly kc: KubeConfig,
    readonly ref: ResourceRef,
  ) {
    this.api = makeApiClient(kc, CustomObjectsApi);
    this.params = { group: ref.group, version: ref.version, plural: ref.plural };
  }

  /** The path watches and lists use. */
  get path(): string {
    return `/apis/${this.ref.group}/${this.ref.version}/${this.ref.plural}`;
  }

  async list(labelSelector?: string): Promise<{ items: T[]; resourceVersion: string }> {
    const out = (await this.api.listClusterCustomObject({ ...this.params, labelSelector })) as {
      items: T[];
      metadata: { resourceVersion: string };
    };
    return { items: out.items, resourceVersion: out.metadata.resourceVersion };
  }

  /**
   * Starts a watch from `resourceVersion`. Resolves once the request is answered; startup errors
   * (for example 410 Gone or 429 while a new CRD's watch cache initializes) reject.
   */
  async watch(
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: T) => void,
    onDone: (err: unknown) => void,
    labelSelector?: string,
  ): Promise<AbortController> {
    let connected = false;
    let startupError: unknown;
    const controller = await new Watch(this.kc).watch(
      this.path,
      { resourceVersion, allowWatchBookmarks: true, ...(labelSelector ? { labelSelector } : {}) },
      (type, object) => onEvent(type as WatchEventType, object as T),
      (err) => {
        if (connected) onDone(err);
        else startupError = err ?? new Error("watch closed at once");
      },
    );
    if (startupError !== undefined) throw startupError;
    connected = true;
    return controller;
  }

  async get(name: string): Promise<T | undefined> {
    try {
      return (await this.api.getClusterCustomObject({ ...this.params, name })) as T;
    } catch (err) {
      if (kubeStatusCode(err) === 404) return undefined;
      throw err;
    }
  }

  async create(object: T): Promise<T> {
    return (await this.api.createClusterCustomObject({ ...this.params, body: object })) as T;
  }

  /** Deletes `name`; a missing object counts as deleted. */
  async delete(name: string): Promise<void> {
    try {
      await this.api.deleteClusterCustomObject({ ...this.params, name });
    } catch (err) {
      if (kubeStatusCode(err) !== 404) throw err;
    }
  }

  /** Applies a JSON Patch (the generated client sends application/json-patch+json). */
  async jsonPatch(name: string, ops: JsonPatchOp[]): Promise<T> {
    return (await this.api.patchClusterCustomObject({ ...this.params, name, body: ops })) as T;
  }

  /** Replaces the status subresource; the object's resourceVersion guards it (409 when stale). */
  async replaceStatus(object: T): Promise<T> {
    return (await this.api.replaceClusterCustomObjectStatus({
      ...this.params,
      name: object.metadata.name,
      body: object,
    })) as T;
  }

  /** Replaces the whole object (spec and metadata); guarded by resourceVersion. */
  async replace(object: T): Promise<T> {
    return (await this.api.replaceClusterCustomObject({
      ...this.params,
      name: object.metadata.name,
      body: object,
    })) as T;
  }
}
