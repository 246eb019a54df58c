/**
 * DefaultSecurityGroups: the default security group of every VPC in each region of an account
 * holds no rule (EC2, with the account's own credentials, one client per region). VPCs created
 * later are covered at the next poll: each reconcile lists the default groups afresh.
 *
 * Revoking can break workloads that (against advice) use a default group, so roll out with
 * ObserveOnly first: status lists which groups hold which rules. Enforce revokes by rule id.
 * Delete gives every default group back the two rules AWS creates it with.
 */
import type { EC2Client, SecurityGroupRule } from "@aws-sdk/client-ec2";
import type { Problem } from "../../api/problems.js";
import { awsCall } from "../../aws/aws-errors.js";
import { type AwsAccess, type ClientTarget, ec2Sdk } from "../../aws/clients.js";
import { reads, writes } from "../kind-definition.js";
import type { AccountSetting, LintContext, SettingClient } from "../setting/setting.js";
import {
  type DefaultGroup,
  type DesiredDefaultSecurityGroups,
  defaultGroupsAsAwsMadeThem,
  defaultGroupsClosed,
  desiredDefaultSecurityGroups,
  diffDefaultGroups,
  type GroupRule,
  missingAwsDefaultRules,
  type ObservedDefaultSecurityGroups,
  reportDefaultGroups,
} from "./compare.js";
import { defaultSecurityGroupsFields, observedDefaultSecurityGroups } from "./schema.js";

/** DescribeSecurityGroupRules takes at most this many group ids per filter. */
const GROUP_IDS_PER_FILTER = 200;

function ruleOf(rule: SecurityGroupRule): GroupRule {
  return {
    ruleId: rule.SecurityGroupRuleId ?? "",
    groupId: rule.GroupId ?? "",
    egress: rule.IsEgress === true,
    protocol: rule.IpProtocol ?? "-1",
    ...(rule.FromPort !== undefined ? { fromPort: rule.FromPort } : {}),
    ...(rule.ToPort !== undefined ? { toPort: rule.ToPort } : {}),
    peer:
      rule.CidrIpv4 ??
      rule.CidrIpv6 ??
      rule.PrefixListId ??
      rule.ReferencedGroupInfo?.GroupId ??
      "(unknown peer)",
  };
}

/** Every default group of the region and every rule they hold, read now. */
async function readDefaultGroups(
  ec2: EC2Client,
  where: string,
): Promise<{ groups: DefaultGroup[]; rules: GroupRule[] }> {
  const { paginateDescribeSecurityGroups, paginateDescribeSecurityGroupRules } = await ec2Sdk();
  return awsCall(`cannot read the default security groups ${where}`, async () => {
    const groups: DefaultGroup[] = [];
    const pages = paginateDescribeSecurityGroups(
      { client: ec2 },
      { Filters: [{ Name: "group-name", Values: ["default"] }] },
    );
    for await (const page of pages) {
      for (const g of page.SecurityGroups ?? [])
        if (g.GroupId && g.VpcId) groups.push({ groupId: g.GroupId, vpcId: g.VpcId });
    }
    const rules: GroupRule[] = [];
    for (let i = 0; i < groups.length; i += GROUP_IDS_PER_FILTER) {
      const ids = groups.slice(i, i + GROUP_IDS_PER_FILTER).map((g) => g.groupId);
      const rulePages = paginateDescribeSecurityGroupRules(
        { client: ec2 },
        { Filters: [{ Name: "group-id", Values: ids }] },
      );
      for await (const page of rulePages) rules.push(...(page.SecurityGroupRules ?? []).map(ruleOf));
    }
    return { groups, rules };
  });
}

/** Revokes every rule of one group by id: inbound and outbound, one call each. */
async function revokeAll(ec2: EC2Client, group: DefaultGroup, rules: GroupRule[], where: string) {
  const ids = (egress: boolean) => rules.filter((r) => r.egress === egress).map((r) => r.ruleId);
  const what = `cannot revoke the rules of the default security group ${group.groupId} ${where}`;
  const { RevokeSecurityGroupIngressCommand, RevokeSecurityGroupEgressCommand } = await ec2Sdk();
  const ingress = ids(false);
  const egress = ids(true);
  if (ingress.length > 0) {
    await awsCall(
      what,
      () =>
        ec2.send(
          new RevokeSecurityGroupIngressCommand({ GroupId: group.groupId, SecurityGroupRuleIds: ingress }),
        ),
      { goalReached: () => undefined },
    );
  }
  if (egress.length > 0) {
    await awsCall(
      what,
      () =>
        ec2.send(
          new RevokeSecurityGroupEgressCommand({ GroupId: group.groupId, SecurityGroupRuleIds: egress }),
        ),
      { goalReached: () => undefined },
    );
  }
}

/** Gives a group back the rules AWS creates default groups with (inbound from itself, outbound anywhere). */
async function restoreAwsDefaults(ec2: EC2Client, group: DefaultGroup, rules: GroupRule[], where: string) {
  const what = `cannot restore the rules of the default security group ${group.groupId} ${where}`;
  const { AuthorizeSecurityGroupIngressCommand, AuthorizeSecurityGroupEgressCommand } = await ec2Sdk();
  for (const missing of missingAwsDefaultRules(group, rules)) {
    const send =
      missing === "ingress-from-itself"
        ? () =>
            ec2.send(
              new AuthorizeSecurityGroupIngressCommand({
                GroupId: group.groupId,
                IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: group.groupId }] }],
              }),
            )
        : () =>
            ec2.send(
              new AuthorizeSecurityGroupEgressCommand({
                GroupId: group.groupId,
                IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
              }),
            );
    await awsCall(what, send, { goalReached: () => undefined });
  }
}

function defaultSecurityGroupsClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<DesiredDefaultSecurityGroups, ObservedDefaultSecurityGroups> {
  const where = `of account ${target.accountId} in ${target.region}`;
  const ec2 = () => aws.forAccount("ec2", target);
  return {
    read: async () => {
      const { groups, rules } = await readDefaultGroups(await ec2(), where);
      return reportDefaultGroups(groups, rules);
    },
    // The status report is capped, so the write reads the rules afresh (two reads, only when
    // something is to be revoked) and revokes exactly what is there now, by rule id.
    write: async () => {
      const client = await ec2();
      const { groups, rules } = await readDefaultGroups(client, where);
      for (const group of groups) {
        const held = rules.filter((r) => r.groupId === group.groupId);
        if (held.length > 0) await revokeAll(client, group, held, where);
      }
    },
    remove: async () => {
      const client = await ec2();
      const { groups, rules } = await readDefaultGroups(client, where);
      for (const group of groups) await restoreAwsDefaults(client, group, rules, where);
    },
  };
}

/**
 * A baseline enforcing closed default groups revokes rules in every selected account, later ones
 * included, that nobody has looked at: worth a warning. A standalone object names one account its
 * author chose (and, by the docs' rollout, observed first).
 */
function lintDefaultSecurityGroups(_fields: unknown, base: string, context: LintContext): Problem[] {
  if (context.managementPolicy === "ObserveOnly" || context.in === "standalone") return [];
  return [
    {
      path: base,
      message:
        "default security groups in Enforce revoke every rule of every default group in every selected account, later ones included, which breaks workloads that use them: roll out with managementPolicy: ObserveOnly on this field first, check each child's status.atProvider lists no rule anything needs, then switch to Enforce",
    },
  ];
}

export const defaultSecurityGroupsSetting: AccountSetting<
  typeof defaultSecurityGroupsFields,
  DesiredDefaultSecurityGroups,
  ObservedDefaultSecurityGroups
> = {
  names: {
    kind: "DefaultSecurityGroups",
    plural: "defaultsecuritygroups",
    singular: "defaultsecuritygroups",
    shortNames: ["defaultsg"],
    field: "defaultSecurityGroups",
  },
  scope: "regional",
  noun: "default security groups",
  description:
    "DefaultSecurityGroups keeps the default security group of every VPC, in every region of one AWS account, without any inbound or outbound rule (CIS AWS Foundations v3.0 5.4 / v5.0 5.5, Security Hub EC2.2). VPCs created later are covered at the next poll. Roll out with managementPolicy: ObserveOnly first: status lists the groups that hold rules.",
  specDescription: "The regions of one account whose default security groups orgguard keeps closed.",
  fieldDescription: "Closed default security groups in every VPC of each selected account's regions",
  fields: defaultSecurityGroupsFields,
  observed: observedDefaultSecurityGroups,
  printerColumns: [{ name: "Regions", type: "string", jsonPath: ".status.regions", priority: 1 }],
  lint: lintDefaultSecurityGroups,
  desired: desiredDefaultSecurityGroups,
  diff: diffDefaultGroups,
  isDefault: defaultGroupsAsAwsMadeThem,
  client: defaultSecurityGroupsClient,
  controls: [
    {
      id: "CIS 5.4",
      title: "The default security group of every VPC restricts all traffic",
      holds: defaultGroupsClosed,
    },
  ],
  operations: [
    ...reads("ec2", "DescribeSecurityGroups", "DescribeSecurityGroupRules"),
    ...writes(
      "ec2",
      "RevokeSecurityGroupIngress",
      "RevokeSecurityGroupEgress",
      "AuthorizeSecurityGroupIngress",
      "AuthorizeSecurityGroupEgress",
    ),
  ],
};
