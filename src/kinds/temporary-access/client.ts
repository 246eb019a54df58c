/**
 * The TemporaryAccess kind's client: resolves the instance, the permission set and the principal,
 * reads where the principal has the permission set, plans with compare.ts at the current time, and
 * creates or removes account assignments. It tells the reconciler to look again at the expiry
 * (Observation.recheckAfterMs), so access ends then without anyone acting; status counts down.
 *
 * Ownership is status.granted: an account is recorded before its assignment is requested (an answer
 * that is lost still counts as orgguard's), taken back when AWS refuses, and only recorded
 * assignments are ever removed: one the principal already had stays, at expiry too.
 */
import { awsCall } from "../../aws/aws-errors.js";
import type { ExternalClient, ManagedObject, ManagedStatus, Observation } from "../../runtime/managed.js";
import {
  BlockedError,
  FailureWithStatus,
  RetryableError,
  TerminalError,
} from "../../runtime/reconcile-errors.js";
import type { AccessApi, AssignmentStatus, PrincipalRef } from "./access-api.js";
import { type ObservedTemporaryAccess, parseTemporaryAccessSpec, type TemporaryAccessSpec } from "./api.js";
import { type AccessPlan, accessChanges, durationInWords, planAccess, principalLabel } from "./compare.js";

export type TemporaryAccessObject = ManagedObject<TemporaryAccessSpec>;

interface Handoff {
  instanceArn: string;
  permissionSetArn: string;
  principal: PrincipalRef;
  plan: AccessPlan;
}

type AccessObservation = Observation<ObservedTemporaryAccess, Handoff>;

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** status.granted as orgguard wrote it. */
export const grantedOf = (status: ManagedStatus | undefined): string[] => strings(status?.granted);

export class TemporaryAccessClient
  implements ExternalClient<TemporaryAccessObject, ObservedTemporaryAccess, Handoff>
{
  constructor(
    private readonly api: AccessApi,
    /** The permission set's ceiling in ms. */
    private readonly maxMsOf: (permissionSet: string) => number,
    private readonly where: string,
    private readonly now: () => number = Date.now,
  ) {}

  async observe(object: TemporaryAccessObject): Promise<AccessObservation> {
    const spec = parseTemporaryAccessSpec(object.spec);
    const granted = grantedOf(object.status);
    const deleting = Boolean(object.metadata.deletionTimestamp);
    // Deleting with nothing granted: nothing to look up.
    if (deleting && granted.length === 0) return { exists: false, upToDate: true };
    const { instance, permissionSetArn, principal } = await this.resolve(spec);
    const assignedIn = new Set<string>();
    for (const account of [...new Set([...spec.accounts, ...granted])]) {
      const has = await awsCall(`cannot list the account assignments of ${account}`, () =>
        this.api.isAssigned(instance.arn, permissionSetArn, principal, account),
      );
      if (has) assignedIn.add(account);
    }
    const observed: ObservedTemporaryAccess = {
      instanceArn: instance.arn,
      permissionSetArn,
      principalId: principal.id,
      assignedIn: [...assignedIn].sort(),
    };
    const label = principalLabel(spec.principal);
    if (deleting) {
      const revoke = granted.filter((a) => assignedIn.has(a));
      const plan: AccessPlan = { phase: "Expired", grant: [], revoke, alreadyHad: [], grantedAfter: [] };
      return {
        exists: revoke.length > 0,
        upToDate: true,
        observed,
        handoff: { instanceArn: instance.arn, permissionSetArn, principal, plan },
      };
    }
    const now = this.now();
    const expiresAt = Date.parse(spec.expiresAt);
    const created = object.metadata.creationTimestamp ? Date.parse(object.metadata.creationTimestamp) : now;
    const plan = planAccess({
      now,
      createdAt: Number.isNaN(created) ? now : created,
      expiresAt,
      maxMs: this.maxMsOf(spec.permissionSet),
      accounts: spec.accounts,
      assignedIn,
      granted,
      wasActive: object.status?.phase === "Active" || object.status?.phase === "Expired",
    });
    const what = {
      permissionSet: spec.permissionSet,
      principal: label,
      expiresAt: spec.expiresAt,
      reason: spec.reason,
    };
    const diff = accessChanges(plan, what);
    const observeOnly = spec.managementPolicy === "ObserveOnly";
    const grantedNow = plan.grant.length > 0;
    const status = {
      // What status says once the plan's writes are made (ObserveOnly makes none).
      phase: !observeOnly && grantedNow && plan.phase === "Pending" ? "Active" : plan.phase,
      remaining: now < expiresAt ? durationInWords(expiresAt - now) : "0m",
      granted: observeOnly ? granted : plan.grantedAfter,
    };
    if (plan.refusal && diff.length === 0) {
      throw new FailureWithStatus(new TerminalError(plan.refusal.reason, plan.refusal.message), {
        ...status,
        atProvider: observed,
      });
    }
    return {
      exists: true,
      upToDate: diff.length === 0,
      diff,
      observed,
      status,
      handoff: { instanceArn: instance.arn, permissionSetArn, principal, plan },
      ...(now < expiresAt ? { recheckAfterMs: expiresAt - now + 1000 } : {}),
      events: [
        ...(grantedNow
          ? [
              {
                type: "Normal" as const,
                reason: "Granted",
                message: `granted ${spec.permissionSet} to ${label} in ${plan.grant.join(", ")} until ${spec.expiresAt} (${durationInWords(expiresAt - now)} left): ${spec.reason}`,
              },
            ]
          : []),
        ...(plan.revoke.length > 0
          ? [
              {
                type: "Normal" as const,
                reason: "Revoked",
                message: `removed ${spec.permissionSet} of ${label} in ${plan.revoke.join(", ")}${plan.phase === "Expired" ? `: expired at ${spec.expiresAt}` : ""}`,
              },
            ]
          : []),
      ],
    };
  }

  async create(): Promise<{ status?: Record<string, unknown> }> {
    throw new Error("a temporary grant always exists as a plan: it is granted by update");
  }

  async update(object: TemporaryAccessObject, observation: AccessObservation): Promise<void> {
    await this.apply(object, handoffOf(observation));
  }

  /** Deleting: the assignments orgguard created are removed at once. */
  async delete(object: TemporaryAccessObject, observation: AccessObservation): Promise<void> {
    await this.apply(object, handoffOf(observation));
  }

  /** Grants, then removals, the record kept as each goes; every failure reported with the record. */
  private async apply(object: TemporaryAccessObject, handoff: Handoff): Promise<void> {
    const { instanceArn, permissionSetArn, principal, plan } = handoff;
    const record = new Set(grantedOf(object.status));
    const failures: Error[] = [];
    for (const account of plan.grant) {
      record.add(account);
      try {
        const result = await awsCall(`cannot grant access in account ${account}`, () =>
          this.api.assign(instanceArn, permissionSetArn, principal, account),
        );
        if (result.status === "FAILED") {
          record.delete(account);
          failures.push(
            new RetryableError(
              "AssignmentFailed",
              `Identity Center could not assign it in ${account}: ${result.failureReason ?? "no reason given"}`,
            ),
          );
        }
      } catch (err) {
        if (err instanceof TerminalError) record.delete(account);
        failures.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    for (const account of plan.revoke) {
      try {
        const result = await awsCall(
          `cannot remove access in account ${account}`,
          () => this.api.unassign(instanceArn, permissionSetArn, principal, account),
          { notFound: (): AssignmentStatus => ({ status: "SUCCEEDED" }) },
        );
        if (result.status === "FAILED") {
          failures.push(
            new RetryableError(
              "UnassignmentFailed",
              `Identity Center could not remove it in ${account}: ${result.failureReason ?? "no reason given"}`,
            ),
          );
        } else record.delete(account);
      } catch (err) {
        failures.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const [first] = failures;
    if (first) throw new FailureWithStatus(first, { granted: [...record].sort() });
  }

  /** The instance, the permission set's ARN and the principal's id; each missing one said. */
  private async resolve(spec: TemporaryAccessSpec) {
    const instances = await awsCall(`cannot list the Identity Center instances ${this.where}`, () =>
      this.api.instances(),
    );
    const instance = spec.instanceArn
      ? instances.find((i) => i.arn === spec.instanceArn)
      : instances.length === 1
        ? instances[0]
        : undefined;
    if (!instance) {
      throw new BlockedError(
        "InstanceNotFound",
        instances.length > 1 && !spec.instanceArn
          ? `${instances.length} Identity Center instances ${this.where}: name one in spec.instanceArn`
          : `no Identity Center instance ${spec.instanceArn ?? ""} ${this.where}`.replace("  ", " "),
      );
    }
    const permissionSetArn = await awsCall(`cannot find the permission set ${spec.permissionSet}`, () =>
      this.api.permissionSetArn(instance.arn, spec.permissionSet),
    );
    if (!permissionSetArn)
      throw new BlockedError(
        "PermissionSetNotFound",
        `${instance.arn} has no permission set named ${spec.permissionSet}`,
      );
    const id = await awsCall(`cannot find ${principalLabel(spec.principal)}`, () =>
      this.api.principalId(instance.identityStoreId, spec.principal),
    );
    if (!id)
      throw new BlockedError(
        "PrincipalNotFound",
        `the identity store ${instance.identityStoreId} has no ${principalLabel(spec.principal)}`,
      );
    const principal: PrincipalRef = { type: spec.principal.userName ? "USER" : "GROUP", id };
    return { instance, permissionSetArn, principal };
  }
}

function handoffOf(observation: AccessObservation): Handoff {
  if (!observation.handoff) throw new Error("a temporary access observation without its handoff");
  return observation.handoff;
}
