import { describe, expect, it } from "vitest";
import { type Condition, setCondition } from "../../../src/runtime/conditions.js";

const t0 = new Date("2026-01-01T00:00:00Z");
const t1 = new Date("2026-01-01T00:05:00Z");
const ready = (status: "True" | "False", reason: string, generation = 1) => ({
  type: "Ready",
  status,
  reason,
  message: "",
  observedGeneration: generation,
});

describe("setCondition", () => {
  const cases: Array<{
    reason: string;
    before: Condition[];
    update: ReturnType<typeof ready>;
    transition: string;
  }> = [
    {
      reason: "a new condition gets the current time",
      before: [],
      update: ready("True", "Available"),
      transition: t1.toISOString(),
    },
    {
      reason: "same status keeps lastTransitionTime, even with a new reason or generation",
      before: [{ ...ready("True", "Available"), lastTransitionTime: t0.toISOString() }],
      update: ready("True", "Available", 2),
      transition: t0.toISOString(),
    },
    {
      reason: "a status change moves lastTransitionTime",
      before: [{ ...ready("True", "Available"), lastTransitionTime: t0.toISOString() }],
      update: ready("False", "Drifted"),
      transition: t1.toISOString(),
    },
  ];
  it.each(cases)("$reason", ({ before, update, transition }) => {
    const after = setCondition(before, update, t1);
    expect(after).toHaveLength(1);
    expect(after[0]).toEqual({ ...update, lastTransitionTime: transition });
  });

  it("keeps conditions of other types (also ones other tools wrote) in place", () => {
    const other = {
      type: "Custom",
      status: "True" as const,
      reason: "X",
      message: "",
      lastTransitionTime: t0.toISOString(),
    };
    const after = setCondition([other], ready("True", "Available"), t1);
    expect(after.map((c) => c.type)).toEqual(["Custom", "Ready"]);
    expect(after[0]).toBe(other);
  });
});
