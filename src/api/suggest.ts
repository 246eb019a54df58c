/**
 * "Did you mean ...?" for unknown fields: the fields a zod schema knows at a path, and the nearest
 * of them to what was written (edit distance, case ignored).
 */
import { z } from "zod";

/** The field names an object schema accepts at `path` (array indexes included), or none. */
export function fieldsAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  let current: z.ZodType | undefined = schema;
  const unwrap = (s: z.ZodType): z.ZodType => {
    let t = s;
    for (;;) {
      if (t instanceof z.ZodOptional || t instanceof z.ZodNullable) t = t.unwrap() as z.ZodType;
      else if (t instanceof z.ZodDefault) t = t.unwrap() as z.ZodType;
      else if (t instanceof z.ZodPipe) t = t.in as z.ZodType;
      else return t;
    }
  };
  for (const part of path) {
    if (!current) return [];
    const t = unwrap(current);
    if (t instanceof z.ZodArray && typeof part === "number") current = t.element as z.ZodType;
    else if (t instanceof z.ZodObject && typeof part === "string")
      current = t.shape[part] as z.ZodType | undefined;
    else if (t instanceof z.ZodRecord) current = t.valueType as z.ZodType;
    else return [];
  }
  const last = current ? unwrap(current) : undefined;
  return last instanceof z.ZodObject ? Object.keys(last.shape) : [];
}

/** Levenshtein distance between two words. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** The known field closest to `word`, if one is close enough to be a typo of it. */
export function nearest(word: string, known: readonly string[]): string | undefined {
  let best: { field: string; d: number } | undefined;
  for (const field of known) {
    const d = distance(word.toLowerCase(), field.toLowerCase());
    if (!best || d < best.d) best = { field, d };
  }
  if (!best) return undefined;
  return best.d <= Math.max(2, Math.floor(best.field.length / 3)) ? best.field : undefined;
}
