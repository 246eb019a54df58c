/**
 * The Argo CD health check (docs/argocd-health.lua) run by a real Lua interpreter against status
 * samples of each outcome.
 */
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { provision } from "../env/provision.js";

/** A JavaScript value as a Lua table constructor. */
function toLua(value: unknown): string {
  if (value === null || value === undefined) return "nil";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(", ")}}`;
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${toLua(v)}`)
    .join(", ")}}`;
}

async function health(obj: unknown): Promise<{ status: string; message: string }> {
  const { lua } = await provision(["lua"]);
  const script = await readFile("docs/argocd-health.lua", "utf8");
  const program = `obj = ${toLua(obj)}\nlocal function check()\n${script}\nend\nlocal hs = check()\nprint(hs.status .. "|" .. hs.message)\n`;
  return new Promise((resolve, reject) => {
    const child = execFile(lua!, ["-"], (err, stdout, stderr) => {
      if (err) reject(new Error(`lua failed: ${stderr}`));
      const [status, message] = stdout.trim().split("|");
      resolve({ status: status!, message: message ?? "" });
    });
    child.stdin!.end(program);
  });
}

const condition = (type: string, status: string, reason: string, message = "") => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-01-01T00:00:00Z",
});
const object = (generation: number, status?: Record<string, unknown>) => ({
  metadata: { name: "x", generation },
  spec: {},
  ...(status ? { status } : {}),
});

describe("the Argo CD health check", () => {
  const cases = [
    {
      reason: "Ready at the current generation",
      obj: object(2, { observedGeneration: 2, conditions: [condition("Ready", "True", "Available")] }),
      status: "Healthy",
    },
    { reason: "no status yet", obj: object(1), status: "Progressing" },
    {
      reason: "paused by orgguard.io/paused: nothing is compared (Ready says Unknown)",
      obj: object(2, {
        observedGeneration: 2,
        conditions: [
          condition("Ready", "Unknown", "ReconcilePaused"),
          condition("Synced", "False", "ReconcilePaused", "paused by the orgguard.io/paused annotation"),
        ],
      }),
      status: "Suspended",
    },
    {
      reason: "a new generation not yet observed, even if Ready before",
      obj: object(3, { observedGeneration: 2, conditions: [condition("Ready", "True", "Available")] }),
      status: "Progressing",
    },
    {
      reason: "creating or retrying after a transient error",
      obj: object(1, {
        observedGeneration: 1,
        conditions: [condition("Ready", "False", "Creating"), condition("Synced", "False", "Throttled")],
      }),
      status: "Progressing",
    },
    {
      reason: "stalled on a terminal error",
      obj: object(1, {
        observedGeneration: 1,
        conditions: [
          condition("Ready", "False", "AccessDenied"),
          condition("Stalled", "True", "AccessDenied", "not authorized"),
        ],
      }),
      status: "Degraded",
    },
    {
      reason: "ObserveOnly drift",
      obj: object(1, {
        observedGeneration: 1,
        conditions: [condition("Ready", "False", "Drifted", "x differs")],
      }),
      status: "Degraded",
    },
    {
      reason: "a baseline's conflict",
      obj: object(1, { observedGeneration: 1, conditions: [condition("Ready", "False", "Conflict")] }),
      status: "Degraded",
    },
  ];
  it.each(cases)("$reason -> $status", async ({ obj, status }) => {
    expect((await health(obj)).status).toBe(status);
  });

  it("carries the reason and message of a stall", async () => {
    const obj = object(1, {
      observedGeneration: 1,
      conditions: [condition("Stalled", "True", "NameTaken", "an SCP named x already exists")],
    });
    expect(await health(obj)).toEqual({
      status: "Degraded",
      message: "NameTaken: an SCP named x already exists",
    });
  });
});
