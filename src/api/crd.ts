/**
 * Generates the CustomResourceDefinitions from the zod schemas, so the TypeScript types, the
 * runtime validation and the apiserver's validation can never disagree. crds/ is this output.
 */
import { stringify } from "yaml";
import { z } from "zod";
import type { ApiDefinition, PrinterColumn } from "./api-definition.js";
import { API_GROUP, API_VERSION, CATEGORY } from "./common.js";

/** A JSON Schema node as the CRD's openAPIV3Schema spells it. */
export type SchemaNode = { [key: string]: unknown };

/** The parts of a CRD object orgguard generates. */
export interface CustomResourceDefinition {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: "Cluster";
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      schema: { openAPIV3Schema: SchemaNode };
    }>;
  };
}

/**
 * Converts a zod schema to a structural OpenAPI v3 schema: zod's openapi-3.0 output with the
 * few spellings the apiserver does not accept rewritten (an open map of anything becomes
 * x-kubernetes-preserve-unknown-fields; additionalProperties: false is dropped, since unknown
 * fields are pruned or rejected by the apiserver anyway).
 */
export function toStructuralSchema(schema: z.ZodType): SchemaNode {
  const json = z.toJSONSchema(schema, {
    target: "openapi-3.0",
    io: "input",
    unrepresentable: "throw",
    override: (ctx) => {
      if (ctx.zodSchema instanceof z.ZodRecord)
        addKeyRule(ctx.jsonSchema as SchemaNode, ctx.zodSchema.keyType as z.ZodType);
    },
  }) as SchemaNode;
  delete json.$schema;
  return normalize(json, "");
}

/**
 * OpenAPI 3.0 has no propertyNames, so a map's key constraints (zod checks them) would never
 * reach the apiserver: they become a CEL rule on the map, the same limits in CEL's words.
 */
function addKeyRule(json: SchemaNode, keyType: z.ZodType): void {
  // A map of untyped values is no map to CEL (it cannot range over it): its keys stay validate's.
  const values = json.additionalProperties;
  if (!isObject(values) || values.type === undefined) return;
  const key = z.toJSONSchema(keyType, { target: "openapi-3.0" }) as SchemaNode;
  const checks: string[] = [];
  const says: string[] = [];
  const min = typeof key.minLength === "number" && key.minLength > 0 ? key.minLength : undefined;
  const max = typeof key.maxLength === "number" ? key.maxLength : undefined;
  if (min !== undefined) checks.push(`size(k) >= ${min}`);
  if (max !== undefined) checks.push(`size(k) <= ${max}`);
  if (min !== undefined || max !== undefined) {
    says.push(
      min !== undefined && max !== undefined
        ? `be ${min} to ${max} characters`
        : min !== undefined
          ? `be at least ${min} character${min === 1 ? "" : "s"}`
          : `be at most ${max} characters`,
    );
  }
  if (typeof key.pattern === "string") {
    checks.push(`k.matches(${JSON.stringify(key.pattern)})`);
    says.push(`match ${key.pattern}`);
  }
  if (checks.length === 0) return;
  const rules = Array.isArray(json["x-kubernetes-validations"]) ? json["x-kubernetes-validations"] : [];
  json["x-kubernetes-validations"] = [
    ...rules,
    { rule: `self.all(k, ${checks.join(" && ")})`, message: `every key must ${says.join(" and ")}` },
  ];
}

function normalize(node: SchemaNode, path: string): SchemaNode {
  for (const forbidden of ["anyOf", "oneOf", "allOf", "not", "$ref"]) {
    if (forbidden in node)
      throw new Error(`schema at '${path || "."}' uses ${forbidden}, which a structural CRD schema cannot`);
  }
  const out: SchemaNode = { ...node };
  if (out.additionalProperties === false) delete out.additionalProperties;
  if (isAnything(out.additionalProperties)) {
    delete out.additionalProperties;
    out["x-kubernetes-preserve-unknown-fields"] = true;
  }
  if (
    out.type === undefined &&
    !("x-kubernetes-preserve-unknown-fields" in out) &&
    !("x-kubernetes-int-or-string" in out)
  ) {
    out["x-kubernetes-preserve-unknown-fields"] = true;
  }
  if (isObject(out.properties)) {
    out.properties = Object.fromEntries(
      Object.entries(out.properties).map(([k, v]) => [k, normalize(v as SchemaNode, `${path}.${k}`)]),
    );
  }
  if (isObject(out.items)) out.items = normalize(out.items as SchemaNode, `${path}[]`);
  if (isObject(out.additionalProperties)) {
    out.additionalProperties = normalize(out.additionalProperties as SchemaNode, `${path}.*`);
  }
  return out;
}

const isObject = (v: unknown): v is SchemaNode => typeof v === "object" && v !== null && !Array.isArray(v);
const isAnything = (v: unknown): boolean =>
  isObject(v) && Object.keys(v).filter((k) => k !== "description").length === 0;

const conditionColumn = (type: string): PrinterColumn => ({
  name: type,
  type: "string",
  jsonPath: `.status.conditions[?(@.type=="${type}")].status`,
});

/** The CRD for one kind. */
export function crdFor(def: ApiDefinition): CustomResourceDefinition {
  const objectRules = (def.objectRules ?? []).map((r) => ({
    rule: r.cel,
    message: r.message,
    ...(r.fieldPath ? { fieldPath: r.fieldPath } : {}),
  }));
  const openAPIV3Schema: SchemaNode = {
    type: "object",
    description: def.description,
    required: ["spec"],
    ...(objectRules.length > 0 ? { "x-kubernetes-validations": objectRules } : {}),
    properties: {
      apiVersion: { type: "string", description: `${API_GROUP}/${API_VERSION}` },
      kind: { type: "string", description: def.kind },
      metadata: { type: "object" },
      spec: toStructuralSchema(def.spec),
      status: toStructuralSchema(def.status),
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${def.plural}.${API_GROUP}`, labels: { "app.kubernetes.io/part-of": "orgguard" } },
    spec: {
      group: API_GROUP,
      scope: "Cluster",
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: [CATEGORY],
      },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            conditionColumn("Ready"),
            {
              name: "Reason",
              type: "string",
              jsonPath: '.status.conditions[?(@.type=="Ready")].reason',
              description: "Why the object is (not) Ready: Available, Drifted, Conflict, an AWS error...",
            },
            conditionColumn("Synced"),
            ...def.printerColumns,
            { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
          ],
          schema: { openAPIV3Schema },
        },
      ],
    },
  };
}

/** The file name under crds/ for a kind's CRD. */
export const crdFileName = (def: ApiDefinition): string => `${def.plural}.${API_GROUP}.yaml`;

/** A CRD as the YAML text checked in under crds/. */
export function crdYaml(def: ApiDefinition): string {
  return `# Generated by \`npm run generate\` from the kinds (src/kinds). Do not edit: change the zod schema instead.\n${stringify(crdFor(def), { lineWidth: 0 })}`;
}

/**
 * The CRDs as a Helm template for charts/orgguard: under templates/ (so `helm upgrade` updates
 * them, which a chart's crds/ folder never does), kept on uninstall, and skippable.
 */
export function chartCrdsTemplate(defs: readonly ApiDefinition[]): string {
  const docs = defs.map((kind) => {
    const crd = crdFor(kind);
    const annotated = {
      ...crd,
      metadata: { ...crd.metadata, annotations: { "helm.sh/resource-policy": "keep" } },
    };
    return stringify(annotated, { lineWidth: 0 });
  });
  return [
    "{{- /* Generated by `npm run generate` from the kinds (src/kinds). Do not edit: change the zod schema instead. */}}",
    "{{- if .Values.crds.install }}",
    docs.map((d) => `---\n${d}`).join(""),
    "{{- end }}",
    "",
  ].join("\n");
}
