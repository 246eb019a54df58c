/**
 * The AWS Config and IAM calls the ConfigAggregator kind makes in the aggregator's account, as
 * narrow interfaces: the kind's decisions are tested in-process against fakes of them, and
 * against moto through the SDK implementations below. Errors are AWS's own.
 */
import type { ConfigServiceClient } from "@aws-sdk/client-config-service";
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
  TagRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { awsErrorCode, required } from "../../aws/aws-errors.js";
import { configServiceSdk } from "../../aws/clients.js";

/** How an organization aggregator reads the organization. */
export interface OrganizationSource {
  roleArn: string;
  allAwsRegions: boolean;
  awsRegions: string[];
}

/** An aggregator as DescribeConfigurationAggregators gives it. */
export interface AggregatorRecord {
  name: string;
  arn: string;
  /** Absent: an aggregator of listed accounts, not of the organization. */
  organizationSource?: OrganizationSource;
}

/** AWS Config's aggregator calls in one account and region. */
export interface AggregatorApi {
  /** The aggregator named `name`, if any. */
  aggregator(name: string): Promise<AggregatorRecord | undefined>;
  tagsOf(arn: string): Promise<Record<string, string>>;
  /** PutConfigurationAggregator (creates or replaces the source); the aggregator's ARN. */
  put(name: string, source: OrganizationSource, tags: Record<string, string>): Promise<string>;
  tag(arn: string, tags: Record<string, string>): Promise<void>;
  delete(name: string): Promise<void>;
}

/** The aggregator's role as IAM describes it. */
export interface RoleRecord {
  arn: string;
  /** Whether its trust policy lets config.amazonaws.com assume it. */
  trustsConfig: boolean;
  tags: Record<string, string>;
}

/** IAM's calls on the aggregator's role, in its account. */
export interface RoleApi {
  role(name: string): Promise<RoleRecord | undefined>;
  attachedPolicies(name: string): Promise<string[]>;
  create(name: string, tags: Record<string, string>): Promise<string>;
  tag(name: string, tags: Record<string, string>): Promise<void>;
  trustConfig(name: string): Promise<void>;
  attach(name: string, policyArn: string): Promise<void>;
  detach(name: string, policyArn: string): Promise<void>;
  delete(name: string): Promise<void>;
}

/** The trust policy of the role orgguard creates: AWS Config may assume it, nobody else. */
export const CONFIG_TRUST_POLICY = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "config.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether a trust policy (as IAM returns it: URL-encoded JSON) lets AWS Config assume the role. */
export function trustsConfig(document: string | undefined): boolean {
  if (!document) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeURIComponent(document));
  } catch {
    return false;
  }
  if (!isRecord(parsed)) return false;
  return list(parsed.Statement).some(
    (s) =>
      isRecord(s) &&
      s.Effect === "Allow" &&
      list(s.Action).includes("sts:AssumeRole") &&
      isRecord(s.Principal) &&
      list(s.Principal.Service).includes("config.amazonaws.com"),
  );
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** The AggregatorApi of an AWS Config SDK client (bound to a deadline by its caller). */
export function sdkAggregatorApi(config: ConfigServiceClient): AggregatorApi {
  return {
    async aggregator(name) {
      const { DescribeConfigurationAggregatorsCommand } = await configServiceSdk();
      const out = await config
        .send(new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: [name] }))
        .catch((err: unknown) => {
          if (awsErrorCode(err) === "NoSuchConfigurationAggregatorException") return undefined;
          throw err;
        });
      const found = out?.ConfigurationAggregators?.find((a) => a.ConfigurationAggregatorName === name);
      if (!found) return undefined;
      const source = found.OrganizationAggregationSource;
      return {
        name,
        arn: required(found.ConfigurationAggregatorArn, `the ARN of aggregator ${name}`, "AWS Config"),
        ...(source
          ? {
              organizationSource: {
                roleArn: source.RoleArn ?? "",
                allAwsRegions: source.AllAwsRegions === true,
                awsRegions: source.AwsRegions ?? [],
              },
            }
          : {}),
      };
    },
    async tagsOf(arn) {
      const { ListTagsForResourceCommand } = await configServiceSdk();
      const out = await config.send(new ListTagsForResourceCommand({ ResourceArn: arn }));
      return Object.fromEntries((out.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : [])));
    },
    async put(name, source, tags) {
      const { PutConfigurationAggregatorCommand } = await configServiceSdk();
      const out = await config.send(
        new PutConfigurationAggregatorCommand({
          ConfigurationAggregatorName: name,
          OrganizationAggregationSource: {
            RoleArn: source.roleArn,
            ...(source.allAwsRegions ? { AllAwsRegions: true } : { AwsRegions: source.awsRegions }),
          },
          Tags: tagList(tags),
        }),
      );
      return required(
        out.ConfigurationAggregator?.ConfigurationAggregatorArn,
        `the ARN of aggregator ${name}`,
        "AWS Config",
      );
    },
    async tag(arn, tags) {
      const { TagResourceCommand } = await configServiceSdk();
      await config.send(new TagResourceCommand({ ResourceArn: arn, Tags: tagList(tags) }));
    },
    async delete(name) {
      const { DeleteConfigurationAggregatorCommand } = await configServiceSdk();
      await config.send(new DeleteConfigurationAggregatorCommand({ ConfigurationAggregatorName: name }));
    },
  };
}

/** The RoleApi of an IAM SDK client in the aggregator's account. */
export function sdkRoleApi(iam: IAMClient): RoleApi {
  return {
    async role(name) {
      const out = await iam.send(new GetRoleCommand({ RoleName: name })).catch((err: unknown) => {
        const code = awsErrorCode(err);
        if (code === "NoSuchEntity" || code === "NoSuchEntityException") return undefined;
        throw err;
      });
      const role = out?.Role;
      if (!role) return undefined;
      return {
        arn: required(role.Arn, `the ARN of role ${name}`, "IAM"),
        trustsConfig: trustsConfig(role.AssumeRolePolicyDocument),
        tags: Object.fromEntries((role.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : []))),
      };
    },
    async attachedPolicies(name) {
      const arns: string[] = [];
      for await (const page of paginateListAttachedRolePolicies({ client: iam }, { RoleName: name })) {
        arns.push(...(page.AttachedPolicies ?? []).flatMap((p) => (p.PolicyArn ? [p.PolicyArn] : [])));
      }
      return arns;
    },
    async create(name, tags) {
      const out = await iam.send(
        new CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: CONFIG_TRUST_POLICY,
          Description:
            "AWS Config reads the organization's accounts for an organization aggregator (kept by orgguard)",
          Tags: tagList(tags),
        }),
      );
      return required(out.Role?.Arn, `the ARN of the new role ${name}`, "IAM");
    },
    async tag(name, tags) {
      await iam.send(new TagRoleCommand({ RoleName: name, Tags: tagList(tags) }));
    },
    async trustConfig(name) {
      await iam.send(
        new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: CONFIG_TRUST_POLICY }),
      );
    },
    async attach(name, policyArn) {
      await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn }));
    },
    async detach(name, policyArn) {
      await iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: policyArn }));
    },
    async delete(name) {
      await iam.send(new DeleteRoleCommand({ RoleName: name }));
    },
  };
}
