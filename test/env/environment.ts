import { mkdir } from "node:fs/promises";
import { type ControlPlaneCerts, createControlPlaneCerts } from "./certs.js";
import { type ApiServer, startApiServer, startEtcd } from "./control-plane.js";
import { startMoto } from "./moto.js";
import type { ManagedProcess } from "./process.js";
import { provision } from "./provision.js";

/**
 * What one test worker (or one `make env-up`) gets: its own kube-apiserver and its own AWS
 * endpoint, so that parallel test files never share mutable state.
 */
export interface WorkerEnvironment {
  kubeconfigPath: string;
  apiServerUrl: string;
  awsEndpoint: string;
}

/** What a test needs to start a kube-apiserver of its own (one it may restart) on the shared etcd. */
export interface ControlPlane {
  etcdUrl: string;
  certs: ControlPlaneCerts;
  kubeApiserver: string;
}

export interface Environment {
  dir: string;
  workers: WorkerEnvironment[];
  controlPlane: ControlPlane;
  processes: ManagedProcess[];
  /** Stops every process, newest first; never throws. */
  stop(): Promise<void>;
}

export interface EnvironmentOptions {
  dir: string;
  /** How many isolated apiserver + moto pairs to start (they share one etcd, under distinct prefixes). */
  workers: number;
  /** Use this moto server instead of starting one (ORGGUARD_TEST_AWS_ENDPOINT). */
  externalAwsEndpoint?: string;
  /** Leave the processes running after this Node process exits (`make env-up`). */
  detached?: boolean;
  /**
   * Run moto with an index of the access keys it issued (test/env/moto-indexed-keys.py) instead of
   * its scan of every account per request: for benchmarks of thousands of accounts only.
   */
  indexedMotoKeys?: boolean;
}

/** Provisions the binaries and starts etcd, kube-apiserver(s) and moto server(s) on loopback. */
export async function startEnvironment(options: EnvironmentOptions): Promise<Environment> {
  const { dir, workers, externalAwsEndpoint, detached = false, indexedMotoKeys = false } = options;
  await mkdir(dir, { recursive: true });
  const bins = await provision(
    externalAwsEndpoint ? ["etcd", "kube-apiserver"] : ["etcd", "kube-apiserver", "moto"],
  );
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    for (const p of [...processes].reverse()) await p.stop().catch(() => undefined);
  };
  try {
    const runId = `${Date.now().toString(36)}-${process.pid}`;
    const [certs, etcd] = await Promise.all([
      createControlPlaneCerts(dir),
      startEtcd(bins.etcd!, dir, detached),
    ]);
    processes.push(etcd.process);
    const indices = Array.from({ length: workers }, (_, i) => i + 1);
    const apiServers: ApiServer[] = await Promise.all(
      indices.map(async (i) => {
        const apiServer = await startApiServer({
          binary: bins.kubeApiserver!,
          etcdUrl: etcd.url,
          etcdPrefix: `/registry-${runId}-${i}`,
          certs,
          dir,
          name: `kube-apiserver-${i}`,
          detached,
        });
        processes.push(apiServer.process);
        return apiServer;
      }),
    );
    const awsEndpoints = externalAwsEndpoint
      ? indices.map(() => externalAwsEndpoint)
      : await Promise.all(
          indices.map(async (i) => {
            const moto = await startMoto(bins.motoServer!, dir, `moto-${i}`, {
              detached,
              indexedKeys: indexedMotoKeys,
            });
            processes.push(moto.process);
            return moto.endpoint;
          }),
        );
    const workerEnvs = apiServers.map((api, i) => ({
      kubeconfigPath: api.kubeconfigPath,
      apiServerUrl: api.url,
      awsEndpoint: awsEndpoints[i]!,
    }));
    const controlPlane = { etcdUrl: etcd.url, certs, kubeApiserver: bins.kubeApiserver! };
    return { dir, workers: workerEnvs, controlPlane, processes, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
