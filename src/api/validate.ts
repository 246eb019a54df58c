/**
 * Validation of one manifest without a cluster: the kind's zod schema (what the CRD's schema and
 * CEL rules check) plus what only TypeScript can check (a kind's own checks, such as the SCP
 * document's grammar and size). The kinds come from the caller (kinds/index.ts has the list).
 */

import type { ApiDefinition, CheckOptions } from "./api-definition.js";
import { API_GROUP, API_GROUP_VERSION } from "./common.js";
import { type Problem, unknownField, zodProblems } from "./problems.js";
import { nearest } from "./suggest.js";

export type { Problem };
export type ValidateOptions = CheckOptions;

/** A DNS subdomain name (RFC 1123), as Kubernetes requires for metadata.name. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const TOP_LEVEL_KEYS = new Set(["apiVersion", "kind", "metadata", "spec", "status"]);

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
  if (!kind.check || !isRecord(object.spec)) return problems;
  // The schema may say part of what the kind's own check says: one problem per field, the check's words.
  const checked = kind.check(object.spec, typeof name === "string" ? name : "", options);
  const said = new Set(checked.map((p) => p.path));
  return [...problems.filter((p) => !said.has(p.path)), ...checked];
}
