/**
 * The chart's Grafana dashboard queries only what the controller exports: every metric a panel
 * (or a variable) names is in the Metrics registry, every query parses as PromQL (the Prometheus
 * project's own grammar, @prometheus-io/lezer-promql), and every panel has a query.
 */
import { readFile } from "node:fs/promises";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { Metrics } from "../../src/runtime/metrics.js";

interface Panel {
  type: string;
  title: string;
  targets?: Array<{ expr: string }>;
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ name: string; definition?: string }> };
}

/** Grafana's variables, as values PromQL accepts. */
const withVariables = (expr: string) =>
  expr.replaceAll("$__rate_interval", "5m").replace(/\$(namespace|kind)\b/g, ".*");

/** The metric names a PromQL expression selects, and whether it parsed without error. */
function metricsOf(expr: string): { names: string[]; errors: number } {
  const tree = parser.parse(expr);
  const names: string[] = [];
  let errors = 0;
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errors += 1;
      if (node.name === "VectorSelector") {
        const identifier = node.node.getChild("Identifier");
        if (identifier) names.push(expr.slice(identifier.from, identifier.to));
      }
    },
  });
  return { names, errors };
}

/** Every series name the controller's registry exposes (histograms with their _bucket, _sum, _count). */
async function exported(): Promise<Set<string>> {
  const metrics = await new Metrics().registry.getMetricsAsJSON();
  return new Set(
    metrics.flatMap((m) =>
      String(m.type) === "histogram"
        ? [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]
        : [m.name],
    ),
  );
}

const dashboard = JSON.parse(await readFile("charts/orgguard/dashboards/orgguard.json", "utf8")) as Dashboard;
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]).filter((p) => p.type !== "row");

describe("the Grafana dashboard", () => {
  it.each(panels.map((p) => [p.title, p] as const))(
    "%s queries only metrics orgguard exports",
    async (_, panel) => {
      const names = await exported();
      expect(panel.targets?.length ?? 0).toBeGreaterThan(0);
      for (const { expr } of panel.targets ?? []) {
        const { names: used, errors } = metricsOf(withVariables(expr));
        expect(errors, `${expr} parses as PromQL`).toBe(0);
        expect(used.length, `${expr} names a metric`).toBeGreaterThan(0);
        for (const name of used) expect(names, `${name} in ${expr}`).toContain(name);
      }
    },
  );

  it("its variables read metrics orgguard exports", async () => {
    const names = await exported();
    for (const variable of dashboard.templating.list.filter((v) => v.definition)) {
      const metric = /label_values\((\w+)/.exec(variable.definition!)?.[1];
      expect(names, variable.name).toContain(metric);
    }
  });

  it("shows what the chart promises: objects by state, drift, AWS calls and errors, poll lag, the events queue", () => {
    const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join("\n");
    for (const metric of [
      "orgguard_objects",
      "orgguard_drift_detected_total",
      "orgguard_drift_repaired_total",
      "orgguard_aws_api_calls_total",
      "orgguard_oldest_check_age_seconds",
      "orgguard_events_queue_up",
      "orgguard_events_received_total",
    ]) {
      expect(queries).toContain(metric);
    }
  });

  it("catches a query of a metric orgguard does not export (the check can fail)", async () => {
    const names = await exported();
    const { names: used } = metricsOf('sum(rate(orgguard_reconciles_total{kind=~".*"}[5m]))');
    expect(used).toEqual(["orgguard_reconciles_total"]);
    expect(names.has("orgguard_reconciles_total")).toBe(false);
    expect(metricsOf("sum(rate(orgguard_reconcile_total[5m]").errors).toBeGreaterThan(0);
  });
});
