/**
 * `orgguard report` on the demo organization: the sample organization in moto, every example
 * applied and reconciled by the built controller, one drift repaired behind its back; then the
 * report from the cluster opened in headless Chromium (Debian's package, driven by
 * playwright-core), checked for what a person sees (the accounts, a drifted cell's reason on
 * hover, a repaired cell, the roll-ups, the filter), and captured as the README's screenshot
 * (docs/report.png, rewritten with ORGGUARD_UPDATE_SCREENSHOT=1). The same posture read with --from-aws (no cluster) must agree cell by cell.
 */
import { execFile } from "node:child_process";
import { mkdtemp, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  GetAccountPasswordPolicyCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KINDS } from "../../src/kinds/index.js";
import { type Report, report as reportSchema } from "../../src/report/report-schema.js";
import { findCondition } from "../../src/runtime/conditions.js";
import { waitUntil } from "../env/process.js";
import { provision } from "../env/provision.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  EMULATOR_DEFAULT_REGIONS,
  MANAGEMENT_ENV,
  memberCredentials,
  resetMoto,
  SAMPLE_ORGANIZATION,
  type TestOrganization,
} from "../support/aws.js";
import { ControllerProcess } from "../support/controller-process.js";
import { workerEnvironment } from "../support/environment.js";
import { adminKubeConfig } from "../support/kube.js";
import { kubectlOk } from "../support/kubectl.js";
import { deleteEveryObject, installOrgguardCrds, orgguardClient } from "../support/orgguard.js";

/** The flags the report's browser runs with: headless, and nothing that reaches the network. */
const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

const kc = adminKubeConfig();
let controller: ControllerProcess;
let org: TestOrganization;
let browser: Browser;
let dir: string;

/** Runs the built CLI with this worker's cluster and moto. */
function orgguard(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/orgguard.js", ...args],
      {
        env: {
          ...process.env,
          KUBECONFIG: workerEnvironment().kubeconfigPath,
          AWS_ENDPOINT_URL: awsEndpoint(),
          AWS_REGION: "us-east-1",
          ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS,
          ...MANAGEMENT_ENV,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Every object's Ready as `Kind/name=Status/Reason`, those not settled yet. */
async function unsettled(): Promise<string[]> {
  const out = await kubectlOk([
    "get",
    "orgguard",
    "-o",
    'jsonpath={range .items[*]}{.kind}/{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}/{.status.conditions[?(@.type=="Ready")].reason}{"\\n"}{end}',
  ]);
  // ObserveOnly objects never change AWS: Drifted or NotFound is their settled state.
  return out.split("\n").filter((l) => l && !/=(True\/Available|False\/(Drifted|NotFound))$/.test(l));
}

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  org = await createOrganization(SAMPLE_ORGANIZATION);
  controller = new ControllerProcess(["--poll-interval=3s", "--discovery-interval=3s"]);
  await controller.ready();
  await kubectlOk(["apply", "--server-side", "-R", "-f", "examples/"]);
  let waiting: string[] = [];
  await waitUntil(
    async () => {
      waiting = await unsettled();
      return waiting.length === 0;
    },
    180_000,
    () => `every example to settle (not yet: ${waiting.join(", ")}; ${controller.tail()})`,
  );

  // A console user weakens dev-1's password policy, twice; the baseline's child repairs it each
  // time at its next poll.
  const dev = org.accountIds.get("dev-1")!;
  const iam = new IAMClient(awsClientConfig(await memberCredentials(dev)));
  const child = orgguardClient(kc, "PasswordPolicy");
  let repairedAt: unknown;
  for (let time = 0; time < 2; time++) {
    await iam.send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 6 }));
    await waitUntil(
      async () => {
        const repaired = await child.get(`cis-baseline-${dev}`);
        const length = (await iam.send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy
          ?.MinimumPasswordLength;
        const ready = findCondition(repaired?.status?.conditions, "Ready")?.status === "True";
        const at = repaired?.status?.lastRepairTime;
        if (length !== 14 || !ready || typeof at !== "string" || at === repairedAt) return false;
        repairedAt = at;
        return true;
      },
      60_000,
      () => `dev-1's password policy to be repaired (${controller.tail()})`,
    );
  }
  dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-report-"));
  const { chromium: executablePath } = await provision(["chromium"]);
  browser = await chromium.launch({ executablePath: executablePath!, args: CHROMIUM_FLAGS });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  // Gone before the controller stops (their finalizers are its to remove): baselines first, then
  // every other kind, so the files after this one on the worker start from an empty cluster.
  const kinds = KINDS.map((k) => k.api.kind).sort(
    (a, b) => Number(b === "AccountBaseline") - Number(a === "AccountBaseline"),
  );
  await deleteEveryObject(
    kinds.map((k) => orgguardClient(kc, k)),
    () => controller.tail(),
  );
  await controller?.stop();
});

/** The JSON report from the cluster, checked against its schema. */
async function jsonReport(args: string[] = []): Promise<Report> {
  const result = await orgguard(["report", "--read-organization", "--output", "json", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return reportSchema.parse(JSON.parse(result.stdout));
}

/** `Kind@account=state` for every cell of a report. */
const cellStates = (report: Report): string[] =>
  report.groups
    .flatMap((g) =>
      g.accounts.flatMap((a) => Object.entries(a.cells).map(([k, c]) => `${k}@${a.id}=${c.state}`)),
    )
    .sort();

describe("orgguard report on the demo organization", () => {
  it("opens in Chromium with nothing loaded from elsewhere, and shows what the JSON says", async () => {
    const json = await jsonReport();
    const file = path.join(dir, "posture.html");
    const written = await orgguard(["report", "--read-organization", "--write", file]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stderr).toMatch(/^wrote .*posture\.html: \d+ account\(s\)/);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on("request", (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(file).href);
    expect(requests).toEqual([pathToFileURL(file).href]);

    // Every account of the organization: the four members and the management account.
    const members = [...org.accountIds.values()];
    const rows = page.locator("tr.acct");
    const shownIds = await rows.locator("code").allTextContents();
    for (const id of [...members, org.managementAccountId]) expect(shownIds).toContain(id);
    expect(await page.locator('[data-card="accounts"] b').textContent()).toBe(
      String(json.summary.accounts.total),
    );
    expect(await rows.count()).toBe(json.summary.accounts.total);
    for (const state of ["compliant", "drifted", "failing"] as const) {
      expect(await page.locator(`[data-card="${state}"] b`).textContent(), state).toBe(
        String(json.summary.accounts[state]),
      );
    }

    // A drifted cell says why on hover: the reason, and what differs.
    const drifted = json.groups
      .flatMap((g) => g.accounts.flatMap((a) => Object.entries(a.cells).map(([kind, c]) => ({ a, kind, c }))))
      .find(({ c }) => c.state === "drifted" && c.reason === "Drifted");
    expect(drifted, "the examples' ObserveOnly settings drift in moto").toBeDefined();
    const column = json.controls.findIndex((c) => c.kind === drifted!.kind);
    const driftedCell = page.locator(`tr.acct[data-q^="${drifted!.a.id}"] td`).nth(column);
    await driftedCell.hover();
    const title = await driftedCell.getAttribute("title");
    expect(title).toContain(`drifted: Drifted: ${drifted!.c.message}`);
    expect(title).toContain(`differs: ${drifted!.c.changes!.join(", ")}`);
    expect(await driftedCell.textContent()).toBe("≠");

    // The cell orgguard repaired says when.
    const dev = org.accountIds.get("dev-1")!;
    const repaired = page
      .locator(`tr.acct[data-q^="${dev}"] td`)
      .nth(json.controls.findIndex((c) => c.kind === "PasswordPolicy"));
    expect(await repaired.getAttribute("class")).toContain(" r");
    expect(await repaired.getAttribute("title")).toMatch(/last repaired \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

    // Roll-ups: per control, per OU, per CIS recommendation.
    const passwordRow = page.locator("#controls tr", { hasText: "PasswordPolicy" });
    const counts = json.controls.find((c) => c.kind === "PasswordPolicy")!.counts;
    expect(await passwordRow.locator("td.n").allTextContents()).toEqual(
      ["compliant", "pending", "unmanaged", "paused", "drifted", "failing"].map((s) =>
        String(counts[s as keyof typeof counts]),
      ),
    );
    const prod = page.locator('tbody.group[data-ou="Root/Workloads/Prod"] tr.ou');
    expect(await prod.locator(".counts").textContent()).toMatch(/^1 account · /);
    expect(await page.locator("#cis tbody tr").count()).toBe(json.cis.length);
    expect(await page.locator("#cis").textContent()).toContain("CIS 1.8");

    // Organization-level objects are rows of their own, with their kubectl columns.
    expect(await page.locator("#organization").textContent()).toContain("deny-leave-organization");
    expect(await page.locator("#organization").textContent()).toContain("Targets: root");

    // The filter: only the accounts needing attention.
    await page.selectOption("#filter-state", "attention");
    const attention = json.groups.flatMap((g) => g.accounts).filter((a) => a.state !== "compliant").length;
    expect(await page.locator("tr.acct:visible").count()).toBe(attention);
    expect(await page.locator("#shown").textContent()).toBe(
      `${attention} account${attention === 1 ? "" : "s"} shown`,
    );
    await page.selectOption("#filter-state", "");

    // The README's screenshot is rewritten only when asked (ORGGUARD_UPDATE_SCREENSHOT=1): a test
    // run leaves the working tree as it found it; the page is still captured, to show it renders.
    const screenshot =
      process.env.ORGGUARD_UPDATE_SCREENSHOT === "1"
        ? "docs/report.png"
        : path.join(await mkdtemp(path.join(os.tmpdir(), "orgguard-report-")), "report.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    expect((await stat(screenshot)).size).toBeGreaterThan(10_000);
    await page.close();
  });

  it("says the same in Markdown", async () => {
    const json = await jsonReport();
    const md = await orgguard(["report", "--read-organization", "--output", "markdown"]);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stdout).toContain(`| ${json.summary.accounts.total} | ${json.summary.accounts.compliant} |`);
    expect(md.stdout).toContain("| Root/Workloads/Prod | 1 |");
    expect(md.stdout).toMatch(/\| .*dev-1.* \| Root\/Workloads\/Dev \| DefaultSecurityGroups \| drifted \|/);
  });

  it("without a cluster (--from-aws), finds the same state in every cell", async () => {
    const fromCluster = await jsonReport();
    const fromAws = await orgguard(["report", "--from-aws", "--output", "json", "examples/"]);
    expect(fromAws.code, fromAws.stderr).toBe(0);
    const report = reportSchema.parse(JSON.parse(fromAws.stdout));
    expect(report.source).toBe("aws");
    expect(cellStates(report)).toEqual(cellStates(fromCluster));
    expect(report.organizationObjects.map((o) => `${o.kind}/${o.name}=${o.state}`)).toEqual(
      fromCluster.organizationObjects
        .filter((o) => o.kind !== "AccountBaseline")
        .map((o) => `${o.kind}/${o.name}=${o.state}`),
    );
  });

  it("--fail-on gates a pipeline: exit 2 when a cell is in a named state, 0 otherwise", async () => {
    const drifted = await orgguard(["report", "--output", "json", "--fail-on", "drifted"]);
    expect(drifted.code).toBe(2);
    const paused = await orgguard(["report", "--output", "json", "--fail-on", "paused"]);
    expect(paused.code).toBe(0);
    const wrong = await orgguard(["report", "--fail-on", "broken"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain("--fail-on: 'broken' is not a state");
  });

  it("the controller's metrics count objects by condition, and the object repaired twice", async () => {
    const text = await (await fetch(`${controller.url()}/metrics`)).text();
    const scps = (await orgguardClient(kc, "ServiceControlPolicy").list()).items.length;
    expect(text).toContain(
      `orgguard_objects{kind="ServiceControlPolicy",condition="Ready",status="True",reason="Available"} ${scps}`,
    );
    expect(text).toContain('orgguard_poll_interval_seconds{kind="PasswordPolicy"} 3');
    expect(text).toContain('orgguard_poll_interval_seconds{kind="AccountBaseline"} 3');
    const dev = org.accountIds.get("dev-1")!;
    expect(text).toContain(
      `orgguard_object_drift_repairs{kind="PasswordPolicy",name="cis-baseline-${dev}"} 2`,
    );
    expect(text.match(/^orgguard_object_drift_repairs\{/gm)).toHaveLength(1);
  });

  it("kubectl get shows where each policy is attached (TARGETS)", async () => {
    const out = await kubectlOk(["get", "servicecontrolpolicies", "deny-leave-organization"]);
    expect(out).toMatch(/TARGETS/);
    expect(out).toMatch(/deny-leave-organization\s+True\s+Available\s+True\s+p-\w+\s+root\s/);
  });
});
