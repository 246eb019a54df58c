import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { type ControlPlane, startEnvironment, type WorkerEnvironment } from "./environment.js";
import { provision } from "./provision.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** One isolated environment per vitest worker, indexed by VITEST_POOL_ID - 1. */
    environments: WorkerEnvironment[];
    /** Client tools built by hack/provision.sh. */
    tools: { kubectl: string; helm: string };
    /** The shared etcd, certificates and kube-apiserver binary, for tests that run their own apiserver. */
    controlPlane: ControlPlane;
  }
}

/**
 * Starts etcd, one kube-apiserver and one moto server per worker before the integration tests,
 * and stops them afterwards, also when tests fail. Never skips: if the environment cannot start,
 * the run fails with the reason.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const workers = project.globalConfig.maxWorkers;
  const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-test-"));
  const started = Date.now();
  const env = await startEnvironment({
    dir,
    workers,
    externalAwsEndpoint: process.env.ORGGUARD_TEST_AWS_ENDPOINT || undefined,
  });
  console.log(`test environment: ${workers} worker(s) ready in ${Date.now() - started} ms (logs: ${dir})`);
  project.provide("environments", env.workers);
  project.provide("controlPlane", env.controlPlane);
  const tools = await provision(["kubectl", "helm"]).catch(async (err: unknown) => {
    await env.stop();
    throw err;
  });
  project.provide("tools", { kubectl: tools.kubectl!, helm: tools.helm! });
  return async () => {
    await env.stop();
    if (!process.env.ORGGUARD_KEEP_TEST_LOGS) await rm(dir, { recursive: true, force: true });
  };
}
