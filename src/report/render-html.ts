/**
 * The report as one self-contained HTML file: no script, style, font or image from anywhere else,
 * so it opens offline, from a CI artefact or an e-mail. The summary comes first, then the roll-ups
 * (per control, per CIS recommendation), the matrix of accounts grouped by OU path, and the
 * organization-level objects. Every cell says its state by colour and by symbol, and its reason,
 * what differs, its CIS judgement and its last sync and repair on hover (the title). A little
 * inline script filters accounts (by text, by state) and folds OUs, so 1,000 accounts stay
 * readable; without it, everything is shown.
 */
import { CELL_STATES, type Cell, type CellState, type Report, type StateCounts } from "./report-schema.js";

const esc = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );

/** How each state is named, and the symbol that says it without colour. */
export const STATE_LABELS: Record<CellState, { label: string; symbol: string }> = {
  compliant: { label: "compliant", symbol: "✓" },
  pending: { label: "pending", symbol: "…" },
  unmanaged: { label: "not managed", symbol: "–" },
  paused: { label: "paused", symbol: "‖" },
  drifted: { label: "drifted", symbol: "≠" },
  failing: { label: "failing", symbol: "✗" },
};

/** 2026-05-01T10:00:00.000Z as "2026-05-01 10:00 UTC". */
export const shortTime = (iso: string): string => {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
};

const number = (n: number) => n.toLocaleString("en-US");

/** What hovering a cell shows: the object, why, what differs, CIS, when. */
export function cellTitle(kind: string, cell: Cell): string {
  if (cell.state === "unmanaged") return `not managed: no ${kind} keeps this account`;
  const lines = [
    `${cell.object ?? kind}${cell.baseline ? ` (baseline ${cell.baseline})` : ""}`,
    `${STATE_LABELS[cell.state].label}${cell.reason ? `: ${cell.reason}` : ""}${cell.message ? `: ${cell.message}` : ""}`,
  ];
  if (cell.changes?.length) lines.push(`differs: ${cell.changes.join(", ")}`);
  if (cell.cis && Object.keys(cell.cis).length > 0) {
    lines.push(
      Object.entries(cell.cis)
        .map(([id, meets]) => `${id} ${meets ? "met" : "not met"}`)
        .join(" · "),
    );
  }
  const when = [
    ...(cell.lastSyncTime ? [`synced ${shortTime(cell.lastSyncTime)}`] : []),
    ...(cell.lastRepairTime ? [`last repaired ${shortTime(cell.lastRepairTime)}`] : []),
  ];
  if (when.length > 0) lines.push(when.join(" · "));
  if (cell.others?.length) lines.push(`also claimed by ${cell.others.join(", ")}`);
  return lines.join("\n");
}

const countsText = (counts: StateCounts, noun: string): string => {
  const all = CELL_STATES.reduce((n, s) => n + counts[s], 0);
  const parts = CELL_STATES.filter((s) => counts[s] > 0 && s !== "compliant").map(
    (s) => `${number(counts[s])} ${STATE_LABELS[s].label}`,
  );
  return `${number(all)} ${noun}${all === 1 ? "" : "s"}${parts.length > 0 ? ` · ${parts.join(" · ")}` : " · all compliant"}`;
};

const worst = (counts: StateCounts): CellState =>
  [...CELL_STATES].reverse().find((s) => counts[s] > 0) ?? "compliant";

function summarySection(report: Report): string {
  const a = report.summary.accounts;
  const cards = [
    `<div class="card" data-card="accounts"><b>${number(a.total)}</b>accounts</div>`,
    ...CELL_STATES.map(
      (s) => `<div class="card s-${s}" data-card="${s}"><b>${number(a[s])}</b>${STATE_LABELS[s].label}</div>`,
    ),
    `<div class="card" data-card="share"><b>${esc(report.summary.compliantShare)}</b>of account controls compliant</div>`,
  ];
  const o = report.summary.organizationObjects;
  const orgLine =
    o.total > 0
      ? `<p>Organization-level objects: ${esc(countsText(o, "object"))}.</p>`
      : "<p>No organization-level object.</p>";
  return `<section id="summary"><h2>Summary</h2><p>Accounts by their worst control.</p><div class="cards">${cards.join("")}</div>${orgLine}</section>`;
}

const countCells = (counts: StateCounts) =>
  CELL_STATES.map((s) => `<td class="n${counts[s] > 0 ? ` s-${s}` : ""}">${number(counts[s])}</td>`).join("");
const countHeaders = CELL_STATES.map((s) => `<th class="n">${STATE_LABELS[s].label}</th>`).join("");

function controlsSection(report: Report): string {
  const rows = report.controls.map(
    (c) =>
      `<tr><th>${esc(c.kind)}</th><td>${esc(c.cis.map((r) => r.id).join(", ") || "-")}</td>${countCells(c.counts)}</tr>`,
  );
  const unused =
    report.unusedControls.length > 0
      ? `<p>Not managed in any account: ${esc(report.unusedControls.join(", "))}.</p>`
      : "";
  return `<section id="controls"><h2>By control</h2><table class="rollup"><thead><tr><th>control</th><th>CIS</th>${countHeaders}</tr></thead><tbody>${rows.join("")}</tbody></table>${unused}</section>`;
}

function cisSection(report: Report): string {
  if (report.cis.length === 0) return "";
  const rows = report.cis.map((c) => {
    const judged = c.meets + c.fails;
    const share = judged === 0 ? 0 : Math.round((100 * c.meets) / (c.meets + c.fails + c.unknown));
    return `<tr><th>${esc(c.id)}</th><td>${esc(c.title)}</td><td>${esc(c.kind)}</td><td class="n">${number(c.meets)}</td><td class="n${c.fails > 0 ? " s-failing" : ""}">${number(c.fails)}</td><td class="n">${number(c.unknown)}</td><td class="share"><span class="bar"><span style="width:${share}%"></span></span> ${share}%</td></tr>`;
  });
  return `<section id="cis"><h2>CIS AWS Foundations Benchmark v3.0</h2><p>Judged from what AWS has, as each object last read it (not from the specs, which may ask for less).</p><table class="rollup"><thead><tr><th>recommendation</th><th>asks for</th><th>control</th><th class="n">accounts meeting it</th><th class="n">not meeting it</th><th class="n">not judged</th><th>share</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

function organizationSection(report: Report): string {
  if (report.organizationObjects.length === 0) return "";
  const rows = report.organizationObjects.map((o) => {
    const columns = Object.entries(o.columns)
      .filter(([name]) => !["Ready", "Reason", "Synced", "Age"].includes(name))
      .map(([name, value]) => `<span>${esc(name)}: ${esc(value)}</span>`)
      .join("");
    const why = [o.reason, o.message].filter(Boolean).join(": ");
    const changes = o.changes?.length ? `<br>differs: ${esc(o.changes.join(", "))}` : "";
    return `<tr data-state="${o.state}"><td>${esc(o.kind)}</td><th class="name">${esc(o.name)}</th><td class="c state s-${o.state}">${STATE_LABELS[o.state].symbol} ${STATE_LABELS[o.state].label}</td><td class="why">${esc(why)}${changes}</td><td class="details">${columns}</td><td class="when">${o.lastSyncTime ? esc(shortTime(o.lastSyncTime)) : ""}</td><td class="when">${o.lastRepairTime ? esc(shortTime(o.lastRepairTime)) : ""}</td></tr>`;
  });
  return `<section id="organization"><h2>Organization-level objects</h2><table class="rollup"><thead><tr><th>kind</th><th>name</th><th>state</th><th>why</th><th>details</th><th>last synced</th><th>last repaired</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`;
}

function matrixSection(report: Report): string {
  const kinds = report.controls.map((c) => c.kind);
  const header = report.controls
    .map(
      (c) =>
        `<th class="col" title="${esc(c.cis.map((r) => `${r.id}: ${r.title}`).join("\n"))}">${esc(c.kind)}${c.cis.length > 0 ? `<small>${esc(c.cis.map((r) => r.id).join(", "))}</small>` : ""}</th>`,
    )
    .join("");
  const many = report.summary.accounts.total > 200;
  const groups = report.groups.map((g) => {
    const attention = g.counts.compliant < g.accounts.length;
    // At scale, OUs whose every account complies start folded: the problems stand out.
    const folded = many && !attention;
    const rollup = kinds
      .map((k) => {
        const counts = g.byControl[k];
        if (!counts) return "<td></td>";
        const all = CELL_STATES.reduce((n, s) => n + counts[s], 0);
        return `<td class="c t-${worst(counts)}" title="${esc(countsText(counts, "account"))}">${number(counts.compliant)}/${number(all)}</td>`;
      })
      .join("");
    const rows = g.accounts.map((a) => {
      const cells = kinds
        .map((k) => {
          const cell = a.cells[k] ?? { state: "unmanaged" as const };
          const repaired = cell.lastRepairTime ? " r" : "";
          return `<td class="c s-${cell.state}${repaired}" title="${esc(cellTitle(k, cell))}">${STATE_LABELS[cell.state].symbol}</td>`;
        })
        .join("");
      const name = a.name ? `${esc(a.name)} <code>${esc(a.id)}</code>` : `<code>${esc(a.id)}</code>`;
      const management = a.management ? ' <span class="tag">management</span>' : "";
      const search = `${a.id} ${a.name ?? ""} ${g.ouPath}`.toLowerCase();
      return `<tr class="acct" data-state="${a.state}" data-q="${esc(search)}"><th>${name}${management}</th>${cells}</tr>`;
    });
    const from = g.accounts.some((a) => a.ouPathFrom === "baseline")
      ? ' <span class="tag" title="from the OU a baseline selected these accounts by: they are in it or below it">selected by OU</span>'
      : "";
    return `<tbody class="group${folded ? " folded" : ""}" data-ou="${esc(g.ouPath)}"><tr class="ou"><th><button type="button" class="fold" aria-expanded="${!folded}">${esc(g.ouPath)}</button>${from}<span class="counts">${esc(countsText(g.counts, "account"))}</span></th>${rollup}</tr>${rows.join("")}</tbody>`;
  });
  const options = [
    '<option value="">every account</option>',
    '<option value="attention">needing attention</option>',
    ...CELL_STATES.map((s) => `<option value="${s}">${STATE_LABELS[s].label}</option>`),
  ].join("");
  const legend = CELL_STATES.map(
    (s) => `<span class="c s-${s}">${STATE_LABELS[s].symbol}</span> ${STATE_LABELS[s].label}`,
  ).join(" ");
  return `<section id="matrix"><h2>Accounts</h2>
<p class="legend">${legend} <span class="c s-compliant r">✓</span> repaired by orgguard (hover a cell for when and why)</p>
<div class="filters"><input id="filter-text" type="search" placeholder="account id, name or OU" aria-label="filter accounts"> <select id="filter-state" aria-label="filter by state">${options}</select> <button type="button" id="unfold-all">unfold all</button> <button type="button" id="fold-all">fold all</button> <span id="shown" aria-live="polite"></span></div>
<table class="matrix"><thead><tr><th>account</th>${header}</tr></thead>${groups.join("")}</table></section>`;
}

const STYLE = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 24px 48px;color:#1f2328}
h1{font-size:22px;margin:20px 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#57606a;margin:0}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #d0d7de;border-radius:6px;padding:8px 14px;min-width:90px}
.card b{display:block;font-size:22px}
table{border-collapse:collapse}td,th{padding:3px 8px;border-bottom:1px solid #eaeef2;text-align:left;vertical-align:top}
th.n,td.n{text-align:right}.rollup td.n.s-compliant,.rollup td.n.s-pending,.rollup td.n.s-unmanaged{background:none}
.matrix thead th{position:sticky;top:0;background:#fff;z-index:1;border-bottom:2px solid #d0d7de}
.matrix th.col{writing-mode:horizontal-tb;font-weight:600}.matrix th small{display:block;font-weight:400;color:#57606a}
.matrix td.c{text-align:center;min-width:64px;cursor:help}
.matrix tr.ou th{background:#f6f8fa;padding-top:8px}.matrix tr.ou td{font-size:12px;background:#f6f8fa}
.fold{font:inherit;font-weight:600;border:0;background:none;cursor:pointer;padding:0}
.fold::before{content:"▾ "}.folded .fold::before{content:"▸ "}.folded tr.acct{display:none}
.counts{display:block;color:#57606a;font-weight:400;font-size:12px}
.matrix th:first-child{min-width:300px}.details span{display:block;white-space:nowrap}
.tag{font-size:11px;border:1px solid #d0d7de;border-radius:10px;padding:0 6px;color:#57606a;font-weight:400}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;color:#57606a}
.s-compliant{background:#dafbe1;color:#116329}.s-pending{background:#ddf4ff;color:#0550ae}
.s-unmanaged{background:#f6f8fa;color:#6e7781}.s-paused{background:#fbefff;color:#6639ba}
.s-drifted{background:#fff8c5;color:#7d4e00}.s-failing{background:#ffebe9;color:#a40e26;font-weight:600}
.card.s-compliant,.card.s-pending,.card.s-unmanaged,.card.s-paused,.card.s-drifted,.card.s-failing{border-color:transparent}
.r::after{content:"↻";font-size:10px;vertical-align:super;margin-left:1px}
.matrix td.s-compliant,.legend .s-compliant{background:none}
.t-compliant{color:#116329}.t-pending{color:#0550ae}.t-unmanaged{color:#6e7781}.t-paused{color:#6639ba}
.t-drifted{color:#7d4e00;font-weight:600}.t-failing{color:#a40e26;font-weight:600}
td.share,td.when,td.state,th.name{white-space:nowrap}td.why{min-width:320px}
.legend .c{display:inline-block;min-width:22px;text-align:center;border-radius:3px}
.filters{margin:8px 0;display:flex;gap:8px;align-items:center}#shown{color:#57606a}
.bar{display:inline-block;width:80px;height:8px;background:#ffebe9;border-radius:4px;overflow:hidden;vertical-align:middle}
.bar span{display:block;height:100%;background:#2da44e}
tr.hidden,tbody.hidden{display:none}
`;

/** Filtering and folding; with the script off, every account shows. */
const SCRIPT = `
(function(){
  var text=document.getElementById("filter-text"),state=document.getElementById("filter-state"),shown=document.getElementById("shown");
  var groups=[].slice.call(document.querySelectorAll("tbody.group"));
  function apply(){
    var q=text.value.trim().toLowerCase(),s=state.value,n=0,filtering=q!==""||s!=="";
    groups.forEach(function(g){
      var rows=[].slice.call(g.querySelectorAll("tr.acct")),visible=0;
      rows.forEach(function(r){
        var st=r.getAttribute("data-state");
        var ok=(q===""||r.getAttribute("data-q").indexOf(q)>=0)&&(s===""||(s==="attention"?st!=="compliant":st===s));
        r.classList.toggle("hidden",!ok);if(ok)visible++;
      });
      g.classList.toggle("hidden",visible===0);
      if(filtering&&visible>0)g.classList.remove("folded");
      n+=visible;
    });
    shown.textContent=filtering?n+" account"+(n===1?"":"s")+" shown":"";
  }
  text.addEventListener("input",apply);state.addEventListener("change",apply);
  groups.forEach(function(g){
    var b=g.querySelector("button.fold");
    b.addEventListener("click",function(){var f=g.classList.toggle("folded");b.setAttribute("aria-expanded",String(!f));});
  });
  function all(fold){groups.forEach(function(g){g.classList.toggle("folded",fold);g.querySelector("button.fold").setAttribute("aria-expanded",String(!fold));});}
  document.getElementById("unfold-all").addEventListener("click",function(){all(false);});
  document.getElementById("fold-all").addEventListener("click",function(){all(true);});
})();
`;

/** The whole HTML document. */
export function renderHtml(report: Report): string {
  const org = report.organization.id ? ` of ${report.organization.id}` : "";
  const source =
    report.source === "cluster"
      ? "from the objects' status in the cluster"
      : "from a read-only pass over AWS for the manifests given";
  const meta = [
    ...(report.organization.managementAccountId
      ? [`management account ${report.organization.managementAccountId}`]
      : []),
    `generated ${shortTime(report.generatedAt)} ${source}`,
  ].join(" · ");
  const notes =
    report.notes.length > 0
      ? `<section id="notes"><h2>Notes</h2><ul>${report.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul></section>`
      : "";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>orgguard posture${esc(org)}: ${esc(shortTime(report.generatedAt))}</title>
<style>${STYLE}</style></head><body>
<header><h1>Organization posture${esc(org)}</h1><p class="meta">${esc(meta)}</p></header>
${summarySection(report)}
${controlsSection(report)}
${cisSection(report)}
${matrixSection(report)}
${organizationSection(report)}
${notes}
<script>${SCRIPT}</script>
</body></html>
`;
}
