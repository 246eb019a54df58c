/**
 * The ConfigAggregator kind's decisions, pure: given the aggregator and role the spec asks for and
 * what AWS has, the writes to make and how a reviewer reads them.
 */
import type { Change } from "../../runtime/managed.js";
import type { AggregatorRecord, OrganizationSource, RoleRecord } from "./aggregator-api.js";

/** The spec, the account and role resolved. */
export interface DesiredAggregator {
  name: string;
  accountId: string;
  region: string;
  source: OrganizationSource;
  /** The aggregator's tags: the spec's and orgguard's ownership tags. */
  tags: Record<string, string>;
  /** The role orgguard keeps (absent: the spec's roleArn, never touched). */
  role?: { name: string; policyArn: string; tags: Record<string, string> };
}

/** What AWS has. */
export interface ObservedAggregator {
  aggregator?: AggregatorRecord;
  aggregatorTags: Record<string, string>;
  role?: RoleRecord;
  attachedPolicies: string[];
}

export interface AggregatorPlan {
  createRole: boolean;
  /** Tags to set on the role (an adopted role gets orgguard's ownership tags). */
  tagRole: Record<string, string>;
  trustConfig: boolean;
  attachPolicy: boolean;
  /** PutConfigurationAggregator: create it, or give it the spec's source. */
  put: boolean;
  /** Tags to set on an existing aggregator. */
  tag: Record<string, string>;
}

const sameRegions = (a: readonly string[], b: readonly string[]) =>
  JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());

/** Whether the aggregator reads the organization as the spec says. */
export function sourceDiffers(have: OrganizationSource | undefined, want: OrganizationSource): boolean {
  if (!have) return true;
  if (have.roleArn !== want.roleArn || have.allAwsRegions !== want.allAwsRegions) return true;
  return !want.allAwsRegions && !sameRegions(have.awsRegions, want.awsRegions);
}

const describeSource = (s: OrganizationSource | undefined): string =>
  !s
    ? "accounts listed by hand"
    : `${s.allAwsRegions ? "all regions" : s.awsRegions.join(", ")} as ${s.roleArn}`;

/** The writes that bring AWS to the spec. */
export function aggregatorPlan(desired: DesiredAggregator, observed: ObservedAggregator): AggregatorPlan {
  const role = desired.role;
  const createRole = role !== undefined && !observed.role;
  const put = !observed.aggregator || sourceDiffers(observed.aggregator.organizationSource, desired.source);
  const tag = observed.aggregator
    ? Object.fromEntries(Object.entries(desired.tags).filter(([k, v]) => observed.aggregatorTags[k] !== v))
    : {};
  const tagRole =
    role && observed.role
      ? Object.fromEntries(Object.entries(role.tags).filter(([k, v]) => observed.role?.tags[k] !== v))
      : {};
  return {
    createRole,
    tagRole,
    trustConfig: role !== undefined && observed.role !== undefined && !observed.role.trustsConfig,
    attachPolicy: role !== undefined && (createRole || !observed.attachedPolicies.includes(role.policyArn)),
    put,
    tag,
  };
}

export const writesNothing = (plan: AggregatorPlan): boolean =>
  !plan.createRole &&
  Object.keys(plan.tagRole).length === 0 &&
  !plan.trustConfig &&
  !plan.attachPolicy &&
  !plan.put &&
  Object.keys(plan.tag).length === 0;

/** The plan as planned changes, in the order of the writes. */
export function plannedChanges(
  plan: AggregatorPlan,
  desired: DesiredAggregator,
  observed: ObservedAggregator,
): Change[] {
  const role = desired.role;
  const changes: Change[] = [];
  if (plan.createRole && role) {
    changes.push({
      path: `role[${role.name}]`,
      to: "created",
      description: `+ create role ${role.name} in ${desired.accountId}: AWS Config may assume it, with ${role.policyArn}`,
    });
  }
  for (const [key, value] of Object.entries(plan.tagRole)) {
    changes.push({
      path: `role[${role?.name}].tags[${key}]`,
      ...(observed.role?.tags[key] !== undefined ? { from: observed.role.tags[key] } : {}),
      to: value,
    });
  }
  if (plan.trustConfig && role) {
    changes.push({
      path: `role[${role.name}].trust`,
      to: "config.amazonaws.com",
      description: "let AWS Config assume the role again",
    });
  }
  if (plan.attachPolicy && role && !plan.createRole) {
    changes.push({
      path: `role[${role.name}].policies[${role.policyArn}]`,
      to: "attached",
      description: `attach ${role.policyArn} again`,
    });
  }
  if (plan.put) {
    const from = observed.aggregator;
    changes.push({
      path: from ? "aggregator.source" : "aggregator",
      ...(from ? { from: describeSource(from.organizationSource) } : {}),
      to: describeSource(desired.source),
      description: `${from ? "aggregate" : `+ create aggregator ${desired.name} in ${desired.accountId} (${desired.region}), aggregating`} every account of the organization in ${describeSource(desired.source)}`,
    });
  }
  for (const [key, value] of Object.entries(plan.tag)) {
    changes.push({
      path: `tags[${key}]`,
      ...(observed.aggregatorTags[key] !== undefined ? { from: observed.aggregatorTags[key] } : {}),
      to: value,
    });
  }
  return changes;
}
