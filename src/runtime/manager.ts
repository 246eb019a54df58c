/**
 * Runs the controllers of one process: the HTTP endpoints, leader election (optional), and a
 * graceful shutdown. A replica that loses its Lease stops reconciling at once and reports it, so
 * the caller can exit and let Kubernetes restart it as a standby.
 */
import type http from "node:http";
import type { KubeConfig } from "@kubernetes/client-node";
import { type LeaderElectionOptions, LeaderElector } from "./leader-election.js";
import type { Logger } from "./logger.js";
import type { Metrics } from "./metrics.js";
import { listeningPort, startServer } from "./server.js";

/** What the manager needs of a controller. */
export interface Runnable {
  readonly name: string;
  start(): void;
  stop(): Promise<void>;
  hasSynced(): boolean;
  /** Why the runnable works in a degraded way now (the controller stays ready), or undefined. */
  health?(): string | undefined;
}

export interface ManagerOptions {
  /** One address for /healthz, /readyz and /metrics, or two (metrics apart). */
  healthProbeBindAddress: string;
  metricsBindAddress: string;
  leaderElection?: LeaderElectionOptions;
  /**
   * Work to finish before any controller starts (the probes answer meanwhile; /readyz says the
   * controller is starting). Given a signal that aborts when the manager is stopped.
   */
  prepare?: (signal: AbortSignal) => Promise<void>;
  /** The shared cache the controllers read: started before them, stopped after them. */
  cache?: Runnable;
}

/** A probes or metrics server could not listen on its address (in use, or not ours to take). */
export class BindError extends Error {
  override readonly name = "BindError";
  constructor(
    readonly server: "health" | "metrics",
    readonly address: string,
    cause: unknown,
  ) {
    const code = (cause as { code?: string }).code;
    super(
      `cannot serve ${server === "health" ? "the health probes" : "the metrics"} on ${address}: ${code === "EADDRINUSE" ? "address already in use" : (cause as Error).message}`,
      { cause },
    );
  }
}

export class Manager {
  private servers: http.Server[] = [];
  private elector: LeaderElector | undefined;
  private running = false;
  private preparing = false;
  private readonly stopping = new AbortController();
  private lostLeadership: (() => void) | undefined;
  /** Resolves when the manager stops on its own (leadership lost). */
  readonly done: Promise<"lost-leadership">;

  constructor(
    private readonly kc: KubeConfig,
    private readonly controllers: Runnable[],
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: ManagerOptions,
  ) {
    this.done = new Promise((resolve) => {
      this.lostLeadership = () => resolve("lost-leadership");
    });
  }

  /** The servers, for tests that bind port 0 and need to know where. */
  get httpServers(): readonly http.Server[] {
    return this.servers;
  }

  async start(): Promise<void> {
    const probes = {
      notReadyReason: () => this.notReadyReason(),
      degradations: () => this.degradations(),
    };
    const serve = (server: "health" | "metrics", address: string) =>
      startServer(address, this.metrics, probes).catch((err: unknown) => {
        throw new BindError(server, address, err);
      });
    const health = await serve("health", this.options.healthProbeBindAddress);
    this.servers.push(health);
    if (this.options.metricsBindAddress !== this.options.healthProbeBindAddress) {
      this.servers.push(await serve("metrics", this.options.metricsBindAddress));
    }
    this.logger.info("serving probes and metrics", {
      healthProbePort: listeningPort(health),
      metricsPort: listeningPort(this.servers.at(-1)!),
    });
    if (this.options.prepare) {
      this.preparing = true;
      await this.options.prepare(this.stopping.signal);
      this.preparing = false;
      if (this.stopping.signal.aborted) return;
    }
    if (!this.options.leaderElection) {
      this.startControllers();
      return;
    }
    this.metrics.leader.set(0);
    this.elector = new LeaderElector(
      this.kc,
      this.options.leaderElection,
      {
        onStartedLeading: () => this.startControllers(),
        onStoppedLeading: () => {
          void this.stopControllers().then(() => this.lostLeadership?.());
        },
      },
      this.logger.child({ component: "leader-election" }),
    );
    this.elector.start();
  }

  /** Stops taking work, drains in-flight reconciles, releases the Lease and closes the servers. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.stopControllers();
    await this.elector?.stop();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  notReadyReason(): string | undefined {
    if (this.preparing) return "starting";
    if (this.elector && !this.elector.isLeader()) return undefined; // a standby is ready to take over
    const unsynced = this.controllers.filter((c) => !c.hasSynced()).map((c) => c.name);
    return unsynced.length > 0 ? `informers not synced: ${unsynced.join(", ")}` : undefined;
  }

  /** What works in a degraded way (an unreadable events queue: polling goes on). */
  degradations(): string[] {
    return this.controllers.flatMap((c) => c.health?.() ?? []);
  }

  isLeader(): boolean {
    return this.elector ? this.elector.isLeader() : true;
  }

  private startControllers(): void {
    if (this.running) return;
    this.running = true;
    this.metrics.leader.set(1);
    this.logger.info("starting controllers", { controllers: this.controllers.map((c) => c.name) });
    this.options.cache?.start();
    for (const c of this.controllers) c.start();
  }

  private async stopControllers(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.metrics.leader.set(0);
    await Promise.all(this.controllers.map((c) => c.stop()));
    await this.options.cache?.stop();
    this.logger.info("controllers stopped");
  }
}
