/**
 * API clients made by runtime/kube-api.ts keep their TLS connections to the kube-apiserver alive:
 * client-node's own makeApiClient opens a new connection for every call. Counted at a TCP relay
 * between the client and the real apiserver; both ways, so the test fails if the reuse is lost.
 */
import net from "node:net";
import { CustomObjectsApi, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApiClient } from "../../src/runtime/kube-api.js";
import { adminKubeConfig } from "../support/kube.js";
import { installOrgguardCrds } from "../support/orgguard.js";

const CALLS = 30;
let relay: net.Server;
const sockets = new Set<net.Socket>();
let connections = 0;
let throughRelay: KubeConfig;

beforeAll(async () => {
  await installOrgguardCrds();
  const admin = adminKubeConfig();
  const cluster = admin.getCurrentCluster()!;
  const target = new URL(cluster.server);
  relay = net.createServer((client) => {
    connections += 1;
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", close);
    upstream.on("error", close);
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const port = (relay.address() as net.AddressInfo).port;
  throughRelay = new KubeConfig();
  throughRelay.loadFromOptions({
    clusters: [{ ...cluster, server: `https://127.0.0.1:${port}` }],
    users: admin.users,
    contexts: admin.contexts,
    currentContext: admin.currentContext,
  });
});

afterAll(() => {
  for (const socket of sockets) socket.destroy();
  relay?.close();
});

/** Connections `CALLS` list calls, one after another, opened through the relay. */
async function connectionsFor(api: CustomObjectsApi): Promise<number> {
  const before = connections;
  for (let i = 0; i < CALLS; i++) {
    await api.listClusterCustomObject({
      group: "orgguard.io",
      version: "v1alpha1",
      plural: "passwordpolicies",
    });
  }
  return connections - before;
}

describe("kube-apiserver connections", () => {
  it.each([
    {
      reason: "client-node's makeApiClient: a new agent, so a new TLS connection, per call",
      make: (kc: KubeConfig) => kc.makeApiClient(CustomObjectsApi),
      expected: (n: number) => expect(n).toBe(CALLS),
    },
    {
      reason: "runtime/kube-api.ts: one kept-alive connection for sequential calls",
      make: (kc: KubeConfig) => makeApiClient(kc, CustomObjectsApi),
      expected: (n: number) => expect(n).toBeLessThanOrEqual(1),
    },
  ])("$reason", async ({ make, expected }) => {
    expected(await connectionsFor(make(throughRelay)));
  });
});
