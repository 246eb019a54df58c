/**
 * The GuardDutyOrganization kind's client. Region by region (one at a time: AWS refuses
 * designations made in many regions at once), it reads the delegated administrator (from the
 * management account), the administrator's detector, the organization configuration and the
 * members (in the administrator account), plans with compare.ts, and writes in that order:
 * designate, detector, organization configuration, then members. The organization always
 * "exists" here (orgguard never creates one); deleting, it exists while a designation orgguard made
 * is left to remove.
 *
 * Right after EnableOrganizationAdminAccount, GuardDuty refuses the new administrator for a
 * while ("...is not an administrator for this organization"): observe reports the region
 * Progressing, a write is retried with backoff (Synced=False/AdministratorNotReady), and the
 * object becomes Ready once AWS accepts it. An administrator someone else designated in a region
 * is never replaced.
 */
import { awsCall, toReconcileError } from "../../aws/aws-errors.js";
import type { OrganizationView } from "../../aws/organization-view.js";
import type { AccountRegions } from "../../aws/regions.js";
import type {
  Change,
  ExternalClient,
  ManagedObject,
  ManagedStatus,
  Observation,
} from "../../runtime/managed.js";
import { BlockedError, errorMessage, RetryableError, TerminalError } from "../../runtime/reconcile-errors.js";
import type { TargetView } from "../organization.js";
import { ADOPT_ANNOTATION } from "../ownership.js";
import { type GuardDutyOrganizationSpec, guardDutyOrganizationSpec } from "./api.js";
import {
  DETECTOR_EXISTS,
  type DesiredGuardDuty,
  type DetectorRecord,
  desiredFeatures,
  detectorChanges,
  guardDutyCompliance,
  memberChanges,
  memberPlan,
  NOT_ADMIN_YET,
  type OrganizationConfiguration,
  organizationChanges,
  type RegionState,
  regionState,
} from "./compare.js";
import type { GuardDutyApi, Unprocessed } from "./guardduty-api.js";
import { type NamedObject, organizationDesignations, twoPlacesMessage } from "./one-place.js";

export type GuardDutyObject = ManagedObject;

/** status.atProvider. */
export interface GuardDutyAtProvider {
  administratorAccountId: string;
  regions: Record<string, RegionState>;
}

/** The writes one region needs, in order. */
export interface RegionPlan {
  region: string;
  designate: boolean;
  /** The administrator's detector, when there is one. */
  detectorId?: string;
  updateDetector: boolean;
  updateOrganization: boolean;
  enrol: string[];
  monitorAgain: string[];
  /**
   * The members were not readable at observe (the region is being designated or configured now):
   * read them once the organization configuration is written, and enrol these accounts then, so
   * one pass (orgguard apply) leaves nothing for the next.
   */
  membersAfterwards?: string[];
}

/** What observe hands to update and delete. */
export interface GuardDutyHandoff {
  desired: DesiredGuardDuty;
  plans: RegionPlan[];
  /** Deleting: the regions whose designation orgguard made and still stands. */
  undesignate: string[];
  /** Why nothing can be written yet: the administrator account is not in the organization (yet). */
  waiting?: string;
}

type GuardDutyObservation = Observation<GuardDutyAtProvider, GuardDutyHandoff>;

/** What the client needs besides GuardDuty: the organization, the regions, the other kinds' objects. */
export interface GuardDutySurroundings {
  organization: TargetView;
  /** The regions enabled in an account (ListRegions, or --default-regions). */
  regionsOf(accountId: string): Promise<AccountRegions>;
  /** The Organization objects this process knows (the cluster's, or plan's manifests); none when unknown. */
  organizationObjects(): readonly NamedObject[];
}

/** What orgguard designated itself (or adopted): status.managed. */
export function designatedRegionsOf(status: ManagedStatus | undefined): string[] {
  const managed = status?.managed;
  if (typeof managed !== "object" || managed === null || Array.isArray(managed)) return [];
  const regions = (managed as { designatedRegions?: unknown }).designatedRegions;
  return Array.isArray(regions) ? regions.filter((r): r is string => typeof r === "string").sort() : [];
}

export class GuardDutyOrganizationClient
  implements ExternalClient<GuardDutyObject, GuardDutyAtProvider, GuardDutyHandoff>
{
  constructor(
    private readonly api: GuardDutyApi,
    private readonly surroundings: GuardDutySurroundings,
  ) {}

  async observe(object: GuardDutyObject): Promise<GuardDutyObservation> {
    const designated = designatedRegionsOf(object.status);
    if (object.metadata.deletionTimestamp) return this.observeDeletion(object, designated);
    const spec = guardDutyOrganizationSpec.parse(object.spec);
    const elsewhere = organizationDesignations(this.surroundings.organizationObjects());
    if (elsewhere.length > 0)
      throw new BlockedError("AdministratorDesignatedTwice", twoPlacesMessage(elsewhere));
    const view = await this.surroundings.organization.current();
    const admin = await this.resolveAdministrator(spec.administrator, view);
    if ("missing" in admin) return this.waitingForAdministrator(spec, admin.missing);
    const desired = desiredOf(spec, admin);
    const { regions, from } = spec.regions
      ? { regions: [...spec.regions].sort(), from: "spec.regions" }
      : await this.surroundings.regionsOf(desired.adminAccountId);
    const accounts = view.accounts
      .filter((a) => a.status === "ACTIVE" && a.id !== desired.adminAccountId)
      .map((a) => a.id)
      .sort();
    const observeOnly = spec.managementPolicy === "ObserveOnly";
    const adopt = object.metadata.annotations?.[ADOPT_ANNOTATION] === "true" && !observeOnly;
    const diff: Change[] = [];
    const plans: RegionPlan[] = [];
    const states: Record<string, RegionState> = {};
    const pending: string[] = [];
    const record = new Set(designated);
    const adoptedRegions: string[] = [];
    for (const region of regions) {
      const read = await this.observeRegion(region, desired, accounts);
      diff.push(...read.changes);
      plans.push(read.plan);
      states[region] = read.state;
      if (read.progressing) pending.push(read.progressing);
      // Recorded before the call (a designation whose answer is lost is still orgguard's).
      if (read.plan.designate && !observeOnly) record.add(region);
      // Designated before this object recorded it (by hand, or by an earlier object): taken over
      // only when the object says to adopt it.
      if (read.alreadyDesignated && adopt && !record.has(region)) {
        record.add(region);
        adoptedRegions.push(region);
      }
    }
    const compliance = [guardDutyCompliance(Object.values(states))];
    const monitored = (s: RegionState) => s.membersEnabled ?? 0;
    const enabled = Object.values(states).reduce((n, s) => Math.min(n, monitored(s)), accounts.length);
    const status = {
      regions,
      regionsFrom: from,
      members: `${regions.length > 0 ? enabled : 0}/${accounts.length}`,
      managed: { designatedRegions: [...(observeOnly ? designated : record)].sort() },
      compliance,
    };
    const observed = { administratorAccountId: desired.adminAccountId, regions: states };
    return {
      exists: true,
      upToDate: diff.length === 0,
      diff,
      observed,
      status,
      handoff: { desired, plans, undesignate: [] },
      ...(pending.length > 0 ? { progressing: pending.join("; ") } : {}),
      ...(adoptedRegions.length > 0
        ? {
            adopted: `adopted ${desired.adminLabel} as GuardDuty's administrator in ${adoptedRegions.join(", ")}`,
          }
        : {}),
    };
  }

  async create(): Promise<{ status?: Record<string, unknown> }> {
    throw new Error("a GuardDutyOrganization observation always exists: it is only ever updated");
  }

  /**
   * Makes each region's writes in order. A region that fails does not hold back the others; the
   * failures are reported together at the end.
   */
  async update(_object: GuardDutyObject, observation: GuardDutyObservation): Promise<void> {
    const { desired, plans, waiting } = handoffOf(observation);
    if (waiting) throw new RetryableError("AccountNotFound", waiting);
    const failures: Error[] = [];
    // The accounts' emails, read once for every region that enrols members.
    let emails: Promise<Map<string, string>> | undefined;
    const emailsOnce = () => {
      emails ??= awsCall("cannot list the organization's accounts", () => this.api.accountEmails());
      return emails;
    };
    for (const plan of plans) {
      try {
        await this.applyRegion(desired, plan, emailsOnce);
      } catch (err) {
        failures.push(err instanceof Error ? err : new Error(String(err)));
      }
    }
    if (failures.length > 0) throw combined(failures);
  }

  /** Removes the designations orgguard made (deletionPolicy Delete); detectors are left as they are. */
  async delete(object: GuardDutyObject, observation: GuardDutyObservation): Promise<void> {
    const { undesignate } = handoffOf(observation);
    const admin = this.adminIdOf(object);
    for (const region of undesignate) {
      if (!admin) return;
      await awsCall(`cannot remove ${admin} as GuardDuty's administrator in ${region}`, () =>
        this.api.disableAdmin(region, admin),
      );
    }
  }

  private async observeDeletion(
    object: GuardDutyObject,
    designated: string[],
  ): Promise<GuardDutyObservation> {
    const admin = this.adminIdOf(object);
    const undesignate: string[] = [];
    for (const region of admin ? designated : []) {
      const admins = await awsCall(`cannot list GuardDuty's administrators in ${region}`, () =>
        this.api.organizationAdmins(region),
      );
      if (admins.some((a) => a.accountId === admin && a.status === "ENABLED")) undesignate.push(region);
    }
    // Deleting needs nothing of the spec (which may name an account that is gone).
    const desired: DesiredGuardDuty = {
      adminAccountId: admin ?? "",
      adminLabel: admin ?? "",
      autoEnableMembers: "ALL",
      findingPublishingFrequency: "SIX_HOURS",
      features: [],
    };
    return { exists: undesignate.length > 0, upToDate: true, handoff: { desired, plans: [], undesignate } };
  }

  /** The administrator the status recorded (deleting, the spec's name may resolve no more). */
  private adminIdOf(object: GuardDutyObject): string | undefined {
    const atProvider = object.status?.atProvider;
    const recorded =
      typeof atProvider === "object" && atProvider !== null && !Array.isArray(atProvider)
        ? (atProvider as { administratorAccountId?: unknown }).administratorAccountId
        : undefined;
    if (typeof recorded === "string") return recorded;
    const administrator = object.spec.administrator;
    const id =
      typeof administrator === "object" && administrator !== null
        ? (administrator as { accountId?: unknown }).accountId
        : undefined;
    return typeof id === "string" ? id : undefined;
  }

  /**
   * The administrator account the spec names, in the organization view (a fresher one when it is
   * not found: an Account object may have just made it), or why there is none yet.
   */
  private async resolveAdministrator(
    administrator: GuardDutyOrganizationSpec["administrator"],
    current: OrganizationView,
  ): Promise<{ adminAccountId: string; adminLabel: string } | { missing: string }> {
    const find = (view: OrganizationView) => {
      const named = view.accounts.filter((a) =>
        administrator.accountId ? a.id === administrator.accountId : a.name === administrator.accountName,
      );
      // A closed account may share its name with a new one: the active one is meant.
      return named.length > 1 ? named.filter((a) => a.status === "ACTIVE") : named;
    };
    let found = find(current);
    if (found.length === 0) found = find(await this.surroundings.organization.fresher());
    const [only] = found;
    const wanted = administrator.accountId ?? administrator.accountName ?? "";
    if (!only) {
      return {
        missing: `spec.administrator: no account of the organization is ${administrator.accountId ? "" : "named "}${wanted} yet (an Account object may be creating it)`,
      };
    }
    if (found.length > 1) {
      throw new TerminalError(
        "AccountNameAmbiguous",
        `spec.administrator: ${found.length} accounts are named ${wanted}: use accountId`,
      );
    }
    if (only.status !== "ACTIVE") {
      throw new BlockedError(
        "AccountNotActive",
        `spec.administrator: account ${only.id} (${only.name}) is ${only.status}`,
      );
    }
    return { adminAccountId: only.id, adminLabel: `${only.id} (${only.name})` };
  }

  /**
   * The administrator account does not exist yet: the plan says what happens once it does (so
   * `orgguard plan` shows it beside the Account object that creates it), and a write waits for it
   * (AccountNotFound, retried with backoff).
   */
  private waitingForAdministrator(spec: GuardDutyOrganizationSpec, missing: string): GuardDutyObservation {
    const wanted = spec.administrator.accountId ?? spec.administrator.accountName ?? "";
    const where = spec.regions ? `in ${spec.regions.join(", ")}` : "in every region enabled in it";
    const desired = desiredOf(spec, { adminAccountId: "", adminLabel: wanted });
    return {
      exists: true,
      upToDate: false,
      diff: [
        {
          path: "administrator",
          from: "none",
          to: wanted,
          description: `once the account exists, designate ${wanted} as GuardDuty's delegated administrator ${where}, enable GuardDuty there, auto-enable it for ${spec.autoEnableMembers === "ALL" ? "every member account, existing and new" : "new member accounts"} and enrol the existing accounts`,
        },
      ],
      handoff: { desired, plans: [], undesignate: [], waiting: missing },
    };
  }

  /** Reads one region and plans its writes. */
  private async observeRegion(
    region: string,
    desired: DesiredGuardDuty,
    accounts: readonly string[],
  ): Promise<{
    changes: Change[];
    plan: RegionPlan;
    state: RegionState;
    progressing?: string;
    alreadyDesignated: boolean;
  }> {
    const admin = desired.adminAccountId;
    const admins = await awsCall(`cannot list GuardDuty's administrators in ${region}`, () =>
      this.api.organizationAdmins(region),
    );
    const mine = admins.find((a) => a.accountId === admin);
    const other = admins.find((a) => a.accountId !== admin);
    if (!mine && other) {
      throw new BlockedError(
        "AdministratorExists",
        `${region}: account ${other.accountId} is GuardDuty's delegated administrator (an organization has one per region), not ${desired.adminLabel}: orgguard never replaces an administrator; remove it (aws guardduty disable-organization-admin-account --admin-account-id ${other.accountId} --region ${region}) or name it in spec.administrator`,
      );
    }
    const changes: Change[] = [];
    if (!mine) {
      changes.push({
        path: `regions[${region}].administrator`,
        from: "none",
        to: admin,
        description: `designate ${desired.adminLabel} as GuardDuty's delegated administrator in ${region} (EnableOrganizationAdminAccount)`,
      });
    }
    const ids = await awsCall(`cannot list the detectors of ${desired.adminLabel} in ${region}`, () =>
      this.api.detectorIds(admin, region),
    );
    const [detectorId] = ids;
    const detector = detectorId
      ? await awsCall(`cannot read detector ${detectorId} in ${region}`, () =>
          this.api.detector(admin, region, detectorId),
        )
      : undefined;
    const detectorDiff = detector ? detectorChanges(region, desired, detector) : [];
    if (!detector) {
      changes.push({
        path: `regions[${region}].detector`,
        from: "none",
        to: "ENABLED",
        description: `enable GuardDuty in ${desired.adminLabel} in ${region} (CreateDetector)`,
      });
    }
    changes.push(...detectorDiff);
    const read =
      mine?.status === "ENABLED" && detector
        ? await this.readOrganization(region, desired, detector, accounts)
        : {};
    const organizationDiff = read.config ? organizationChanges(region, desired, read.config) : [];
    changes.push(...organizationDiff);
    if (read.members) changes.push(...memberChanges(region, read.members));
    if (!read.config && !read.progressing) {
      changes.push({
        path: `regions[${region}].autoEnableMembers`,
        from: "unknown",
        to: desired.autoEnableMembers,
        description: `then auto-enable GuardDuty for ${desired.autoEnableMembers === "ALL" ? "every member account, existing and new" : "new member accounts"} with the spec's protection plans (UpdateOrganizationConfiguration), and enrol the existing accounts`,
      });
    }
    if (mine?.status === "DISABLE_IN_PROGRESS") {
      read.progressing = `${region}: ${desired.adminLabel} is being removed as GuardDuty's administrator; designated again once AWS has finished`;
    }
    return {
      changes,
      plan: {
        region,
        designate: !mine,
        ...(detectorId ? { detectorId } : {}),
        updateDetector: detectorDiff.length > 0,
        updateOrganization: !read.progressing && (!read.config || organizationDiff.length > 0),
        enrol: read.members?.enrol ?? [],
        monitorAgain: read.members?.monitorAgain ?? [],
        ...(!read.config && !read.progressing ? { membersAfterwards: [...accounts] } : {}),
      },
      state: regionState({
        ...(mine ? { admin: mine } : {}),
        ...(detector ? { detector } : {}),
        ...(read.config ? { config: read.config } : {}),
        ...(read.members ? { members: read.members } : {}),
      }),
      ...(read.progressing ? { progressing: read.progressing } : {}),
      alreadyDesignated: mine?.status === "ENABLED",
    };
  }

  /** The organization configuration and members, as the administrator sees them; or why not yet. */
  private async readOrganization(
    region: string,
    desired: DesiredGuardDuty,
    detector: DetectorRecord,
    accounts: readonly string[],
  ): Promise<{
    config?: OrganizationConfiguration;
    members?: ReturnType<typeof memberPlan>;
    progressing?: string;
  }> {
    const admin = desired.adminAccountId;
    let config: OrganizationConfiguration;
    try {
      config = await this.api.organizationConfiguration(admin, region, detector.id);
    } catch (err) {
      if (NOT_ADMIN_YET.test(errorMessage(err))) {
        return {
          progressing: `${region}: ${desired.adminLabel} is designated, but GuardDuty does not accept it as administrator yet (${errorMessage(err)})`,
        };
      }
      throw toReconcileError(err, `cannot read GuardDuty's organization configuration in ${region}`);
    }
    const members = await awsCall(`cannot list GuardDuty's members in ${region}`, () =>
      this.api.members(admin, region, detector.id),
    );
    return { config, members: memberPlan(accounts, members, desired.autoEnableMembers) };
  }

  /** One region's writes: designate, the detector, the organization configuration, the members. */
  private async applyRegion(
    desired: DesiredGuardDuty,
    plan: RegionPlan,
    accountEmails: () => Promise<Map<string, string>>,
  ): Promise<void> {
    const { region } = plan;
    const admin = desired.adminAccountId;
    if (plan.designate) {
      await awsCall(`cannot designate ${desired.adminLabel} as GuardDuty's administrator in ${region}`, () =>
        this.api.enableAdmin(region, admin),
      );
    }
    let detectorId = plan.detectorId;
    if (!detectorId) {
      detectorId = await this.createDetector(desired, region);
    } else if (plan.updateDetector) {
      const id = detectorId;
      await awsCall(`cannot update detector ${id} in ${region}`, () =>
        this.api.updateDetector(admin, region, id, desired),
      );
    }
    const id = detectorId;
    if (plan.updateOrganization) {
      try {
        await this.api.updateOrganizationConfiguration(admin, region, id, desired);
      } catch (err) {
        if (NOT_ADMIN_YET.test(errorMessage(err))) {
          throw new RetryableError(
            "AdministratorNotReady",
            `${region}: ${desired.adminLabel} was just designated GuardDuty's administrator and AWS does not accept it as such yet (${errorMessage(err)}); retried`,
            { cause: err },
          );
        }
        throw toReconcileError(err, `cannot update GuardDuty's organization configuration in ${region}`);
      }
    }
    let { enrol, monitorAgain } = plan;
    if (plan.membersAfterwards) {
      const members = await awsCall(`cannot list GuardDuty's members in ${region}`, () =>
        this.api.members(admin, region, id),
      );
      ({ enrol, monitorAgain } = memberPlan(plan.membersAfterwards, members, desired.autoEnableMembers));
    }
    const left: Unprocessed[] = [];
    if (enrol.length > 0) {
      const emails = await accountEmails();
      const accounts = enrol.map((accountId) => ({ accountId, email: emails.get(accountId) ?? "" }));
      left.push(
        ...(await awsCall(`cannot enrol GuardDuty members in ${region}`, () =>
          this.api.createMembers(admin, region, id, accounts),
        )),
      );
    }
    if (monitorAgain.length > 0) {
      const accountIds = monitorAgain;
      left.push(
        ...(await awsCall(`cannot start monitoring GuardDuty members in ${region}`, () =>
          this.api.startMonitoring(admin, region, id, accountIds),
        )),
      );
    }
    if (left.length > 0) {
      throw new BlockedError(
        "MembersNotEnrolled",
        `${region}: GuardDuty did not enrol or start ${left.length} account(s): ${left.map((u) => `${u.accountId} (${u.result})`).join("; ")}. Checked again every poll (for the management account, AWS requires GuardDuty enabled in it first)`,
      );
    }
  }

  /** CreateDetector; when GuardDuty made one meanwhile (designation does), that one. */
  private async createDetector(desired: DesiredGuardDuty, region: string): Promise<string> {
    const admin = desired.adminAccountId;
    try {
      return await this.api.createDetector(admin, region, desired);
    } catch (err) {
      if (!DETECTOR_EXISTS.test(errorMessage(err))) {
        throw toReconcileError(err, `cannot enable GuardDuty in ${desired.adminLabel} in ${region}`);
      }
      const [existing] = await awsCall(
        `cannot list the detectors of ${desired.adminLabel} in ${region}`,
        () => this.api.detectorIds(admin, region),
      );
      if (!existing)
        throw toReconcileError(err, `cannot enable GuardDuty in ${desired.adminLabel} in ${region}`);
      await awsCall(`cannot update detector ${existing} in ${region}`, () =>
        this.api.updateDetector(admin, region, existing, desired),
      );
      return existing;
    }
  }
}

/** What the spec asks of every region, the administrator resolved. */
function desiredOf(
  spec: GuardDutyOrganizationSpec,
  admin: { adminAccountId: string; adminLabel: string },
): DesiredGuardDuty {
  return {
    ...admin,
    autoEnableMembers: spec.autoEnableMembers,
    findingPublishingFrequency: spec.findingPublishingFrequency,
    features: desiredFeatures(spec.protection),
  };
}

/**
 * The regions' failures as one error: a refusal (Blocked or Terminal) stalls the object with its
 * reason, anything else (AdministratorNotReady, throttling) is retried with backoff.
 */
function combined(failures: Error[]): Error {
  const [first] = failures;
  if (failures.length === 1 && first) return first;
  const message = `${failures.length} regions failed: ${failures.map((f) => f.message).join("; ")}`;
  const retryable = failures.find((f) => !(f instanceof TerminalError));
  if (retryable) {
    const reason = retryable instanceof RetryableError ? retryable.reason : "ReconcileError";
    return new RetryableError(reason, message, { cause: retryable });
  }
  const reason = first instanceof TerminalError ? first.reason : "ReconcileError";
  return new BlockedError(reason, message, { cause: first });
}

function handoffOf(observation: GuardDutyObservation): GuardDutyHandoff {
  if (!observation.handoff) throw new Error("a GuardDuty observation without its handoff");
  return observation.handoff;
}
