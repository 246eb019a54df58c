/**
 * The chart's monitoring, both off by default: the PrometheusRule's alerts run under promtool's
 * rule unit tests (test/alerts/orgguard.test.yaml: each alert fires where it must and stays
 * quiet where it must), and the Grafana dashboard's ConfigMap carries the sidecar's label and
 * the dashboard as committed (test/unit/dashboard.test.ts checks its queries).
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, inject, it } from "vitest";
import { parse, parseAllDocuments, stringify } from "yaml";
import { provision } from "../env/provision.js";
import { kubectl } from "../support/kubectl.js";

const NAMESPACE = "orgguard-system";

function run(
  binary: string,
  args: string[],
  cwd?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      binary,
      args,
      {
        cwd,
        env: { ...process.env, HELM_CACHE_HOME: os.tmpdir(), HELM_CONFIG_HOME: os.tmpdir() },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** What the chart renders with `values`, as objects. */
async function render(values: string[]): Promise<Array<Record<string, unknown>>> {
  const { helm } = inject("tools");
  const out = await run(helm, [
    "template",
    "guard",
    "charts/orgguard",
    "-n",
    NAMESPACE,
    "--set",
    "image.repository=orgguard",
    ...values.flatMap((v) => ["--set", v]),
  ]);
  expect(out.code, out.stderr).toBe(0);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d !== null);
}

const kindOf = (docs: Array<Record<string, unknown>>, kind: string) => docs.filter((d) => d.kind === kind);

interface PromtoolTests {
  tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

describe("the chart's monitoring", () => {
  it("renders neither a dashboard nor alerts by default", async () => {
    const docs = await render([]);
    expect(kindOf(docs, "PrometheusRule")).toEqual([]);
    expect(docs.filter((d) => d.kind === "ConfigMap")).toEqual([]);
  });

  it("passes promtool's rule unit tests, every alert firing in one and quiet in another", async () => {
    const [rule] = kindOf(await render(["metrics.prometheusRule.enabled=true"]), "PrometheusRule");
    const spec = rule?.spec as { groups: Array<{ rules: Array<{ alert: string }> }> };
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-alerts-"));
    await writeFile(path.join(dir, "rules.yaml"), stringify({ groups: spec.groups }));
    await copyFile("test/alerts/orgguard.test.yaml", path.join(dir, "orgguard.test.yaml"));
    const { promtool } = await provision(["promtool"]);

    const checked = await run(promtool!, ["check", "rules", "rules.yaml"], dir);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    const tested = await run(promtool!, ["test", "rules", "orgguard.test.yaml"], dir);
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toContain("SUCCESS");

    const alerts = spec.groups.flatMap((g) => g.rules.map((r) => r.alert));
    expect(alerts).toEqual([
      "OrgguardObjectStalled",
      "OrgguardObjectNotReady",
      "OrgguardRepeatedDrift",
      "OrgguardAwsAccessDenied",
      "OrgguardEventsQueueUnreadable",
      "OrgguardLongTermCredentials",
      "OrgguardPollLag",
    ]);
    const cases = (
      parse(await readFile("test/alerts/orgguard.test.yaml", "utf8")) as PromtoolTests
    ).tests.flatMap((t) => t.alert_rule_test);
    for (const alert of alerts) {
      const mine = cases.filter((c) => c.alertname === alert);
      expect(
        mine.some((c) => c.exp_alerts.length > 0),
        `${alert} fires in a test`,
      ).toBe(true);
      expect(
        mine.some((c) => c.exp_alerts.length === 0),
        `${alert} stays quiet in a test`,
      ).toBe(true);
    }
  });

  it("takes its thresholds, severity, labels and series from the values", async () => {
    const [rule] = kindOf(
      await render([
        "metrics.prometheusRule.enabled=true",
        "metrics.prometheusRule.labels.release=kube-prometheus-stack",
        "metrics.prometheusRule.severity=critical",
        "metrics.prometheusRule.notReadyFor=30m",
        "metrics.prometheusRule.repeatedDriftRepairs=5",
        'metrics.prometheusRule.seriesSelector=job="orgguard"',
      ]),
      "PrometheusRule",
    );
    const text = stringify(rule);
    expect((rule!.metadata as { labels: Record<string, string> }).labels.release).toBe(
      "kube-prometheus-stack",
    );
    expect(text).toContain("for: 30m");
    expect(text).toContain('orgguard_object_drift_repairs{job="orgguard"}) >= 5');
    expect(text).toContain("severity: critical");
    expect(text).not.toContain(`namespace="${NAMESPACE}"`);
  });

  it("ships the dashboard as committed, labelled for Grafana's sidecar, and the apiserver accepts it", async () => {
    const docs = await render([
      "metrics.grafanaDashboard.enabled=true",
      "metrics.grafanaDashboard.annotations.grafana_folder=Security",
    ]);
    const [configMap] = docs.filter((d) => d.kind === "ConfigMap");
    const metadata = configMap?.metadata as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
    };
    expect(metadata.labels.grafana_dashboard).toBe("1");
    expect(metadata.annotations.grafana_folder).toBe("Security");
    const data = configMap?.data as Record<string, string>;
    expect(JSON.parse(data["orgguard.json"]!)).toEqual(
      JSON.parse(await readFile("charts/orgguard/dashboards/orgguard.json", "utf8")),
    );
    await kubectl(["create", "namespace", NAMESPACE]);
    const dryRun = await kubectl(["apply", "--dry-run=server", "-f", "-"], stringify(configMap));
    expect(dryRun.code, dryRun.stderr).toBe(0);
  });
});
