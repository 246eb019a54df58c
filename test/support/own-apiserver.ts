/**
 * A kube-apiserver of a test's own, on the shared etcd under a fresh prefix, that the test may
 * restart (as a managed control plane's upgrade does under a running controller). It keeps its
 * port across restarts, so kubeconfigs stay valid.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { KubeConfig } from "@kubernetes/client-node";
import { inject } from "vitest";
import { type ApiServer, startApiServer } from "../env/control-plane.js";

export class OwnApiServer {
  private constructor(
    private current: ApiServer,
    private readonly start: (port?: number) => Promise<ApiServer>,
  ) {}

  static async start(name: string): Promise<OwnApiServer> {
    const { etcdUrl, certs, kubeApiserver } = inject("controlPlane");
    const dir = await mkdtemp(path.join(os.tmpdir(), `orgguard-${name}-`));
    const prefix = `/registry-${name}-${Date.now().toString(36)}`;
    const start = (port?: number) =>
      startApiServer({
        binary: kubeApiserver,
        etcdUrl,
        etcdPrefix: prefix,
        certs,
        dir,
        name,
        ...(port ? { port } : {}),
      });
    return new OwnApiServer(await start(), start);
  }

  get kubeconfigPath(): string {
    return this.current.kubeconfigPath;
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.kubeconfigPath);
    return kc;
  }

  /** Stops the apiserver (SIGTERM) and starts it again on the same port with the same storage. */
  async restart(): Promise<void> {
    const port = Number(new URL(this.current.url).port);
    await this.current.process.stop();
    this.current = await this.start(port);
  }

  async stop(): Promise<void> {
    await this.current.process.stop();
  }

  /** Requests this apiserver has served since it started (its own apiserver_request_total). */
  async requestsServed(): Promise<number> {
    const { certs } = inject("controlPlane");
    const text = await new Promise<string>((resolve, reject) => {
      readFile(certs.caCert)
        .then((ca) => {
          const req = https.get(
            `${this.current.url}/metrics`,
            { ca, headers: { Authorization: `Bearer ${certs.adminToken}` } },
            (res) => {
              let body = "";
              res.on("data", (c: Buffer) => (body += c.toString()));
              res.on("end", () => resolve(body));
            },
          );
          req.on("error", reject);
        })
        .catch(reject);
    });
    let total = 0;
    for (const m of text.matchAll(/^apiserver_request_total\{[^}]*\} (\d+(?:\.\d+)?(?:e\+\d+)?)$/gm))
      total += Number(m[1]);
    return total;
  }
}
