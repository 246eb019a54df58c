/**
 * The contract between the runtime and a kind: what a managed object looks like, what a kind's
 * ExternalClient does, and what a reconcile returns. The runtime knows no AWS.
 */
import type { Condition } from "./conditions.js";
import type { KubeObject, ResourceRef } from "./kube-object.js";
import type { Trigger } from "./workqueue.js";

export type ManagementPolicy = "Enforce" | "ObserveOnly";
export type DeletionPolicy = "Retain" | "Delete";

/** One difference between the spec and the external system. */
export interface Change {
  path: string;
  from?: unknown;
  to?: unknown;
  /** The change as a reviewer reads it, when the path alone is cryptic (`ou Root/Workloads (ou-ab12-cd34ef56)`). */
  description?: string;
}

/** A managed object's spec: the policies the runtime reads, and the kind's own fields. */
export interface ManagedSpec {
  managementPolicy?: ManagementPolicy;
  deletionPolicy?: DeletionPolicy;
  [field: string]: unknown;
}

export interface ManagedStatus {
  observedGeneration?: number;
  conditions?: Condition[];
  lastSyncTime?: string;
  plannedChanges?: Change[];
  atProvider?: unknown;
  [field: string]: unknown;
}

/** A custom resource the managed reconciler can drive. */
export type ManagedObject<Spec extends ManagedSpec = ManagedSpec> = KubeObject<Spec, ManagedStatus>;

/** What observe found. Observe never writes to the external system. */
export interface Observation<O = unknown, H = unknown> {
  exists: boolean;
  upToDate: boolean;
  /** The external state, written to status.atProvider. */
  observed?: O;
  /** What would change to make the external state equal to the spec. */
  diff?: Change[];
  /** Kind-specific status fields (for example an SCP's policyId and arn). */
  status?: Record<string, unknown>;
  /**
   * Set when observe found an existing external thing that this object had not recorded as its
   * own and takes it over (by its ownership proof, or because the object says to adopt it): what
   * was taken, for the Adopted event.
   */
  adopted?: string;
  /**
   * Set when the external system is still applying an earlier change (AWS applies some settings
   * asynchronously and reads back the old value or a transition state meanwhile): what is pending,
   * as a message. Differences that remain in `diff` are still written; when nothing else differs,
   * the object reports Ready=False/Progressing and looks again soon, without writing and without
   * calling it drift.
   */
  progressing?: string;
  /**
   * Regions of the external thing that could not be read this time (one hung or refused while the
   * others answered): the rest is compared and written as usual, and the object then reports
   * Ready=False and Synced=False/RegionUnavailable naming them, and looks again at the next poll.
   * One region never blocks the others; none is ever reported as matching the spec unread.
   */
  unavailableRegions?: UnavailableRegion[];
  /**
   * When what the object keeps changes by itself at a known time (a temporary grant's expiry): the
   * reconciler looks again no later than this, even before the next poll.
   */
  recheckAfterMs?: number;
  /**
   * Events the kind wants recorded once the diff is applied (Enforce), beside the reconciler's own
   * Updated: what the change means ("Granted", "Revoked").
   */
  events?: Array<{ type: "Normal" | "Warning"; reason: string; message: string }>;
  /**
   * What create, update or delete need from this observe (ids, what was read): a client keeps
   * nothing between calls, so it travels here. Never written to status.
   */
  handoff?: H;
}

/** A region observe could not read, and why (the error's message). */
export interface UnavailableRegion {
  region: string;
  reason: string;
}

/** Talks to the external system for one object. Every call is idempotent. */
export interface ExternalClient<T extends ManagedObject, O = unknown, H = unknown> {
  observe(object: T): Promise<Observation<O, H>>;
  /** Creates the external thing; the returned status fields are persisted at once (e.g. its id). */
  create(object: T, observation: Observation<O, H>): Promise<{ status?: Record<string, unknown> }>;
  /** Sends the full desired state. */
  update(object: T, observation: Observation<O, H>): Promise<void>;
  /** Deletes the external thing; not-found counts as success. */
  delete(object: T, observation: Observation<O, H>): Promise<void>;
}

/** What a kind gives the managed reconciler. */
export interface ManagedKind<T extends ManagedObject = ManagedObject, O = unknown, H = unknown> {
  ref: ResourceRef;
  /** Overrides the controller's poll interval for this kind. */
  pollIntervalMs?: number;
  /** Problems that make the spec impossible to apply (reported as Stalled/InvalidSpec, never applied). */
  validate?(object: T): string[];
  /**
   * What this object manages exclusively, as a readable key ("account 123456789012"), when two
   * objects of the kind could manage the same thing: rivals are ranked by the rule in claims.ts,
   * and only the winner ever writes (the others report Conflict).
   */
  claim?(object: T): string | undefined;
  /**
   * What this object destroys in the provider, when it does: on deletion (closing an account,
   * deleting an OU or a policy) or while it exists (deleting member root credentials). `orgguard
   * plan` lists it on every entry of the object, so a reviewer sees it before it ever happens; the
   * message says when ("deleting x CLOSES ...", "while x has ...").
   */
  destructive?(object: T): string | undefined;
  /**
   * Kinds whose objects this kind's objects may wait for: an account for the OU it goes in, a
   * policy for the Organization to enable its type. One of them becoming Ready looks again at
   * every object of this kind that is not Ready, at once rather than when its backoff ends.
   */
  waitsFor?: readonly ResourceRef[];
  /**
   * Counts of what the object last found in the provider (from its status), exported at each
   * scrape as `orgguard_findings{kind, name, finding}`; zero counts are left out.
   */
  findings?(object: T): Record<string, number> | undefined;
  /**
   * The client for one reconcile of `object`. Every call it makes to the provider must end when
   * `context.signal` aborts (the reconcile's deadline): AWS clients bound to it do.
   */
  connect(object: T, context: ConnectContext): Promise<ExternalClient<T, O, H>>;
}

/** What a kind's connect gets: the reconcile's deadline. */
export interface ConnectContext {
  signal: AbortSignal;
}

/**
 * What to do with a key after a reconcile: look again at the next poll (the controller's interval
 * for the kind, with jitter), look again after a delay (to verify a write, or while the provider
 * is still applying one), or wait for the object to change. `stalled` marks a reconcile that ended
 * Stalled (for metrics).
 */
/*
 * `notLaterThanMs` on a poll: look again at the next poll or after this long, whichever comes first
 * (something the kind keeps changes at a known time: a temporary grant expires).
 */
export type Action =
  | { poll: true; stalled?: boolean; notLaterThanMs?: number }
  | { requeueAfterMs: number; trigger?: Extract<Trigger, "verify" | "poll">; stalled?: boolean }
  | { awaitChange: true; stalled?: boolean };

export const PAUSED_ANNOTATION = "orgguard.io/paused";
