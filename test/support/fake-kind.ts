/**
 * A test kind for the reconcile engine: a CRD (gadgets.engine.orgguard.test) whose "external
 * system" is an in-memory map, with every call counted and timed, and failures scriptable.
 */
import type { KubeConfig, V1CustomResourceDefinition } from "@kubernetes/client-node";
import type { ExternalClient, ManagedKind, ManagedObject, Observation } from "../../src/runtime/managed.js";
import { installCrd } from "./kube.js";

export const GADGET = {
  group: "engine.orgguard.test",
  version: "v1",
  plural: "gadgets",
  kind: "Gadget",
} as const;

export type GadgetSpec = {
  managementPolicy?: "Enforce" | "ObserveOnly";
  deletionPolicy?: "Retain" | "Delete";
  value: string;
};
export type Gadget = ManagedObject<GadgetSpec>;

export const gadgetCrd: V1CustomResourceDefinition = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: `${GADGET.plural}.${GADGET.group}` },
  spec: {
    group: GADGET.group,
    scope: "Cluster",
    names: { plural: GADGET.plural, singular: "gadget", kind: GADGET.kind, listKind: "GadgetList" },
    versions: [
      {
        name: GADGET.version,
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: {
                  managementPolicy: {
                    type: "string",
                    _enum: ["Enforce", "ObserveOnly"],
                    _default: "Enforce",
                  },
                  deletionPolicy: { type: "string", _enum: ["Retain", "Delete"], _default: "Retain" },
                  value: { type: "string" },
                },
              },
              // client-node serializes typed models by their TS names: x-kubernetes-... would be dropped.
              status: { type: "object", x_kubernetes_preserve_unknown_fields: true },
            },
          },
        },
      },
    ],
  },
};

export const installGadgetCrd = (kc: KubeConfig) => installCrd(kc, gadgetCrd);

export type Operation = "observe" | "create" | "update" | "delete";

/** One call the engine made to the fake external system. */
export interface Call {
  op: Operation;
  name: string;
  at: number;
}

/** The fake external system: values by object name, and a record of every call. */
export class FakeExternal {
  readonly store = new Map<string, string>();
  readonly calls: Call[] = [];
  private readonly failures = new Map<string, Array<() => Error>>();

  /** Makes the next `times` calls of `op` on `name` throw what `error` returns. */
  fail(op: Operation, name: string, error: () => Error, times = 1): void {
    this.failures.set(
      `${op}/${name}`,
      Array.from({ length: times }, () => error),
    );
  }

  count(name: string, op?: Operation): number {
    return this.calls.filter((c) => c.name === name && (op === undefined || c.op === op)).length;
  }

  private call(op: Operation, name: string): void {
    this.calls.push({ op, name, at: Date.now() });
    const pending = this.failures.get(`${op}/${name}`);
    const next = pending?.shift();
    if (next) throw next();
  }

  client(): ExternalClient<Gadget, string> {
    return {
      observe: async (g): Promise<Observation<string>> => {
        this.call("observe", g.metadata.name);
        const value = this.store.get(g.metadata.name);
        if (value === undefined)
          return { exists: false, upToDate: false, diff: [{ path: "value", to: g.spec.value }] };
        const upToDate = value === g.spec.value;
        return {
          exists: true,
          upToDate,
          observed: value,
          diff: upToDate ? [] : [{ path: "value", from: value, to: g.spec.value }],
          status: { externalValue: value },
        };
      },
      create: async (g) => {
        this.call("create", g.metadata.name);
        this.store.set(g.metadata.name, g.spec.value);
        return { status: { externalName: g.metadata.name } };
      },
      update: async (g) => {
        this.call("update", g.metadata.name);
        this.store.set(g.metadata.name, g.spec.value);
      },
      delete: async (g) => {
        this.call("delete", g.metadata.name);
        this.store.delete(g.metadata.name);
      },
    };
  }

  /**
   * The Gadget kind. Gadgets whose value starts with `claim-` claim that value exclusively: two of
   * them with the same value are rivals (runtime/claims.ts).
   */
  kind(pollIntervalMs?: number): ManagedKind<Gadget, string> {
    return {
      ref: GADGET,
      ...(pollIntervalMs ? { pollIntervalMs } : {}),
      claim: (g) => (g.spec.value.startsWith("claim-") ? `value ${g.spec.value}` : undefined),
      connect: async () => this.client(),
    };
  }
}

/** A new Gadget manifest. */
export const gadget = (name: string, spec: GadgetSpec): Gadget => ({
  apiVersion: `${GADGET.group}/${GADGET.version}`,
  kind: GADGET.kind,
  metadata: { name },
  spec,
});
