/**
 * The kinds the controller runs, listed explicitly (no registration by side effect). Each kind
 * lives in its own folder and contributes a ManagedKind: its resource, a validate hook and a
 * connect() that returns its ExternalClient.
 */
import type { ManagedKind } from "../runtime/managed.js";

/** What kinds need from the process: nothing yet beyond their own modules (AWS clients arrive with them). */
export interface KindContext {
  readonly pollIntervalMs: number;
}

/** The kinds `orgguard controller` reconciles. */
export function controllerKinds(_context: KindContext): ManagedKind[] {
  return [];
}
