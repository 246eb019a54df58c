/**
 * The writes of one SecurityHubOrganization plan, in its order: the administrator designated, its
 * hub enabled, the finding aggregator, the organization configuration, orgguard's configuration
 * policy and its associations (central configuration), the standards, controls and members
 * (local configuration). AWS's refusals are reported by what they mean.
 */
import { awsCall, awsErrorCode, toReconcileError } from "../../aws/aws-errors.js";
import { BlockedError, RetryableError, TerminalError } from "../../runtime/reconcile-errors.js";
import type { DesiredSecurityHub, SecurityHubPlan } from "./compare.js";
import type { SecurityHubApi, UnprocessedAssociation } from "./security-hub-api.js";
import { labelOfArn, standardLabel } from "./standards.js";

/** Where the writes are made: the management account's Security Hub and the administrator's, per region. */
export interface WriteAccess {
  management(region: string): Promise<SecurityHubApi>;
  administrator(accountId: string, region: string): Promise<SecurityHubApi>;
}

/**
 * One reconcile's writes, in the plan's order. A write that fails stops the ones that depend on
 * it; AWS's refusals are reported by meaning (see failureOf).
 */
export class PlanRun {
  constructor(
    private readonly access: WriteAccess,
    private readonly desired: DesiredSecurityHub,
    /** The ownership tags a configuration policy orgguard creates carries. */
    private readonly tags: Record<string, string>,
  ) {}

  private admin(region: string): Promise<SecurityHubApi> {
    return this.access.administrator(this.desired.administrator.id, region);
  }

  async run(plan: SecurityHubPlan): Promise<void> {
    const { administrator } = this.desired;
    for (const region of plan.designate) {
      const management = await this.access.management(region);
      await write(`cannot designate ${administrator.label} as Security Hub administrator in ${region}`, () =>
        management.designate(administrator.id),
      );
    }
    for (const region of plan.enableHub) {
      const hub = await this.admin(region);
      await write(
        `cannot enable Security Hub in ${administrator.label} in ${region}`,
        () => hub.enableHub(),
        {
          goalReached: true,
        },
      );
    }
    if (plan.aggregator) await this.aggregate(plan.aggregator);
    for (const c of plan.organizationConfiguration) {
      const hub = await this.admin(c.region);
      await write(
        `cannot set the organization configuration in ${c.region}`,
        () => hub.updateOrganizationConfiguration(c.desired),
        {
          administratorCall: { label: administrator.label, region: c.region },
          configuration: c.desired.configurationType,
        },
      );
    }
    const policyId = plan.policy ? await this.keepPolicy(plan.policy) : undefined;
    if (plan.associate.length > 0) await this.associate(plan, policyId);
    for (const { region, standards } of plan.enableStandards) {
      const hub = await this.admin(region);
      await write(`cannot enable ${standards.map(standardLabel).join(", ")} in ${region}`, () =>
        hub.enableStandards(standards.map((s) => s.arn)),
      );
    }
    await this.updateControls(plan.controls);
    await this.createMembers(plan.createMembers);
  }

  private async aggregate(aggregator: NonNullable<SecurityHubPlan["aggregator"]>): Promise<void> {
    const hub = await this.admin(this.desired.homeRegion);
    const arn = aggregator.arn;
    if (arn) {
      if (aggregator.from && aggregator.from.region !== this.desired.homeRegion) {
        throw new BlockedError(
          "AggregationRegionDiffers",
          `findings are aggregated into ${aggregator.from.region}, not the spec's homeRegion ${this.desired.homeRegion}: orgguard does not move the aggregation region (moving it ends central configuration's policies there); delete the finding aggregator in ${aggregator.from.region} by hand, or set homeRegion to ${aggregator.from.region}`,
        );
      }
      await write(`cannot update the finding aggregator in ${this.desired.homeRegion}`, () =>
        hub.updateFindingAggregator(arn, aggregator.desired),
      );
    } else {
      await write(`cannot create the finding aggregator in ${this.desired.homeRegion}`, () =>
        hub.createFindingAggregator(aggregator.desired),
      );
    }
  }

  /** Creates or updates orgguard's configuration policy; its id. */
  private async keepPolicy(policy: NonNullable<SecurityHubPlan["policy"]>): Promise<string> {
    const hub = await this.admin(this.desired.homeRegion);
    const { id } = policy;
    const body = { name: policy.name, description: policy.description, content: policy.content };
    if (id) {
      await write(`cannot update the configuration policy ${policy.name}`, () =>
        hub.updateConfigurationPolicy(id, body),
      );
      return id;
    }
    const created = await awsCall(`cannot create the configuration policy ${policy.name}`, () =>
      hub.createConfigurationPolicy(body, this.tags),
    );
    return created.id;
  }

  private async associate(plan: SecurityHubPlan, created: string | undefined): Promise<void> {
    const policyId = created ?? plan.policyId;
    if (!policyId)
      throw new RetryableError(
        "PolicyNotFound",
        "the configuration policy to associate is not known yet: retried",
      );
    const hub = await this.admin(this.desired.homeRegion);
    for (const target of plan.associate) {
      await write(`cannot associate the configuration policy with ${target.label}`, () =>
        hub.associate(policyId, target),
      );
    }
  }

  /** LOCAL: every control update of every region, AWS's refusals reported together. */
  private async updateControls(regions: SecurityHubPlan["controls"]): Promise<void> {
    const refused: UnprocessedAssociation[] = [];
    for (const { region, updates } of regions) {
      const hub = await this.admin(region);
      const unprocessed = await awsCall(`cannot update the controls in ${region}`, () =>
        hub.updateControlAssociations(updates.map(({ why: _why, ...u }) => u)),
      );
      refused.push(
        ...unprocessed.map((u) => ({ ...u, standardsArn: `${labelOfArn(u.standardsArn)} in ${region}` })),
      );
    }
    if (refused.length > 0) throw refusalOf(refused);
  }

  /** LOCAL: the organization's accounts made members (AWS enables Security Hub in them). */
  private async createMembers(regions: SecurityHubPlan["createMembers"]): Promise<void> {
    const failed: string[] = [];
    for (const { region, accountIds } of regions) {
      const hub = await this.admin(region);
      const unprocessed = await awsCall(`cannot enable member accounts in ${region}`, () =>
        hub.createMembers(accountIds),
      );
      // "already a member": an earlier answer was lost, or a list was stale. The goal holds.
      failed.push(
        ...unprocessed
          .filter((u) => !/already/i.test(u.result))
          .map((u) => `${u.accountId} in ${region}: ${u.result}`),
      );
    }
    if (failed.length > 0) {
      throw new RetryableError(
        "MembersNotEnabled",
        `AWS did not enable ${failed.length} member account(s): ${failed.join("; ")}`,
      );
    }
  }
}

/** What BatchUpdateStandardsControlAssociations did not process, as one error by its worst meaning. */
function refusalOf(refused: UnprocessedAssociation[]): Error {
  const message = `AWS refused ${refused.length} control update(s): ${refused
    .map((u) => `${u.control} (${u.standardsArn}): ${u.errorCode}${u.errorReason ? ` ${u.errorReason}` : ""}`)
    .join("; ")}`;
  const codes = new Set(refused.map((u) => u.errorCode));
  if (codes.has("INVALID_INPUT") || codes.has("NOT_FOUND") || codes.has("RESOURCE_NOT_FOUND")) {
    return new TerminalError(
      "UnknownControl",
      `${message}: the control id or standard is wrong for that region; the spec must change`,
    );
  }
  if (codes.has("ACCESS_DENIED")) return new BlockedError("AccessDenied", message);
  if (codes.has("LIMIT_EXCEEDED")) return new RetryableError("Throttled", message);
  return new RetryableError("ControlsNotUpdated", message);
}

/**
 * One write. `goalReached`: "already done" answers are success. `administratorCall`: Security Hub's
 * "not an administrator" right after designation is a wait, not a failure. `configuration`: AWS
 * refusing auto-enable under central configuration is said in words.
 */
async function write(
  what: string,
  call: () => Promise<void>,
  options: {
    goalReached?: boolean;
    administratorCall?: { label: string; region: string };
    configuration?: string;
  } = {},
): Promise<void> {
  try {
    await call();
  } catch (err) {
    const code = awsErrorCode(err);
    if (options.goalReached && code === "ResourceConflictException") return;
    if (options.administratorCall && code === "InvalidAccessException") {
      const { label, region } = options.administratorCall;
      throw new RetryableError(
        "AdministratorNotReady",
        `${what}: AWS has not made ${label} the Security Hub administrator in ${region} yet (it takes a few seconds after the designation): retried`,
        { cause: err },
      );
    }
    if (
      options.configuration === "LOCAL" &&
      (code === "ValidationException" || code === "InvalidInputException")
    ) {
      throw new BlockedError(
        "CentralConfigurationRefusesAutoEnable",
        `${what}: AWS refuses auto-enable while the organization uses central configuration (${err instanceof Error ? err.message : String(err)}): set spec.configuration to CENTRAL, or stop central configuration first (disassociate its configuration policies in the home region); checked again every poll`,
        { cause: err },
      );
    }
    throw toReconcileError(err, what);
  }
}
