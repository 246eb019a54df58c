/**
 * The controller image, built by `make image`, run with testcontainers the way the Helm chart runs
 * it (uid 65532, read-only root filesystem, every capability dropped, no privilege escalation),
 * on the host network so that every connection stays on loopback, against this worker's
 * kube-apiserver and moto: it must reconcile examples to Ready, serve /readyz and /metrics, and
 * exit 0 within 5 s of SIGTERM. Needs a Docker engine; fails saying how to get one (never skips).
 */
import { chmod, copyFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import {
  GenericContainer,
  getContainerRuntimeClient,
  ImageName,
  type StartedTestContainer,
  Wait,
} from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCondition } from "../../src/runtime/conditions.js";
import { freePort, waitUntil } from "../env/process.js";
import {
  awsEndpoint,
  createOrganization,
  EMULATOR_DEFAULT_REGIONS,
  MANAGEMENT_ENV,
  resetMoto,
} from "../support/aws.js";
import { workerEnvironment } from "../support/environment.js";
import { adminKubeConfig } from "../support/kube.js";
import { kubectlOk } from "../support/kubectl.js";
import { installOrgguardCrds, orgguardClient } from "../support/orgguard.js";

const IMAGE = process.env.ORGGUARD_IMAGE ?? "orgguard:0.1.0";
const EXAMPLES = [
  "examples/password-policy/minimal.yaml",
  "examples/scp-library/deny-leave-organization.yaml",
];

/** The chart's container hardening, including what testcontainers has no method for. */
class HardenedContainer extends GenericContainer {
  withReadOnlyRootFilesystem(): this {
    this.hostConfig.ReadonlyRootfs = true;
    return this;
  }
}

let container: StartedTestContainer;
const lines: string[] = [];
let healthPort: number;
let metricsPort: number;

async function dockerOrExplain() {
  try {
    return await getContainerRuntimeClient();
  } catch (err) {
    throw new Error(
      `make test-image needs a Docker engine, and none answers (${(err as Error).message}). Install one (for example Debian's docker.io package) and start dockerd; then make image builds the image.`,
    );
  }
}

beforeAll(async () => {
  const docker = await dockerOrExplain();
  if (!(await docker.image.exists(ImageName.fromString(IMAGE)))) {
    throw new Error(`no image ${IMAGE}: build it with make image (make test-image does)`);
  }
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  await createOrganization({});
  // The admin kubeconfig is 0600 root's; the container's uid 65532 reads a copy.
  const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-image-"));
  const kubeconfig = path.join(dir, "kubeconfig");
  await copyFile(workerEnvironment().kubeconfigPath, kubeconfig);
  await chmod(kubeconfig, 0o644);
  healthPort = await freePort();
  metricsPort = await freePort();
  container = await new HardenedContainer(IMAGE)
    .withNetworkMode("host")
    .withUser("65532:65532")
    .withReadOnlyRootFilesystem()
    .withDroppedCapabilities("ALL")
    .withSecurityOpt("no-new-privileges")
    .withBindMounts([{ source: kubeconfig, target: "/config/kubeconfig", mode: "ro" }])
    .withEnvironment({
      KUBECONFIG: "/config/kubeconfig",
      AWS_ENDPOINT_URL: awsEndpoint(),
      AWS_REGION: "us-east-1",
      ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS,
      ...MANAGEMENT_ENV,
      ORGGUARD_POLL_INTERVAL: "3s",
      ORGGUARD_HEALTH_PROBE_BIND_ADDRESS: `127.0.0.1:${healthPort}`,
      ORGGUARD_METRICS_BIND_ADDRESS: `127.0.0.1:${metricsPort}`,
      ORGGUARD_SHUTDOWN_TIMEOUT: "3s",
    })
    .withLogConsumer((stream: Readable) =>
      stream.on("data", (chunk: Buffer) => lines.push(...chunk.toString().split("\n").filter(Boolean))),
    )
    .withWaitStrategy(Wait.forLogMessage("controller started"))
    .withStartupTimeout(60_000)
    .start();
}, 180_000);

afterAll(async () => {
  if (!container) return;
  await container.stop({ remove: true }).catch(() => undefined);
  await kubectlOk(["delete", "--ignore-not-found", "--wait=false", ...EXAMPLES.flatMap((f) => ["-f", f])]);
});

describe(`the image ${IMAGE}`, () => {
  it("runs as uid 65532 on a read-only root filesystem with every capability dropped", async () => {
    const uid = await container.exec(["node", "-e", "process.stdout.write(String(process.getuid()))"]);
    expect(uid.output).toBe("65532");
    const write = await container.exec(["node", "-e", "require('fs').writeFileSync('/app/x', '')"]);
    expect(write.exitCode).not.toBe(0);
    expect(write.output).toMatch(/EROFS|read-only/);
    const docker = await getContainerRuntimeClient();
    const inspected = await docker.container.inspect(docker.container.getById(container.getId()));
    expect(inspected.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspected.HostConfig.CapDrop).toEqual(["ALL"]);
    expect(inspected.HostConfig.SecurityOpt).toContain("no-new-privileges");
  });

  it("runs the controller with the memory settings bench/scale.ts measured (Dockerfile)", async () => {
    // NUL-separated, as the kernel keeps them.
    const cmdline = await container.exec(["cat", "/proc/1/cmdline"]);
    expect(cmdline.output.split("\0")).toEqual([
      "node",
      "--max-semi-space-size=4",
      "--optimize-for-size",
      "bin/orgguard.js",
      "controller",
      "",
    ]);
    const environ = await container.exec(["cat", "/proc/1/environ"]);
    expect(environ.output.split("\0")).toContain("GLIBC_TUNABLES=glibc.malloc.mmap_threshold=32768");
    // The young generation the flag allows: two 4 MiB semi-spaces, not V8's default of up to 64 MiB.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const heapTotal = Number(/orgguard_process_memory_bytes\{area="heap_total"\} (\d+)/.exec(metrics)?.[1]);
    expect(heapTotal).toBeGreaterThan(0);
    expect(heapTotal).toBeLessThan(128 * 1024 * 1024);
  });

  it("reconciles examples to Ready and serves /readyz and /metrics", async () => {
    await kubectlOk(["apply", "--server-side", ...EXAMPLES.flatMap((f) => ["-f", f])]);
    const kc = adminKubeConfig();
    for (const [kind, name] of [
      ["PasswordPolicy", "own-account"],
      ["ServiceControlPolicy", "deny-leave-organization"],
    ] as const) {
      const client = orgguardClient(kc, kind);
      await waitUntil(
        async () => findCondition((await client.get(name))?.status?.conditions, "Ready")?.status === "True",
        60_000,
        `${kind}/${name} to be Ready (container: ${lines.slice(-3).join(" | ")})`,
      );
    }
    expect((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/orgguard_reconcile_total\{kind="PasswordPolicy",result="success"\} \d+/);
    // No end-of-support notice from the AWS SDK on this Node.
    expect(lines.filter((l) => /no longer support|end-of-support|NodeDeprecation/i.test(l))).toEqual([]);
  });

  it("exits 0 within 5 s of SIGTERM", async () => {
    const client = await getContainerRuntimeClient();
    const handle = client.container.getById(container.getId());
    const signalled = Date.now();
    await handle.kill({ signal: "SIGTERM" });
    let state = (await client.container.inspect(handle)).State;
    while (state.Running && Date.now() - signalled < 10_000) {
      await new Promise((r) => setTimeout(r, 100));
      state = (await client.container.inspect(handle)).State;
    }
    const took = Date.now() - signalled;
    console.log(`the container exited ${took} ms after SIGTERM with code ${state.ExitCode}`);
    expect(state.Running).toBe(false);
    expect(took).toBeLessThan(5000);
    expect(state.ExitCode).toBe(0);
    expect(lines.some((l) => l.includes("shut down cleanly"))).toBe(true);
  });
});
