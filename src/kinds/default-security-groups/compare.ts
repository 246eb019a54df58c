/**
 * Pure handling of default security groups: a rule as a reviewer reads it, the bounded report of a
 * region (what status shows), and what closing the groups would change.
 */

import type { z } from "zod";
import type { Change } from "../../runtime/managed.js";
import { MAX_LISTED_GROUPS, MAX_LISTED_RULES, type observedDefaultSecurityGroups } from "./schema.js";

/** Every default group closed: no inbound and no outbound rule. */
export interface DesiredDefaultSecurityGroups {
  closed: true;
}

export type ObservedDefaultSecurityGroups = z.output<typeof observedDefaultSecurityGroups>;

/** A default security group (one per VPC). */
export interface DefaultGroup {
  groupId: string;
  vpcId: string;
}

/** One rule, in the fields of EC2's DescribeSecurityGroupRules that matter here. */
export interface GroupRule {
  ruleId: string;
  groupId: string;
  egress: boolean;
  protocol: string;
  fromPort?: number;
  toPort?: number;
  /** A CIDR, a prefix list or a security group. */
  peer: string;
}

export const desiredDefaultSecurityGroups = (): DesiredDefaultSecurityGroups => ({ closed: true });

/** `sgr-1 ingress all traffic from itself`, `sgr-2 egress tcp 443 to 0.0.0.0/0`. */
export function describeRule(rule: GroupRule): string {
  const protocol = rule.protocol === "-1" ? "all traffic" : rule.protocol;
  const ports =
    rule.protocol === "-1" || rule.fromPort === undefined || rule.fromPort === -1
      ? ""
      : rule.fromPort === rule.toPort
        ? ` ${rule.fromPort}`
        : ` ${rule.fromPort}-${rule.toPort}`;
  const peer = rule.peer === rule.groupId ? "itself" : rule.peer;
  return `${rule.ruleId} ${rule.egress ? "egress" : "ingress"} ${protocol}${ports} ${rule.egress ? "to" : "from"} ${peer}`;
}

/** What a region holds, capped so status stays small: counts are exact, lists are the first few. */
export function reportDefaultGroups(
  groups: readonly DefaultGroup[],
  rules: readonly GroupRule[],
): ObservedDefaultSecurityGroups {
  const open = groups
    .map((group) => ({ group, rules: rules.filter((r) => r.groupId === group.groupId) }))
    .filter((g) => g.rules.length > 0);
  const listed = open.slice(0, MAX_LISTED_GROUPS).map(({ group, rules: held }) => ({
    groupId: group.groupId,
    vpcId: group.vpcId,
    rules: held.slice(0, MAX_LISTED_RULES).map(describeRule),
    ...(held.length > MAX_LISTED_RULES ? { unlistedRules: held.length - MAX_LISTED_RULES } : {}),
  }));
  return {
    defaultGroups: groups.length,
    groupsWithRules: open.length,
    rules: open.reduce((n, g) => n + g.rules.length, 0),
    groupsAsAwsMadeThem: groups.filter((g) => missingAwsDefaultRules(g, rules).length === 0).length,
    ...(listed.length > 0 ? { groups: listed } : {}),
  };
}

/** One change per group that holds rules (and one for the groups the report could not list). */
export function diffDefaultGroups(
  _desired: DesiredDefaultSecurityGroups,
  observed: ObservedDefaultSecurityGroups | undefined,
): Change[] {
  if (!observed) return [];
  const changes: Change[] = (observed.groups ?? []).map((group) => {
    const count = group.rules.length + (group.unlistedRules ?? 0);
    return {
      path: `groups[${group.groupId}].rules`,
      from: count,
      to: 0,
      description: `revoke ${count} rule(s) of the default group of ${group.vpcId} (${group.groupId}): ${group.rules.join("; ")}${group.unlistedRules ? `; and ${group.unlistedRules} more` : ""}`,
    };
  });
  const unlisted = observed.groupsWithRules - (observed.groups?.length ?? 0);
  if (unlisted > 0) {
    changes.push({
      path: "groupsWithRules",
      from: unlisted,
      to: 0,
      description: `revoke the rules of ${unlisted} more default group(s) not listed in status`,
    });
  }
  return changes;
}

/** Whether a region's default groups are all closed (CIS 5.4); unread counts as not. */
export const defaultGroupsClosed = (observed: ObservedDefaultSecurityGroups | undefined): boolean =>
  observed !== undefined && observed.groupsWithRules === 0;

/**
 * Every default group as AWS makes it (as Delete leaves it): AWS's own default, "nothing set", so
 * an ObserveOnly object reports NotFound there, and a deletion is done.
 */
export const defaultGroupsAsAwsMadeThem = (observed: ObservedDefaultSecurityGroups): boolean =>
  observed.groupsAsAwsMadeThem === observed.defaultGroups;

/** The rules AWS gives a new default group, missing from `rules`: what Delete puts back. */
export function missingAwsDefaultRules(
  group: DefaultGroup,
  rules: readonly GroupRule[],
): Array<"ingress-from-itself" | "egress-to-anywhere"> {
  const held = rules.filter((r) => r.groupId === group.groupId && r.protocol === "-1");
  const missing: Array<"ingress-from-itself" | "egress-to-anywhere"> = [];
  if (!held.some((r) => !r.egress && r.peer === group.groupId)) missing.push("ingress-from-itself");
  if (!held.some((r) => r.egress && r.peer === "0.0.0.0/0")) missing.push("egress-to-anywhere");
  return missing;
}
