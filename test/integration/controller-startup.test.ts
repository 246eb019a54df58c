/**
 * `orgguard controller` starting up, as a process: a port in use is one clear line and exit 1
 * (no stack trace); while AWS cannot be reached it serves its probes, says why it is not ready,
 * and SIGTERM still stops it at once; a long-term access key is refused unless allowed, and then
 * said in the log and a metric.
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

  /** Long-term keys as the SDK's environment provider hands them over (moto answers for any key). */
  const longTermKeys = [
    {
      reason: "an IAM user's key (AKIA...), even with a session token beside it",
      env: { AWS_ACCESS_KEY_ID: "AKIAIOSFODNN7EXAMPLE", AWS_SESSION_TOKEN: "testing" },
      says: "the access key id starts with AKIA (an IAM user's key)",
    },
    {
      reason: "any key without a session token",
      env: { AWS_ACCESS_KEY_ID: "testing", AWS_SESSION_TOKEN: "" },
      says: "they have no session token (a key, not a role's session)",
    },
  ];

  it.each(longTermKeys)("refuses a long-term key: $reason, in one line, exit 1", async ({ env, says }) => {
    const controller = new ControllerProcess([], env);
    expect(await controller.exited).toBe(1);
    expect(controller.lines.filter((l) => l.startsWith("stderr:"))).toEqual([
      `stderr: orgguard controller: the AWS credentials are a long-term access key: ${says}. give orgguard a role's session instead: IRSA or EKS Pod Identity in a cluster, an instance profile, or AWS SSO / sts assume-role for plan and apply, or give --allow-long-term-credentials`,
    ]);
    // The key itself is never printed.
    expect(controller.lines.join("\n")).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });

  it("runs on a long-term key with --allow-long-term-credentials, warning and setting orgguard_long_term_credentials", async () => {
    const controller = new ControllerProcess(["--allow-long-term-credentials"], { AWS_SESSION_TOKEN: "" });
    try {
      await waitUntil(
        async () => controller.lines.some((l) => l.includes("controller started")),
        30_000,
        "the start",
      );
      expect(controller.lines.filter((l) => l.includes("running on a long-term access key"))).toHaveLength(1);
      const metrics = await (await fetch(`${controller.url()}/metrics`)).text();
      expect(metrics).toMatch(/^orgguard_long_term_credentials 1$/m);
    } finally {
      await controller.stop();
    }
  });

  it("on a role's session sets orgguard_long_term_credentials to 0 and says nothing", async () => {
    const controller = new ControllerProcess([]);
    try {
      await waitUntil(
        async () => controller.lines.some((l) => l.includes("controller started")),
        30_000,
        "the start",
      );
      expect(controller.lines.filter((l) => l.includes("long-term"))).toEqual([]);
      const metrics = await (await fetch(`${controller.url()}/metrics`)).text();
      expect(metrics).toMatch(/^orgguard_long_term_credentials 0$/m);
    } finally {
      await controller.stop();
    }
  });
});
