/**
 * `orgguard controller` run as in production (the compiled bin/orgguard.js), against this
 * worker's kube-apiserver and moto, with its stdout (JSON logs) collected and its /metrics read.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { WRITE_OPERATIONS } from "../../src/kinds/index.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import type { ResourceClient } from "../../src/runtime/resource-client.js";
import { waitUntil } from "../env/process.js";
import {
  awsEndpoint,
  createOrganization,
  EMULATOR_DEFAULT_REGIONS,
  MANAGEMENT_ENV,
  resetMoto,
} from "./aws.js";
import { workerEnvironment } from "./environment.js";
import { installOrgguardCrds, waitForReadyReason } from "./orgguard.js";

/**
 * Collects a child's stdout as whole lines (and stderr, prefixed) into `lines`; resolves with
 * its exit code.
 */
export function collectOutput(child: ChildProcess, lines: string[]): Promise<number | null> {
  let buffered = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split("\n");
    buffered = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr?.on("data", (chunk: Buffer) => lines.push(`stderr: ${chunk.toString().trim()}`));
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

export class ControllerProcess {
  readonly lines: string[] = [];
  readonly process: ChildProcess;
  readonly exited: Promise<number | null>;

  /**
   * `env` overrides the defaults (this worker's apiserver and moto), e.g. a proxy's endpoint;
   * `nodeFlags` go before the script, as the image's ENTRYPOINT puts them (some V8 flags are not
   * allowed in NODE_OPTIONS).
   */
  constructor(args: string[], env: NodeJS.ProcessEnv = {}, nodeFlags: string[] = []) {
    if (!existsSync("dist/cli/run.js")) {
      throw new Error("dist/ is missing: run `npm run build` (make test does) before the integration tests");
    }
    this.process = spawn(
      process.execPath,
      [
        ...nodeFlags,
        "bin/orgguard.js",
        "controller",
        "--health-probe-bind-address=127.0.0.1:0",
        "--metrics-bind-address=127.0.0.1:0",
        ...args,
      ],
      {
        env: {
          ...process.env,
          // A bench outside vitest passes both: there is no worker environment to ask.
          KUBECONFIG: env.KUBECONFIG ?? workerEnvironment().kubeconfigPath,
          AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL ?? awsEndpoint(),
          AWS_REGION: "us-east-1",
          ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS,
          ...MANAGEMENT_ENV,
          ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    this.exited = collectOutput(this.process, this.lines);
  }

  /** Waits until the controller serves /readyz. */
  async ready(): Promise<void> {
    await waitUntil(
      async () => this.lines.some((l) => l.includes("serving probes and metrics")),
      30_000,
      `the controller to start (${this.tail()})`,
    );
    await waitUntil(
      async () => (await fetch(`${this.url()}/readyz`)).status === 200,
      30_000,
      `the controller to be ready (${this.tail()})`,
    );
  }

  url(): string {
    const line = this.lines.find((l) => l.includes("serving probes and metrics"))!;
    return `http://127.0.0.1:${(JSON.parse(line) as { healthProbePort: number }).healthProbePort}`;
  }

  /** AWS calls so far, by `service/Operation` (successful and failed). */
  async awsCalls(): Promise<Map<string, number>> {
    const text = await (await fetch(`${this.url()}/metrics`)).text();
    const calls = new Map<string, number>();
    for (const match of text.matchAll(
      /^orgguard_aws_api_calls_total\{service="([^"]+)",operation="([^"]+)",outcome="[^"]+"\} (\d+)/gm,
    )) {
      const key = `${match[1]}/${match[2]}`;
      calls.set(key, (calls.get(key) ?? 0) + Number(match[3]));
    }
    return calls;
  }

  async stop(): Promise<void> {
    this.process.kill("SIGTERM");
    await this.exited;
  }

  /** Kills the process at once, as a node failure or an OOM kill would. */
  async kill(): Promise<void> {
    this.process.kill("SIGKILL");
    await this.exited;
  }

  /** Waits until `name` is Ready with `reason` (as waitForReadyReason), showing this log's tail on a timeout. */
  waitForReason(
    client: ResourceClient<ManagedObject>,
    name: string,
    reason: string,
    timeoutMs?: number,
  ): Promise<ManagedObject> {
    return waitForReadyReason(client, name, reason, {
      ...(timeoutMs ? { timeoutMs } : {}),
      context: () => `controller: ${this.tail()}`,
    });
  }

  tail(): string {
    return this.lines.slice(-(Number(process.env.ORGGUARD_TAIL) || 5)).join(" | ");
  }
}

/** Write calls among `calls` (keyed `service/Operation`), by the kinds' declared writes: a steady state makes none. */
export function countWrites(calls: Map<string, number>): number {
  return [...calls].filter(([k]) => WRITE_OPERATIONS.has(k.replace("/", ":"))).reduce((n, [, v]) => n + v, 0);
}

/**
 * What a setting's integration test starts from: the CRDs, a fresh organization with one OU of
 * `accounts`, and `orgguard controller` polling every `pollMs`. Returns the controller and the
 * account ids by name.
 */
export async function startSettingSuite(
  accounts: string[],
  pollMs: number,
): Promise<{ controller: ControllerProcess; accounts: Map<string, string> }> {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts }] });
  const controller = new ControllerProcess([`--poll-interval=${pollMs}ms`, "--discovery-interval=2s"]);
  await controller.ready();
  return { controller, accounts: org.accountIds };
}
