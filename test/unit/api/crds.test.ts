import { describe, expect, it } from "vitest";
import { crdFor, type SchemaNode } from "../../../src/api/crd.js";
import { API_DEFINITIONS } from "../../../src/kinds/index.js";

/** Every property below a schema node, with its path. */
function* properties(node: SchemaNode, at: string): Generator<[string, SchemaNode]> {
  const props = (node.properties ?? {}) as Record<string, SchemaNode>;
  for (const [name, child] of Object.entries(props)) {
    yield [`${at}.${name}`, child];
    yield* properties(child, `${at}.${name}`);
  }
  if (node.items) yield* properties(node.items as SchemaNode, `${at}[]`);
}

describe.each(API_DEFINITIONS.map((k) => [k.kind, k] as const))("the %s CRD", (_, kind) => {
  const crd = crdFor(kind);
  const version = crd.spec.versions[0]!;
  const root = version.schema.openAPIV3Schema;
  const fields = [...properties(root, "")].filter(([p]) => /^\.(spec|status)/.test(p));

  it("describes every spec and status field (what kubectl explain shows)", () => {
    expect(fields.length).toBeGreaterThan(5);
    const undescribed = fields.filter(
      ([, node]) => typeof node.description !== "string" || node.description === "",
    );
    expect(undescribed.map(([p]) => p)).toEqual([]);
  });

  it("gives every field a type, or says it preserves unknown fields or is int-or-string (a structural schema)", () => {
    const untyped = fields.filter(
      ([, node]) =>
        node.type === undefined &&
        !node["x-kubernetes-preserve-unknown-fields"] &&
        !node["x-kubernetes-int-or-string"],
    );
    expect(untyped.map(([p]) => p)).toEqual([]);
  });

  it("is cluster-scoped, in the orgguard category, with a status subresource and READY/REASON/SYNCED/AGE columns", () => {
    expect(crd.spec.scope).toBe("Cluster");
    expect(crd.spec.names.categories).toEqual(["orgguard"]);
    expect(version.subresources).toEqual({ status: {} });
    const columns = version.additionalPrinterColumns.map((c) => c.name);
    expect(columns.slice(0, 3)).toEqual(["Ready", "Reason", "Synced"]);
    expect(columns.at(-1)).toBe("Age");
  });
});
