/**
 * Validation of one manifest without a cluster: the kind's zod schema (what the CRD's schema and
 * CEL rules check) plus what only TypeScript can check (a kind's own checks, such as the SCP
 * document's grammar and size). The kinds come from the caller (kinds/index.ts has the list).
 */

import type { ApiDefinition, CheckOptions } from "./api-definition.js";
import { API_GROUP, API_GROUP_VERSION } from "./common.js";
import { type SchemaNode, toStructuralSchema } from "./crd.js";
import { type Problem, shown, unknownField, zodProblems } from "./problems.js";
import { nearest } from "./suggest.js";

export type { Problem };
export type ValidateOptions = CheckOptions;

/** A DNS subdomain name (RFC 1123), as Kubernetes requires for metadata.name. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOP_LEVEL_KEYS = new Set(["apiVersion", "kind", "metadata", "spec", "status"]);
/** The fields of Kubernetes' ObjectMeta: the apiserver's strict field validation refuses others. */
const METADATA_KEYS = [
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
];

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Whether a manifest is meant for orgguard: its apiVersion is in orgguard.io's group, or it names
 * an orgguard kind (with a wrong apiVersion: an error to report, not a stranger to skip). Anything
 * else in a GitOps folder (a ConfigMap, a kustomization.yaml) is not orgguard's business.
 */
export function isOrgguardManifest(object: unknown, kinds: readonly ApiDefinition[]): boolean {
  if (!isRecord(object)) return false;
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const kind = typeof object.kind === "string" ? object.kind : "";
  return apiVersion.startsWith(`${API_GROUP}/`) || kinds.some((k) => k.kind === kind);
}

/** Validates one object from a manifest; returns every problem (an empty list means valid). */
export function validateObject(
  object: unknown,
  kinds: readonly ApiDefinition[],
  options: ValidateOptions = {},
): Problem[] {
  if (!isRecord(object)) return [{ path: "", message: "a manifest must be a YAML mapping" }];
  if (object.apiVersion !== API_GROUP_VERSION) {
    return [
      {
        path: "apiVersion",
        message: `unknown apiVersion ${JSON.stringify(object.apiVersion)}: expected ${API_GROUP_VERSION}`,
      },
    ];
  }
  const kind = kinds.find((k) => k.kind === object.kind);
  if (!kind) {
    const known = kinds.map((k) => k.kind);
    const suggestion = typeof object.kind === "string" ? nearest(object.kind, known) : undefined;
    return [
      {
        path: "kind",
        message: `unknown kind ${JSON.stringify(object.kind)}: ${suggestion ? `did you mean ${suggestion}? ` : ""}expected one of ${known.join(", ")}`,
      },
    ];
  }
  const problems: Problem[] = [];
  for (const key of Object.keys(object)) {
    if (!TOP_LEVEL_KEYS.has(key))
      problems.push({ path: key, message: unknownField(key, [...TOP_LEVEL_KEYS]) });
  }
  problems.push(...metadataProblems(object.metadata));
  const name = isRecord(object.metadata) ? object.metadata.name : undefined;
  const spec = withoutPrunedNulls(object.spec, specSchemaOf(kind));
  const parsed = kind.spec.safeParse(spec);
  if (!parsed.success) problems.push(...zodProblems(parsed.error, "spec", kind.spec));
  if (parsed.success && isRecord(spec) && typeof name === "string") {
    for (const rule of kind.objectRules ?? []) {
      if (!rule.holds({ metadata: { name }, spec })) {
        problems.push({ path: (rule.fieldPath ?? "").replace(/^\./, ""), message: rule.message });
      }
    }
  }
  if (!kind.check || !isRecord(spec)) return problems;
  // The schema may say part of what the kind's own check says: one problem per field, the check's words.
  const checked = kind.check(spec, options);
  const said = new Set(checked.map((p) => p.path));
  return [...problems.filter((p) => !said.has(p.path)), ...checked];
}

/** metadata: a mapping of ObjectMeta's fields, with a DNS subdomain name. */
function metadataProblems(metadata: unknown): Problem[] {
  const problems: Problem[] = [];
  if (isRecord(metadata)) {
    for (const key of Object.keys(metadata)) {
      if (!METADATA_KEYS.includes(key))
        problems.push({ path: `metadata.${key}`, message: unknownField(key, METADATA_KEYS) });
    }
  }
  for (const key of ["labels", "annotations"]) {
    const map = isRecord(metadata) ? metadata[key] : undefined;
    if (map === undefined || map === null) continue;
    if (!isRecord(map))
      problems.push({ path: `metadata.${key}`, message: `metadata.${key} must be a mapping of strings` });
    else
      for (const [k, v] of Object.entries(map)) {
        if (typeof v !== "string" && v !== null)
          problems.push({ path: `metadata.${key}.${k}`, message: `${key} are strings: quote ${shown(v)}` });
      }
  }
  const name = isRecord(metadata) ? metadata.name : undefined;
  if (typeof name !== "string" || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    problems.push({
      path: "metadata.name",
      message: `metadata.name must be a lower-case DNS subdomain name (a-z, 0-9, '-', '.') of at most 253 characters${name === undefined ? "" : `, not ${shown(name)}`}`,
    });
  }
  return problems;
}

const specSchemas = new WeakMap<ApiDefinition, SchemaNode>();

/** A kind's spec as its CRD's structural schema says it (what the apiserver prunes and validates by). */
function specSchemaOf(kind: ApiDefinition): SchemaNode {
  let schema = specSchemas.get(kind);
  if (!schema) {
    schema = toStructuralSchema(kind.spec);
    specSchemas.set(kind, schema);
  }
  return schema;
}

/**
 * A value as the apiserver keeps it: a null where the schema names a field (a property, or a
 * map's value) is dropped before defaulting, so `description: null` means the default, as it
 * does for kubectl; nulls in a list, and anywhere in a field the schema leaves untyped, are kept.
 */
export function withoutPrunedNulls(value: unknown, schema: SchemaNode | undefined): unknown {
  if (!schema) return value;
  if (Array.isArray(value)) {
    const items = schema.items as SchemaNode | undefined;
    return items ? value.map((item) => withoutPrunedNulls(item, items)) : value;
  }
  if (!isRecord(value)) return value;
  const properties = schema.properties as Record<string, SchemaNode> | undefined;
  const additional = schema.additionalProperties as SchemaNode | undefined;
  if (!properties && !additional) return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const childSchema = properties?.[key] ?? additional;
    if (child === null && childSchema && childSchema.nullable !== true) continue;
    out[key] = withoutPrunedNulls(child, childSchema);
  }
  return out;
}

/**
 * An object as the apiserver would store it from this manifest: the nulls it prunes from the
 * spec dropped (orgguard plan and apply act on this, as the controller acts on what is stored).
 */
export function asAdmitted(object: unknown, kinds: readonly ApiDefinition[]): unknown {
  if (!isRecord(object)) return object;
  const kind = kinds.find((k) => k.kind === object.kind);
  return kind && "spec" in object
    ? { ...object, spec: withoutPrunedNulls(object.spec, specSchemaOf(kind)) }
    : object;
}
