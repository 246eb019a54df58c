/**
 * Controllers run in the test process on the real kube-apiserver: the runtime a controller process
 * builds (shared informers, events, metrics), with the test's options, started and synced.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { managedKinds } from "../../src/kinds/index.js";
import type { KindContext } from "../../src/kinds/kind-definition.js";
import {
  type Controller,
  type ControllerOptions,
  ControllerRuntime,
  managedController,
} from "../../src/runtime/controller.js";
import { type EventRecorder, KubeEventRecorder } from "../../src/runtime/event-recorder.js";
import { type Logger, silentLogger } from "../../src/runtime/logger.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { Metrics } from "../../src/runtime/metrics.js";
import { waitUntil } from "../env/process.js";

export interface RunningControllers<C extends Runnable> {
  runtime: ControllerRuntime;
  controllers: C[];
  stop(): Promise<void>;
}

/** Declares controllers on a fresh runtime, starts them and waits until their caches are synced. */
export async function runControllers<C extends Runnable>(
  kc: KubeConfig,
  options: ControllerOptions,
  declare: (runtime: ControllerRuntime) => C[],
  parts: { logger?: Logger; metrics?: Metrics; events?: EventRecorder } = {},
): Promise<RunningControllers<C>> {
  const logger = parts.logger ?? silentLogger;
  const runtime = new ControllerRuntime(
    kc,
    parts.events ?? new KubeEventRecorder(kc, "orgguard-test", logger),
    parts.metrics ?? new Metrics(),
    logger,
    options,
  );
  const controllers = declare(runtime);
  runtime.informers.start();
  for (const c of controllers) c.start();
  await waitUntil(async () => controllers.every((c) => c.hasSynced()), 30_000, "the informers to sync");
  return {
    runtime,
    controllers,
    stop: async () => {
      await Promise.all(controllers.map((c) => c.stop()));
      await runtime.informers.stop();
    },
  };
}

/** How a kind's own integration test runs its controller: one worker, `pollIntervalMs`, short backoff. */
export const kindTestOptions = (
  pollIntervalMs: number,
  overrides: Partial<ControllerOptions> = {},
): ControllerOptions => ({
  workers: 1,
  pollIntervalMs,
  pollJitter: 0,
  verifyAfterMs: 300,
  backoffBaseMs: 300,
  backoffMaxMs: 3000,
  ...overrides,
});

/**
 * The controller of one managed kind, made from `context` as the controller process makes it,
 * run in this process (`alongside` declares what else its runtime needs, e.g. another informer).
 */
export function runKindController(
  kc: KubeConfig,
  kindName: string,
  context: KindContext,
  options: ControllerOptions,
  alongside: (runtime: ControllerRuntime) => void = () => {},
): Promise<RunningControllers<Controller>> {
  const kind = managedKinds(context).find((k) => k.ref.kind === kindName);
  if (!kind) throw new Error(`no managed kind ${kindName}`);
  return runControllers(kc, options, (runtime) => {
    alongside(runtime);
    return [managedController(runtime, kind)];
  });
}
