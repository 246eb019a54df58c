/**
 * Pure logic of every Organizations policy kind: the tags that prove ownership, the diff between
 * spec and AWS (content compared by meaning, as the policy type defines it), and the attachment
 * plan.
 */

import { isDeepStrictEqual } from "node:util";
import type { Change } from "../../runtime/managed.js";
import { TAG_MANAGED_BY, TAG_NAME, TAG_UID } from "../ownership.js";
import type { PolicyTarget } from "./api.js";

export { ADOPT_ANNOTATION, ownershipTags, TAG_MANAGED_BY, TAG_NAME, TAG_UID } from "../ownership.js";

/** What the spec asks AWS to hold. */
export interface DesiredPolicy {
  name: string;
  description: string;
  document: Record<string, unknown>;
  tags: Record<string, string>;
  /** Resolved target ids (r-..., ou-..., account ids). */
  targets: string[];
  /** How each target is written in the spec, by id, for plans: `ou Root/Workloads (ou-ab12-cd34ef56)`. */
  targetLabels?: Record<string, string>;
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

/** A target as the spec writes it, with the id it resolved to. */
export function targetLabel(target: PolicyTarget, id: string): string {
  if (target.root) return `root (${id})`;
  if (target.ouPath) return `ou ${target.ouPath} (${id})`;
  if (target.accountName) return `account ${target.accountName} (${id})`;
  return target.ouId ? `ou ${id}` : `account ${id}`;
}

/** A target orgguard knows only by id (attached in AWS, no longer in the spec). */
const idLabel = (id: string): string =>
  id.startsWith("r-") ? `root ${id}` : id.startsWith("ou-") ? `ou ${id}` : `account ${id}`;

/** The attachments to add and remove, as changes a reviewer can read. */
function targetChanges(desired: DesiredPolicy, attached: string[]): Change[] {
  const plan = attachmentPlan(desired.targets, attached);
  const label = (id: string) => desired.targetLabels?.[id] ?? idLabel(id);
  return [
    ...plan.attach.map((t) => ({ path: `targets[${t}]`, to: "attached", description: `+ ${label(t)}` })),
    ...plan.detach.map((t) => ({ path: `targets[${t}]`, from: "attached", description: `- ${label(t)}` })),
  ];
}

/** What creating the policy would do, for a plan: its name, description, document and targets. */
export function creationChanges(desired: DesiredPolicy): Change[] {
  return [
    { path: "policyName", to: desired.name },
    ...(desired.description ? [{ path: "description", to: desired.description }] : []),
    // As written: a reviewer recognizes their own document (an update diffs the canonical forms).
    { path: "document", to: desired.document },
    ...targetChanges(desired, []),
  ];
}

/** A document's canonical form by `canonical`; content AWS holds that is not JSON stays as it is. */
export function canonicalContent(canonical: (document: unknown) => unknown, document: unknown): unknown {
  try {
    return canonical(document);
  } catch {
    return document;
  }
}

/**
 * Every difference between the spec and AWS, for status.plannedChanges; documents are compared
 * by their canonical forms (`canonical`: the policy type's), so equal meanings never differ.
 */
export function diffPolicy(
  desired: DesiredPolicy,
  observed: ObservedPolicy,
  canonical: (document: unknown) => unknown,
): Change[] {
  const changes: Change[] = [];
  if (desired.name !== observed.name)
    changes.push({ path: "policyName", from: observed.name, to: desired.name });
  if (desired.description !== observed.description) {
    changes.push({ path: "description", from: observed.description, to: desired.description });
  }
  const from = canonicalContent(canonical, observed.content);
  const to = canonicalContent(canonical, desired.document);
  if (!isDeepStrictEqual(from, to)) changes.push({ path: "document", from, to });
  const tags = tagPlan(desired.tags, observed.tags);
  for (const [k, v] of Object.entries(tags.set))
    changes.push({ path: `tags[${k}]`, ...(k in observed.tags ? { from: observed.tags[k] } : {}), to: v });
  for (const k of tags.remove) changes.push({ path: `tags[${k}]`, from: observed.tags[k] });
  changes.push(...targetChanges(desired, observed.targets));
  return changes;
}
