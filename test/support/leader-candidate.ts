/**
 * A controller process for the leader-election test: the real manager, Lease and signal handling
 * from src/controller-process.ts, reconciling the test Gadget kind against a fake external system. Every
 * observe prints `RECONCILE <name>` so the test can see which process reconciles.
 * Usage: tsx test/support/leader-candidate.ts <lease-name> (KUBECONFIG in the environment).
 */
import { KubeConfig } from "@kubernetes/client-node";
import { loadConfig } from "../../src/config.js";
import { createManager, runUntilStopped } from "../../src/controller-process.js";
import { managedController } from "../../src/runtime/controller.js";
import { createLogger } from "../../src/runtime/logger.js";
import type { ManagedKind } from "../../src/runtime/managed.js";
import { FakeExternal, type Gadget } from "./fake-kind.js";

const leaseName = process.argv[2] ?? "orgguard-test-leader";
const config = loadConfig([
  "--leader-elect",
  `--leader-election-id=${leaseName}`,
  "--leader-election-namespace=default",
  "--lease-duration=3s",
  "--renew-deadline=2s",
  "--retry-period=500ms",
  "--poll-interval=1s",
  "--health-probe-bind-address=127.0.0.1:0",
  "--metrics-bind-address=127.0.0.1:0",
  "--shutdown-timeout=5s",
]);
const logger = createLogger("info", { pid: process.pid });
const external = new FakeExternal();
const inner = external.kind();
const kind: ManagedKind<Gadget, string> = {
  ...inner,
  connect: async (object, context) => {
    const client = await inner.connect(object, context);
    return {
      ...client,
      observe: async (g) => {
        process.stdout.write(`RECONCILE ${g.metadata.name}\n`);
        return client.observe(g);
      },
    };
  },
};
const kc = new KubeConfig();
kc.loadFromDefault();
const manager = createManager({
  config,
  kc,
  logger,
  controllers: (runtime) => [managedController(runtime, kind)],
});
process.exit(await runUntilStopped(manager, logger, config.shutdownTimeout));
