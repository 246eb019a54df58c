/**
 * EC2 account attributes an AWS Organizations declarative policy (DECLARATIVE_POLICY_EC2) can keep:
 * the IMDS defaults, snapshot and AMI block public access, among others. Where one does, EC2's
 * getters answer `ManagedBy: declarative-policy` and "account administrators will not be able to
 * modify the value of the service attribute at the individual account level" (Organizations User
 * Guide, declarative policy syntax). A setting reads ManagedBy and never writes over the policy: the
 * object is Stalled with reason ManagedByDeclarativePolicy (checked again every poll, like any
 * blocked condition), and ObserveOnly reports the difference, saying who keeps the value.
 */
import { BlockedError } from "../../runtime/reconcile-errors.js";

/** EC2's ManagedBy when an organization's declarative policy keeps the attribute. */
export const DECLARATIVE_POLICY = "declarative-policy";

/** The Stalled reason when a declarative policy keeps what the spec asks for. */
export const MANAGED_BY_DECLARATIVE_POLICY = "ManagedByDeclarativePolicy";

/** Whether a reading's ManagedBy says a declarative policy keeps the attribute. */
export const underDeclarativePolicy = (managedBy: string | undefined): boolean =>
  managedBy === DECLARATIVE_POLICY;

/** What a planned change adds when a declarative policy keeps the value. */
export const DECLARATIVE_POLICY_NOTE =
  "kept by the organization's EC2 declarative policy: orgguard cannot change it";

/**
 * Throws the blocked error for `what` ("set the IMDS defaults of account 1 in eu-west-1") when
 * `managedBy` says a declarative policy keeps it; `exceptionMessage` is the policy's own message
 * to account administrators, when EC2 reports one.
 */
export function refuseUnderDeclarativePolicy(
  managedBy: string | undefined,
  what: string,
  exceptionMessage?: string,
): void {
  if (!underDeclarativePolicy(managedBy)) return;
  throw new BlockedError(
    MANAGED_BY_DECLARATIVE_POLICY,
    `cannot ${what}: an EC2 declarative policy of the organization keeps it (EC2 answers ManagedBy: declarative-policy)${
      exceptionMessage ? `; the policy says: ${exceptionMessage.slice(0, 300)}` : ""
    }. Change or detach the declarative policy in AWS Organizations, or set this setting's managementPolicy to ObserveOnly to only report it`,
  );
}
