/**
 * Problems in a spec, as orgguard reports them everywhere (validate, plan, a Stalled/InvalidSpec
 * condition): the field's path as kubectl spells it, and a message; unknown fields with the nearest
 * known one.
 */
import type { z } from "zod";
import { fieldsAt, nearest } from "./suggest.js";

/** A problem in a manifest, with the path of the offending field (`spec.document.Statement[0]`). */
export interface Problem {
  path: string;
  message: string;
}

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
    // zod says only "Invalid key in record": the key's own issues say what is wrong with it.
    if (issue.code === "invalid_key") {
      return [{ path: at, message: `invalid key: ${issue.issues.map((i) => i.message).join("; ")}` }];
    }
    return [{ path: at, message: issue.message }];
  });
}

/** A spec's schema problems as `spec.<path>: message` lines (for a Stalled/InvalidSpec condition). */
export function specProblems(schema: z.ZodType, spec: unknown): string[] {
  const result = schema.safeParse(spec);
  return result.success ? [] : result.error.issues.map((i) => `${formatPath("spec", i.path)}: ${i.message}`);
}

/** A value as a message quotes it: JSON, cut short (a pasted 2 MB string is not echoed back). */
export const shown = (value: unknown, max = 60): string => cut(JSON.stringify(value) ?? String(value), max);

/** Text cut to `max` characters, with an ellipsis when cut, on one line. */
export function cut(text: string, max: number): string {
  const line = text.replace(/[\r\n]+/g, " ");
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
