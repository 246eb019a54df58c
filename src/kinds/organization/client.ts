/**
 * The Organization kind's client: observes the organization (feature set, root policy types,
 * trusted access, delegated administrators), plans with compare.ts, and makes the writes through
 * the narrow OrganizationApi. The organization always "exists" (orgguard never creates one); on
 * deletion it "exists" while something orgguard owns is still there to undo.
 *
 * Ownership is status.managed (compare.ts): an enable or a registration is recorded before it is
 * sent, so one whose answer is lost is still known as orgguard's; a refusal takes it back. A failed
 * reconcile writes the record all the same (FailureWithStatus).
 */

import { specProblems } from "../../api/problems.js";
import { awsCall, awsReasonOf, meaningOf, toReconcileError } from "../../aws/aws-errors.js";
import type { OrganizationView } from "../../aws/organization-view.js";
import type { ResourceRef } from "../../runtime/kube-object.js";
import type {
  ExternalClient,
  ManagedKind,
  ManagedObject,
  ManagedStatus,
  Observation,
} from "../../runtime/managed.js";
import {
  BlockedError,
  FailureWithStatus,
  RetryableError,
  TerminalError,
} from "../../runtime/reconcile-errors.js";
import type { TargetView } from "../organization.js";
import { ADOPT_ANNOTATION } from "../organization-policy/compare.js";
import { POLICY_TYPES } from "../policy-types.js";
import {
  type DelegatedAdministratorEntry,
  MAX_LISTED,
  type OrganizationSpec,
  organizationSpec,
  parseOrganizationSpec,
} from "./api.js";
import {
  adoptionNote,
  type DesiredOrganization,
  type ManagedRecord,
  NOTHING_MANAGED,
  normalRecord,
  type ObservedOrganization,
  type OrganizationPlan,
  organizationPlan,
  plannedChanges,
  type Registration,
  registrationKey,
  removalPlan,
  writesNothing,
} from "./compare.js";
import type { OrganizationApi, OrganizationRecord } from "./organization-api.js";

export type OrganizationObject = ManagedObject<OrganizationSpec>;

/** status.atProvider: the organization as AWS reports it (lists bounded, counts exact). */
export interface OrganizationAtProvider {
  organizationId: string;
  managementAccountId: string;
  featureSet: string;
  rootId?: string;
  policyTypes?: string[];
  trustedAccess?: string[];
  trustedAccessCount?: number;
  delegatedAdministrators?: Registration[];
  delegatedAdministratorCount?: number;
}

/** What observe hands to update and delete: nothing is kept between calls. */
export interface OrganizationHandoff {
  rootId: string;
  plan: OrganizationPlan;
  /** How messages name an account: as the spec wrote it (`222222222222 (audit-1)`). */
  accountLabels: Record<string, string>;
}

type OrganizationObservation = Observation<OrganizationAtProvider, OrganizationHandoff>;

/** The one claim every Organization object makes: there is one organization to keep. */
export const ORGANIZATION_CLAIM = "organization";

/** The managed kind the controller drives for Organization objects. */
export function managedOrganizationKind(
  ref: ResourceRef,
  connect: (signal: AbortSignal) => OrganizationClient,
): ManagedKind<OrganizationObject, OrganizationAtProvider, OrganizationHandoff> {
  return {
    ref,
    validate: (object) => specProblems(organizationSpec, object.spec),
    // Two objects would fight over one organization's lists: the later one reports Conflict.
    claim: () => ORGANIZATION_CLAIM,
    connect: async (_object, { signal }) => connect(signal),
  };
}

/** The steps AWS documents for moving an organization to all features (never started by orgguard). */
const ALL_FEATURES_STEPS =
  "from the management account, start the migration (EnableAllFeatures: aws organizations enable-all-features); AWS sends every member account a handshake, which each must accept (aws organizations accept-handshake); then the management account finalizes it by accepting the ENABLE_ALL_FEATURES handshake. orgguard never starts it, and checks again every poll interval";

/** One Organization object's client: observe, update and delete through the OrganizationApi. */
export class OrganizationClient
  implements ExternalClient<OrganizationObject, OrganizationAtProvider, OrganizationHandoff>
{
  constructor(
    private readonly org: OrganizationApi,
    private readonly view: TargetView,
    /** The reconcile's deadline: past it, no further write is tried. */
    private readonly signal?: AbortSignal,
  ) {}

  async observe(object: OrganizationObject): Promise<OrganizationObservation> {
    const managed = managedRecordOf(object.status);
    const organization = await awsCall("cannot describe the organization", () =>
      this.org.describeOrganization(),
    );
    const summary = {
      organizationId: organization.id,
      managementAccountId: organization.managementAccountId,
      featureSet: organization.featureSet,
    };
    const deleting = Boolean(object.metadata.deletionTimestamp);
    if (organization.featureSet !== "ALL") {
      // Nothing orgguard owns can exist without all features: a deletion has nothing to undo.
      if (deleting) return { exists: false, upToDate: true, observed: summary };
      throw new FailureWithStatus(
        new BlockedError(
          "AllFeaturesRequired",
          `organization ${organization.id} has the feature set ${organization.featureSet}: policy types, trusted access and delegated administrators need all features. To migrate, ${ALL_FEATURES_STEPS}`,
        ),
        { atProvider: summary },
      );
    }
    const observed = await this.readOrganization();
    const atProvider = { ...summary, ...atProviderOf(observed) };
    if (deleting) {
      const plan = removalPlan(observed, managed);
      const handoff = { rootId: observed.rootId, plan, accountLabels: {} };
      return { exists: !writesNothing(plan), upToDate: true, observed: atProvider, handoff };
    }
    // Parsed only now: a deletion needs nothing of the spec (and must not hang on a spec that
    // admission let through and validate refuses).
    const spec = parseOrganizationSpec(object.spec);
    const { desired, accountLabels } = await this.desired(spec, organization);
    const observeOnly = spec.managementPolicy === "ObserveOnly";
    const adopt = object.metadata.annotations?.[ADOPT_ANNOTATION] === "true" && !observeOnly;
    const plan = organizationPlan(desired, observed, managed, { adopt });
    const label = (id: string) => accountLabels[id] ?? id;
    const adopted = adoptionNote(plan.adopt);
    return {
      exists: true,
      upToDate: writesNothing(plan),
      diff: plannedChanges(plan, observed.rootId, label),
      observed: atProvider,
      // ObserveOnly changes nothing, the record included.
      status: { managed: observeOnly ? normalRecord(managed) : plan.managed },
      handoff: { rootId: observed.rootId, plan, accountLabels },
      ...(adopted ? { adopted } : {}),
    };
  }

  async create(): Promise<{ status?: Record<string, unknown> }> {
    // observe never says an organization is missing: it throws why it cannot be read instead.
    throw new Error("an organization is never created by orgguard");
  }

  async update(_object: OrganizationObject, observation: OrganizationObservation): Promise<void> {
    await this.apply(handoffOf(observation));
  }

  async delete(_object: OrganizationObject, observation: OrganizationObservation): Promise<void> {
    await this.apply(handoffOf(observation));
  }

  /** The root, every principal with trusted access and every delegated administrator. */
  private async readOrganization(): Promise<ObservedOrganization> {
    const root = await awsCall("cannot list the organization's roots", () => this.org.root());
    if (!root) throw new RetryableError("NoOrganization", "the organization has no root");
    const trustedAccess = await awsCall("cannot list the services with trusted access", () =>
      this.org.trustedAccess(),
    );
    const accounts = await awsCall("cannot list the delegated administrators", () =>
      this.org.delegatedAdministratorAccounts(),
    );
    const delegatedAdministrators: Registration[] = [];
    for (const accountId of accounts) {
      // Deregistered from its last service between the two reads: it administers none.
      const services = await awsCall(
        `cannot list the services ${accountId} is delegated administrator of`,
        () => this.org.delegatedServicesOf(accountId),
        { goalReached: () => [] },
      );
      delegatedAdministrators.push(...services.map((servicePrincipal) => ({ servicePrincipal, accountId })));
    }
    return {
      rootId: root.id,
      enabledPolicyTypes: root.enabledPolicyTypes,
      trustedAccess,
      delegatedAdministrators,
    };
  }

  /**
   * The spec with account names resolved (in the organization view; a fresher one when a name is
   * not found, since the account may be new). Before any write: a name that matches no account or
   * several is retried; the management account, which AWS never accepts, stalls until the spec
   * changes.
   */
  private async desired(
    spec: OrganizationSpec,
    organization: OrganizationRecord,
  ): Promise<{ desired: DesiredOrganization; accountLabels: Record<string, string> }> {
    const accountLabels: Record<string, string> = {};
    const registrations: Registration[] = [];
    let view: OrganizationView | undefined;
    for (const [i, entry] of spec.delegatedAdministrators.entries()) {
      const at = `spec.delegatedAdministrators[${i}]`;
      let accountId = entry.accountId;
      if (accountId === undefined) {
        view ??= await this.view.current();
        let found = accountNamed(view, entry);
        if (typeof found !== "string") {
          view = await this.view.fresher();
          found = accountNamed(view, entry);
        }
        if (typeof found !== "string") throw new RetryableError("AccountNotFound", `${at}: ${found.missing}`);
        accountId = found;
        accountLabels[accountId] = `${accountId} (${entry.accountName})`;
      }
      if (accountId === organization.managementAccountId) {
        throw new TerminalError(
          "ManagementAccountNotDelegable",
          `${at}: ${accountLabels[accountId] ?? accountId} is the organization's management account, which cannot be a delegated administrator of ${entry.servicePrincipal} (AWS refuses it: CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR); name a member account`,
        );
      }
      registrations.push({ servicePrincipal: entry.servicePrincipal, accountId });
    }
    const awsTypes = POLICY_TYPES.filter((t) => spec.policyTypes.includes(t.id)).map((t) => t.awsType);
    return {
      desired: {
        policyTypes: awsTypes,
        trustedAccess: spec.trustedAccess,
        // An account named once by id and once by name is one registration.
        delegatedAdministrators: [...new Map(registrations.map((r) => [registrationKey(r), r])).values()],
      },
      accountLabels,
    };
  }

  /**
   * Makes the plan's writes in order: policy types, trusted access, registrations, then
   * deregistrations before the trusted access they may rely on is disabled. An entry AWS refuses
   * (or that fails) does not hold back the others; the failures are reported together at the end,
   * with status.managed as the writes left it.
   */
  private async apply({ plan, rootId, accountLabels }: OrganizationHandoff): Promise<void> {
    const record = new OwnershipRecord(plan);
    const failures: Error[] = [];
    const label = (id: string) => accountLabels[id] ?? id;
    const write = async (what: string, call: () => Promise<void>, ownership: Ownership = {}) => {
      // Recorded before the call: an enable or registration whose answer is lost is still ours.
      ownership.claim?.();
      try {
        await call();
        ownership.done?.();
      } catch (err) {
        // "Already enabled / registered / not registered": an earlier answer was lost, or a read
        // was stale (AWS lists a registration only seconds later). The goal holds.
        if (meaningOf(err) === "goal-reached") {
          ownership.done?.();
          return;
        }
        // Past the deadline every call fails at once: stop, with the record as it stands (the
        // call in flight may have reached AWS, so its claim stays).
        if (this.signal?.aborted) throw new FailureWithStatus(err, { managed: record.current() });
        const failure = entryFailure(err, what);
        // A refusal means nothing happened; any other failure may have happened (a lost answer).
        if (failure instanceof TerminalError) ownership.refused?.();
        failures.push(failure);
      }
    };
    for (const type of plan.enablePolicyTypes) {
      await write(`cannot enable ${type} on root ${rootId}`, () => this.org.enablePolicyType(rootId, type));
    }
    for (const p of plan.enableTrustedAccess) {
      await write(`cannot enable trusted access for ${p}`, () => this.org.enableTrustedAccess(p), {
        claim: () => record.addPrincipal(p),
        refused: () => record.removePrincipal(p),
      });
    }
    for (const r of plan.register) {
      await write(
        `cannot register ${label(r.accountId)} as delegated administrator of ${r.servicePrincipal}`,
        () => this.org.register(r),
        { claim: () => record.addRegistration(r), refused: () => record.removeRegistration(r) },
      );
    }
    for (const r of plan.deregister) {
      await write(
        `cannot deregister ${label(r.accountId)} as delegated administrator of ${r.servicePrincipal}`,
        () => this.org.deregister(r),
        { done: () => record.removeRegistration(r) },
      );
    }
    for (const p of plan.disableTrustedAccess) {
      await write(`cannot disable trusted access for ${p}`, () => this.org.disableTrustedAccess(p), {
        done: () => record.removePrincipal(p),
      });
    }
    if (failures.length > 0) throw new FailureWithStatus(combined(failures), { managed: record.current() });
  }
}

/** What one write does to the ownership record: before it, after it succeeded, when AWS refused it. */
interface Ownership {
  claim?: () => void;
  done?: () => void;
  refused?: () => void;
}

/**
 * status.managed while a plan's writes are made: what orgguard owns before them (what the plan
 * adds is claimed write by write; what it removes stays owned until it is gone).
 */
class OwnershipRecord {
  private readonly principals: Set<string>;
  private readonly registrations: Map<string, Registration>;

  constructor(plan: OrganizationPlan) {
    const adding = new Set(plan.enableTrustedAccess);
    const registering = new Set(plan.register.map(registrationKey));
    this.principals = new Set([
      ...plan.managed.trustedAccess.filter((p) => !adding.has(p)),
      ...plan.disableTrustedAccess,
    ]);
    this.registrations = new Map(
      [
        ...plan.managed.delegatedAdministrators.filter((r) => !registering.has(registrationKey(r))),
        ...plan.deregister,
      ].map((r) => [registrationKey(r), r]),
    );
  }

  addPrincipal(p: string) {
    this.principals.add(p);
  }
  removePrincipal(p: string) {
    this.principals.delete(p);
  }
  addRegistration(r: Registration) {
    this.registrations.set(registrationKey(r), r);
  }
  removeRegistration(r: Registration) {
    this.registrations.delete(registrationKey(r));
  }

  current(): ManagedRecord {
    return normalRecord({
      trustedAccess: [...this.principals],
      delegatedAdministrators: [...this.registrations.values()],
    });
  }
}

/**
 * One write's failure as the condition shows it. AWS's Reason, when it gives one, is the
 * condition's reason (DelegatedAdministratorExistsForThisService says more than ConstraintViolation).
 */
function entryFailure(err: unknown, what: string): Error {
  const failure = toReconcileError(err, what);
  const reason = awsReasonOf(err);
  if (reason === undefined || !(failure instanceof TerminalError)) return failure;
  const Refusal = failure instanceof BlockedError ? BlockedError : TerminalError;
  return new Refusal(camelCase(reason), failure.message, { cause: err });
}

/**
 * The failures of one reconcile's writes as one error. A refusal of one entry stalls the object
 * (its reason, every failure in the message), but as Blocked: checked again every poll, so the
 * other entries' drift is still repaired while the refused one waits for the spec or AWS to change.
 * Anything not a refusal (throttling, a lost connection) is retried with backoff.
 */
function combined(failures: Error[]): Error {
  const [first] = failures;
  if (failures.length === 1 && first && !(first instanceof TerminalError)) return first;
  const message =
    failures.length === 1
      ? (first?.message ?? "")
      : `${failures.length} changes failed: ${failures.map((f) => f.message).join("; ")}`;
  const retryable = failures.find((f) => !(f instanceof TerminalError));
  if (retryable) {
    const reason = retryable instanceof RetryableError ? retryable.reason : "ReconcileError";
    return new RetryableError(reason, message, { cause: retryable });
  }
  const reason = first instanceof TerminalError ? first.reason : "ReconcileError";
  return new BlockedError(reason, message, { cause: first });
}

/** CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR -> CannotRegisterMasterAsDelegatedAdministrator. */
const camelCase = (reason: string): string =>
  reason
    .toLowerCase()
    .split("_")
    .map((w) => (w ? w[0]?.toUpperCase() + w.slice(1) : ""))
    .join("");

/** The id of the one account named as `entry` says, or why there is none. */
function accountNamed(
  view: OrganizationView,
  entry: DelegatedAdministratorEntry,
): string | { missing: string } {
  const named = view.accounts.filter((a) => a.name === entry.accountName);
  // A closed account may share its name with a new one: the active one is meant.
  const candidates = named.length > 1 ? named.filter((a) => a.status === "ACTIVE") : named;
  const [only] = candidates;
  if (only && candidates.length === 1) return only.id;
  return {
    missing:
      candidates.length === 0
        ? `no account in the organization is named ${entry.accountName}`
        : `${candidates.length} accounts are named ${entry.accountName}: use accountId`,
  };
}

/** status.atProvider's lists: sorted (so a quiet poll writes nothing), bounded, counted. */
function atProviderOf(observed: ObservedOrganization): Partial<OrganizationAtProvider> {
  const { trustedAccess: trusted, delegatedAdministrators: delegated } = normalRecord(observed);
  return {
    rootId: observed.rootId,
    policyTypes: [...observed.enabledPolicyTypes].sort(),
    trustedAccess: trusted.slice(0, MAX_LISTED),
    trustedAccessCount: trusted.length,
    delegatedAdministrators: delegated.slice(0, MAX_LISTED),
    delegatedAdministratorCount: delegated.length,
  };
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];

/** status.managed as the object carries it (written by orgguard only; anything malformed is dropped). */
export function managedRecordOf(status: ManagedStatus | undefined): ManagedRecord {
  const managed = status?.managed;
  if (!isRecord(managed)) return NOTHING_MANAGED;
  const registrations = Array.isArray(managed.delegatedAdministrators) ? managed.delegatedAdministrators : [];
  return normalRecord({
    trustedAccess: strings(managed.trustedAccess),
    delegatedAdministrators: registrations.flatMap((r) =>
      isRecord(r) && typeof r.servicePrincipal === "string" && typeof r.accountId === "string"
        ? [{ servicePrincipal: r.servicePrincipal, accountId: r.accountId }]
        : [],
    ),
  });
}

function handoffOf(observation: OrganizationObservation): OrganizationHandoff {
  if (!observation.handoff) throw new Error("an organization observation without its handoff");
  return observation.handoff;
}
