/**
 * How orgguard proves an AWS thing is its own: the tags it puts on what it creates (policies, OUs,
 * accounts), and the annotation that tells it to take over what it did not create. What carries
 * neither is never modified.
 */

export const TAG_MANAGED_BY = "orgguard.io/managed-by";
export const TAG_NAME = "orgguard.io/name";
export const TAG_UID = "orgguard.io/uid";
export const ADOPT_ANNOTATION = "orgguard.io/adopt";

/** The tags orgguard puts on what it creates: they prove the thing is this object's. */
export function ownershipTags(objectName: string, uid: string | undefined): Record<string, string> {
  // Without a uid (orgguard plan reads manifests, not cluster objects) the uid tag is left as is.
  return { [TAG_MANAGED_BY]: "orgguard", [TAG_NAME]: objectName, ...(uid ? { [TAG_UID]: uid } : {}) };
}

/** Whether `tags` say orgguard made the thing for the object named `objectName`. */
export const taggedFor = (tags: Readonly<Record<string, string>>, objectName: string): boolean =>
  tags[TAG_MANAGED_BY] === "orgguard" && tags[TAG_NAME] === objectName;

/**
 * The tag changes that bring `observed` to `desired`: keys to set, and keys to remove among the
 * ones orgguard manages (`managedKeys`); tags others put there are never removed.
 */
export function tagChanges(
  desired: Readonly<Record<string, string>>,
  observed: Readonly<Record<string, string>>,
  managedKeys: ReadonlySet<string>,
): { set: Record<string, string>; remove: string[] } {
  const set = Object.fromEntries(Object.entries(desired).filter(([k, v]) => observed[k] !== v));
  const remove = Object.keys(observed).filter((k) => managedKeys.has(k) && !(k in desired));
  return { set, remove };
}
