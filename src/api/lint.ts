/**
 * Warnings for manifests that are valid but probably not what was meant (orgguard validate prints
 * them; --strict makes them fail). Each kind says its own (an SCP that denies everything on a root,
 * a password policy weaker than CIS...); an AccountBaseline's settings are linted as the settings.
 */
import type { ApiDefinition, LintOptions } from "./api-definition.js";
import type { Problem } from "./problems.js";

export type { LintOptions };

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Warnings for one valid object (an invalid one gets none: validate reports its errors). */
export function lintObject(
  object: unknown,
  kinds: readonly ApiDefinition[],
  options: LintOptions = {},
): Problem[] {
  if (!isRecord(object) || !isRecord(object.spec)) return [];
  const kind = kinds.find((k) => k.kind === object.kind);
  if (!kind?.lint || !kind.spec.safeParse(object.spec).success) return [];
  return kind.lint(object.spec, options);
}
