/**
 * The IdentityCenterSessionLength kind's client: finds the instance (the spec's, or the one
 * Identity Center lists), reads every permission set's SessionDuration, and in Enforce lowers the
 * named ones that are over the limit, then re-provisions each to the accounts it is provisioned to
 * (a permission set's roles in those accounts keep the old duration until it is). A provisioning
 * that fails is recorded in status.provisionPending and tried again at the next reconcile: once
 * the duration is lowered, nothing in Identity Center's answers says the accounts are behind.
 */
import { awsCall } from "../../aws/aws-errors.js";
import type { ExternalClient, ManagedObject, ManagedStatus, Observation } from "../../runtime/managed.js";
import {
  BlockedError,
  FailureWithStatus,
  RetryableError,
  TerminalError,
} from "../../runtime/reconcile-errors.js";
import { type ObservedSessionLength, parseSessionLengthSpec, type SessionLengthSpec } from "./api.js";
import { isoHours, judgeSessions, type SessionJudgement, sessionChanges } from "./compare.js";
import type { SessionLengthApi } from "./sso-admin-api.js";

export type SessionLengthObject = ManagedObject<SessionLengthSpec>;

interface Handoff {
  instanceArn: string;
  judged: SessionJudgement;
}

type SessionObservation = Observation<ObservedSessionLength, Handoff>;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;

/** status.provisionPending as orgguard wrote it (anything malformed is dropped). */
export function provisionPendingOf(status: ManagedStatus | undefined): Array<{ name: string; arn: string }> {
  const pending = status?.provisionPending;
  return Array.isArray(pending)
    ? pending.flatMap((p) =>
        isRecord(p) && typeof p.name === "string" && typeof p.arn === "string"
          ? [{ name: p.name, arn: p.arn }]
          : [],
      )
    : [];
}

export class SessionLengthClient
  implements ExternalClient<SessionLengthObject, ObservedSessionLength, Handoff>
{
  constructor(
    private readonly api: SessionLengthApi,
    /** How messages name where the instance is: `in account 111111111111, eu-west-1`. */
    private readonly where: string,
  ) {}

  async observe(object: SessionLengthObject): Promise<SessionObservation> {
    // Nothing is ever undone: deleting the object leaves every duration as it is.
    if (object.metadata.deletionTimestamp) return { exists: false, upToDate: true };
    const spec = parseSessionLengthSpec(object.spec);
    const instanceArn = await this.instance(spec.instanceArn);
    const sets = await awsCall(`cannot read the permission sets of ${instanceArn}`, () =>
      this.api.permissionSets(instanceArn),
    );
    const pending = provisionPendingOf(object.status);
    const judged = judgeSessions(spec, instanceArn, sets, pending);
    const diff = sessionChanges(spec, judged);
    const missing = judged.observed.missing ?? [];
    if (missing.length > 0 && diff.length === 0) {
      throw new FailureWithStatus(
        new BlockedError(
          "PermissionSetNotFound",
          `${instanceArn} has no permission set named ${missing.join(", ")}: fix spec.permissionSets (orgguard never creates one); checked again every poll`,
        ),
        { atProvider: judged.observed },
      );
    }
    const observeOnly = spec.managementPolicy === "ObserveOnly";
    return {
      exists: true,
      upToDate: diff.length === 0,
      diff,
      observed: judged.observed,
      // After a successful update nothing is left to provision; a failed one says what is
      // (FailureWithStatus). ObserveOnly writes nothing, the record included.
      status: { provisionPending: observeOnly && pending.length > 0 ? pending : undefined },
      handoff: { instanceArn, judged },
    };
  }

  async create(): Promise<{ status?: Record<string, unknown> }> {
    throw new Error("an Identity Center instance is never created by orgguard");
  }

  /** Lowers each named permission set, then provisions every one lowered (or still pending). */
  async update(object: SessionLengthObject, observation: SessionObservation): Promise<void> {
    const { instanceArn, judged } = handoffOf(observation);
    const spec = parseSessionLengthSpec(object.spec);
    const duration = isoHours(spec.maxSessionHours);
    const pending = new Map(judged.reprovision.map((p) => [p.arn, p]));
    for (const set of judged.lower) {
      await awsCall(`cannot lower the session duration of ${set.name} in ${instanceArn}`, () =>
        this.api.setSessionDuration(instanceArn, set, duration),
      );
      pending.set(set.arn, { name: set.name, arn: set.arn });
    }
    const failures: Error[] = [];
    for (const p of [...pending.values()]) {
      try {
        await this.provision(instanceArn, p);
        pending.delete(p.arn);
      } catch (err) {
        failures.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    const [first] = failures;
    if (first) throw new FailureWithStatus(first, { provisionPending: [...pending.values()] });
  }

  async delete(): Promise<void> {}

  /** Provisions a permission set to the accounts it is provisioned to (none: nothing to do). */
  private async provision(instanceArn: string, set: { name: string; arn: string }): Promise<void> {
    const accounts = await awsCall(`cannot list the accounts ${set.name} is provisioned to`, () =>
      this.api.provisionedAccounts(instanceArn, set.arn),
    );
    if (accounts.length === 0) return;
    const result = await awsCall(`cannot provision ${set.name} to its accounts`, () =>
      this.api.provision(instanceArn, set.arn),
    );
    if (result.status === "FAILED") {
      throw new RetryableError(
        "ProvisioningFailed",
        `provisioning ${set.name} to its ${accounts.length} account(s) failed: ${result.failureReason ?? "no reason given"}`,
      );
    }
  }

  /** The spec's instance, checked; or the one instance Identity Center lists. */
  private async instance(named: string | undefined): Promise<string> {
    const instances = await awsCall(`cannot list the Identity Center instances ${this.where}`, () =>
      this.api.instances(),
    );
    if (named) {
      if (instances.includes(named)) return named;
      throw new BlockedError(
        "InstanceNotFound",
        `no Identity Center instance ${named} ${this.where} (Identity Center lists ${instances.join(", ") || "none"})`,
      );
    }
    const [only] = instances;
    if (only && instances.length === 1) return only;
    if (!only) {
      throw new BlockedError(
        "IdentityCenterNotEnabled",
        `no Identity Center instance ${this.where}: enable IAM Identity Center there, or set spec.accountId and spec.region to where it is`,
      );
    }
    throw new TerminalError(
      "SeveralInstances",
      `${instances.length} Identity Center instances ${this.where}: name one in spec.instanceArn`,
    );
  }
}

function handoffOf(observation: SessionObservation): Handoff {
  if (!observation.handoff) throw new Error("a session length observation without its handoff");
  return observation.handoff;
}
