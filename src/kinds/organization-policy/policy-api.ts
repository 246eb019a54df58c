/**
 * The AWS Organizations calls the policy engine makes, as a narrow interface (as provider-aws's
 * PolicyClient): the engine's decisions (client.ts) are tested in-process against a fake of it,
 * and against moto through the SDK implementation below. Errors are AWS's own (the SDK's, or a
 * fake's shaped like them): the engine decides what they mean (aws-errors.ts).
 */
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  type PolicyType,
  paginateListPolicies,
  paginateListPoliciesForTarget,
  paginateListTargetsForPolicy,
  TagResourceCommand,
  UntagResourceCommand,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { required } from "../../aws/aws-errors.js";

/** The organization's root, with the policy types enabled on it. */
export interface RootRecord {
  id: string;
  enabledPolicyTypes: string[];
}

/** A policy as DescribePolicy gives it. */
export interface PolicyRecord {
  id: string;
  arn: string;
  name: string;
  description: string;
  type: string;
  awsManaged: boolean;
  content: string;
}

export interface NewPolicy {
  name: string;
  description: string;
  type: PolicyType;
  content: string;
  tags: Record<string, string>;
}

/** Every Organizations call the policy engine makes (operations declared in policy-kind.ts). */
export interface PolicyApi {
  /** The organization's root (ListRoots); undefined when the caller is in no organization. */
  root(): Promise<RootRecord | undefined>;
  /** DescribePolicy; AWS's PolicyNotFoundException when it is gone. */
  describePolicy(id: string): Promise<PolicyRecord>;
  /** The id of the policy of `type` named `name` (ListPolicies), if any. */
  findPolicyId(type: PolicyType, name: string): Promise<string | undefined>;
  tagsOf(id: string): Promise<Record<string, string>>;
  /** The roots, OUs and accounts the policy is attached to directly (ListTargetsForPolicy). */
  targetsOf(id: string): Promise<string[]>;
  /** The ids of the policies of `type` attached directly to `target` (ListPoliciesForTarget). */
  policiesOn(target: string, type: PolicyType): Promise<string[]>;
  createPolicy(policy: NewPolicy): Promise<{ id: string; arn: string }>;
  updatePolicy(id: string, update: { name: string; description: string; content: string }): Promise<void>;
  tag(id: string, tags: Record<string, string>): Promise<void>;
  untag(id: string, keys: string[]): Promise<void>;
  attach(policyId: string, target: string): Promise<void>;
  detach(policyId: string, target: string): Promise<void>;
  deletePolicy(id: string): Promise<void>;
  enablePolicyType(rootId: string, type: PolicyType): Promise<void>;
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** The PolicyApi of an Organizations SDK client (bound to a reconcile's deadline by its caller). */
export function sdkPolicyApi(org: OrganizationsClient): PolicyApi {
  return {
    async root() {
      const root = (await org.send(new ListRootsCommand({}))).Roots?.[0];
      if (!root?.Id) return undefined;
      return {
        id: root.Id,
        enabledPolicyTypes: (root.PolicyTypes ?? []).flatMap((t) =>
          t.Status === "ENABLED" && t.Type ? [t.Type] : [],
        ),
      };
    },
    async describePolicy(id) {
      const policy = (await org.send(new DescribePolicyCommand({ PolicyId: id }))).Policy;
      const summary = required(policy?.PolicySummary, `the summary of policy ${id}`);
      return {
        id: required(summary.Id, `the id of policy ${id}`),
        arn: summary.Arn ?? "",
        name: summary.Name ?? "",
        description: summary.Description ?? "",
        type: summary.Type ?? "",
        awsManaged: summary.AwsManaged ?? false,
        content: policy?.Content ?? "{}",
      };
    },
    async findPolicyId(type, name) {
      for await (const page of paginateListPolicies({ client: org }, { Filter: type })) {
        const match = page.Policies?.find((p) => p.Name === name);
        if (match) return required(match.Id, `the id of policy ${name}`);
      }
      return undefined;
    },
    async tagsOf(id) {
      const out = await org.send(new ListTagsForResourceCommand({ ResourceId: id }));
      return Object.fromEntries((out.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : [])));
    },
    async targetsOf(id) {
      const ids: string[] = [];
      for await (const page of paginateListTargetsForPolicy({ client: org }, { PolicyId: id })) {
        ids.push(...(page.Targets ?? []).flatMap((t) => (t.TargetId ? [t.TargetId] : [])));
      }
      return ids;
    },
    async policiesOn(target, type) {
      const ids: string[] = [];
      for await (const page of paginateListPoliciesForTarget(
        { client: org },
        { TargetId: target, Filter: type },
      )) {
        ids.push(...(page.Policies ?? []).flatMap((p) => (p.Id ? [p.Id] : [])));
      }
      return ids;
    },
    async createPolicy(policy) {
      const created = await org.send(
        new CreatePolicyCommand({
          Name: policy.name,
          Description: policy.description,
          Type: policy.type,
          Content: policy.content,
          Tags: tagList(policy.tags),
        }),
      );
      const summary = required(created.Policy?.PolicySummary, `the summary of the new policy ${policy.name}`);
      return { id: required(summary.Id, `the id of the new policy ${policy.name}`), arn: summary.Arn ?? "" };
    },
    async updatePolicy(id, update) {
      await org.send(
        new UpdatePolicyCommand({
          PolicyId: id,
          Name: update.name,
          Description: update.description,
          Content: update.content,
        }),
      );
    },
    async tag(id, tags) {
      await org.send(new TagResourceCommand({ ResourceId: id, Tags: tagList(tags) }));
    },
    async untag(id, keys) {
      await org.send(new UntagResourceCommand({ ResourceId: id, TagKeys: keys }));
    },
    async attach(policyId, target) {
      await org.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: target }));
    },
    async detach(policyId, target) {
      await org.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: target }));
    },
    async deletePolicy(id) {
      await org.send(new DeletePolicyCommand({ PolicyId: id }));
    },
    async enablePolicyType(rootId, type) {
      await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: type }));
    },
  };
}
