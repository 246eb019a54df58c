/**
 * The SecurityHubOrganization kind's client: observes Security Hub across the organization
 * (Organizations' trusted access and registration, the administrator in each region, the
 * administrator account's hub, organization configuration, standards, controls and members, the
 * finding aggregator and, with central configuration, orgguard's configuration policy and its
 * associations), plans with compare.ts, and makes the writes through the narrow SecurityHubApi.
 *
 * Before any write that uses them, the spec's standards are resolved to ARNs with Security Hub's
 * own catalogue in each region and its disabled controls checked against those standards' controls:
 * an unknown one stalls the object with what is valid. The catalogue is read in the administrator
 * account, or, while it is not usable yet (a cold start), in the management account; if neither is
 * subscribed to Security Hub in a region, the check waits for the administrator, and only the
 * designation (which needs no standard) is made first.
 */
import { awsCall, awsErrorCode, toReconcileError } from "../../aws/aws-errors.js";
import type { OrganizationView } from "../../aws/organization-view.js";
import {
  type Prerequisite,
  type ServiceIntegration,
  trustedAccessPrerequisite,
} from "../../aws/service-integration.js";
import type { Change, ExternalClient, ManagedObject, Observation } from "../../runtime/managed.js";
import {
  BlockedError,
  FailureWithStatus,
  RetryableError,
  TerminalError,
} from "../../runtime/reconcile-errors.js";
import { type ResolvedAccount, resolveAdministrator, specLabel } from "../administrator-account.js";
import { resolveContainer, type ViewReader } from "../organization.js";
import { ADOPT_ANNOTATION, ownershipTags, TAG_UID, taggedFor } from "../ownership.js";
import { parseSecurityHubSpec, SECURITY_HUB_PRINCIPAL, type SecurityHubOrganizationSpec } from "./api.js";
import {
  type AdministratorRegion,
  type DesiredSecurityHub,
  memberEnabled,
  type ObservedHome,
  type ObservedRegion,
  type ObservedSecurityHub,
  plannedChanges,
  type ResolvedTarget,
  SELF_MANAGED,
  type SecurityHubPlan,
  securityHubPlan,
  writesNothing,
} from "./compare.js";
import { PlanRun } from "./plan-run.js";
import type {
  ConfigurationPolicy,
  ControlAssociation,
  PolicyAssociation,
  SecurityHubApi,
  StandardDefinition,
} from "./security-hub-api.js";
import {
  labelOfArn,
  type ResolvedStandard,
  resolveStandards,
  standardLabel,
  unknownControls,
} from "./standards.js";

export type SecurityHubObject = ManagedObject;

/** Where the client reaches Security Hub: the management account's and the administrator's, per region. */
export interface SecurityHubAccess {
  integration: ServiceIntegration;
  management(region: string): Promise<SecurityHubApi>;
  administrator(accountId: string, region: string): Promise<SecurityHubApi>;
}

/** status.atProvider. */
export interface SecurityHubAtProvider {
  administratorAccountId?: string;
  configurationType?: string;
  configurationStatus?: string;
  findingAggregator?: { region: string; regionLinkingMode: string; regions: string[] };
  configurationPolicy?: {
    id: string;
    name: string;
    serviceEnabled: boolean;
    standards: string[];
    disabledControls: string[];
    targets: Array<{ target: string; policy?: string; status?: string }>;
  };
  regions: Array<{
    region: string;
    administrator?: string;
    hubEnabled?: boolean;
    standards?: string[];
    disabledControls?: Array<{ control: string; reason?: string }>;
    membersEnabled?: number;
    accounts?: number;
  }>;
}

/** What observe hands to create, update and delete. */
export interface SecurityHubHandoff {
  desired?: DesiredSecurityHub;
  plan?: SecurityHubPlan;
  /** Why the spec's administrator cannot be resolved yet (a write waits for it). */
  missingAdministrator?: string;
  /** What the organization lacks before anything can be written (a write stalls with it). */
  blocked?: Error;
  /** Deleting: orgguard's configuration policy and where it is associated. */
  removal?: { administrator: string; homeRegion: string; policyId: string; targets: ResolvedTarget[] };
}

type SecurityHubObservation = Observation<SecurityHubAtProvider, SecurityHubHandoff>;

/** How many rounds of writes one reconcile makes at most (designation, hub, the rest). */
const MAX_ROUNDS = 4;

/** The one claim every SecurityHubOrganization object makes: one organization's Security Hub. */
export const SECURITY_HUB_CLAIM = "Security Hub of the organization";

/** Security Hub's "not an administrator (yet)", right after designation (terraform-provider-aws#23079). */
const notAdministratorYet = (err: unknown): boolean =>
  awsErrorCode(err) === "InvalidAccessException" || /not an administrator/i.test(String(err));

/** The policy name a spec gives, or orgguard's default. */
const policyNameOf = (spec: SecurityHubOrganizationSpec, objectName: string): string =>
  spec.configurationPolicyName ?? `orgguard-${objectName}`.slice(0, 128);

const policyDescriptionOf = (objectName: string): string =>
  `Kept by orgguard (SecurityHubOrganization ${objectName}): edit the object in git, not this policy. The reason of each disabled control is in the object's spec and status.`.slice(
    0,
    512,
  );

/** One SecurityHubOrganization object's client. */
export class SecurityHubClient
  implements ExternalClient<SecurityHubObject, SecurityHubAtProvider, SecurityHubHandoff>
{
  constructor(
    private readonly access: SecurityHubAccess,
    private readonly view: ViewReader,
  ) {}

  async observe(object: SecurityHubObject): Promise<SecurityHubObservation> {
    if (object.metadata.deletionTimestamp) return this.observeDeletion(object);
    const spec = parseSecurityHubSpec(object.spec);
    const prerequisite = await trustedAccessPrerequisite(
      this.access.integration,
      SECURITY_HUB_PRINCIPAL,
      "Security Hub for the organization",
    );
    if (prerequisite) return plannedBeforeReading(object, spec, { prerequisite });
    const resolved = await resolveAdministrator(this.view, spec.administrator);
    if ("missing" in resolved) return plannedBeforeReading(object, spec, { missing: resolved.missing });
    const view = await this.view.current();
    if (resolved.id === view.managementAccountId) {
      throw new TerminalError(
        "ManagementAccountNotDelegable",
        `spec.administrator: ${resolved.label} is the organization's management account: name a member account (AWS recommends against the management account administering Security Hub, and central configuration refuses it)`,
      );
    }
    await this.checkRegistration(resolved);
    const desired = await this.desired(spec, object, resolved, view);
    const observed = await this.observeRegions(spec, object, desired);
    this.checkCatalogue(spec, desired, observed);
    const { plan, progress } = securityHubPlan(desired, observed.aws);
    const atProvider = atProviderOf(desired, observed.aws);
    const failure = appliedFailure(observed.aws, desired);
    if (failure) throw new FailureWithStatus(failure, { atProvider });
    const exists = observed.aws.regions.some((r) => r.admins.some((a) => a.accountId === resolved.id));
    const pending = [...observed.progress, ...progress];
    return {
      exists,
      upToDate: writesNothing(plan),
      diff: plannedChanges(plan, desired),
      observed: atProvider,
      status: {
        disabledControls: spec.disabledControls.map((d) => ({ control: d.control, reason: d.reason })),
        ...(observed.aws.home.policy ? { configurationPolicyId: observed.aws.home.policy.id } : {}),
      },
      ...(pending.length > 0 ? { progressing: pending.join("; ") } : {}),
      ...(observed.adopted ? { adopted: observed.adopted } : {}),
      handoff: { desired, plan },
    };
  }

  async create(object: SecurityHubObject, observation: SecurityHubObservation) {
    await this.update(object, observation);
    return {};
  }

  /**
   * Makes the plan's writes. A designation, a hub enabled or a standard enabled lets more be read
   * (the administrator's configuration, the controls of a ready standard): the organization is
   * observed again and the rest made in the same reconcile, as far as AWS allows (it reports
   * progress while the administrator is not usable yet), at most a few rounds.
   */
  async update(object: SecurityHubObject, observation: SecurityHubObservation): Promise<void> {
    let current = observation;
    for (let round = 1; ; round++) {
      const { desired, plan, blocked, missingAdministrator } = handoffOf(current);
      if (blocked) throw blocked;
      if (missingAdministrator !== undefined) {
        throw new RetryableError(
          "AccountNotFound",
          `spec.administrator: ${missingAdministrator} (an Account object may be creating it): retried`,
        );
      }
      if (!desired || !plan) throw new Error("a Security Hub observation without its plan");
      await new PlanRun(this.access, desired, ownershipTags(object.metadata.name, object.metadata.uid)).run(
        plan,
      );
      const unlocks = plan.designate.length + plan.enableHub.length + plan.enableStandards.length > 0;
      if (!unlocks || round >= MAX_ROUNDS) return;
      current = await this.observe(object);
      if (current.upToDate || (current.progressing && (current.diff ?? []).length === 0)) return;
    }
  }

  async delete(_object: SecurityHubObject, observation: SecurityHubObservation): Promise<void> {
    const removal = handoffOf(observation).removal;
    if (!removal) return;
    const hub = await this.access.administrator(removal.administrator, removal.homeRegion);
    for (const target of removal.targets) {
      await awsCall(
        `cannot disassociate the configuration policy from ${target.label}`,
        () => hub.disassociate(removal.policyId, target),
        { notFound: () => undefined },
      );
    }
    await awsCall(
      `cannot delete the configuration policy ${removal.policyId}`,
      () => hub.deleteConfigurationPolicy(removal.policyId),
      { notFound: () => undefined },
    );
  }

  /**
   * Deleting (deletionPolicy Delete): what orgguard created and may remove is its configuration
   * policy, found by its recorded id or by its name and ownership tags; nothing else.
   */
  private async observeDeletion(object: SecurityHubObject): Promise<SecurityHubObservation> {
    const parsed = parseSpecOrUndefined(object.spec);
    if (parsed?.configuration !== "CENTRAL") return { exists: false, upToDate: true };
    const resolved = await resolveAdministrator(this.view, parsed.administrator);
    if ("missing" in resolved) return { exists: false, upToDate: true };
    const hub = await this.access.administrator(resolved.id, parsed.homeRegion);
    const found = await this.findPolicy(hub, object, parsed, { adopt: false });
    if (!found.policy) return { exists: false, upToDate: true };
    const view = await this.view.current();
    const targets = await this.targetsOf(parsed, view);
    const applied: ResolvedTarget[] = [];
    for (const target of targets) {
      const association = await this.readAssociation(hub, target);
      if (association?.policyId === found.policy.id && association.associationType === "APPLIED")
        applied.push(target);
    }
    return {
      exists: true,
      upToDate: true,
      handoff: {
        removal: {
          administrator: resolved.id,
          homeRegion: parsed.homeRegion,
          policyId: found.policy.id,
          targets: applied,
        },
      },
    };
  }

  /**
   * Security Hub registers its administrator in AWS Organizations itself. Another account
   * registered there for securityhub.amazonaws.com (by the Organization kind's
   * delegatedAdministrators, or by hand) would fight this object's: say so and write nothing.
   */
  private async checkRegistration(admin: ResolvedAccount): Promise<void> {
    const registered = await awsCall(
      `cannot list the delegated administrators of ${SECURITY_HUB_PRINCIPAL}`,
      () => this.access.integration.delegatedAdministrators(SECURITY_HUB_PRINCIPAL),
    );
    const others = registered.filter((a) => a !== admin.id);
    if (others.length > 0) {
      throw new BlockedError(
        "DelegatedAdministratorConflict",
        `AWS Organizations has ${others.join(", ")} registered as delegated administrator of ${SECURITY_HUB_PRINCIPAL}, not ${admin.label}: Security Hub's administrator is designated by this object's spec.administrator (securityhub:EnableOrganizationAdminAccount, which registers it in Organizations itself). Remove ${SECURITY_HUB_PRINCIPAL} from the Organization object's spec.delegatedAdministrators (and deregister ${others.join(", ")}), or name that account here; checked again every poll`,
      );
    }
  }

  /** The spec with the administrator, the policy's targets and the accounts resolved. */
  private async desired(
    spec: SecurityHubOrganizationSpec,
    object: SecurityHubObject,
    administrator: ResolvedAccount,
    view: OrganizationView,
  ): Promise<DesiredSecurityHub> {
    const name = object.metadata.name;
    return {
      administrator,
      regions: spec.regions,
      homeRegion: spec.homeRegion,
      configuration: spec.configuration,
      autoEnableStandards: spec.autoEnableStandards ?? "DEFAULT",
      standards: new Map(),
      disabledControls: spec.disabledControls,
      ...(spec.configuration === "CENTRAL"
        ? {
            policy: {
              name: policyNameOf(spec, name),
              description: policyDescriptionOf(name),
              targets: await this.targetsOf(spec, view),
            },
          }
        : {}),
      accounts: view.accounts
        .filter((a) => a.status === "ACTIVE" && a.id !== administrator.id)
        .map((a) => a.id),
    };
  }

  /** The configuration policy's targets: the root unless the spec names OUs. */
  private async targetsOf(
    spec: SecurityHubOrganizationSpec,
    view: OrganizationView,
  ): Promise<ResolvedTarget[]> {
    const targets = spec.policyTargets ?? [{ root: true as const }];
    const resolved: ResolvedTarget[] = [];
    for (const [i, t] of targets.entries()) {
      if (t.root) resolved.push({ type: "ROOT", id: view.rootId, label: `root ${view.rootId}` });
      else if (t.ouId) resolved.push({ type: "ORGANIZATIONAL_UNIT", id: t.ouId, label: `ou ${t.ouId}` });
      else if (t.ouPath) {
        const id = await resolveContainer(this.view, t.ouPath);
        if (!id) {
          throw new RetryableError(
            "OrganizationalUnitNotFound",
            `spec.policyTargets[${i}].ouPath: no OU at ${t.ouPath} (an OrganizationalUnit object may be creating it): retried`,
          );
        }
        resolved.push({
          type: id === view.rootId ? "ROOT" : "ORGANIZATIONAL_UNIT",
          id,
          label: `ou ${t.ouPath} (${id})`,
        });
      }
    }
    return resolved;
  }

  /** Every region's state, the home region's aggregator and policy, and what AWS still applies. */
  private async observeRegions(
    spec: SecurityHubOrganizationSpec,
    object: SecurityHubObject,
    desired: DesiredSecurityHub,
  ): Promise<{
    aws: ObservedSecurityHub;
    progress: string[];
    catalogues: Map<string, Catalogue>;
    adopted?: string;
  }> {
    const progress: string[] = [];
    const catalogues = new Map<string, Catalogue>();
    const regions: ObservedRegion[] = [];
    const standards = new Map<string, ResolvedStandard[]>();
    for (const region of spec.regions) {
      const observed = await this.observeRegion(spec, desired, region, progress);
      regions.push(observed.region);
      if (observed.catalogue) {
        catalogues.set(region, observed.catalogue);
        const resolved = resolveStandards(spec.standards, observed.catalogue.standards, region);
        if ("resolved" in resolved) standards.set(region, resolved.resolved);
      }
    }
    desired.standards = standards;
    const home = regions.find((r) => r.region === spec.homeRegion);
    let observedHome: ObservedHome = { associations: new Map() };
    let adopted: string | undefined;
    if (home?.administrator?.hubEnabled) {
      const hub = await this.access.administrator(desired.administrator.id, spec.homeRegion);
      const aggregator = await awsCall(`cannot read the finding aggregator in ${spec.homeRegion}`, () =>
        hub.findingAggregator(),
      );
      observedHome = { associations: new Map(), ...(aggregator ? { aggregator } : {}) };
      if (spec.configuration === "CENTRAL") {
        const found = await this.findPolicy(hub, object, spec, { adopt: true });
        adopted = found.adopted;
        const associations = new Map<string, PolicyAssociation>();
        for (const target of found.policy ? (desired.policy?.targets ?? []) : []) {
          const association = await this.readAssociation(hub, target);
          if (association) associations.set(target.id, association);
        }
        observedHome = { ...observedHome, ...(found.policy ? { policy: found.policy } : {}), associations };
      }
    }
    return { aws: { regions, home: observedHome }, progress, catalogues, ...(adopted ? { adopted } : {}) };
  }

  /** One region: the administrators listed, and what the spec's administrator has there. */
  private async observeRegion(
    spec: SecurityHubOrganizationSpec,
    desired: DesiredSecurityHub,
    region: string,
    progress: string[],
  ): Promise<{ region: ObservedRegion; catalogue?: Catalogue }> {
    const admin = desired.administrator;
    const management = await this.access.management(region);
    const admins = await awsCall(`cannot list the Security Hub administrators in ${region}`, () =>
      management.adminAccounts(),
    );
    const other = admins.find((a) => a.accountId !== admin.id);
    if (other) {
      throw new BlockedError(
        "AdministratorConflict",
        `Security Hub's administrator in ${region} is ${other.accountId}, not ${admin.label}: orgguard does not replace an administrator it did not designate. Remove it (from the management account: aws securityhub disable-organization-admin-account --admin-account-id ${other.accountId} --region ${region}) and ${admin.label} is designated at the next poll`,
      );
    }
    const designated = admins.some((a) => a.accountId === admin.id);
    const read = designated ? await this.readAdministrator(spec, desired, region, progress) : undefined;
    const administrator = read?.administrator;
    // The catalogue, to check the spec before any write: the administrator's, else the management account's.
    const catalogue =
      read?.catalogue ?? (await readCatalogue(management, spec, region, { subscribedOnly: true }));
    if (!catalogue) {
      progress.push(
        `Security Hub's standards cannot be read in ${region} until ${admin.label} is its administrator`,
      );
    }
    return {
      region: { region, admins, ...(administrator ? { administrator } : {}) },
      ...(catalogue ? { catalogue } : {}),
    };
  }

  /** What the administrator account has in `region`; undefined while AWS does not let it act as one yet. */
  private async readAdministrator(
    spec: SecurityHubOrganizationSpec,
    desired: DesiredSecurityHub,
    region: string,
    progress: string[],
  ): Promise<{ administrator: AdministratorRegion; catalogue?: Catalogue } | undefined> {
    const label = desired.administrator.label;
    const hub = await this.access.administrator(desired.administrator.id, region);
    const where = `of ${label} in ${region}`;
    const hubEnabled = await awsCall(`cannot read Security Hub ${where}`, () => hub.hubEnabled());
    const empty = { hubEnabled, enabledStandards: [], controls: [], controlsOf: new Map(), members: [] };
    if (!hubEnabled) return { administrator: empty };
    const readsConfiguration = spec.configuration === "LOCAL" || region === spec.homeRegion;
    let configuration: AdministratorRegion["configuration"];
    if (readsConfiguration) {
      try {
        configuration = await hub.organizationConfiguration();
      } catch (err) {
        if (!notAdministratorYet(err))
          throw toReconcileError(err, `cannot read the organization configuration ${where}`);
        progress.push(
          `AWS has not made ${label} the Security Hub administrator in ${region} yet (it takes a few seconds after the designation)`,
        );
        return undefined;
      }
    }
    const catalogue = await readCatalogue(hub, spec, region, { subscribedOnly: false });
    const enabledStandards = await awsCall(`cannot read the standards enabled ${where}`, () =>
      hub.enabledStandards(),
    );
    const members = await awsCall(`cannot list the Security Hub members ${where}`, () => hub.members());
    const local =
      spec.configuration === "LOCAL"
        ? await readControls(hub, spec, catalogue, enabledStandards, where)
        : undefined;
    return {
      administrator: {
        hubEnabled,
        ...(configuration ? { configuration } : {}),
        enabledStandards,
        controls: local?.controls ?? [],
        controlsOf: local?.controlsOf ?? new Map(),
        members,
      },
      ...(catalogue ? { catalogue } : {}),
    };
  }

  /**
   * orgguard's configuration policy: by the id recorded in status, else by its name when its
   * ownership tags name this object (or the object says to adopt it). Another policy of that name
   * stalls the object (NameTaken).
   */
  private async findPolicy(
    hub: SecurityHubApi,
    object: SecurityHubObject,
    spec: SecurityHubOrganizationSpec,
    options: { adopt: boolean },
  ): Promise<{ policy?: ConfigurationPolicy; adopted?: string }> {
    const recorded =
      typeof object.status?.configurationPolicyId === "string"
        ? object.status.configurationPolicyId
        : undefined;
    if (recorded) {
      const policy = await awsCall(
        `cannot read the configuration policy ${recorded}`,
        () => hub.configurationPolicy(recorded),
        {
          notFound: () => undefined,
        },
      );
      if (policy) return { policy };
    }
    const name = policyNameOf(spec, object.metadata.name);
    const summary = (
      await awsCall("cannot list the configuration policies", () => hub.configurationPolicies())
    ).find((p) => p.name === name);
    if (!summary) return {};
    const tags = await awsCall(`cannot read the tags of configuration policy ${name}`, () =>
      hub.tagsOf(summary.arn),
    );
    const ours = taggedFor(tags, object.metadata.name);
    const adopt = options.adopt && object.metadata.annotations?.[ADOPT_ANNOTATION] === "true";
    if (!ours && !adopt) {
      if (!options.adopt) return {};
      throw new BlockedError(
        "NameTaken",
        `a configuration policy named ${name} exists (${summary.id}) and orgguard did not create it: set spec.configurationPolicyName to another name, or annotate the object orgguard.io/adopt: "true" to take it over; checked again every poll`,
      );
    }
    const policy = await awsCall(`cannot read the configuration policy ${name}`, () =>
      hub.configurationPolicy(summary.id),
    );
    const sameObject = ours && tags[TAG_UID] === object.metadata.uid;
    return {
      policy,
      ...(sameObject || !options.adopt
        ? {}
        : { adopted: `adopted configuration policy ${name} (${summary.id})` }),
    };
  }

  private async readAssociation(
    hub: SecurityHubApi,
    target: ResolvedTarget,
  ): Promise<PolicyAssociation | undefined> {
    return awsCall(
      `cannot read the configuration policy association of ${target.label}`,
      () => hub.association(target),
      {
        notFound: () => undefined,
      },
    );
  }

  /**
   * Unknown standards or controls, before any write that uses them: the spec must change. Only
   * regions whose catalogue could be read are checked (the others wait, see observeRegion).
   */
  private checkCatalogue(
    spec: SecurityHubOrganizationSpec,
    desired: DesiredSecurityHub,
    observed: { catalogues: ReadonlyMap<string, Catalogue> },
  ): void {
    const problems: string[] = [];
    for (const [region, catalogue] of observed.catalogues) {
      const resolved = resolveStandards(spec.standards, catalogue.standards, region);
      if ("problems" in resolved) problems.push(...resolved.problems);
    }
    const home = observed.catalogues.get(spec.homeRegion);
    const standards = desired.standards.get(spec.homeRegion);
    if (problems.length === 0 && home && standards) {
      const controlsOf = new Map(
        standards.map((s) => [standardLabel(s), home.controlsOf.get(s.arn) ?? new Set<string>()]),
      );
      problems.push(...unknownControls(spec.disabledControls, controlsOf, spec.homeRegion));
    }
    if (problems.length > 0) {
      const standardProblem = problems.some((p) => p.startsWith("spec.standards"));
      throw new TerminalError(
        standardProblem ? "UnknownStandard" : "UnknownControl",
        `nothing written: ${[...new Set(problems)].join("; ")}`,
      );
    }
  }
}

/** What Security Hub offers in a region: its standards, and the controls of the spec's standards. */
interface Catalogue {
  standards: StandardDefinition[];
  /** The security control ids of each of the spec's standards (by ARN) offered here. */
  controlsOf: Map<string, Set<string>>;
}

/**
 * The catalogue of a region, read in `hub`'s account. `subscribedOnly`: an account not subscribed
 * to Security Hub there (the management account before anything is set up) gives none.
 */
async function readCatalogue(
  hub: SecurityHubApi,
  spec: SecurityHubOrganizationSpec,
  region: string,
  options: { subscribedOnly: boolean },
): Promise<Catalogue | undefined> {
  let standards: StandardDefinition[];
  try {
    standards = await hub.standards();
  } catch (err) {
    if (options.subscribedOnly && awsErrorCode(err) === "InvalidAccessException") return undefined;
    throw toReconcileError(err, `cannot read the standards Security Hub offers in ${region}`);
  }
  const resolved = resolveStandards(spec.standards, standards, region);
  const controlsOf = new Map<string, Set<string>>();
  // The controls are checked in the home region; LOCAL also reads every control's association.
  const needsControls =
    spec.configuration === "LOCAL" || (region === spec.homeRegion && spec.disabledControls.length > 0);
  if ("resolved" in resolved && needsControls) {
    for (const s of resolved.resolved) {
      const ids = await awsCall(`cannot list the controls of ${standardLabel(s)} in ${region}`, () =>
        hub.controlDefinitions(s.arn),
      );
      controlsOf.set(s.arn, new Set(ids));
    }
  }
  return { standards, controlsOf };
}

/** LOCAL: the association of every control of each of the spec's standards enabled and ready. */
async function readControls(
  hub: SecurityHubApi,
  spec: SecurityHubOrganizationSpec,
  catalogue: Catalogue | undefined,
  enabled: ReadonlyArray<{ standardsArn: string; status: string }>,
  where: string,
): Promise<{ controls: ControlAssociation[]; controlsOf: Map<string, Set<string>> }> {
  const controls: ControlAssociation[] = [];
  const resolved = catalogue ? resolveStandards(spec.standards, catalogue.standards, where) : undefined;
  const ready =
    resolved && "resolved" in resolved
      ? resolved.resolved.filter((s) => enabled.some((e) => e.standardsArn === s.arn && e.status === "READY"))
      : [];
  for (const s of ready) {
    const ids = [...(catalogue?.controlsOf.get(s.arn) ?? [])];
    if (ids.length === 0) continue;
    const read = await awsCall(`cannot read the controls of ${standardLabel(s)} ${where}`, () =>
      hub.controlAssociations(s.arn, ids),
    );
    controls.push(...read.associations);
  }
  return { controls, controlsOf: catalogue?.controlsOf ?? new Map() };
}

/**
 * What AWS reports it failed to apply, when no write of orgguard's would change it: the
 * organization's switch to central configuration, or a policy association.
 */
function appliedFailure(observed: ObservedSecurityHub, desired: DesiredSecurityHub): Error | undefined {
  const home = observed.regions.find((r) => r.region === desired.homeRegion)?.administrator?.configuration;
  if (home?.status === "FAILED" && home.configurationType === desired.configuration) {
    return new BlockedError(
      "ConfigurationFailed",
      `AWS could not switch the organization to ${home.configurationType} configuration in ${desired.homeRegion}: ${home.statusMessage ?? "no reason given"}; checked again every poll`,
    );
  }
  for (const target of desired.policy?.targets ?? []) {
    const association = observed.home.associations.get(target.id);
    if (association?.status === "FAILED" && association.policyId === observed.home.policy?.id) {
      return new BlockedError(
        "AssociationFailed",
        `AWS could not apply the configuration policy to ${target.label}: ${association.statusMessage ?? "no reason given"}; fix the cause, then associate it again (aws securityhub start-configuration-policy-association) or change the object; checked again every poll`,
      );
    }
  }
  return undefined;
}

/**
 * The spec as planned changes, before AWS can be read for it: trusted access is off (a write
 * stalls, rechecked every poll), or the administrator's account does not exist yet (a write is
 * retried: an Account object may be creating it). `orgguard plan` shows it as a change of its own
 * after the Organization and Account objects whose apply comes first.
 */
function plannedBeforeReading(
  object: SecurityHubObject,
  spec: SecurityHubOrganizationSpec,
  why: { prerequisite: Prerequisite } | { missing: string },
): SecurityHubObservation {
  const admin = specLabel(spec.administrator);
  const note = "missing" in why ? ` (${why.missing} yet)` : "";
  const diff: Change[] = [
    ...("prerequisite" in why
      ? [{ path: why.prerequisite.path, description: why.prerequisite.description }]
      : []),
    ...spec.regions.map((region) => ({
      path: `regions[${region}].administrator`,
      to: spec.administrator.accountId ?? spec.administrator.accountName,
      description: `designate ${admin} as Security Hub administrator${note}`,
    })),
    ...spec.standards.map((s) => ({ path: `standards[${standardLabel(s)}]`, to: "enabled" })),
    ...spec.disabledControls.map((d) => ({
      path: `disabledControls[${d.control}]`,
      to: "disabled",
      description: `disable ${d.control}: ${d.reason}`,
    })),
  ];
  // Once set up, a missing prerequisite is drift of what exists, not a create.
  const atProvider = object.status?.atProvider;
  const applied =
    typeof atProvider === "object" && atProvider !== null && "administratorAccountId" in atProvider
      ? atProvider.administratorAccountId
      : undefined;
  return {
    exists: typeof applied === "string",
    upToDate: false,
    diff,
    observed: { ...(typeof applied === "string" ? { administratorAccountId: applied } : {}), regions: [] },
    handoff:
      "prerequisite" in why ? { blocked: why.prerequisite.error } : { missingAdministrator: why.missing },
  };
}

/** status.atProvider from what was observed. */
function atProviderOf(desired: DesiredSecurityHub, observed: ObservedSecurityHub): SecurityHubAtProvider {
  const home = observed.regions.find((r) => r.region === desired.homeRegion)?.administrator?.configuration;
  const aggregator = observed.home.aggregator;
  const policy = observed.home.policy;
  return {
    administratorAccountId: desired.administrator.id,
    ...(home
      ? {
          configurationType: home.configurationType,
          configurationStatus: statusText(home.status, home.statusMessage),
        }
      : {}),
    ...(aggregator
      ? {
          findingAggregator: {
            region: aggregator.region,
            regionLinkingMode: aggregator.regionLinkingMode,
            regions: [...aggregator.regions].sort(),
          },
        }
      : {}),
    ...(policy
      ? {
          configurationPolicy: {
            id: policy.id,
            name: policy.name,
            serviceEnabled: policy.content.serviceEnabled,
            standards: policy.content.standards.map(labelOfArn).sort(),
            disabledControls: [...policy.content.disabledControls].sort(),
            targets: (desired.policy?.targets ?? []).map((t) => {
              const a = observed.home.associations.get(t.id);
              return {
                target: t.label,
                ...(a
                  ? {
                      policy:
                        a.policyId === policy.id
                          ? policy.name
                          : a.policyId === SELF_MANAGED
                            ? SELF_MANAGED
                            : a.policyId,
                    }
                  : {}),
                ...(a ? { status: statusText(a.status, a.statusMessage) } : {}),
              };
            }),
          },
        }
      : {}),
    regions: observed.regions.map((r) => {
      const admin = r.administrator;
      return {
        region: r.region,
        ...(r.admins[0] ? { administrator: r.admins[0].accountId } : {}),
        ...(admin
          ? {
              hubEnabled: admin.hubEnabled,
              standards: admin.enabledStandards
                .map((s) => `${labelOfArn(s.standardsArn)}: ${statusText(s.status, s.statusReason)}`)
                .sort(),
              ...(desired.configuration === "LOCAL"
                ? {
                    disabledControls: admin.controls
                      .filter((c) => c.status === "DISABLED")
                      .map((c) => ({
                        control: `${c.control}@${labelOfArn(c.standardsArn)}`,
                        ...(c.reason ? { reason: c.reason } : {}),
                      }))
                      .sort((a, b) => a.control.localeCompare(b.control)),
                  }
                : {}),
              membersEnabled: admin.members.filter(memberEnabled).length,
              accounts: desired.accounts.length,
            }
          : {}),
      };
    }),
  };
}

const statusText = (status: string, message?: string): string =>
  message ? `${status} (${message})` : status;

const parseSpecOrUndefined = (spec: unknown): SecurityHubOrganizationSpec | undefined => {
  try {
    return parseSecurityHubSpec(spec);
  } catch {
    return undefined;
  }
};

function handoffOf(observation: SecurityHubObservation): SecurityHubHandoff {
  if (!observation.handoff) throw new Error("a Security Hub observation without its handoff");
  return observation.handoff;
}
