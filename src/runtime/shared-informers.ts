/**
 * One informer, one client and one claim index per resource for the whole process, shared by
 * everything that reads that resource: the kind's own controller, a composite that owns or watches
 * its objects (AccountBaseline and the settings), and the rule that ranks rival claims. Like
 * controller-runtime's shared cache, it keeps memory at one copy of each object however many
 * controllers look at it. It is started with the controllers (so a standby replica holds no cache)
 * and stopped after them.
 */
import type { KubeConfig } from "@kubernetes/client-node";
import { ClaimIndex } from "./claims.js";
import { Informer } from "./informer.js";
import type { KubeObject, ResourceRef } from "./kube-object.js";
import type { Logger } from "./logger.js";
import type { Runnable } from "./manager.js";
import { ResourceClient } from "./resource-client.js";

const keyOf = (ref: ResourceRef): string => `${ref.plural}.${ref.group}/${ref.version}`;

interface Shared {
  client: ResourceClient<KubeObject>;
  informer: Informer<KubeObject>;
  claims?: ClaimIndex<KubeObject>;
}

export class SharedInformers implements Runnable {
  readonly name = "informers";
  private readonly byRef = new Map<string, Shared>();
  private running = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly logger: Logger,
  ) {}

  /** The client of `ref` (list, get, create, patch, status writes). */
  client<T extends KubeObject>(ref: ResourceRef): ResourceClient<T> {
    return this.shared(ref).client as ResourceClient<T>;
  }

  /** The informer of `ref`, made on first use (and started at once if the others run). */
  informer<T extends KubeObject>(ref: ResourceRef): Informer<T> {
    return this.shared(ref).informer as Informer<T>;
  }

  /**
   * The claim index of `ref`'s objects (see claims.ts), fed by its informer. Every caller gets the
   * same index; the first one's `claimOf` is used, so a kind must always give the same one.
   */
  claims<T extends KubeObject>(ref: ResourceRef, claimOf: (object: T) => string | undefined): ClaimIndex<T> {
    const shared = this.shared(ref);
    if (!shared.claims) {
      const informer = shared.informer as Informer<T>;
      const index = new ClaimIndex<T>(claimOf, (name) => informer.get(name));
      informer.addHandler({
        onAdd: (o) => index.set(o),
        onUpdate: (_previous, o) => index.set(o),
        onDelete: (o) => index.remove(o),
      });
      shared.claims = index as ClaimIndex<KubeObject>;
    }
    return shared.claims as ClaimIndex<T>;
  }

  /** Whether every informer of `refs` has listed its objects once. */
  hasSyncedAll(refs: readonly ResourceRef[]): boolean {
    return refs.every((ref) => this.byRef.get(keyOf(ref))?.informer.hasSynced() ?? false);
  }

  hasSynced(): boolean {
    return [...this.byRef.values()].every((s) => s.informer.hasSynced());
  }

  /** Starts every informer (not waiting for them to sync); ones made later start when made. */
  start(): void {
    this.running = true;
    for (const [key, shared] of this.byRef) this.startInformer(key, shared.informer);
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all([...this.byRef.values()].map((s) => s.informer.stop()));
  }

  private shared(ref: ResourceRef): Shared {
    const key = keyOf(ref);
    let shared = this.byRef.get(key);
    if (!shared) {
      const client = new ResourceClient<KubeObject>(this.kc, ref);
      const informer = new Informer<KubeObject>(
        client,
        this.logger.child({ kind: ref.kind, component: "informer" }),
      );
      shared = { client, informer };
      this.byRef.set(key, shared);
      if (this.running) this.startInformer(key, informer);
    }
    return shared;
  }

  private startInformer(key: string, informer: Informer<KubeObject>): void {
    if (informer.started) return;
    void informer
      .start()
      .catch((err) => this.logger.error("informer stopped", { resource: key, error: err }));
  }
}
