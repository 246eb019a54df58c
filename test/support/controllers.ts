/**
 * Controllers run in the test process on the real kube-apiserver: the runtime a controller process
 * builds (shared informers, events, metrics), with the test's options, started and synced.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { type ControllerOptions, ControllerRuntime } from "../../src/runtime/controller.js";
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
