/**
 * Two controller processes with leader election on a Lease: only the leader reconciles; when it
 * is killed with SIGKILL the standby takes over within the lease duration; SIGTERM releases the
 * Lease. Also checks the probes and metrics a real process serves.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { CoordinationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResourceClient } from "../../src/runtime/resource-client.js";
import { waitUntil } from "../env/process.js";
import { collectOutput } from "../support/controller-process.js";
import { workerEnvironment } from "../support/environment.js";
import { GADGET, type Gadget, gadget, installGadgetCrd } from "../support/fake-kind.js";
import { adminKubeConfig } from "../support/kube.js";

const LEASE_DURATION_MS = 3000;
const RETRY_PERIOD_MS = 500;

/** A running leader-candidate process and what it printed. */
class Candidate {
  readonly lines: string[] = [];
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(leaseName: string) {
    // `node --import tsx`, not the tsx launcher: the launcher runs the script in a child process,
    // which a SIGKILL of the launcher would leave running (still holding the Lease).
    this.process = spawn(
      process.execPath,
      ["--import", "tsx", "test/support/leader-candidate.ts", leaseName],
      {
        env: { ...process.env, KUBECONFIG: workerEnvironment().kubeconfigPath },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.exited = collectOutput(this.process, this.lines);
  }

  has(pattern: RegExp): boolean {
    return this.lines.some((l) => pattern.test(l));
  }

  async waitFor(pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
    await waitUntil(
      async () => this.has(pattern),
      timeoutMs,
      `${what} (output: ${this.lines.slice(-5).join(" | ")})`,
    );
  }

  /** The health-probe port it logged. */
  port(): number {
    const line = this.lines.find((l) => l.includes("serving probes and metrics"))!;
    return (JSON.parse(line) as { healthProbePort: number }).healthProbePort;
  }
}

const kc = adminKubeConfig();
const leaseName = `orgguard-test-${Date.now().toString(36)}`;
const candidates: Candidate[] = [];

beforeAll(async () => {
  await installGadgetCrd(kc);
});

afterAll(async () => {
  for (const c of candidates) c.process.kill("SIGKILL");
  const client = new ResourceClient<Gadget>(kc, GADGET);
  for (const g of (await client.list()).items) {
    if (g.metadata.finalizers?.length)
      await client.jsonPatch(g.metadata.name, [{ op: "remove", path: "/metadata/finalizers" }]);
    await client.delete(g.metadata.name);
  }
});

describe("leader election with two processes", () => {
  it("only the leader reconciles, the standby takes over after SIGKILL, and SIGTERM releases the Lease", async () => {
    const a = new Candidate(leaseName);
    candidates.push(a);
    await a.waitFor(/became leader/, 30_000, "the first process to lead");
    const b = new Candidate(leaseName);
    candidates.push(b);
    await b.waitFor(/serving probes and metrics/, 30_000, "the second process to start");

    // Probes: the leader is ready once synced; the standby is ready to take over.
    await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${a.port()}/readyz`)).status === 200,
      10_000,
      "leader ready",
    );
    expect((await fetch(`http://127.0.0.1:${a.port()}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${b.port()}/readyz`)).status).toBe(200);

    const name = `le-${Date.now().toString(36)}`;
    await new ResourceClient<Gadget>(kc, GADGET).create(gadget(name, { value: "v1" }));
    await a.waitFor(new RegExp(`RECONCILE ${name}`), 15_000, "the leader to reconcile");
    // Several polls later, the standby has still done nothing.
    await new Promise((r) => setTimeout(r, 2500));
    expect(b.has(/RECONCILE/)).toBe(false);
    expect(b.has(/became leader/)).toBe(false);

    const metrics = await (await fetch(`http://127.0.0.1:${a.port()}/metrics`)).text();
    expect(metrics).toMatch(/orgguard_reconcile_total\{kind="Gadget",result="success"\} [1-9]/);
    expect(metrics).toMatch(/orgguard_leader 1/);

    const killedAt = Date.now();
    a.process.kill("SIGKILL");
    await b.waitFor(/became leader/, LEASE_DURATION_MS * 3, "the standby to take over");
    const takeoverMs = Date.now() - killedAt;
    console.log(`standby took over ${takeoverMs} ms after SIGKILL (lease duration ${LEASE_DURATION_MS} ms)`);
    expect(takeoverMs).toBeLessThanOrEqual(LEASE_DURATION_MS + 2 * RETRY_PERIOD_MS + 1000);
    await b.waitFor(new RegExp(`RECONCILE ${name}`), 15_000, "the new leader to reconcile");

    b.process.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(b.has(/shut down cleanly/)).toBe(true);
    const lease = await kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: leaseName, namespace: "default" });
    expect(lease.spec?.holderIdentity, b.lines.filter((l) => /lease/i.test(l)).join("\n")).toBe("");
  });

  it("a leader that cannot renew its Lease stops reconciling and exits 1", async () => {
    const lease = `${leaseName}-lost`;
    const c = new Candidate(lease);
    candidates.push(c);
    await c.waitFor(/became leader/, 30_000, "the process to lead");
    // Another holder takes the Lease behind the leader's back (as after a network partition).
    const api = kc.makeApiClient(CoordinationV1Api);
    const current = await api.readNamespacedLease({ name: lease, namespace: "default" });
    await api.patchNamespacedLease({
      name: lease,
      namespace: "default",
      body: [
        { op: "test", path: "/metadata/resourceVersion", value: current.metadata?.resourceVersion },
        { op: "add", path: "/spec/holderIdentity", value: "intruder" },
        { op: "add", path: "/spec/leaseDurationSeconds", value: 60 },
      ],
    });
    const stolenAt = Date.now();
    expect(await c.exited).toBe(1);
    const exitedAfterMs = Date.now() - stolenAt;
    console.log(`leader exited ${exitedAfterMs} ms after losing its Lease (renew deadline 2000 ms)`);
    expect(exitedAfterMs).toBeLessThan(2000 + 2 * RETRY_PERIOD_MS + 2000);
    expect(c.has(/lost leadership/)).toBe(true);
    expect(c.has(/controllers stopped/)).toBe(true);
  });
});
