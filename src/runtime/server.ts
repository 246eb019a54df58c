/**
 * The controller's HTTP endpoints: /healthz (the process is alive), /readyz (informers synced and,
 * with leader election, leading or standing by; 200 with `degraded:` lines when something such as
 * the events queue does not work but reconciling does), /metrics (Prometheus text format).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "./metrics.js";

export interface Probes {
  /** Why the controller is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  /** What works in a degraded way: shown by /readyz, which stays 200 (the controller still works). */
  degradations?(): string[];
}

/** Starts one HTTP server answering the probes and metrics; resolves once it listens. */
export async function startServer(
  bindAddress: string,
  metrics: Metrics,
  probes: Probes,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const url = req.url?.split("?")[0];
    if (url === "/healthz") return send(res, 200, "ok\n");
    if (url === "/readyz") {
      const reason = probes.notReadyReason();
      if (reason) return send(res, 503, `not ready: ${reason}\n`);
      const degraded = probes.degradations?.() ?? [];
      return send(res, 200, `${["ok", ...degraded.map((d) => `degraded: ${d}`)].join("\n")}\n`);
    }
    if (url === "/metrics") {
      metrics.registry
        .metrics()
        .then((text) => send(res, 200, text, metrics.registry.contentType))
        .catch((err: Error) => send(res, 500, `${err.message}\n`));
      return;
    }
    send(res, 404, "not found\n");
  });
  const { host, port } = parseBindAddress(bindAddress);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
): void {
  res.writeHead(status, { "Content-Type": contentType });
  res.end(body);
}

/** ":8080" -> all interfaces, port 8080; "127.0.0.1:0" -> loopback, a free port. */
export function parseBindAddress(address: string): { host: string | undefined; port: number } {
  const index = address.lastIndexOf(":");
  const host = index > 0 ? address.slice(0, index).replace(/^\[|\]$/g, "") : undefined;
  const port = Number(address.slice(index + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`invalid bind address '${address}'`);
  return { host, port };
}

/** The port a server listens on (for ":0"). */
export const listeningPort = (server: http.Server): number => (server.address() as AddressInfo).port;
