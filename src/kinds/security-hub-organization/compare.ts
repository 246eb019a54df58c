/**
 * The SecurityHubOrganization kind's decisions, pure: given the spec (the administrator, standards
 * and policy targets resolved) and what AWS has in each region, which writes bring AWS to the spec,
 * in what order, how each is shown to a reviewer (planned changes), and what AWS is still applying
 * (progressing). Nothing here is exclusive: another administrator, foreign configuration policies,
 * standards enabled by someone else (LOCAL) are never changed; what blocks the spec is reported.
 */
import type { Change } from "../../runtime/managed.js";
import type { DisabledControlSpec } from "./api.js";
import type {
  AdminAccount,
  ConfigurationPolicy,
  ControlAssociation,
  DesiredFindingAggregator,
  DesiredOrganizationConfiguration,
  FindingAggregator,
  Member,
  OrganizationConfiguration,
  PolicyAssociation,
  PolicyContent,
  PolicyTarget,
  StandardSubscription,
} from "./security-hub-api.js";
import { compareControls, labelOfArn, type ResolvedStandard, standardLabel } from "./standards.js";

/** The id Security Hub gives "no policy: each account configures itself". */
export const SELF_MANAGED = "SELF_MANAGED_SECURITY_HUB";

/** A configuration policy target resolved, with how messages name it (`ou Root/Workloads (ou-...)`). */
export interface ResolvedTarget extends PolicyTarget {
  label: string;
}

/** What the spec asks for, names resolved. */
export interface DesiredSecurityHub {
  administrator: { id: string; label: string };
  regions: string[];
  homeRegion: string;
  configuration: "CENTRAL" | "LOCAL";
  /** LOCAL: what new accounts get. */
  autoEnableStandards: "NONE" | "DEFAULT";
  /** The spec's standards in each region where Security Hub's catalogue could be read. */
  standards: ReadonlyMap<string, ResolvedStandard[]>;
  disabledControls: DisabledControlSpec[];
  /** CENTRAL: the configuration policy's name, description and targets. */
  policy?: { name: string; description: string; targets: ResolvedTarget[] };
  /** The organization's active accounts besides the administrator (members to count, LOCAL: to enable). */
  accounts: string[];
}

/** What the administrator account has in one region (read only once it is the administrator there). */
export interface AdministratorRegion {
  hubEnabled: boolean;
  /** LOCAL: every region; CENTRAL: the home region. */
  configuration?: OrganizationConfiguration;
  enabledStandards: StandardSubscription[];
  /** LOCAL: every control of the spec's ready standards. */
  controls: ControlAssociation[];
  /** LOCAL: the controls each of the spec's standards has here, by standards ARN. */
  controlsOf: ReadonlyMap<string, ReadonlySet<string>>;
  members: Member[];
}

/** What AWS has in one region. */
export interface ObservedRegion {
  region: string;
  /** The Security Hub administrators the management account lists here. */
  admins: AdminAccount[];
  /** Undefined while the spec's administrator is not (yet) usable here. */
  administrator?: AdministratorRegion;
}

/** What the administrator has in the home region besides. */
export interface ObservedHome {
  aggregator?: FindingAggregator;
  /** CENTRAL: orgguard's configuration policy, when it exists. */
  policy?: ConfigurationPolicy;
  /** CENTRAL: what each target of the spec has, by target id. */
  associations: ReadonlyMap<string, PolicyAssociation>;
}

export interface ObservedSecurityHub {
  regions: ObservedRegion[];
  home: ObservedHome;
}

/** A control association to write in one region. */
export interface ControlUpdate extends ControlAssociation {
  /** ENABLED: it was disabled by hand, not in the spec; DISABLED: the spec's, with its reason. */
  why: string;
}

/** The writes that bring AWS to the spec, in the order they are made. */
export interface SecurityHubPlan {
  /** Regions where the administrator is designated (EnableOrganizationAdminAccount). */
  designate: string[];
  /** Regions where Security Hub is enabled in the administrator account. */
  enableHub: string[];
  aggregator?: { arn?: string; desired: DesiredFindingAggregator; from?: FindingAggregator };
  organizationConfiguration: Array<{
    region: string;
    desired: DesiredOrganizationConfiguration;
    from?: OrganizationConfiguration;
  }>;
  /** CENTRAL: the policy to create or update (its id when it exists). */
  policy?: { id?: string; content: PolicyContent; name: string; description: string; changes: Change[] };
  /** CENTRAL: targets to associate with the policy. */
  associate: ResolvedTarget[];
  /** CENTRAL: the id of orgguard's policy when it exists already (what the targets are associated with). */
  policyId?: string;
  /** LOCAL: standards to enable, per region. */
  enableStandards: Array<{ region: string; standards: ResolvedStandard[] }>;
  /** LOCAL: control associations to write, per region. */
  controls: Array<{ region: string; updates: ControlUpdate[] }>;
  /** LOCAL: organization accounts to enable as members, per region. */
  createMembers: Array<{ region: string; accountIds: string[] }>;
}

/** What AWS still applies, as messages (Ready=False/Progressing when nothing else differs). */
export type Progress = string[];

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort();
const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/** Subscriptions Security Hub counts as enabled (being enabled, enabled, or enabled with errors). */
const ENABLED_STANDARD = new Set(["PENDING", "READY", "INCOMPLETE"]);
/** Member statuses of an account whose Security Hub the administrator sees. */
const ENABLED_MEMBER = new Set(["enabled", "associated"]);

export const memberEnabled = (m: Member): boolean => ENABLED_MEMBER.has(m.status.toLowerCase());

/** The aggregator the spec implies: the other regions linked to the home region. */
export function desiredAggregator(
  desired: Pick<DesiredSecurityHub, "regions" | "homeRegion">,
): DesiredFindingAggregator {
  const linked = sorted(desired.regions.filter((r) => r !== desired.homeRegion));
  return linked.length > 0
    ? { regionLinkingMode: "SPECIFIED_REGIONS", regions: linked }
    : { regionLinkingMode: "NO_REGIONS", regions: [] };
}

/** The organization configuration the spec implies. */
export function desiredConfiguration(
  desired: Pick<DesiredSecurityHub, "configuration" | "autoEnableStandards">,
): DesiredOrganizationConfiguration {
  // AWS refuses auto-enable under central configuration: the policy enables Security Hub instead.
  return desired.configuration === "CENTRAL"
    ? { configurationType: "CENTRAL", autoEnable: false, autoEnableStandards: "NONE" }
    : { configurationType: "LOCAL", autoEnable: true, autoEnableStandards: desired.autoEnableStandards };
}

/** The policy content the spec implies (home region ARNs). */
export function desiredPolicyContent(desired: DesiredSecurityHub): PolicyContent | undefined {
  const standards = desired.standards.get(desired.homeRegion);
  if (!standards) return undefined;
  return {
    serviceEnabled: true,
    standards: sorted(standards.map((s) => s.arn)),
    disabledControls: [...new Set(desired.disabledControls.map((d) => d.control))].sort(compareControls),
  };
}

const configurationDiffers = (from: OrganizationConfiguration, to: DesiredOrganizationConfiguration) =>
  from.configurationType !== to.configurationType ||
  from.autoEnable !== to.autoEnable ||
  (to.configurationType === "LOCAL" && from.autoEnableStandards !== to.autoEnableStandards);

const aggregatorDiffers = (from: FindingAggregator, to: DesiredFindingAggregator) =>
  from.regionLinkingMode !== to.regionLinkingMode || !sameSet(from.regions, to.regions);

/** The writes of the organization level: administrator, hub, aggregator, configuration. */
function organizationPlan(desired: DesiredSecurityHub, observed: ObservedSecurityHub, progress: Progress) {
  const admin = desired.administrator.id;
  const designate = observed.regions
    .filter((r) => !r.admins.some((a) => a.accountId === admin))
    .map((r) => r.region);
  const enableHub = observed.regions
    .filter((r) => r.administrator && !r.administrator.hubEnabled)
    .map((r) => r.region);
  const home = observed.regions.find((r) => r.region === desired.homeRegion);
  const wantedAggregator = desiredAggregator(desired);
  const from = observed.home.aggregator;
  const aggregator =
    home?.administrator && (!from || aggregatorDiffers(from, wantedAggregator))
      ? { ...(from ? { arn: from.arn, from } : {}), desired: wantedAggregator }
      : undefined;
  const wantedConfiguration = desiredConfiguration(desired);
  // CENTRAL is switched on in the home region (AWS applies it to the linked ones); LOCAL is per region.
  const configured = desired.configuration === "CENTRAL" ? (home ? [home] : []) : observed.regions;
  const organizationConfiguration = configured.flatMap((r) => {
    const current = r.administrator?.configuration;
    if (!r.administrator?.hubEnabled) return [];
    if (current?.status === "PENDING") {
      progress.push(
        `the organization configuration is being switched to ${current.configurationType} in ${r.region}`,
      );
    }
    if (current && !configurationDiffers(current, wantedConfiguration)) return [];
    return [{ region: r.region, desired: wantedConfiguration, ...(current ? { from: current } : {}) }];
  });
  return { designate, enableHub, aggregator, organizationConfiguration };
}

/** How a policy's content differs from the spec's, as planned changes. */
function policyChanges(
  from: ConfigurationPolicy | undefined,
  to: PolicyContent,
  meta: { name: string; description: string },
  reasons: ReadonlyMap<string, string>,
): Change[] {
  const was = from?.content;
  const changes: Change[] = [];
  if (was && !was.serviceEnabled) {
    changes.push({
      path: "configurationPolicy.serviceEnabled",
      from: false,
      to: true,
      description: "enable Security Hub in every account the policy reaches",
    });
  }
  const before = new Set(was?.standards ?? []);
  for (const arn of to.standards.filter((s) => !before.has(s))) {
    changes.push({
      path: `configurationPolicy.standards[${labelOfArn(arn)}]`,
      to: "enabled",
      description: `+ enable ${labelOfArn(arn)}`,
    });
  }
  for (const arn of [...before].filter((s) => !to.standards.includes(s))) {
    changes.push({
      path: `configurationPolicy.standards[${labelOfArn(arn)}]`,
      from: "enabled",
      to: "disabled",
      description: `- disable ${labelOfArn(arn)} (not in the spec)`,
    });
  }
  const disabledBefore = new Set(was?.disabledControls ?? []);
  for (const control of to.disabledControls.filter((c) => !disabledBefore.has(c))) {
    changes.push({
      path: `configurationPolicy.disabledControls[${control}]`,
      from: "enabled",
      to: "disabled",
      description: `disable ${control}: ${reasons.get(control) ?? ""}`,
    });
  }
  for (const control of [...disabledBefore].filter((c) => !to.disabledControls.includes(c))) {
    changes.push({
      path: `configurationPolicy.disabledControls[${control}]`,
      from: "disabled",
      to: "enabled",
      description: `enable ${control} again: the spec does not list it`,
    });
  }
  if (was?.otherControlSettings) {
    changes.push({
      path: "configurationPolicy.controls",
      from: was.otherControlSettings,
      to: "only the spec's disabled controls",
      description: `replace ${was.otherControlSettings} with the spec's disabled controls`,
    });
  }
  if (from && (from.name !== meta.name || from.description !== meta.description)) {
    changes.push({ path: "configurationPolicy.description", from: from.description, to: meta.description });
  }
  return changes;
}

/** CENTRAL: the configuration policy and its associations. */
function centralPlan(desired: DesiredSecurityHub, observed: ObservedSecurityHub, progress: Progress) {
  const content = desiredPolicyContent(desired);
  const meta = desired.policy;
  // Policies are made by the administrator in the home region, once it can act there.
  const home = observed.regions.find((r) => r.region === desired.homeRegion);
  if (!content || !meta || !home?.administrator?.hubEnabled) return { associate: [] };
  const current = observed.home.policy;
  const reasons = new Map(desired.disabledControls.map((d) => [d.control, d.reason]));
  const changes = policyChanges(current, content, meta, reasons);
  const policy =
    !current || changes.length > 0
      ? {
          ...(current ? { id: current.id } : {}),
          content,
          name: meta.name,
          description: meta.description,
          changes,
        }
      : undefined;
  const associate = meta.targets.filter((t) => {
    const association = current ? observed.home.associations.get(t.id) : undefined;
    if (!current || !association) return true;
    if (association.policyId !== current.id || association.associationType !== "APPLIED") return true;
    if (association.status === "PENDING")
      progress.push(`the configuration policy is being applied to ${t.label}`);
    return false;
  });
  return { ...(policy ? { policy } : {}), associate, ...(current ? { policyId: current.id } : {}) };
}

/** LOCAL, one region: standards to enable, controls to disable or enable again, members to add. */
function localRegionPlan(
  desired: DesiredSecurityHub,
  region: ObservedRegion,
  progress: Progress,
): { standards: ResolvedStandard[]; updates: ControlUpdate[]; members: string[] } {
  const admin = region.administrator;
  const wanted = desired.standards.get(region.region);
  if (!admin?.hubEnabled || !wanted) return { standards: [], updates: [], members: [] };
  const subscriptionOf = (arn: string) => admin.enabledStandards.find((s) => s.standardsArn === arn);
  const standards = wanted.filter((s) => !ENABLED_STANDARD.has(subscriptionOf(s.arn)?.status ?? ""));
  for (const s of wanted) {
    if (subscriptionOf(s.arn)?.status === "PENDING")
      progress.push(`${standardLabel(s)} is being enabled in ${region.region}`);
  }
  const disabled = new Map(desired.disabledControls.map((d) => [d.control, d.reason]));
  const updates: ControlUpdate[] = [];
  for (const s of wanted.filter((w) => subscriptionOf(w.arn)?.status === "READY")) {
    const has = admin.controlsOf.get(s.arn) ?? new Set<string>();
    for (const a of admin.controls.filter((c) => c.standardsArn === s.arn)) {
      const reason = disabled.get(a.control);
      if (reason !== undefined && (a.status !== "DISABLED" || a.reason !== reason)) {
        updates.push({ standardsArn: s.arn, control: a.control, status: "DISABLED", reason, why: reason });
      } else if (reason === undefined && a.status === "DISABLED") {
        updates.push({
          standardsArn: s.arn,
          control: a.control,
          status: "ENABLED",
          why: "disabled outside orgguard, and spec.disabledControls does not list it",
        });
      }
    }
    // A listed control the standard has but AWS did not list: written, AWS answers for it.
    for (const [control, reason] of disabled) {
      if (
        has.has(control) &&
        !admin.controls.some((c) => c.standardsArn === s.arn && c.control === control)
      ) {
        updates.push({ standardsArn: s.arn, control, status: "DISABLED", reason, why: reason });
      }
    }
  }
  const enabledMembers = new Set(admin.members.filter(memberEnabled).map((m) => m.accountId));
  const members = desired.accounts.filter((a) => !enabledMembers.has(a));
  return { standards, updates, members };
}

/** Every write that brings AWS to the spec, and what AWS is still applying. */
export function securityHubPlan(
  desired: DesiredSecurityHub,
  observed: ObservedSecurityHub,
): { plan: SecurityHubPlan; progress: Progress } {
  const progress: Progress = [];
  const organization = organizationPlan(desired, observed, progress);
  const central =
    desired.configuration === "CENTRAL" ? centralPlan(desired, observed, progress) : { associate: [] };
  const local =
    desired.configuration === "LOCAL"
      ? observed.regions.map((r) => ({ region: r.region, ...localRegionPlan(desired, r, progress) }))
      : [];
  return {
    plan: {
      ...organization,
      ...central,
      enableStandards: local
        .filter((l) => l.standards.length > 0)
        .map((l) => ({ region: l.region, standards: l.standards })),
      controls: local
        .filter((l) => l.updates.length > 0)
        .map((l) => ({ region: l.region, updates: l.updates })),
      createMembers: local
        .filter((l) => l.members.length > 0)
        .map((l) => ({ region: l.region, accountIds: l.members })),
    },
    progress,
  };
}

/** Whether a plan makes any write. */
export const writesNothing = (plan: SecurityHubPlan): boolean =>
  plan.designate.length +
    plan.enableHub.length +
    plan.organizationConfiguration.length +
    plan.associate.length +
    plan.enableStandards.length +
    plan.controls.length +
    plan.createMembers.length ===
    0 &&
  !plan.aggregator &&
  !plan.policy;

const describeConfiguration = (c: DesiredOrganizationConfiguration | OrganizationConfiguration) =>
  c.configurationType === "CENTRAL"
    ? "CENTRAL"
    : `LOCAL, auto-enable ${c.autoEnable ? "on" : "off"}, default standards ${c.autoEnableStandards === "DEFAULT" ? "on" : "off"}`;

const describeAggregator = (a: DesiredFindingAggregator | FindingAggregator) =>
  a.regionLinkingMode === "NO_REGIONS"
    ? "no linked regions"
    : `${a.regionLinkingMode} ${a.regions.join(", ")}`;

/** The plan as planned changes (status.plannedChanges, orgguard plan), in the order of the writes. */
export function plannedChanges(plan: SecurityHubPlan, desired: DesiredSecurityHub): Change[] {
  const admin = desired.administrator;
  return [
    ...plan.designate.map((region) => ({
      path: `regions[${region}].administrator`,
      to: admin.id,
      description: `designate ${admin.label} as Security Hub administrator (AWS enables Security Hub there)`,
    })),
    ...plan.enableHub.map((region) => ({
      path: `regions[${region}].hub`,
      from: "disabled",
      to: "enabled",
      description: `enable Security Hub in ${admin.label}`,
    })),
    ...(plan.aggregator
      ? [
          {
            path: "findingAggregator",
            ...(plan.aggregator.from ? { from: describeAggregator(plan.aggregator.from) } : {}),
            to: describeAggregator(plan.aggregator.desired),
            description: `aggregate the findings of ${plan.aggregator.desired.regions.join(", ") || "no other region"} into ${desired.homeRegion}`,
          },
        ]
      : []),
    ...plan.organizationConfiguration.map((c) => ({
      path: `regions[${c.region}].organizationConfiguration`,
      ...(c.from ? { from: describeConfiguration(c.from) } : {}),
      to: describeConfiguration(c.desired),
    })),
    ...(plan.policy
      ? plan.policy.id
        ? plan.policy.changes
        : [
            {
              path: "configurationPolicy",
              to: {
                standards: plan.policy.content.standards.map(labelOfArn),
                disabledControls: plan.policy.content.disabledControls,
              },
              description: `+ create configuration policy ${plan.policy.name}: Security Hub on, ${plan.policy.content.standards.map(labelOfArn).join(", ") || "no standard"}, ${plan.policy.content.disabledControls.length} control(s) disabled`,
            },
            ...desired.disabledControls.map((d) => ({
              path: `configurationPolicy.disabledControls[${d.control}]`,
              to: "disabled",
              description: `disable ${d.control}: ${d.reason}`,
            })),
          ]
      : []),
    ...plan.associate.map((t) => ({
      path: `configurationPolicy.targets[${t.id}]`,
      to: "associated",
      description: `+ associate the configuration policy with ${t.label}`,
    })),
    ...plan.enableStandards.flatMap(({ region, standards }) =>
      standards.map((s) => ({
        path: `regions[${region}].standards[${standardLabel(s)}]`,
        to: "enabled",
        description: `+ enable ${s.title}`,
      })),
    ),
    ...plan.controls.flatMap(({ region, updates }) =>
      updates.map((u) => ({
        path: `regions[${region}].controls[${u.control}@${labelOfArn(u.standardsArn)}]`,
        from: u.status === "DISABLED" ? "enabled" : "disabled",
        to: u.status === "DISABLED" ? "disabled" : "enabled",
        description:
          u.status === "DISABLED" ? `disable ${u.control}: ${u.why}` : `enable ${u.control} again: ${u.why}`,
      })),
    ),
    ...plan.createMembers.map(({ region, accountIds }) => ({
      path: `regions[${region}].members`,
      to: `+${accountIds.length}`,
      description: `enable Security Hub in ${accountIds.length} organization account(s) as members: ${accountIds.slice(0, 10).join(", ")}${accountIds.length > 10 ? ", ..." : ""}`,
    })),
  ];
}
