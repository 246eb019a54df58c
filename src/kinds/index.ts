/**
 * The kinds the controller runs, listed explicitly (no registration by side effect). Each kind
 * lives in its own folder and contributes a ManagedKind: its resource, a validate hook and a
 * connect() that returns its ExternalClient.
 */
import type { AwsClients } from "../aws/clients.js";
import type { ManagedKind } from "../runtime/managed.js";
import { passwordPolicyKind } from "./password-policy/index.js";
import { publicAccessBlockKind } from "./public-access-block/index.js";
import { type ScpOptions, serviceControlPolicyKind } from "./service-control-policy/index.js";

/** What kinds need from the process. */
export interface KindContext {
  readonly aws: AwsClients;
  readonly scp: ScpOptions;
}

/** The kinds `orgguard controller` reconciles. */
export function controllerKinds(context: KindContext): ManagedKind[] {
  // Each kind is typed by its own object; the runtime drives them all through the same contract.
  return [
    serviceControlPolicyKind(context.aws, context.scp),
    passwordPolicyKind(context.aws),
    publicAccessBlockKind(context.aws),
  ] as unknown as ManagedKind[];
}
