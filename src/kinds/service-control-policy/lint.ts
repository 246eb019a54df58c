/**
 * Warnings for an SCP that is valid but probably not what was meant: it denies everything on a
 * root or OU with no exception, targets the management account (SCPs never apply to it), or lists
 * a target twice.
 */
import type { LintOptions } from "../../api/api-definition.js";
import type { Problem } from "../../api/problems.js";
import type { PolicySpec } from "../organization-policy/api.js";

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** Statements that deny every action on every resource, unconditionally. */
function denyAllStatements(document: Record<string, unknown>): number[] {
  return asList(document.Statement).flatMap((s, i) => {
    const st = s as Record<string, unknown>;
    const all = (v: unknown) => asList(v).includes("*");
    return st.Effect === "Deny" &&
      all(st.Action) &&
      all(st.Resource) &&
      st.Condition === undefined &&
      st.NotAction === undefined
      ? [i]
      : [];
  });
}

export function lintScp(spec: PolicySpec, options: LintOptions): Problem[] {
  const { document, targets } = spec;
  const warnings: Problem[] = [];
  const broad = targets.filter((t) => t.root || t.ouId || t.ouPath);
  for (const i of denyAllStatements(document)) {
    if (broad.length > 0) {
      const where = broad.map((t) => (t.root ? "the root" : (t.ouPath ?? t.ouId))).join(", ");
      warnings.push({
        path: `spec.document.Statement[${i}]`,
        message: `denies every action on ${where} with no condition or exception: every principal of those accounts loses all access`,
      });
    }
  }
  const seen = new Set<string>();
  targets.forEach((t, i) => {
    const key = JSON.stringify(t);
    if (seen.has(key)) warnings.push({ path: `spec.targets[${i}]`, message: "duplicate target" });
    seen.add(key);
    if (options.managementAccountId && t.accountId === options.managementAccountId) {
      warnings.push({
        path: `spec.targets[${i}]`,
        message: "targets the management account, which SCPs never restrict",
      });
    }
  });
  return warnings;
}
