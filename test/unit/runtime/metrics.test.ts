/**
 * The metrics the chart's alerts and dashboard read that the controller computes at each scrape:
 * objects by condition (from the informers' caches), and repeated drift repairs of one object.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Condition } from "../../../src/runtime/conditions.js";
import type { KubeObject } from "../../../src/runtime/kube-object.js";
import { DRIFT_REPAIR_WINDOW_MS, Metrics } from "../../../src/runtime/metrics.js";

afterEach(() => vi.useRealTimers());

const condition = (type: string, status: Condition["status"], reason: string): Condition => ({
  type,
  status,
  reason,
  message: "",
  lastTransitionTime: "2026-01-01T00:00:00Z",
});
const object = (name: string, conditions?: Condition[]): KubeObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "PasswordPolicy",
  metadata: { name },
  spec: {},
  ...(conditions ? { status: { conditions } } : {}),
});

/** The samples of one metric, as `labels -> value` with labels in the order the metric names them. */
async function samples(metrics: Metrics, name: string): Promise<Record<string, number>> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Object.fromEntries(
    (metric?.values ?? []).map((v) => [Object.values(v.labels).join(","), Number(v.value)]),
  );
}

describe("orgguard_objects", () => {
  const READY = condition("Ready", "True", "Available");
  const SYNCED = condition("Synced", "True", "ReconcileSuccess");
  const cases = [
    {
      reason: "Ready objects count under Ready/True/Available and Synced/True; no Stalled line",
      objects: [object("a", [READY, SYNCED]), object("b", [READY, SYNCED])],
      expected: {
        "PasswordPolicy,Ready,True,Available": 2,
        "PasswordPolicy,Synced,True,ReconcileSuccess": 2,
      },
    },
    {
      reason: "a stalled object counts under its reason, and Stalled/True",
      objects: [
        object("a", [
          condition("Ready", "False", "AccessDenied"),
          condition("Synced", "False", "AccessDenied"),
          condition("Stalled", "True", "AccessDenied"),
        ]),
      ],
      expected: {
        "PasswordPolicy,Ready,False,AccessDenied": 1,
        "PasswordPolicy,Synced,False,AccessDenied": 1,
        "PasswordPolicy,Stalled,True,AccessDenied": 1,
      },
    },
    {
      reason: "an object not reconciled yet is Unknown/None (not absent: an alert must see it)",
      objects: [object("new")],
      expected: { "PasswordPolicy,Ready,Unknown,None": 1, "PasswordPolicy,Synced,Unknown,None": 1 },
    },
  ];
  it.each(cases)("$reason", async ({ objects, expected }) => {
    const metrics = new Metrics();
    metrics.countObjects("PasswordPolicy", () => objects);
    expect(await samples(metrics, "orgguard_objects")).toEqual(expected);
  });

  it("counts afresh at every scrape: a state no object has any more disappears", async () => {
    const metrics = new Metrics();
    let objects = [object("a", [condition("Ready", "False", "Creating")])];
    metrics.countObjects("PasswordPolicy", () => objects);
    expect(await samples(metrics, "orgguard_objects")).toEqual({
      "PasswordPolicy,Ready,False,Creating": 1,
      "PasswordPolicy,Synced,Unknown,None": 1,
    });
    objects = [object("a", [READY, SYNCED])];
    expect(await samples(metrics, "orgguard_objects")).toEqual({
      "PasswordPolicy,Ready,True,Available": 1,
      "PasswordPolicy,Synced,True,ReconcileSuccess": 1,
    });
  });
});

describe("orgguard_object_drift_repairs", () => {
  const T0 = Date.parse("2026-01-01T00:00:00Z");
  const cases = [
    { reason: "one repair is not repeated drift: nothing exported", at: [0], now: 1000, expected: {} },
    {
      reason: "two repairs within the hour are exported with their count",
      at: [0, 60_000],
      now: 120_000,
      expected: { "PasswordPolicy,p": 2 },
    },
    {
      reason: "repairs older than the hour are forgotten: of three, the one left alone is not repeated",
      at: [0, 60_000, 120_000],
      now: DRIFT_REPAIR_WINDOW_MS + 90_000,
      expected: {},
    },
    {
      reason: "of three, two within the hour are still repeated drift",
      at: [0, 60_000, 120_000],
      now: DRIFT_REPAIR_WINDOW_MS + 30_000,
      expected: { "PasswordPolicy,p": 2 },
    },
  ];
  it.each(cases)("$reason", async ({ at, now, expected }) => {
    vi.useFakeTimers({ now: T0 + now, toFake: ["Date"] });
    const metrics = new Metrics();
    for (const t of at) metrics.driftRepairedOf("PasswordPolicy", "p", T0 + t);
    expect(await samples(metrics, "orgguard_object_drift_repairs")).toEqual(expected);
    expect(await samples(metrics, "orgguard_drift_repaired_total")).toEqual({ PasswordPolicy: at.length });
  });

  it("forgets a deleted object", async () => {
    const metrics = new Metrics();
    metrics.driftRepairedOf("PasswordPolicy", "p");
    metrics.driftRepairedOf("PasswordPolicy", "p");
    expect(await samples(metrics, "orgguard_object_drift_repairs")).toEqual({ "PasswordPolicy,p": 2 });
    metrics.forgetChecked("PasswordPolicy", "p");
    expect(await samples(metrics, "orgguard_object_drift_repairs")).toEqual({});
  });
});
