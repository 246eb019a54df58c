/** The parts of Kubernetes objects the runtime reads and writes. */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  /** Server-side apply's bookkeeping: dropped before caching (informer.ts), never read. */
  managedFields?: unknown[];
}

/** A cluster-scoped custom resource. */
export interface KubeObject<Spec = unknown, Status = Record<string, unknown>> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/** Which custom resource a client, informer or controller is for. */
export interface ResourceRef {
  group: string;
  version: string;
  plural: string;
  kind: string;
}
