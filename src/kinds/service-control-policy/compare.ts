/**
 * Pure logic of a ServiceControlPolicy: the tags that prove ownership, the diff between spec and
 * AWS (content compared by meaning), and the attachment plan.
 */
import { canonicalPolicy, samePolicy } from "../../aws/policy-document.js";
import type { Change } from "../../runtime/managed.js";

export const TAG_MANAGED_BY = "orgguard.io/managed-by";
export const TAG_NAME = "orgguard.io/name";
export const TAG_UID = "orgguard.io/uid";
export const ADOPT_ANNOTATION = "orgguard.io/adopt";

/** What the spec asks AWS to hold. */
export interface DesiredPolicy {
  name: string;
  description: string;
  document: Record<string, unknown>;
  tags: Record<string, string>;
  /** Resolved target ids (r-..., ou-..., account ids). */
  targets: string[];
}

/** What AWS holds. */
export interface ObservedPolicy {
  id: string;
  arn: string;
  name: string;
  description: string;
  content: string;
  awsManaged: boolean;
  tags: Record<string, string>;
  targets: string[];
}

/** The tags orgguard puts on every policy it creates: they prove the policy is this object's. */
export function ownershipTags(objectName: string, uid: string | undefined): Record<string, string> {
  // Without a uid (orgguard plan reads manifests, not cluster objects) the uid tag is left as is.
  return { [TAG_MANAGED_BY]: "orgguard", [TAG_NAME]: objectName, ...(uid ? { [TAG_UID]: uid } : {}) };
}

/**
 * Whether a policy found by name may be managed by this object: it carries our ownership tags
 * for this object's name (the uid may differ after the object was re-created from git), or the
 * object says to adopt it. AWS-managed policies (FullAWSAccess) are never ours.
 */
export function mayManage(
  observed: Pick<ObservedPolicy, "awsManaged" | "tags">,
  objectName: string,
  adopt: boolean,
): boolean {
  if (observed.awsManaged) return false;
  const ours = observed.tags[TAG_MANAGED_BY] === "orgguard" && observed.tags[TAG_NAME] === objectName;
  return ours || adopt;
}

/** The attachments to add and remove: only this policy's own attachments are ever touched. */
export function attachmentPlan(
  desired: string[],
  attached: string[],
): { attach: string[]; detach: string[] } {
  const want = new Set(desired);
  const have = new Set(attached);
  return {
    attach: [...want].filter((t) => !have.has(t)).sort(),
    detach: [...have].filter((t) => !want.has(t)).sort(),
  };
}

/** Tags to set and tag keys to remove so AWS holds exactly `desired`. */
export function tagPlan(desired: Record<string, string>, observed: Record<string, string>) {
  const set = Object.fromEntries(Object.entries(desired).filter(([k, v]) => observed[k] !== v));
  // Ownership tags are only ever set, never removed.
  const remove = Object.keys(observed).filter((k) => !(k in desired) && k !== TAG_UID);
  return { set, remove };
}

/** Every difference between the spec and AWS, for status.plannedChanges. */
export function diffPolicy(desired: DesiredPolicy, observed: ObservedPolicy): Change[] {
  const changes: Change[] = [];
  if (desired.name !== observed.name)
    changes.push({ path: "policyName", from: observed.name, to: desired.name });
  if (desired.description !== observed.description) {
    changes.push({ path: "description", from: observed.description, to: desired.description });
  }
  if (!samePolicy(desired.document, observed.content)) {
    changes.push({
      path: "document",
      from: canonicalPolicy(observed.content),
      to: canonicalPolicy(desired.document),
    });
  }
  const tags = tagPlan(desired.tags, observed.tags);
  for (const [k, v] of Object.entries(tags.set))
    changes.push({ path: `tags[${k}]`, ...(k in observed.tags ? { from: observed.tags[k] } : {}), to: v });
  for (const k of tags.remove) changes.push({ path: `tags[${k}]`, from: observed.tags[k] });
  const plan = attachmentPlan(desired.targets, observed.targets);
  for (const t of plan.attach) changes.push({ path: `targets[${t}]`, to: "attached" });
  for (const t of plan.detach) changes.push({ path: `targets[${t}]`, from: "attached" });
  return changes;
}
