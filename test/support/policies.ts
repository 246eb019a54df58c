/**
 * What AWS Organizations holds for a policy, read the way the policy tests check it: sorted
 * target ids and tags by key (moto answers as AWS does here).
 */
import {
  ListTagsForResourceCommand,
  ListTargetsForPolicyCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { awsClientConfig } from "./aws.js";

/** The ids of the roots, OUs and accounts `policyId` is attached to, sorted. */
export async function policyTargets(
  policyId: string,
  org = new OrganizationsClient(awsClientConfig()),
): Promise<string[]> {
  const out = await org.send(new ListTargetsForPolicyCommand({ PolicyId: policyId }));
  return (out.Targets ?? []).map((t) => t.TargetId!).sort();
}

/** The tags on `policyId`, by key. */
export async function policyTags(
  policyId: string,
  org = new OrganizationsClient(awsClientConfig()),
): Promise<Record<string, string>> {
  const out = await org.send(new ListTagsForResourceCommand({ ResourceId: policyId }));
  return Object.fromEntries((out.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""]));
}
