import { accountBaselineKind } from "./account-baseline.js";
import type { KindDefinition } from "./kind.js";
import { passwordPolicyKind } from "./password-policy.js";
import { publicAccessBlockKind } from "./public-access-block.js";
import { serviceControlPolicyKind } from "./service-control-policy.js";

/** Every kind orgguard serves, in the order documentation lists them. */
export const KINDS: readonly KindDefinition[] = [
  serviceControlPolicyKind,
  passwordPolicyKind,
  publicAccessBlockKind,
  accountBaselineKind,
];

/** The kind definition for a `kind` name, if orgguard serves it. */
export function findKind(kind: string): KindDefinition | undefined {
  return KINDS.find((k) => k.kind === kind);
}
