import { readFile, writeFile } from "node:fs/promises";
import https from "node:https";
import path from "node:path";
import { stringify } from "yaml";
import type { ControlPlaneCerts } from "./certs.js";
import { freePort, type ManagedProcess, startProcess, waitUntil } from "./process.js";

/** A running etcd. */
export interface Etcd {
  process: ManagedProcess;
  url: string;
}

/** A running kube-apiserver and how to reach it as cluster admin. */
export interface ApiServer {
  process: ManagedProcess;
  url: string;
  kubeconfigPath: string;
}

const STARTUP_TIMEOUT_MS = 90_000;

/** Starts etcd on free loopback ports with a fresh data directory; resolves when it is healthy. */
export async function startEtcd(binary: string, dir: string, detached = false): Promise<Etcd> {
  const clientPort = await freePort();
  const peerPort = await freePort();
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const process = startProcess({
    name: "etcd",
    command: binary,
    args: [
      `--data-dir=${path.join(dir, "etcd-data")}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      // Test data is disposable: skipping fsync makes etcd many times faster on slow disks.
      "--unsafe-no-fsync",
      "--log-level=warn",
    ],
    logFile: path.join(dir, "etcd.log"),
    detached,
  });
  await waitUntil(
    async () => (await fetch(`${url}/health`)).ok,
    STARTUP_TIMEOUT_MS,
    `etcd to be healthy (log: ${path.join(dir, "etcd.log")})`,
  );
  return { process, url };
}

export interface ApiServerOptions {
  binary: string;
  etcdUrl: string;
  /** Keeps two apiservers on one etcd apart. */
  etcdPrefix: string;
  certs: ControlPlaneCerts;
  dir: string;
  name: string;
  detached?: boolean;
  /** Listen here (a restart keeps the address, so kubeconfigs stay valid); a free port by default. */
  port?: number;
}

/** Starts kube-apiserver (flags modelled on controller-runtime's envtest); resolves when /readyz is ok. */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { certs, dir } = options;
  const port = options.port ?? (await freePort());
  const url = `https://127.0.0.1:${port}`;
  const logFile = path.join(dir, `${options.name}.log`);
  const process = startProcess({
    name: options.name,
    command: options.binary,
    args: [
      `--etcd-servers=${options.etcdUrl}`,
      `--etcd-prefix=${options.etcdPrefix}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${port}`,
      "--advertise-address=127.0.0.1",
      "--endpoint-reconciler-type=none",
      `--tls-cert-file=${certs.servingCert}`,
      `--tls-private-key-file=${certs.servingKey}`,
      `--cert-dir=${dir}`,
      `--client-ca-file=${certs.caCert}`,
      `--token-auth-file=${certs.tokenFile}`,
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${certs.serviceAccountPub}`,
      `--service-account-signing-key-file=${certs.serviceAccountKey}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      "--authorization-mode=RBAC",
      "--disable-admission-plugins=ServiceAccount",
      "--allow-privileged=true",
      "--v=1",
    ],
    logFile,
    detached: options.detached ?? false,
  });
  const ca = await readFile(certs.caCert);
  await waitUntil(
    () => httpsOk(`${url}/readyz`, ca, certs.adminToken),
    STARTUP_TIMEOUT_MS,
    `kube-apiserver to be ready (log: ${logFile})`,
  );
  const kubeconfigPath = path.join(dir, `${options.name}.kubeconfig`);
  await writeFile(kubeconfigPath, adminKubeconfig(url, ca, certs.adminToken), { mode: 0o600 });
  return { process, url, kubeconfigPath };
}

function httpsOk(url: string, ca: Buffer, token: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error("request timed out")));
  });
}

/** A kubeconfig that reaches the apiserver as a member of system:masters. */
export function adminKubeconfig(server: string, ca: Buffer, token: string): string {
  return stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [
      { name: "orgguard-test", cluster: { server, "certificate-authority-data": ca.toString("base64") } },
    ],
    users: [{ name: "admin", user: { token } }],
    contexts: [{ name: "orgguard-test", context: { cluster: "orgguard-test", user: "admin" } }],
    "current-context": "orgguard-test",
  });
}
