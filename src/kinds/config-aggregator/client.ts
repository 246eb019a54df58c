/**
 * The ConfigAggregator kind's client: checks what AWS Config needs from the organization (trusted
 * access for config.amazonaws.com; a member account registered as its delegated administrator),
 * keeps the role AWS Config assumes (when orgguard creates it) and the organization aggregator,
 * both carrying orgguard's ownership tags: an aggregator or role of that name that orgguard did not
 * create is never changed unless the object says to adopt it.
 */
import { awsCall, awsErrorCode, toReconcileError } from "../../aws/aws-errors.js";
import { partitionOf } from "../../aws/clients.js";
import {
  type Prerequisite,
  type ServiceIntegration,
  trustedAccessPrerequisite,
} from "../../aws/service-integration.js";
import type { ExternalClient, ManagedObject, Observation } from "../../runtime/managed.js";
import { BlockedError, RetryableError } from "../../runtime/reconcile-errors.js";
import { type ResolvedAccount, resolveAdministrator, specLabel } from "../administrator-account.js";
import type { ViewReader } from "../organization.js";
import { ADOPT_ANNOTATION, ownershipTags, TAG_UID, taggedFor } from "../ownership.js";
import type { AggregatorApi, RoleApi } from "./aggregator-api.js";
import {
  AGGREGATOR_ROLE_POLICY,
  CONFIG_PRINCIPAL,
  type ConfigAggregatorSpec,
  DEFAULT_ROLE_NAME,
  parseConfigAggregatorSpec,
} from "./api.js";
import {
  type AggregatorPlan,
  aggregatorPlan,
  type DesiredAggregator,
  type ObservedAggregator,
  plannedChanges,
  writesNothing,
} from "./compare.js";

export type ConfigAggregatorObject = ManagedObject;

/** Where the client reaches AWS. */
export interface AggregatorAccess {
  integration: ServiceIntegration;
  ownAccountId(): Promise<string>;
  aggregators(accountId: string, region: string): Promise<AggregatorApi>;
  roles(accountId: string): Promise<RoleApi>;
}

/** status.atProvider. */
export interface AggregatorAtProvider {
  accountId: string;
  region: string;
  arn?: string;
  organizationWide?: boolean;
  allRegions?: boolean;
  regions?: string[];
  roleArn?: string;
  roleReady?: boolean;
}

export interface AggregatorHandoff {
  desired?: DesiredAggregator;
  plan?: AggregatorPlan;
  missingAccount?: string;
  /** What the organization lacks before anything can be written (a write stalls with it). */
  blocked?: Error;
  /** Deleting: what orgguard created and removes. */
  removal?: { accountId: string; region: string; aggregator?: string; role?: string };
}

type AggregatorObservation = Observation<AggregatorAtProvider, AggregatorHandoff>;

const adopting = (object: ManagedObject) => object.metadata.annotations?.[ADOPT_ANNOTATION] === "true";

export class ConfigAggregatorClient
  implements ExternalClient<ConfigAggregatorObject, AggregatorAtProvider, AggregatorHandoff>
{
  constructor(
    private readonly access: AggregatorAccess,
    private readonly view: ViewReader,
  ) {}

  async observe(object: ConfigAggregatorObject): Promise<AggregatorObservation> {
    if (object.metadata.deletionTimestamp) return this.observeDeletion(object);
    const spec = parseConfigAggregatorSpec(object.spec);
    const account = await this.account(spec);
    if ("missing" in account) return plannedBeforeReading(object, spec, { missing: account.missing });
    const prerequisites = [
      await trustedAccessPrerequisite(
        this.access.integration,
        CONFIG_PRINCIPAL,
        "An organization aggregator of AWS Config",
      ),
      await this.delegationPrerequisite(account),
    ].filter((p): p is Prerequisite => p !== undefined);
    if (prerequisites.length > 0) return plannedBeforeReading(object, spec, { prerequisites });
    const name = spec.aggregatorName ?? object.metadata.name;
    const tags = { ...spec.tags, ...ownershipTags(object.metadata.name, object.metadata.uid) };
    const roleName = spec.roleArn ? undefined : (spec.roleName ?? DEFAULT_ROLE_NAME);
    const observedRole = roleName
      ? await this.observeRole(object, account, roleName)
      : { attachedPolicies: [] };
    const roleArn =
      spec.roleArn ??
      observedRole.role?.arn ??
      `arn:${partitionOf(spec.region)}:iam::${account.id}:role/${roleName}`;
    const desired: DesiredAggregator = {
      name,
      accountId: account.id,
      region: spec.region,
      source: {
        roleArn,
        allAwsRegions: spec.regions === undefined,
        awsRegions: [...(spec.regions ?? [])].sort(),
      },
      tags,
      ...(roleName ? { role: { name: roleName, policyArn: AGGREGATOR_ROLE_POLICY, tags } } : {}),
    };
    const config = await this.access.aggregators(account.id, spec.region);
    const where = `${name} in ${account.label} (${spec.region})`;
    const aggregator = await awsCall(`cannot read the aggregator ${where}`, () => config.aggregator(name));
    const aggregatorTags = aggregator
      ? await awsCall(`cannot read the tags of the aggregator ${where}`, () => config.tagsOf(aggregator.arn))
      : {};
    let adopted: string | undefined;
    const recorded = object.status?.aggregatorArn;
    const ours =
      aggregator && (taggedFor(aggregatorTags, object.metadata.name) || recorded === aggregator.arn);
    if (aggregator && !ours) {
      if (!adopting(object) || spec.managementPolicy === "ObserveOnly") {
        throw new BlockedError(
          "NameTaken",
          `an aggregator named ${name} exists in ${account.label} (${spec.region}) and orgguard did not create it: set spec.aggregatorName to another name, or annotate the object orgguard.io/adopt: "true" to take it over; checked again every poll`,
        );
      }
      adopted = `adopted aggregator ${where}`;
    } else if (
      aggregator &&
      taggedFor(aggregatorTags, object.metadata.name) &&
      aggregatorTags[TAG_UID] !== object.metadata.uid &&
      object.metadata.uid
    ) {
      adopted = `took over aggregator ${where}, made for an earlier object of this name`;
    }
    const observed: ObservedAggregator = {
      ...(aggregator ? { aggregator } : {}),
      aggregatorTags,
      ...observedRole,
    };
    const plan = aggregatorPlan(desired, observed);
    return {
      exists: aggregator !== undefined,
      upToDate: writesNothing(plan),
      diff: plannedChanges(plan, desired, observed),
      observed: atProviderOf(desired, observed),
      ...(aggregator && spec.managementPolicy !== "ObserveOnly"
        ? { status: { aggregatorArn: aggregator.arn } }
        : {}),
      ...(adopted ? { adopted } : {}),
      handoff: { desired, plan },
    };
  }

  async create(_object: ConfigAggregatorObject, observation: AggregatorObservation) {
    const arn = await this.apply(observation);
    return arn ? { status: { aggregatorArn: arn } } : {};
  }

  async update(_object: ConfigAggregatorObject, observation: AggregatorObservation): Promise<void> {
    await this.apply(observation);
  }

  /** The plan's writes: the role, then the aggregator; the aggregator's ARN when it was put. */
  private async apply(observation: AggregatorObservation): Promise<string | undefined> {
    const { desired, plan, blocked, missingAccount } = observation.handoff ?? {};
    if (blocked) throw blocked;
    if (missingAccount !== undefined) {
      throw new RetryableError(
        "AccountNotFound",
        `spec.administrator: ${missingAccount} (an Account object may be creating it): retried`,
      );
    }
    if (!desired || !plan) throw new Error("an aggregator observation without its plan");
    const role = desired.role;
    if (role) {
      const iam = await this.access.roles(desired.accountId);
      const where = `role ${role.name} in ${desired.accountId}`;
      if (plan.createRole) await awsCall(`cannot create ${where}`, () => iam.create(role.name, role.tags));
      if (Object.keys(plan.tagRole).length > 0) {
        await awsCall(`cannot tag ${where}`, () => iam.tag(role.name, plan.tagRole));
      }
      if (plan.trustConfig)
        await awsCall(`cannot update the trust policy of ${where}`, () => iam.trustConfig(role.name));
      if (plan.attachPolicy) {
        await awsCall(`cannot attach ${role.policyArn} to ${where}`, () =>
          iam.attach(role.name, role.policyArn),
        );
      }
    }
    const config = await this.access.aggregators(desired.accountId, desired.region);
    const where = `aggregator ${desired.name} in ${desired.accountId} (${desired.region})`;
    const put = plan.put ? await this.put(config, desired, plan, where) : undefined;
    if (Object.keys(plan.tag).length > 0) {
      const arn = put ?? (await awsCall(`cannot read ${where}`, () => config.aggregator(desired.name)))?.arn;
      if (arn) await awsCall(`cannot tag ${where}`, () => config.tag(arn, plan.tag));
    }
    return put;
  }

  async delete(_object: ConfigAggregatorObject, observation: AggregatorObservation): Promise<void> {
    const removal = observation.handoff?.removal;
    if (!removal) return;
    const { aggregator, role } = removal;
    if (aggregator) {
      const config = await this.access.aggregators(removal.accountId, removal.region);
      await awsCall(`cannot delete aggregator ${aggregator}`, () => config.delete(aggregator), {
        notFound: () => undefined,
      });
    }
    if (role) {
      const iam = await this.access.roles(removal.accountId);
      await awsCall(
        `cannot detach ${AGGREGATOR_ROLE_POLICY} from role ${role}`,
        () => iam.detach(role, AGGREGATOR_ROLE_POLICY),
        {
          notFound: () => undefined,
        },
      );
      await awsCall(`cannot delete role ${role}`, () => iam.delete(role), { notFound: () => undefined });
    }
  }

  /** PutConfigurationAggregator; a role just created may not be usable by AWS Config for a few seconds. */
  private async put(
    config: AggregatorApi,
    desired: DesiredAggregator,
    plan: AggregatorPlan,
    where: string,
  ): Promise<string> {
    try {
      return await config.put(desired.name, desired.source, desired.tags);
    } catch (err) {
      if (plan.createRole && awsErrorCode(err) === "InvalidRoleException") {
        throw new RetryableError(
          "RoleNotReady",
          `cannot put ${where}: AWS Config cannot assume the role created a moment ago yet (IAM takes seconds to propagate): retried`,
          { cause: err },
        );
      }
      throw toReconcileError(err, `cannot put ${where}`);
    }
  }

  /** The aggregator's account: the spec's, or the controller's own. */
  private async account(spec: ConfigAggregatorSpec): Promise<ResolvedAccount | { missing: string }> {
    if (!spec.administrator) {
      const own = await this.access.ownAccountId();
      return { id: own, label: `${own} (the controller's own account)` };
    }
    return resolveAdministrator(this.view, spec.administrator);
  }

  /** A member account keeps an organization aggregator only as Config's delegated administrator. */
  private async delegationPrerequisite(account: ResolvedAccount): Promise<Prerequisite | undefined> {
    const view = await this.view.current();
    if (account.id === view.managementAccountId) return undefined;
    const registered = await awsCall(`cannot list the delegated administrators of ${CONFIG_PRINCIPAL}`, () =>
      this.access.integration.delegatedAdministrators(CONFIG_PRINCIPAL),
    );
    if (registered.includes(account.id)) return undefined;
    const fix = `list { servicePrincipal: ${CONFIG_PRINCIPAL}, accountId: "${account.id}" } under the Organization object's spec.delegatedAdministrators (or, from the management account: aws organizations register-delegated-administrator --service-principal ${CONFIG_PRINCIPAL} --account-id ${account.id})`;
    return {
      path: `organization.delegatedAdministrators[${CONFIG_PRINCIPAL}/${account.id}]`,
      description: `needs ${account.label} registered as delegated administrator of ${CONFIG_PRINCIPAL}, which it is not: ${fix}`,
      error: new RetryableError(
        "NotDelegatedAdministrator",
        `${account.label} is not a delegated administrator of ${CONFIG_PRINCIPAL}, which an organization aggregator outside the management account needs: ${fix}; retried with backoff`,
      ),
    };
  }

  /** The role orgguard keeps: a role of that name orgguard did not create is used only when adopted. */
  private async observeRole(
    object: ConfigAggregatorObject,
    account: ResolvedAccount,
    name: string,
  ): Promise<Pick<ObservedAggregator, "role" | "attachedPolicies">> {
    const iam = await this.access.roles(account.id);
    const role = await awsCall(`cannot read role ${name} in ${account.label}`, () => iam.role(name));
    if (!role) return { attachedPolicies: [] };
    if (!taggedFor(role.tags, object.metadata.name) && !adopting(object)) {
      throw new BlockedError(
        "RoleNameTaken",
        `a role named ${name} exists in ${account.label} and orgguard did not create it: name your own role with spec.roleArn (orgguard then never changes it), choose another spec.roleName, or annotate the object orgguard.io/adopt: "true" to let orgguard keep it; checked again every poll`,
      );
    }
    const attachedPolicies = await awsCall(
      `cannot list the policies of role ${name} in ${account.label}`,
      () => iam.attachedPolicies(name),
    );
    return { role, attachedPolicies };
  }

  /** Deleting (deletionPolicy Delete): the aggregator and the role, when they carry this object's tags. */
  private async observeDeletion(object: ConfigAggregatorObject): Promise<AggregatorObservation> {
    let spec: ConfigAggregatorSpec;
    try {
      spec = parseConfigAggregatorSpec(object.spec);
    } catch {
      return { exists: false, upToDate: true };
    }
    const account = await this.account(spec);
    if ("missing" in account) return { exists: false, upToDate: true };
    const name = spec.aggregatorName ?? object.metadata.name;
    const config = await this.access.aggregators(account.id, spec.region);
    const aggregator = await awsCall(`cannot read aggregator ${name}`, () => config.aggregator(name));
    const ours = aggregator && taggedFor(await config.tagsOf(aggregator.arn), object.metadata.name);
    const roleName = spec.roleArn ? undefined : (spec.roleName ?? DEFAULT_ROLE_NAME);
    const iam = roleName ? await this.access.roles(account.id) : undefined;
    const role =
      roleName && iam ? await awsCall(`cannot read role ${roleName}`, () => iam.role(roleName)) : undefined;
    const roleOurs = role && roleName && taggedFor(role.tags, object.metadata.name) ? roleName : undefined;
    if (!ours && !roleOurs) return { exists: false, upToDate: true };
    return {
      exists: true,
      upToDate: true,
      handoff: {
        removal: {
          accountId: account.id,
          region: spec.region,
          ...(ours ? { aggregator: name } : {}),
          ...(roleOurs ? { role: roleOurs } : {}),
        },
      },
    };
  }
}

/**
 * The aggregator as planned changes, before AWS can be read for it: its account does not exist yet
 * (a write is retried: an Account object may be creating it), or the organization lacks trusted
 * access or the delegation (a write stalls, rechecked every poll). `orgguard plan` shows it after
 * the Organization and Account objects whose apply comes first.
 */
function plannedBeforeReading(
  object: ConfigAggregatorObject,
  spec: ConfigAggregatorSpec,
  why: { missing: string } | { prerequisites: Prerequisite[] },
): AggregatorObservation {
  const where = spec.administrator ? specLabel(spec.administrator) : "the controller's own account";
  const note = "missing" in why ? ` (${why.missing} yet)` : "";
  const prerequisites = "prerequisites" in why ? why.prerequisites : [];
  const [first] = prerequisites;
  return {
    // Once created, a missing prerequisite is drift of what exists, not a create.
    exists: typeof object.status?.aggregatorArn === "string",
    upToDate: false,
    diff: [
      ...prerequisites.map((p) => ({ path: p.path, description: p.description })),
      {
        path: "aggregator",
        to: spec.regions ? spec.regions.join(", ") : "all regions",
        description: `+ the organization aggregator in ${where} (${spec.region})${note}`,
      },
    ],
    handoff:
      "missing" in why
        ? { missingAccount: why.missing }
        : {
            blocked:
              prerequisites.length === 1 && first
                ? first.error
                : new RetryableError(
                    first?.error.reason ?? "PrerequisitesMissing",
                    prerequisites.map((p) => p.error.message).join("; "),
                  ),
          },
  };
}

function atProviderOf(desired: DesiredAggregator, observed: ObservedAggregator): AggregatorAtProvider {
  const source = observed.aggregator?.organizationSource;
  const roleReady =
    desired.role && observed.role
      ? observed.role.trustsConfig && observed.attachedPolicies.includes(desired.role.policyArn)
      : undefined;
  return {
    accountId: desired.accountId,
    region: desired.region,
    ...(observed.aggregator ? { arn: observed.aggregator.arn, organizationWide: source !== undefined } : {}),
    ...(source
      ? {
          allRegions: source.allAwsRegions,
          ...(source.allAwsRegions ? {} : { regions: [...source.awsRegions].sort() }),
          roleArn: source.roleArn,
        }
      : {}),
    ...(roleReady !== undefined ? { roleReady } : {}),
  };
}
