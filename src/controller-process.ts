/**
 * Assembles a controller process: config -> Kubernetes client -> kinds -> controllers -> manager.
 * SIGTERM and SIGINT stop taking work, drain in-flight reconciles within the shutdown timeout,
 * release the Lease and exit 0; losing the Lease exits 1 so Kubernetes restarts the replica.
 */
import os from "node:os";
import type { KubeConfig } from "@kubernetes/client-node";
import type { ControllerConfig } from "./config.js";
import { type Controller, managedController } from "./runtime/controller.js";
import { type EventRecorder, KubeEventRecorder } from "./runtime/event-recorder.js";
import type { Logger } from "./runtime/logger.js";
import type { ManagedKind, ManagedObject } from "./runtime/managed.js";
import { Manager, type Runnable } from "./runtime/manager.js";
import { Metrics } from "./runtime/metrics.js";

export const COMPONENT = "orgguard-controller";

/** Builds the manager for `kinds`; call start() on it. */
export function createManager(
  config: ControllerConfig,
  kc: KubeConfig,
  kinds: ManagedKind[],
  logger: Logger,
  metrics = new Metrics(),
  composites: (deps: {
    events: EventRecorder;
    metrics: Metrics;
    logger: Logger;
    cachedObjects: (kind: string) => ManagedObject[] | undefined;
  }) => Runnable[] = () => [],
  prepare?: (signal: AbortSignal) => Promise<void>,
  extras: (managed: ReadonlyMap<string, Controller>) => Runnable[] = () => [],
): Manager {
  const events = new KubeEventRecorder(kc, COMPONENT, logger);
  const managed = kinds.map((kind) =>
    managedController(kc, kind, events, metrics, logger, {
      workers: config.workers,
      pollIntervalMs: config.pollInterval,
      drainTimeoutMs: config.shutdownTimeout,
    }),
  );
  for (const kind of kinds) {
    metrics.pollInterval.set({ kind: kind.ref.kind }, (kind.pollIntervalMs ?? config.pollInterval) / 1000);
  }
  const controllers: Runnable[] = [...managed];
  const byKind = new Map(managed.map((c) => [c.name, c]));
  // What a managed kind's informer holds, once synced: composites read their children here
  // instead of listing them from the apiserver on every reconcile.
  const cachedObjects = (kind: string) => {
    const c = byKind.get(kind);
    return c?.hasSynced() ? c.informer.list() : undefined;
  };
  controllers.push(...composites({ events, metrics, logger, cachedObjects }));
  // Started and stopped with the controllers: only the leader reads (and deletes) queued events.
  controllers.push(...extras(new Map(managed.map((c) => [c.name, c]))));
  return new Manager(kc, controllers, metrics, logger, {
    healthProbeBindAddress: config.healthProbeBindAddress,
    metricsBindAddress: config.metricsBindAddress,
    ...(prepare ? { prepare } : {}),
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
