/**
 * Validation of one manifest without a cluster: the kind's zod schema (what the CRD's schema and
 * CEL rules check) plus what only TypeScript can check (the SCP document's grammar and size).
 */
import type { z } from "zod";
import { API_GROUP, API_GROUP_VERSION } from "./common.js";
import { findKind, KINDS } from "./kinds.js";
import { DEFAULT_SCP_SIZE_LIMIT, type Problem, validateScpDocument } from "./scp-document.js";
import type { ServiceControlPolicySpec } from "./service-control-policy.js";
import { fieldsAt, nearest } from "./suggest.js";

export type { Problem };

export interface ValidateOptions {
  scpSizeLimit?: number;
}

/** A DNS subdomain name (RFC 1123), as Kubernetes requires for metadata.name. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOP_LEVEL_KEYS = new Set(["apiVersion", "kind", "metadata", "spec", "status"]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Turns zod's issue path into the dotted path kubectl users know: spec.targets[0].ouId. */
export function formatPath(base: string, path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (acc, key) => (typeof key === "number" ? `${acc}[${key}]` : `${acc}.${String(key)}`),
    base,
  );
}

/** "unknown field", with the nearest known field when the key looks like a typo of it. */
export function unknownField(key: string, known: readonly string[]): string {
  const suggestion = nearest(key, known);
  return suggestion ? `unknown field (did you mean ${suggestion}?)` : "unknown field";
}

/** zod's issues as problems, with unknown keys reported one per field (and a suggestion). */
export function zodProblems(error: z.ZodError, base: string, schema?: z.ZodType): Problem[] {
  return error.issues.flatMap((issue): Problem[] => {
    const at = formatPath(base, issue.path);
    if (issue.code === "unrecognized_keys") {
      const known = schema ? fieldsAt(schema, issue.path) : [];
      return issue.keys.map((key) => ({ path: `${at}.${key}`, message: unknownField(key, known) }));
    }
    return [{ path: at, message: issue.message }];
  });
}

/** A spec's schema problems as `spec.<path>: message` lines (for a Stalled/InvalidSpec condition). */
export function specProblems(schema: z.ZodType, spec: unknown): string[] {
  const result = schema.safeParse(spec);
  return result.success ? [] : result.error.issues.map((i) => `${formatPath("spec", i.path)}: ${i.message}`);
}

/**
 * Whether a manifest is meant for orgguard: its apiVersion is in orgguard.io's group, or it names
 * an orgguard kind (with a wrong apiVersion: an error to report, not a stranger to skip). Anything
 * else in a GitOps folder (a ConfigMap, a kustomization.yaml) is not orgguard's business.
 */
export function isOrgguardManifest(object: unknown): boolean {
  if (!isRecord(object)) return false;
  const apiVersion = typeof object.apiVersion === "string" ? object.apiVersion : "";
  const kind = typeof object.kind === "string" ? object.kind : "";
  return apiVersion.startsWith(`${API_GROUP}/`) || findKind(kind) !== undefined;
}

/** Validates one object from a manifest; returns every problem (an empty list means valid). */
export function validateObject(object: unknown, options: ValidateOptions = {}): Problem[] {
  if (!isRecord(object)) return [{ path: "", message: "a manifest must be a YAML mapping" }];
  if (object.apiVersion !== API_GROUP_VERSION) {
    return [
      {
        path: "apiVersion",
        message: `unknown apiVersion ${JSON.stringify(object.apiVersion)}: expected ${API_GROUP_VERSION}`,
      },
    ];
  }
  const kind = typeof object.kind === "string" ? findKind(object.kind) : undefined;
  if (!kind) {
    const known = KINDS.map((k) => k.kind);
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
  const name = isRecord(object.metadata) ? object.metadata.name : undefined;
  if (typeof name !== "string" || name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    problems.push({
      path: "metadata.name",
      message:
        "metadata.name must be a lower-case DNS subdomain name (a-z, 0-9, '-', '.') of at most 253 characters",
    });
  }
  const parsed = kind.spec.safeParse(object.spec);
  if (!parsed.success) problems.push(...zodProblems(parsed.error, "spec", kind.spec));
  if (kind.kind === "ServiceControlPolicy" && isRecord(object.spec)) {
    // The schema says part of the grammar too: one problem per field, the grammar's words first.
    const grammar = validateScp(object.spec as Partial<ServiceControlPolicySpec>, name, options);
    const said = new Set(grammar.map((p) => p.path));
    return [...problems.filter((p) => !said.has(p.path)), ...grammar];
  }
  return problems;
}

function validateScp(
  spec: Partial<ServiceControlPolicySpec>,
  name: unknown,
  options: ValidateOptions,
): Problem[] {
  const problems: Problem[] = [];
  if (spec.document !== undefined) {
    problems.push(
      ...validateScpDocument(spec.document, {
        basePath: "spec.document",
        sizeLimit: options.scpSizeLimit ?? DEFAULT_SCP_SIZE_LIMIT,
      }),
    );
  }
  // policyName defaults to metadata.name, which may be longer than AWS's 128 characters.
  if (spec.policyName === undefined && typeof name === "string" && name.length > 128) {
    problems.push({
      path: "spec.policyName",
      message: "set policyName: metadata.name is longer than AWS's 128 characters",
    });
  }
  return problems;
}
