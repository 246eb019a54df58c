/**
 * Assembles a controller process: config -> Kubernetes client -> the shared runtime -> the kinds'
 * controllers -> manager. SIGTERM and SIGINT stop taking work, drain in-flight reconciles within the
 * shutdown timeout, release the Lease and exit 0; losing the Lease exits 1 so Kubernetes restarts
 * the replica.
 */
import os from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ControllerConfig } from "./config.js";
import { type ControllerOptions, ControllerRuntime } from "./runtime/controller.js";
import { KubeEventRecorder } from "./runtime/event-recorder.js";
import type { Logger } from "./runtime/logger.js";
import { Manager, type Runnable } from "./runtime/manager.js";
import { Metrics } from "./runtime/metrics.js";

export const COMPONENT = "orgguard-controller";

/** What a controller process is made of. */
export interface ControllerProcessParts {
  config: ControllerConfig;
  kc: KubeConfig;
  logger: Logger;
  metrics?: Metrics;
  /** The controllers, declared on the process's shared runtime (kinds/controllers.ts controllersOf). */
  controllers(runtime: ControllerRuntime): Runnable[];
  /** Work to finish before any controller starts (learning the controller's own AWS account). */
  prepare?(signal: AbortSignal): Promise<void>;
  /** Started and stopped with the controllers (only the leader reads and deletes queued events). */
  alongside?: Runnable[];
}

/** The reconcile options of the configuration. */
export function controllerOptionsOf(config: ControllerConfig): ControllerOptions {
  return {
    workers: config.workers,
    pollIntervalMs: config.pollInterval,
    reconcileTimeoutMs: config.reconcileTimeout,
    drainTimeoutMs: config.shutdownTimeout,
  };
}

/** Builds the manager; call start() on it. */
export function createManager(parts: ControllerProcessParts): Manager {
  const { config, kc, logger } = parts;
  const metrics = parts.metrics ?? new Metrics();
  const events = new KubeEventRecorder(kc, COMPONENT, logger);
  const runtime = new ControllerRuntime(kc, events, metrics, logger, controllerOptionsOf(config));
  const controllers = [...parts.controllers(runtime), ...(parts.alongside ?? [])];
  return new Manager(kc, controllers, metrics, logger, {
    healthProbeBindAddress: config.healthProbeBindAddress,
    metricsBindAddress: config.metricsBindAddress,
    cache: runtime.informers,
    ...(parts.prepare ? { prepare: parts.prepare } : {}),
    ...(config.leaderElect
      ? {
          leaderElection: {
            namespace: config.leaderElectionNamespace,
            name: config.leaderElectionId,
            identity: `${os.hostname()}_${process.pid}`,
            leaseDurationMs: config.leaseDuration,
            renewDeadlineMs: config.renewDeadline,
            retryPeriodMs: config.retryPeriod,
          },
        }
      : {}),
  });
}
/** Runs the manager until a signal or a lost Lease; resolves with the exit code. */
export async function runUntilStopped(
  manager: Manager,
  logger: Logger,
  shutdownTimeoutMs: number,
): Promise<number> {
  let signalled: (signal: string) => void = () => undefined;
  const signal = new Promise<string>((resolve) => {
    signalled = resolve;
  });
  const onSignal = (s: NodeJS.Signals) => signalled(s);
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  // A signal while starting (still waiting for AWS, say) stops at once.
  const started = await Promise.race([manager.start().then(() => "started" as const), signal]);
  if (started !== "started") {
    logger.info("shutting down while starting", { signal: started });
    await manager.stop();
    return 0;
  }
  logger.info("controller started");
  const reason = await Promise.race([signal, manager.done]);
  if (reason === "lost-leadership") {
    logger.warn("exiting: leadership lost");
    await manager.stop();
    return 1;
  }
  logger.info("shutting down", { signal: reason });
  const timer = setTimeout(() => {
    logger.error("shutdown timed out: exiting with reconciles in flight");
    process.exit(1);
  }, shutdownTimeoutMs + 5000);
  timer.unref();
  await manager.stop();
  logger.info("shut down cleanly");
  return 0;
}
