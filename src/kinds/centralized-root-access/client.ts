/**
 * The CentralizedRootAccess kind's client: reads trusted access for iam.amazonaws.com (stalls
 * naming the Organization kind's field when it is off), IAM's organization features, and each
 * active member account's root credentials (a root session with AWS's audit task policy); plans
 * with compare.ts; enables the features the spec asks for and, only with
 * deleteMemberRootCredentials, deletes member root credentials (read afresh in the deleting
 * session, so only what is there then is deleted).
 *
 * Auditing costs an sts:AssumeRoot and four IAM reads per member account, so audits are kept in
 * process memory for AUDIT_MAX_AGE_MS (an hour) and at most AUDIT_BATCH accounts are audited per
 * reconcile: a large organization is audited over several reconciles, 15 s apart (Progressing),
 * and a poll in between reads only the features. An account whose credentials were just deleted is
 * audited again at the next reconcile.
 */
import { awsCall, awsErrorCode, toReconcileError } from "../../aws/aws-errors.js";
import type { Account } from "../../aws/organization-view.js";
import type { ExternalClient, ManagedObject, Observation } from "../../runtime/managed.js";
import { BlockedError, errorMessage, FailureWithStatus } from "../../runtime/reconcile-errors.js";
import type { TargetView } from "../organization.js";
import {
  type CentralizedRootAccessSpec,
  type ObservedRootAccess,
  parseCentralizedRootAccessSpec,
} from "./api.js";
import {
  atProviderOf,
  changesOf,
  credentialsInWords,
  type MemberAudit,
  planRootAccess,
  type RootAccessPlan,
} from "./compare.js";
import type { RootAccessApi } from "./root-access-api.js";

export type RootAccessObject = ManagedObject<CentralizedRootAccessSpec>;

/** The principal whose trusted access IAM's organization features need. */
export const IAM_PRINCIPAL = "iam.amazonaws.com";
/** How long one member's audit is reused. */
export const AUDIT_MAX_AGE_MS = 60 * 60_000;
/** At most this many members audited per reconcile (each an AssumeRoot and four reads). */
export const AUDIT_BATCH = 100;
/** Audits in flight at once. */
const AUDIT_CONCURRENCY = 8;

const TRUSTED_ACCESS_OFF = `trusted access for ${IAM_PRINCIPAL} is off: centralized root access needs it. Enable it with the Organization kind's spec.trustedAccess (add ${IAM_PRINCIPAL}), or aws organizations enable-aws-service-access --service-principal ${IAM_PRINCIPAL}; checked again every poll`;

/** Members' audits kept between reconciles (process memory: a restart audits again). */
export class AuditCache {
  private readonly audits = new Map<string, { at: number; audit: MemberAudit }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The audit of `accountId` if it is younger than `maxAgeMs`. */
  get(accountId: string, maxAgeMs: number): MemberAudit | undefined {
    const kept = this.audits.get(accountId);
    return kept && this.now() - kept.at < maxAgeMs ? kept.audit : undefined;
  }

  set(audit: MemberAudit): void {
    this.audits.set(audit.accountId, { at: this.now(), audit });
  }

  /** Forgets every account but `keep` (the organization's members now), or one account. */
  retainOnly(keep: ReadonlySet<string>): void {
    for (const id of this.audits.keys()) if (!keep.has(id)) this.audits.delete(id);
  }

  forget(accountId: string): void {
    this.audits.delete(accountId);
  }
}

export interface RootAccessHandoff {
  plan: RootAccessPlan;
}

type RootAccessObservation = Observation<ObservedRootAccess, RootAccessHandoff>;

/** One reconcile's client. */
export class RootAccessClient
  implements ExternalClient<RootAccessObject, ObservedRootAccess, RootAccessHandoff>
{
  constructor(
    private readonly api: RootAccessApi,
    private readonly view: TargetView,
    private readonly cache: AuditCache,
    private readonly limits: { batch: number; maxAgeMs: number } = {
      batch: AUDIT_BATCH,
      maxAgeMs: AUDIT_MAX_AGE_MS,
    },
  ) {}

  async observe(object: RootAccessObject): Promise<RootAccessObservation> {
    // Nothing is ever undone (features stay on, deleted credentials stay deleted).
    if (object.metadata.deletionTimestamp) return { exists: false, upToDate: true };
    const spec = parseCentralizedRootAccessSpec(object.spec);
    const view = await this.view.current();
    const trusted = await awsCall("cannot list the services with trusted access", () =>
      this.api.trustedAccess(),
    );
    if (!trusted.includes(IAM_PRINCIPAL)) {
      throw new FailureWithStatus(new BlockedError("TrustedAccessDisabled", TRUSTED_ACCESS_OFF), {
        atProvider: { organizationId: view.organizationId, trustedAccess: false },
      });
    }
    const features = await this.features();
    const members = view.accounts.filter((a) => a.status === "ACTIVE" && a.id !== view.managementAccountId);
    this.cache.retainOnly(new Set(members.map((m) => m.id)));
    const { audits, pending } = features.includes("RootCredentialsManagement")
      ? await this.auditMembers(members)
      : { audits: [], pending: 0 };
    const reading = { organizationId: view.organizationId, features, memberAccounts: members.length, audits };
    const plan = planRootAccess(spec, reading);
    const diff = changesOf(plan);
    return {
      exists: true,
      upToDate: diff.length === 0,
      diff,
      observed: atProviderOf(spec, reading),
      handoff: { plan },
      ...(pending > 0
        ? {
            progressing: `audited the root credentials of ${members.length - pending} of ${members.length} member accounts; the rest follow, ${this.limits.batch} per reconcile`,
          }
        : {}),
    };
  }

  async create(): Promise<{ status?: Record<string, unknown> }> {
    throw new Error("centralized root access always exists: it is enabled, never created");
  }

  /** Enables the features, then deletes root credentials where the plan says, every member tried. */
  async update(_object: RootAccessObject, observation: RootAccessObservation): Promise<void> {
    const { plan } = handoffOf(observation);
    for (const feature of plan.enable) {
      try {
        await this.api.enable(feature);
      } catch (err) {
        throw this.trustedAccessOr(err, `cannot enable ${feature} for the organization`);
      }
    }
    const failures: Error[] = [];
    for (const member of plan.deleteIn) {
      try {
        await awsCall(
          `cannot delete the root credentials (${credentialsInWords(member)}) of member account ${member.accountId}`,
          () => this.api.deleteRootCredentials(member.accountId),
        );
      } catch (err) {
        failures.push(err instanceof Error ? err : new Error(String(err)));
      } finally {
        // Audited afresh next time, whatever happened.
        this.cache.forget(member.accountId);
      }
    }
    const [first] = failures;
    if (first) throw first;
  }

  async delete(): Promise<void> {}

  /** IAM's organization features; AWS's ServiceAccessNotEnabled says what the trusted access read said. */
  private async features(): Promise<string[]> {
    try {
      return await this.api.features();
    } catch (err) {
      throw this.trustedAccessOr(err, "cannot list IAM's organization features");
    }
  }

  /** Trusted access off (AWS's word for it), with the fix; any other error by its meaning. */
  private trustedAccessOr(err: unknown, what: string): Error {
    if (awsErrorCode(err) === "ServiceAccessNotEnabledException")
      return new BlockedError("TrustedAccessDisabled", TRUSTED_ACCESS_OFF, { cause: err });
    return toReconcileError(err, what);
  }

  /**
   * Each member's audit: kept if young enough, else read now (at most `batch` per reconcile, a few
   * at a time); how many are left for the next reconcile.
   */
  private async auditMembers(members: Account[]): Promise<{ audits: MemberAudit[]; pending: number }> {
    const audits = new Map<string, MemberAudit>();
    const due: Account[] = [];
    for (const member of members) {
      const kept = this.cache.get(member.id, this.limits.maxAgeMs);
      if (kept) audits.set(member.id, { ...kept, accountName: member.name });
      else due.push(member);
    }
    const now = due.slice(0, this.limits.batch);
    const queue = [...now];
    const worker = async () => {
      for (let member = queue.shift(); member; member = queue.shift()) {
        const audit = await this.audit(member);
        this.cache.set(audit);
        audits.set(member.id, audit);
      }
    };
    await Promise.all(Array.from({ length: Math.min(AUDIT_CONCURRENCY, now.length) }, worker));
    return { audits: members.flatMap((m) => audits.get(m.id) ?? []), pending: due.length - now.length };
  }

  /** One member's audit; a refusal (an SCP denying sts:AssumeRoot, say) is recorded, not thrown. */
  private async audit(member: Account): Promise<MemberAudit> {
    const base = { accountId: member.id, accountName: member.name };
    try {
      return { ...base, credentials: await this.api.audit(member.id) };
    } catch (err) {
      return { ...base, failure: errorMessage(toReconcileError(err, "cannot read its root credentials")) };
    }
  }
}

function handoffOf(observation: RootAccessObservation): RootAccessHandoff {
  if (!observation.handoff) throw new Error("a root access observation without its plan");
  return observation.handoff;
}
