/**
 * Policy documents compared by meaning, never as bytes (Terraform's perpetual diffs come from
 * byte comparison): keys sorted, a single value and a one-element list are the same, set-like
 * lists (actions, resources, condition values, statements) are sorted and deduplicated.
 */

import { isEveryone } from "../api/scp-document.js";

const SET_LIKE_KEYS = new Set(["Action", "NotAction", "Resource", "NotResource"]);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A sorted, deduplicated list of canonical values. */
function asSet(value: unknown): Json[] {
  const list = (Array.isArray(value) ? value : [value]).map((v) => canonicalValue(v));
  const byKey = new Map(list.map((v) => [JSON.stringify(v), v]));
  return [...byKey.keys()].sort().map((k) => byKey.get(k)!);
}

function canonicalValue(value: unknown): Json {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (isRecord(value)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonicalValue(value[k])]),
    );
  }
  return value as Json;
}

function canonicalCondition(condition: unknown): Json {
  if (!isRecord(condition)) return canonicalValue(condition);
  return Object.fromEntries(
    Object.keys(condition)
      .sort()
      .map((operator) => {
        const keys = condition[operator];
        if (!isRecord(keys)) return [operator, canonicalValue(keys)];
        // Condition values are sets, and keys compare case-insensitively in IAM, but we keep
        // their case: changing it is a real edit that AWS would store.
        const values = Object.fromEntries(
          Object.keys(keys)
            .sort()
            .map((k) => [k, asSet(keys[k])]),
        );
        return [operator, values];
      }),
  );
}

function canonicalStatement(statement: unknown): Json {
  if (!isRecord(statement)) return canonicalValue(statement);
  const out: Record<string, Json> = {};
  for (const key of Object.keys(statement).sort()) {
    const value = statement[key];
    if (SET_LIKE_KEYS.has(key)) out[key] = asSet(value);
    else if (key === "Condition") out[key] = canonicalCondition(value);
    // An RCP's "*", {"AWS": "*"} and their one-element lists all mean every principal.
    else if (key === "Principal" && isEveryone(value)) out[key] = "*";
    else out[key] = canonicalValue(value);
  }
  return out;
}

/** The canonical form of a policy document (parsed JSON or the object from the spec). */
export function canonicalPolicy(document: unknown): Json {
  const doc = typeof document === "string" ? (JSON.parse(document) as unknown) : document;
  if (!isRecord(doc)) return canonicalValue(doc);
  const out: Record<string, Json> = {};
  for (const key of Object.keys(doc).sort()) {
    out[key] =
      key === "Statement"
        ? asSet((Array.isArray(doc[key]) ? doc[key] : [doc[key]]).map(canonicalStatement))
        : canonicalValue(doc[key]);
  }
  return out;
}

/** Whether two policy documents mean the same. */
export const samePolicy = (a: unknown, b: unknown): boolean =>
  JSON.stringify(canonicalPolicy(a)) === JSON.stringify(canonicalPolicy(b));
