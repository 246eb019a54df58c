/**
 * The fields of closed default security groups (CIS AWS Foundations v3.0 5.4 / v5.0 5.5; Security
 * Hub EC2.2): in every VPC of each region, the default security group has no inbound and no
 * outbound rule. The setting has no field of its own: the regions (and, in a baseline, the
 * management policy) say where and how.
 */
import { z } from "zod";

export const defaultSecurityGroupsFields = {};

export type DefaultSecurityGroupsFields = z.output<z.ZodObject<typeof defaultSecurityGroupsFields>>;

/** Status stays far below etcd's object size limit whatever a region holds: lists are capped. */
export const MAX_LISTED_GROUPS = 10;
export const MAX_LISTED_RULES = 10;

export const openDefaultGroup = z
  .object({
    groupId: z.string().describe("The default security group."),
    vpcId: z.string().describe("Its VPC."),
    rules: z
      .array(z.string().max(256))
      .max(MAX_LISTED_RULES)
      .describe(`Up to ${MAX_LISTED_RULES} of its rules: id, direction, protocol and ports, peer.`),
    unlistedRules: z.number().int().min(0).optional().describe("Rules of this group not listed."),
  })
  .describe("A default security group that still holds rules.");

export const observedDefaultSecurityGroups = z
  .object({
    defaultGroups: z.number().int().min(0).describe("Default security groups in the region (one per VPC)."),
    groupsWithRules: z.number().int().min(0).describe("Of those, the groups that hold any rule."),
    rules: z.number().int().min(0).describe("Rules in all default groups of the region."),
    groupsAsAwsMadeThem: z
      .number()
      .int()
      .min(0)
      .describe(
        "Groups holding the two rules AWS creates a default group with (inbound from itself, outbound anywhere).",
      ),
    groups: z
      .array(openDefaultGroup)
      .max(MAX_LISTED_GROUPS)
      .optional()
      .describe(`Up to ${MAX_LISTED_GROUPS} groups that hold rules, with their rules.`),
  })
  .describe("The default security groups of one region, as EC2 reports them.");
