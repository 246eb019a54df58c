/**
 * A saved plan (`orgguard plan --output json > plan.json`, docs/plan-json.md) as `apply --plan`
 * reads it: checked field by field (a file that is not such a plan is refused before anything is
 * read from AWS), and compared with what AWS shows now, entry by entry.
 */
import { readFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import { z } from "zod";
import type { Change } from "../runtime/managed.js";
import type { PlanContext, PlanEntry } from "./plan-format.js";

/**
 * The most a plan file may weigh: far above any plan of an organization AWS allows (a create of
 * two settings takes about 3 KB of JSON per account), so a wrong file is refused, not parsed.
 */
export const MAX_PLAN_FILE_BYTES = 256 * 1024 * 1024;

const change = z.object({
  path: z.string(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  description: z.string().optional(),
});

const entry = z.object({
  object: z.string().min(1),
  via: z.string().optional(),
  action: z.enum(["create", "update", "unchanged", "drift-ignored", "progressing", "conflict", "error"]),
  changes: z.array(change),
  error: z.string().optional(),
  destructive: z.string().optional(),
});

/** What `apply --plan` needs of `plan --output json`; the other fields (patch, actual, summary) are derived. */
const planFile = z.object({
  organizationId: z.string().optional(),
  account: z.string().optional(),
  entries: z.array(entry),
});

export interface PlanFile extends PlanContext {
  entries: PlanEntry[];
}

/** The plan in `file`, or an error saying what is wrong with it (never a stack trace). */
export async function readPlanFile(file: string): Promise<PlanFile> {
  let text: string;
  try {
    const buffer = await readFile(file);
    if (buffer.byteLength > MAX_PLAN_FILE_BYTES) {
      throw new Error(`it is over ${MAX_PLAN_FILE_BYTES / 1024 / 1024} MiB`);
    }
    text = buffer.toString("utf8");
  } catch (err) {
    throw new Error(`cannot read the plan ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(
      `the plan ${file} is not JSON (${(err as Error).message}): give it what \`orgguard plan --output json\` printed`,
    );
  }
  const parsed = planFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join(".") : "the document";
    throw new Error(
      `the plan ${file} is not the output of \`orgguard plan --output json\`: ${where}: ${issue?.message ?? "unexpected content"}`,
    );
  }
  return parsed.data as PlanFile;
}

/** How an entry is named in a difference: `Kind/name` and, for a baseline's entry, what it stands for. */
const labelOf = (e: Pick<PlanEntry, "object" | "via">): string => `${e.object}${e.via ? ` (${e.via})` : ""}`;

/** A change as the plan's JSON holds it: undefined fields absent. */
const asSaved = (changes: Change[]): unknown => JSON.parse(JSON.stringify(changes));

/** What an entry's changes say, shortened for a message. */
function describe(e: PlanEntry): string {
  const paths = e.changes.map((c) => c.path || "(whole resource)");
  const listed =
    paths.length > 4 ? `${paths.slice(0, 4).join(", ")} and ${paths.length - 4} more` : paths.join(", ");
  return `${e.action}${listed ? ` of ${listed}` : ""}`;
}

/** A value as a difference shows it: JSON, cut short. */
function shown(value: unknown): string {
  const text = value === undefined ? "(none)" : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

const fromTo = (c: Change): string => c.description ?? `${shown(c.from)} -> ${shown(c.to)}`;

/** What differs between the changes planned and the changes now, by path (at most three said). */
function changedValues(planned: Change[], now: Change[]): string {
  const was = new Map(planned.map((c) => [c.path, c]));
  const is = new Map(now.map((c) => [c.path, c]));
  const lines: string[] = [];
  for (const path of new Set([...was.keys(), ...is.keys()])) {
    const a = was.get(path);
    const b = is.get(path);
    const name = path || "(whole resource)";
    if (a && !b) lines.push(`${name} planned (${fromTo(a)}), no longer differs`);
    else if (!a && b) lines.push(`${name} differs now (${fromTo(b)}), not planned`);
    else if (a && b && !isDeepStrictEqual(asSaved([a]), asSaved([b])))
      lines.push(`${name} planned ${fromTo(a)}, now ${fromTo(b)}`);
  }
  const more = lines.length > 3 ? `; and ${lines.length - 3} more` : "";
  return `${lines.slice(0, 3).join("; ")}${more}`;
}

/**
 * Whether an entry now asks for the work the plan said: the same action and the same changes. A
 * change AWS was still applying when the plan was made and has finished since is the same (apply
 * writes nothing for either).
 */
function sameWork(was: PlanEntry, is: PlanEntry): boolean {
  if (was.action === "progressing" && is.action === "unchanged") return true;
  return was.action === is.action && isDeepStrictEqual(asSaved(was.changes), asSaved(is.changes));
}

/**
 * Where the plan and what AWS shows now differ, one line each (none: apply may go ahead): an
 * entry added or gone, another action, other changes (other values: AWS changed in between), the
 * organization or caller account changed. A plan that has errors or conflicts is never applied.
 */
export function planDifferences(plan: PlanFile, context: PlanContext, now: PlanEntry[]): string[] {
  const differences: string[] = [];
  if (plan.organizationId && context.organizationId && plan.organizationId !== context.organizationId) {
    differences.push(
      `the plan is for organization ${plan.organizationId}; these credentials are in ${context.organizationId}`,
    );
  }
  if (plan.account && context.account && plan.account !== context.account) {
    differences.push(
      `the plan was made as account ${plan.account}; these credentials are account ${context.account}`,
    );
  }
  for (const e of plan.entries.filter((x) => x.action === "error" || x.action === "conflict")) {
    differences.push(
      `${labelOf(e)}: the plan has ${e.action === "error" ? "an error" : "a conflict"}: ${e.error ?? ""}`,
    );
  }
  const byLabel = (entries: PlanEntry[]) => {
    const map = new Map<string, PlanEntry[]>();
    for (const e of entries) map.set(labelOf(e), [...(map.get(labelOf(e)) ?? []), e]);
    return map;
  };
  const planned = byLabel(plan.entries);
  const current = byLabel(now);
  for (const [label, entries] of planned) {
    const nowEntries = current.get(label) ?? [];
    entries.forEach((was, i) => {
      const is = nowEntries[i];
      if (!is) differences.push(`${label}: planned (${describe(was)}), but no longer among the objects`);
      else if (sameWork(was, is)) return;
      else if (was.action !== is.action)
        differences.push(
          `${label}: planned ${describe(was)}, now ${describe(is)}${is.error ? `: ${is.error}` : ""}`,
        );
      else differences.push(`${label}: ${changedValues(was.changes, is.changes)}`);
    });
  }
  for (const [label, entries] of current) {
    const plannedCount = planned.get(label)?.length ?? 0;
    for (const is of entries.slice(plannedCount))
      differences.push(`${label}: not in the plan, now ${describe(is)}`);
  }
  return differences;
}
