/**
 * The grammar and size of an SCP document, checked in TypeScript because CEL cannot: shared by
 * `orgguard validate` and the controller, so a bad document never reaches AWS (moto would accept
 * it; AWS answers MalformedPolicyDocumentException or POLICY_CONTENT_LIMIT_EXCEEDED).
 */

import type { Problem } from "./problems.js";

export type { Problem };

/** AWS raised the SCP size limit from 5,120 to 10,240 characters on 15 May 2026. */
export const DEFAULT_SCP_SIZE_LIMIT = 10_240;
export const POLICY_VERSION = "2012-10-17";

const STATEMENT_KEYS = new Set([
  "Sid",
  "Effect",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);
const ACTION_PATTERN = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;
const SID_PATTERN = /^[A-Za-z0-9]*$/;

/** The document as AWS stores and counts it: whitespace counts, so orgguard always sends it minified. */
export const minifyPolicyDocument = (document: unknown): string => JSON.stringify(document);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const join = (base: string, key: string | number): string =>
  typeof key === "number" ? `${base}[${key}]` : base ? `${base}.${key}` : key;

export interface ScpDocumentOptions {
  /** The size limit in characters of the minified document. */
  sizeLimit?: number;
  /** Prefixed to every problem's path, for example `spec.document`. */
  basePath?: string;
}

/** Checks an SCP document's grammar and minified size; returns every problem found (none = valid). */
export function validateScpDocument(document: unknown, options: ScpDocumentOptions = {}): Problem[] {
  const base = options.basePath ?? "";
  const sizeLimit = options.sizeLimit ?? DEFAULT_SCP_SIZE_LIMIT;
  if (!isRecord(document)) return [{ path: base, message: "the policy document must be an object" }];
  const problems: Problem[] = [];
  for (const key of Object.keys(document)) {
    if (key !== "Version" && key !== "Statement") {
      problems.push({
        path: join(base, key),
        message: `unknown element '${key}': an SCP has only Version and Statement`,
      });
    }
  }
  if (document.Version !== POLICY_VERSION) {
    problems.push({ path: join(base, "Version"), message: `Version must be "${POLICY_VERSION}"` });
  }
  problems.push(...validateStatements(document.Statement, join(base, "Statement")));
  const size = minifyPolicyDocument(document).length;
  if (size > sizeLimit) {
    problems.push({
      path: base,
      message: `the minified document is ${size} characters; the SCP limit is ${sizeLimit}`,
    });
  }
  return problems;
}

function validateStatements(statement: unknown, path: string): Problem[] {
  if (statement === undefined) return [{ path, message: "Statement is required" }];
  const list = Array.isArray(statement) ? statement : [statement];
  if (list.length === 0) return [{ path, message: "Statement must not be empty" }];
  const problems: Problem[] = [];
  const sids = new Set<string>();
  list.forEach((s, i) => {
    const at = Array.isArray(statement) ? join(path, i) : path;
    if (!isRecord(s)) {
      problems.push({ path: at, message: "a statement must be an object" });
      return;
    }
    problems.push(...validateStatement(s, at));
    if (typeof s.Sid === "string" && s.Sid !== "") {
      if (sids.has(s.Sid)) problems.push({ path: join(at, "Sid"), message: `duplicate Sid '${s.Sid}'` });
      sids.add(s.Sid);
    }
  });
  return problems;
}

function validateStatement(s: Record<string, unknown>, at: string): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(s)) {
    if (key === "Principal" || key === "NotPrincipal") {
      problems.push({
        path: join(at, key),
        message: `${key} is not allowed in an SCP: an SCP applies to every principal of the accounts it is attached to`,
      });
    } else if (!STATEMENT_KEYS.has(key)) {
      problems.push({ path: join(at, key), message: `unknown element '${key}' in a statement` });
    }
  }
  if (s.Effect !== "Allow" && s.Effect !== "Deny") {
    problems.push({ path: join(at, "Effect"), message: "Effect must be Allow or Deny" });
  }
  problems.push(...exactlyOne(s, at, "Action", "NotAction", ACTION_PATTERN, "service:Action or *"));
  problems.push(...exactlyOne(s, at, "Resource", "NotResource", /^(\*|arn:.+)$/, "an ARN or *"));
  if (s.Sid !== undefined && (typeof s.Sid !== "string" || !SID_PATTERN.test(s.Sid))) {
    problems.push({ path: join(at, "Sid"), message: "Sid may contain only letters and digits" });
  }
  if (s.Condition !== undefined) problems.push(...validateCondition(s.Condition, join(at, "Condition")));
  return problems;
}

/** `Action`/`NotAction` and `Resource`/`NotResource`: exactly one of the pair, each a string or list of strings. */
function exactlyOne(
  s: Record<string, unknown>,
  at: string,
  key: string,
  notKey: string,
  pattern: RegExp,
  expected: string,
): Problem[] {
  const present = [key, notKey].filter((k) => s[k] !== undefined);
  if (present.length !== 1) {
    return [{ path: at, message: `a statement needs exactly one of ${key} or ${notKey}` }];
  }
  const name = present[0]!;
  const value = s[name];
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) return [{ path: join(at, name), message: `${name} must not be empty` }];
  const problems: Problem[] = [];
  values.forEach((v, i) => {
    const path = Array.isArray(value) ? join(join(at, name), i) : join(at, name);
    if (typeof v !== "string" || !pattern.test(v)) {
      problems.push({ path, message: `${JSON.stringify(v)} is not ${expected}` });
    }
  });
  return problems;
}

function validateCondition(condition: unknown, at: string): Problem[] {
  if (!isRecord(condition)) return [{ path: at, message: "Condition must be an object of operators" }];
  const problems: Problem[] = [];
  for (const [operator, keys] of Object.entries(condition)) {
    const opPath = join(at, operator);
    if (!isRecord(keys) || Object.keys(keys).length === 0) {
      problems.push({
        path: opPath,
        message: `condition operator ${operator} must map condition keys to values`,
      });
      continue;
    }
    for (const [key, value] of Object.entries(keys)) {
      const values = Array.isArray(value) ? value : [value];
      const scalar = (v: unknown) => ["string", "number", "boolean"].includes(typeof v);
      if (values.length === 0 || !values.every(scalar)) {
        problems.push({
          path: join(opPath, key),
          message: "a condition value must be a string, number, boolean or a list of them",
        });
      }
    }
  }
  return problems;
}
