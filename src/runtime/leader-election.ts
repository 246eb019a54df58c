/**
 * Leader election on a coordination.k8s.io Lease, as client-go does it: a candidate takes the
 * Lease when it is free or its holder has not renewed it for a full lease duration (measured on
 * our own clock since we last saw the record change, so clock skew does not matter), renews it
 * every retry period, and gives up leadership at once when it cannot renew within the renew
 * deadline. On shutdown the leader releases the Lease so a standby takes over without waiting.
 */
import { CoordinationV1Api, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { makeApiClient } from "./kube-api.js";
import type { Logger } from "./logger.js";
import { kubeStatusCode } from "./reconcile-errors.js";

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

export interface LeaderCallbacks {
  onStartedLeading(): void;
  /** Called once when leadership is lost (not on a release at shutdown). */
  onStoppedLeading(): void;
}

/**
 * A Lease's times are MicroTime: the apiserver wants six fractional digits. client-node passes
 * V1MicroTime values through to JSON.stringify as they are, so a plain Date would be sent with
 * three and be refused: this one writes itself with six.
 */
class MicroTime extends Date {
  override toJSON(): string {
    return this.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
  }
}

export function microTime(date: Date): Date {
  return new MicroTime(date.getTime());
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private leading = false;
  private stopped = false;
  /** The record we last saw and when (our clock), to judge expiry without trusting other clocks. */
  private observed: { resourceVersion: string; at: number } | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    kc: KubeConfig,
    private readonly options: LeaderElectionOptions,
    private readonly callbacks: LeaderCallbacks,
    private readonly logger: Logger,
  ) {
    this.api = makeApiClient(kc, CoordinationV1Api);
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Stops campaigning; a leader releases the Lease. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    if (this.leading) {
      this.leading = false;
      await this.release().catch((err) => this.logger.warn("cannot release the lease", { error: err }));
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (!this.leading) {
        if (await this.tryAcquireOrRenew()) {
          this.leading = true;
          this.logger.info("became leader", { lease: `${this.options.namespace}/${this.options.name}` });
          this.callbacks.onStartedLeading();
        }
        await sleep(this.options.retryPeriodMs);
        continue;
      }
      const deadline = Date.now() + this.options.renewDeadlineMs;
      let renewed = false;
      while (!this.stopped && Date.now() < deadline) {
        if (await this.tryAcquireOrRenew()) {
          renewed = true;
          break;
        }
        await sleep(Math.min(this.options.retryPeriodMs, Math.max(0, deadline - Date.now())));
      }
      if (this.stopped) return;
      if (!renewed) {
        this.leading = false;
        this.logger.warn("lost leadership: could not renew the lease within the renew deadline");
        this.callbacks.onStoppedLeading();
        return;
      }
      await sleep(this.options.retryPeriodMs);
    }
  }

  /** One attempt: create the Lease, take it if expired or ours, renew it if ours. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.options;
    const now = microTime(new Date());
    const durationSeconds = Math.ceil(this.options.leaseDurationMs / 1000);
    try {
      let lease: V1Lease;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace });
      } catch (err) {
        if (kubeStatusCode(err) !== 404) throw err;
        await this.api.createNamespacedLease({
          namespace,
          body: {
            metadata: { name, namespace },
            spec: {
              holderIdentity: identity,
              leaseDurationSeconds: durationSeconds,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: 0,
            },
          },
        });
        return true;
      }
      const rv = lease.metadata?.resourceVersion ?? "";
      if (this.observed?.resourceVersion !== rv) this.observed = { resourceVersion: rv, at: Date.now() };
      const holder = lease.spec?.holderIdentity ?? "";
      const heldByOther = holder !== "" && holder !== identity;
      const holderDurationMs = (lease.spec?.leaseDurationSeconds ?? durationSeconds) * 1000;
      if (heldByOther && Date.now() - this.observed.at < holderDurationMs) return false;
      const transitions = (lease.spec?.leaseTransitions ?? 0) + (holder === identity ? 0 : 1);
      await this.patchLease(rv, {
        holderIdentity: identity,
        leaseDurationSeconds: durationSeconds,
        renewTime: now,
        ...(holder === identity ? {} : { acquireTime: now, leaseTransitions: transitions }),
      });
      return true;
    } catch (err) {
      const code = kubeStatusCode(err);
      if (code !== 409)
        this.logger.warn("leader election: cannot read or write the lease", { error: err, status: code });
      return false;
    }
  }

  /**
   * Writes Lease spec fields with a JSON Patch guarded by the resourceVersion we read: a JSON
   * Patch body is sent as it is, so the MicroTime strings keep their six fractional digits
   * (client-node's typed Lease model would re-serialize times it read as Dates with three).
   */
  private async patchLease(resourceVersion: string, fields: Record<string, unknown>): Promise<void> {
    const { namespace, name } = this.options;
    await this.api.patchNamespacedLease({
      name,
      namespace,
      body: [
        { op: "test", path: "/metadata/resourceVersion", value: resourceVersion },
        ...Object.entries(fields).map(([key, value]) => ({ op: "add", path: `/spec/${key}`, value })),
      ],
    });
  }

  private async release(): Promise<void> {
    const { namespace, name, identity } = this.options;
    const lease = await this.api.readNamespacedLease({ name, namespace });
    if (lease.spec?.holderIdentity !== identity) {
      this.logger.info("not releasing the lease: another replica holds it", {
        holder: lease.spec?.holderIdentity,
      });
      return;
    }
    await this.patchLease(lease.metadata?.resourceVersion ?? "", {
      holderIdentity: "",
      leaseDurationSeconds: 1,
      renewTime: microTime(new Date()),
    });
    this.logger.info("released the lease");
  }
}
