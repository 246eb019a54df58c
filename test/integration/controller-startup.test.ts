/**
 * `orgguard controller` starting up, as a process: a port in use is one clear line and exit 1
 * (no stack trace); while AWS cannot be reached it serves its probes, says why it is not ready,
 * and SIGTERM still stops it at once.
 */
import net from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, waitUntil } from "../env/process.js";
import { ControllerProcess } from "../support/controller-process.js";

describe("orgguard controller starting up", () => {
  it("a probe port already in use: one line naming the flag, exit 1", async () => {
    const port = await freePort();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(port, "127.0.0.1", resolve));
    try {
      const controller = new ControllerProcess([`--health-probe-bind-address=127.0.0.1:${port}`]);
      expect(await controller.exited).toBe(1);
      const errors = controller.lines.filter((l) => l.startsWith("stderr:"));
      expect(errors).toEqual([
        `stderr: orgguard controller: cannot serve the health probes on 127.0.0.1:${port}: address already in use (--health-probe-bind-address): choose another address`,
      ]);
    } finally {
      squatter.close();
    }
  });

  it("without AWS it serves its probes, says it is starting, and stops at once on SIGTERM", async () => {
    // Nothing listens on port 1: STS cannot answer.
    const controller = new ControllerProcess([], { AWS_ENDPOINT_URL: "http://127.0.0.1:1" });
    await waitUntil(
      async () => controller.lines.some((l) => l.includes("serving probes and metrics")),
      30_000,
      "the probes",
    );
    const readyz = await fetch(`${controller.url()}/readyz`);
    expect(readyz.status).toBe(503);
    expect(await readyz.text()).toBe("not ready: starting\n");
    expect((await fetch(`${controller.url()}/healthz`)).status).toBe(200);
    await waitUntil(
      async () => controller.lines.some((l) => l.includes("cannot learn the controller's own AWS account")),
      10_000,
      "the reason in the log",
    );
    const signalled = Date.now();
    controller.process.kill("SIGTERM");
    expect(await controller.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(3000);
  });
});
