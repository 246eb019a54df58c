/**
 * How `orgguard plan` and `apply` show their entries to a reviewer: documents pretty-printed (a
 * create shows the whole document, an update a line diff of it), targets as the spec writes them,
 * other fields as `from -> to`; as text for a terminal and as Markdown for a pull-request comment.
 */
import { structuredPatch } from "diff";
import type { Change } from "../runtime/managed.js";
import { patchOf } from "./plan-patch.js";

export type PlanAction =
  | "create"
  | "update"
  | "unchanged"
  | "drift-ignored"
  | "progressing"
  | "conflict"
  | "error";

/** What plan found (or apply did) for one object, or one account of a baseline. */
export interface PlanEntry {
  object: string;
  /** For a baseline: the account and setting this entry is about. */
  via?: string;
  action: PlanAction;
  changes: Change[];
  error?: string;
  /**
   * What the object destroys in AWS, said before it ever happens: on deletion (closing an account),
   * or while it exists (deleting member root credentials); the kind's words say which.
   */
  destructive?: string;
}

/** Where the plan was made: the organization, and the account whose credentials read it. */
export interface PlanContext {
  organizationId?: string;
  account?: string;
}

const SYMBOL: Record<PlanAction, string> = {
  create: "+",
  update: "~",
  unchanged: "=",
  "drift-ignored": "!",
  progressing: "*",
  conflict: "#",
  error: "x",
};
const COLOR: Record<PlanAction, string> = {
  create: "32",
  update: "33",
  unchanged: "90",
  "drift-ignored": "35",
  progressing: "36",
  conflict: "35",
  error: "31",
};
const VERB: Record<PlanAction, string> = {
  create: "create",
  update: "update",
  unchanged: "unchanged",
  "drift-ignored": "drift (ObserveOnly: not changed)",
  progressing: "progressing (AWS is still applying an earlier change)",
  conflict: "conflict",
  error: "error",
};

const isStructured = (v: unknown): boolean => typeof v === "object" && v !== null;
const pretty = (v: unknown): string => JSON.stringify(v, null, 2);
const scalar = (v: unknown): string => (v === undefined ? "(none)" : JSON.stringify(v));

/** A line diff of two pretty-printed values (unified, two lines of context), without headers. */
function lineDiff(from: unknown, to: unknown): string[] {
  const patch = structuredPatch("", "", `${pretty(from)}\n`, `${pretty(to)}\n`, "", "", { context: 2 });
  return patch.hunks.flatMap((h) => [
    `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`,
    ...h.lines,
  ]);
}

/** The lines that show one entry's changes, indented under it. */
export function changeLines(entry: PlanEntry): string[] {
  const lines: string[] = [];
  const targets = entry.changes.filter((c) => c.path.startsWith("targets["));
  for (const c of entry.changes.filter((x) => !x.path.startsWith("targets["))) {
    const name = c.path || "(whole resource)";
    if (c.description !== undefined) {
      // The kind says it better than the values would (or the values must not be shown).
      lines.push(`${name}: ${c.description}`);
    } else if (isStructured(c.from) || isStructured(c.to)) {
      lines.push(`${name}:`);
      // A diff keeps its +/- in the first column (a Markdown diff block colours them there).
      if (c.from !== undefined && c.to !== undefined) lines.push(...lineDiff(c.from, c.to));
      else
        lines.push(
          ...pretty(c.to ?? c.from)
            .split("\n")
            .map((l) => `  ${l}`),
        );
    } else if (entry.action === "create" && c.from === undefined) {
      lines.push(`${name}: ${scalar(c.to)}`);
    } else {
      lines.push(`${name}: ${scalar(c.from)} -> ${scalar(c.to)}`);
    }
  }
  if (targets.length > 0) {
    lines.push("targets:");
    for (const t of targets)
      lines.push(t.description ?? `${t.to === undefined ? "-" : "+"} ${t.path.slice(8, -1)}`);
  }
  if (entry.destructive) lines.push(`! destructive: ${entry.destructive}`);
  return lines;
}

const headline = (e: PlanEntry): string =>
  `${SYMBOL[e.action]} ${e.object}${e.via ? ` (${e.via})` : ""}: ${VERB[e.action]}${e.error ? `: ${e.error}` : ""}`;

const contextLine = (context: PlanContext | undefined, applied: boolean): string | undefined =>
  context?.organizationId || context?.account
    ? `orgguard ${applied ? "apply" : "plan"} for organization ${context.organizationId || "(unknown)"}, as account ${context.account || "(unknown)"}`
    : undefined;

/** Plan entries as readable text; coloured when `color`. */
export function formatText(
  entries: PlanEntry[],
  color: boolean,
  applied: boolean,
  context?: PlanContext,
): string {
  const paint = (action: PlanAction, text: string) =>
    color ? `\u001b[${COLOR[action]}m${text}\u001b[0m` : text;
  const lines: string[] = [];
  const header = contextLine(context, applied);
  if (header) lines.push(header, "");
  for (const e of entries) {
    lines.push(paint(e.action, headline(e)));
    for (const l of changeLines(e)) lines.push(`    ${l}`);
  }
  lines.push("", summary(entries, applied));
  return lines.join("\n");
}

export function summary(entries: PlanEntry[], applied: boolean): string {
  const n = (a: PlanAction) => entries.filter((e) => e.action === a).length;
  const verb = applied ? ["created", "updated"] : ["to create", "to update"];
  const progressing = n("progressing") > 0 ? `, ${n("progressing")} progressing` : "";
  return `${applied ? "Applied" : "Plan"}: ${n("create")} ${verb[0]}, ${n("update")} ${verb[1]}, ${n("unchanged")} unchanged, ${n("drift-ignored")} drifted (ObserveOnly)${progressing}, ${n("conflict")} conflict(s), ${n("error")} error(s).`;
}

/** Text with every character Markdown would read as markup escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, "\\$&").replace(/\n/g, " ");
}

/** Text as inline code, fenced with more backticks than it contains (so it may contain some). */
export function inlineCode(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const pad = text.startsWith("`") || text.endsWith("`") ? " " : "";
  return `${fence}${pad}${text.replace(/\n/g, " ")}${pad}${fence}`;
}

/** Lines as a fenced code block whose fence no line can close. */
function codeBlock(lines: string[], language: string): string {
  const longest = Math.max(0, ...lines.flatMap((l) => [...l.matchAll(/`+/g)].map((m) => m[0].length)));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return [`${fence}${language}`, ...lines, fence].join("\n");
}

/** Plan entries as Markdown, for a pull-request comment: a table, then each change in detail. */
export function formatMarkdown(entries: PlanEntry[], context?: PlanContext): string {
  const changed = entries.filter((e) => e.action !== "unchanged" || e.destructive);
  const parts = ["### orgguard plan", ""];
  const header = contextLine(context, false);
  if (header && context) {
    parts.push(
      `Organization ${inlineCode(context.organizationId || "(unknown)")}, planned as account ${inlineCode(context.account || "(unknown)")}.`,
      "",
    );
  }
  if (changed.length === 0) parts.push("No changes.");
  else {
    parts.push("| action | object | about |", "|---|---|---|");
    for (const e of changed) {
      const about =
        e.error ??
        [
          ...e.changes.map((c) => c.description ?? (c.path || "(whole resource)")),
          ...(e.destructive ? [`DESTRUCTIVE: ${e.destructive}`] : []),
        ].join(", ");
      parts.push(
        `| ${SYMBOL[e.action]} ${escapeMarkdown(VERB[e.action])} | ${inlineCode(e.object)}${e.via ? ` (${escapeMarkdown(e.via)})` : ""} | ${escapeMarkdown(about)} |`,
      );
    }
    for (const e of changed.filter((x) => x.changes.length > 0 || x.destructive)) {
      parts.push(
        "",
        `#### ${SYMBOL[e.action]} ${escapeMarkdown(VERB[e.action])} ${inlineCode(e.object)}${e.via ? ` (${escapeMarkdown(e.via)})` : ""}`,
        "",
        codeBlock(changeLines(e), "diff"),
      );
    }
  }
  parts.push("", escapeMarkdown(summary(entries, false)), "");
  return parts.join("\n");
}

/**
 * `--output json` (docs/plan-json.md): the organization and account, every entry with what
 * differs as AWS has it (`actual`) and as wanted (`desired`) and the RFC 6902 patch from one to
 * the other, and the summary line.
 */
export function formatJson(entries: PlanEntry[], context: PlanContext, applied: boolean): string {
  const withPatches = entries.map((e) => ({ ...e, ...patchOf(e.changes) }));
  return JSON.stringify({ ...context, entries: withPatches, summary: summary(entries, applied) }, null, 2);
}
