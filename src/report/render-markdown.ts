/**
 * The report as Markdown, for a pull request or a ticket: the summary, the roll-ups per control,
 * per CIS recommendation and per OU, the organization-level objects, and every cell that needs
 * attention (up to a limit; the HTML and JSON reports have them all).
 */
import { cellTitle, STATE_LABELS, shortTime } from "./render-html.js";
import { CELL_STATES, type CellState, type Report, type StateCounts } from "./report-schema.js";

/** The most cells needing attention listed (a ticket with 6,000 lines helps nobody). */
export const MARKDOWN_ATTENTION_LIMIT = 200;

/** Text in a table cell: no pipe or line break may end it early. */
const cellText = (text: string): string => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, "; ");
const num = (n: number) => n.toLocaleString("en-US");
const countsRow = (counts: StateCounts) => CELL_STATES.map((s) => num(counts[s])).join(" | ");
const countsHeader = `${CELL_STATES.map((s) => STATE_LABELS[s].label).join(" | ")} |\n`;
const countsRule = CELL_STATES.map(() => "---:").join("|");

/** The Markdown report. */
export function renderMarkdown(report: Report): string {
  const org = report.organization.id ? ` of ${report.organization.id}` : "";
  const a = report.summary.accounts;
  const source =
    report.source === "cluster" ? "the objects' status in the cluster" : "a read-only pass over AWS";
  const out: string[] = [
    `# Organization posture${org}`,
    "",
    `Generated ${shortTime(report.generatedAt)} from ${source}.`,
    "",
    "## Summary",
    "",
    `| accounts | ${countsHeader}|---:|${countsRule}|`,
    `| ${num(a.total)} | ${countsRow(a)} |`,
    "",
    `Accounts by their worst control; ${report.summary.compliantShare} of account controls compliant.`,
  ];
  const o = report.summary.organizationObjects;
  if (o.total > 0) {
    out.push(
      `Organization-level objects: ${CELL_STATES.filter((s) => o[s] > 0)
        .map((s) => `${num(o[s])} ${STATE_LABELS[s].label}`)
        .join(", ")} (of ${num(o.total)}).`,
    );
  }
  out.push("", "## By control", "", `| control | CIS | ${countsHeader}|---|---|${countsRule}|`);
  for (const c of report.controls) {
    out.push(`| ${c.kind} | ${c.cis.map((r) => r.id).join(", ") || "-"} | ${countsRow(c.counts)} |`);
  }
  if (report.unusedControls.length > 0)
    out.push("", `Not managed in any account: ${report.unusedControls.join(", ")}.`);
  if (report.cis.length > 0) {
    out.push(
      "",
      "## CIS AWS Foundations Benchmark v3.0",
      "",
      "Judged from what AWS has, as each object last read it.",
      "",
      "| recommendation | asks for | control | meeting it | not meeting it | not judged |",
      "|---|---|---|---:|---:|---:|",
      ...report.cis.map(
        (c) =>
          `| ${c.id} | ${cellText(c.title)} | ${c.kind} | ${num(c.meets)} | ${num(c.fails)} | ${num(c.unknown)} |`,
      ),
    );
  }
  out.push("", "## By OU", "", `| OU | accounts | ${countsHeader}|---|---:|${countsRule}|`);
  for (const g of report.groups)
    out.push(`| ${cellText(g.ouPath)} | ${num(g.accounts.length)} | ${countsRow(g.counts)} |`);
  if (report.organizationObjects.length > 0) {
    out.push(
      "",
      "## Organization-level objects",
      "",
      "| object | state | why | last synced |",
      "|---|---|---|---|",
    );
    for (const obj of report.organizationObjects) {
      const why = [obj.reason, obj.message].filter(Boolean).join(": ");
      out.push(
        `| ${obj.kind}/${obj.name} | ${STATE_LABELS[obj.state].label} | ${cellText(why)} | ${obj.lastSyncTime ? shortTime(obj.lastSyncTime) : ""} |`,
      );
    }
  }
  out.push(...attentionSection(report));
  if (report.notes.length > 0) out.push("", "## Notes", "", ...report.notes.map((n) => `- ${n}`));
  return `${out.join("\n")}\n`;
}

/** Every cell that is not compliant, worst first, up to the limit. */
function attentionSection(report: Report): string[] {
  const rank = (s: CellState) => -CELL_STATES.indexOf(s);
  const cells = report.groups.flatMap((g) =>
    g.accounts.flatMap((a) =>
      Object.entries(a.cells)
        .filter(([, cell]) => cell.state !== "compliant")
        .map(([kind, cell]) => ({ g, a, kind, cell })),
    ),
  );
  if (cells.length === 0)
    return ["", "## Needing attention", "", "Nothing: every account meets every control."];
  cells.sort((x, y) => rank(x.cell.state) - rank(y.cell.state));
  const shown = cells.slice(0, MARKDOWN_ATTENTION_LIMIT);
  return [
    "",
    "## Needing attention",
    "",
    "| account | OU | control | state | why |",
    "|---|---|---|---|---|",
    ...shown.map(
      ({ g, a, kind, cell }) =>
        `| ${a.name ? `${cellText(a.name)} (${a.id})` : a.id} | ${cellText(g.ouPath)} | ${kind} | ${STATE_LABELS[cell.state].label} | ${cellText(cellTitle(kind, cell).split("\n").slice(1).join("\n") || cellTitle(kind, cell))} |`,
    ),
    ...(cells.length > shown.length
      ? ["", `…and ${num(cells.length - shown.length)} more: see the HTML or JSON report.`]
      : []),
  ];
}
