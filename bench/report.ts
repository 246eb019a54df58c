/**
 * What `orgguard report` costs at scale: the report of a synthetic organization of N accounts
 * (default 1,000; test/support/synthetic-posture.ts: four settings per account with the statuses
 * the controller writes, a few drifted, failing, repaired and paused, and SCPs), built and
 * rendered as HTML, Markdown and JSON, then opened in headless Chromium (the provisioned
 * Debian package, as the report's browser test opens it). Prints the sizes and times; asserts
 * nothing. The goal it is read against: under 2 MB, rendered in under 2 s, at 1,000 accounts.
 * Usage: npx tsx bench/report.ts [accounts] [runs]
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { findKind, KINDS } from "../src/kinds/index.js";
import { buildReport } from "../src/report/build-report.js";
import { stateOfObject } from "../src/report/object-state.js";
import { renderHtml } from "../src/report/render-html.js";
import { renderMarkdown } from "../src/report/render-markdown.js";
import { provision } from "../test/env/provision.js";
import { syntheticPosture } from "../test/support/synthetic-posture.js";

const accounts = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);

/** Resolves in the page once a frame has been painted (the page's own code: no DOM types here). */
const NEXT_FRAME = "new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))";
/** The page's own clock: navigation start to the end of the load event. */
const LOAD_TIME = 'performance.getEntriesByType("navigation")[0].loadEventEnd';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (n: number) => `${n.toFixed(0)} ms`;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

const { organization, objects } = syntheticPosture(accounts);
const built: number[] = [];
let html = "";
let markdown = "";
let json = "";
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const report = buildReport({
    source: "cluster",
    generatedAt: new Date(),
    kinds: KINDS,
    states: objects.map((o) => stateOfObject(findKind(o.kind)!, o)),
    baselines: objects.filter((o) => o.kind === "AccountBaseline"),
    organization,
    notes: [],
  });
  html = renderHtml(report);
  built.push(performance.now() - started);
  markdown = renderMarkdown(report);
  json = JSON.stringify(report, null, 2);
}

const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-bench-report-"));
const file = path.join(dir, "posture.html");
await writeFile(file, html);
const { chromium: executablePath } = await provision(["chromium"]);
const browser = await chromium.launch({
  executablePath: executablePath!,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
const rendered: number[] = [];
const loaded: number[] = [];
const filtered: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const started = performance.now();
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    // Rendered: the first frame painted after the document (style, layout and paint) is done.
    await page.evaluate(NEXT_FRAME);
    rendered.push(performance.now() - started);
    loaded.push(Number(await page.evaluate(LOAD_TIME)));
    // What a person does first at scale: show only the accounts needing attention.
    const filterStarted = performance.now();
    await page.selectOption("#filter-state", "attention");
    await page.evaluate(NEXT_FRAME);
    filtered.push(performance.now() - filterStarted);
    await page.close();
  }
} finally {
  await browser.close();
  await rm(dir, { recursive: true, force: true });
}

const cells = accounts * 4;
console.log(
  `orgguard report of ${accounts} accounts (${objects.length} objects, ${cells} cells), ${runs} runs`,
);
console.log(`Chromium ${browser.version()}, ${os.cpus().length} CPU(s)`);
console.log("");
console.log("| | median | max |");
console.log("|---|---|---|");
console.log(`| build and render the HTML (in-process) | ${ms(median(built))} | ${ms(Math.max(...built))} |`);
console.log(
  `| Chromium: navigation to first frame painted | ${ms(median(rendered))} | ${ms(Math.max(...rendered))} |`,
);
console.log(
  `| Chromium: navigation to the load event (its own clock) | ${ms(median(loaded))} | ${ms(Math.max(...loaded))} |`,
);
console.log(
  `| Chromium: filter to the accounts needing attention | ${ms(median(filtered))} | ${ms(Math.max(...filtered))} |`,
);
console.log("");
console.log(
  `HTML ${mb(Buffer.byteLength(html))}, Markdown ${mb(Buffer.byteLength(markdown))}, JSON ${mb(Buffer.byteLength(json))}`,
);
