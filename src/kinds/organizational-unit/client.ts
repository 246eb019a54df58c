/**
 * The OrganizationalUnit kind's client: find the OU (by its recorded id, else by name under the
 * path's parent), prove it is this object's (ownership tags, or adopted by id or annotation), and
 * create, rename, tag or delete it. Nothing found by name that orgguard did not create is ever
 * changed without being adopted. AWS cannot move an OU: a parent that differs is reported, never
 * "fixed" by re-creating. A non-empty OU is never deleted: orgguard does not move accounts away.
 */
import { awsCall, isNotFound, toReconcileError } from "../../aws/aws-errors.js";
import { isPlanned } from "../../aws/organization-view.js";
import type { Change, ExternalClient, ManagedObject, Observation } from "../../runtime/managed.js";
import { BlockedError, RetryableError, TerminalError } from "../../runtime/reconcile-errors.js";
import { pathOfContainer, resolveContainer, type ViewReader } from "../organization.js";
import { ADOPT_ANNOTATION, ownershipTags, TAG_UID, tagChanges, taggedFor } from "../ownership.js";
import { type OuSpec, ouSpec } from "./api.js";
import type { OuApi, OuRecord } from "./ou-api.js";

export type OuObject = ManagedObject;

/** What the spec asks for. */
export interface DesiredOu {
  path: string;
  name: string;
  parentPath: string;
  tags: Record<string, string>;
}

/** What AWS has. */
export interface ObservedOu extends OuRecord {
  parentId: string;
  tags: Record<string, string>;
}

/** status.atProvider. */
export interface OuAtProvider {
  name: string;
  parentId: string;
  path?: string;
  accounts?: number;
  ous?: number;
}

/** What observe hands to create, update and delete. */
export interface OuHandoff {
  parentId: string;
  desired: DesiredOu;
  observed?: ObservedOu;
}

type OuObservation = Observation<OuAtProvider, OuHandoff>;

/** The path's last name and its parent's path: Root/Workloads/Prod -> Prod under Root/Workloads. */
export function splitPath(path: string): { name: string; parentPath: string } {
  const cut = path.lastIndexOf("/");
  return { name: path.slice(cut + 1), parentPath: path.slice(0, cut) };
}

/** What the spec asks AWS to hold, ownership tags included. */
export function desiredOu(spec: OuSpec, objectName: string, uid: string | undefined): DesiredOu {
  return {
    path: spec.path,
    ...splitPath(spec.path),
    tags: { ...spec.tags, ...ownershipTags(objectName, uid) },
  };
}

/**
 * What would change to make `observed` equal to `desired`: the name (a rename in place) and the
 * tags the spec names (others are left; the uid tag is not forced onto an OU a re-created object
 * takes over). A parent that differs is not a change orgguard can make (see parentProblem).
 */
export function ouChanges(desired: DesiredOu, observed: ObservedOu): Change[] {
  const changes: Change[] = [];
  if (observed.name !== desired.name) {
    changes.push({
      path: "name",
      from: observed.name,
      to: desired.name,
      description: `rename OU ${observed.id} from ${observed.name} to ${desired.name}`,
    });
  }
  const { [TAG_UID]: _uid, ...wanted } = desired.tags;
  const { set } = tagChanges(wanted, observed.tags, new Set());
  for (const [key, value] of Object.entries(set)) {
    changes.push({ path: `tags[${key}]`, from: observed.tags[key], to: value });
  }
  return changes;
}

export class OuClient implements ExternalClient<OuObject, OuAtProvider, OuHandoff> {
  constructor(
    private readonly api: OuApi,
    private readonly organization: ViewReader,
  ) {}

  async observe(object: OuObject): Promise<OuObservation> {
    const spec = ouSpec.parse(object.spec);
    const deleting = Boolean(object.metadata.deletionTimestamp);
    const desired = desiredOu(spec, object.metadata.name, object.metadata.uid);
    const parentId = await resolveContainer(this.organization, desired.parentPath);
    if (!parentId) {
      // Deleting, a missing parent means the OU is gone with it.
      if (deleting) return { exists: false, upToDate: false, handoff: { parentId: "", desired } };
      throw new RetryableError(
        "ParentNotFound",
        `no OU at ${desired.parentPath} yet: the parent is created first (by its own OrganizationalUnit object) or must exist`,
      );
    }
    const handoff: OuHandoff = { parentId, desired };
    // Under a parent `orgguard plan` plans to create: nothing to read yet, this one is planned too.
    const found = isPlanned(parentId) ? undefined : await this.find(object, spec, desired, parentId);
    if (!found) {
      return {
        exists: false,
        upToDate: false,
        diff: [{ path: "", to: "created", description: `create OU ${desired.path}` }],
        handoff,
      };
    }
    if (found.foreign) {
      // Deleting an object that never owned the OU: nothing of ours exists to delete.
      if (deleting) return { exists: false, upToDate: false, handoff };
      if (object.spec.managementPolicy !== "ObserveOnly") {
        throw new BlockedError(
          "AlreadyExists",
          `an OU named ${desired.name} already exists under ${desired.parentPath} (${found.ou.id}) and its tags do not show orgguard created it for this object: set spec.ouId: ${found.ou.id} or add the annotation ${ADOPT_ANNOTATION}: "true" to take it over`,
        );
      }
    }
    const observed = found.ou;
    if (observed.parentId !== parentId && !deleting) {
      const where =
        pathOfContainer(await this.organization.current(), observed.parentId) ?? observed.parentId;
      throw new TerminalError(
        "CannotMove",
        `OU ${observed.id} is under ${where}, not ${desired.parentPath}: AWS cannot move an OU; to have one at ${desired.path}, create it (a path without ouId) and move the accounts`,
      );
    }
    const diff = ouChanges(desired, observed);
    return {
      exists: true,
      upToDate: diff.length === 0,
      diff,
      observed: {
        name: observed.name,
        parentId: observed.parentId,
        path: `${desired.parentPath}/${observed.name}`,
      },
      status: { ouId: observed.id, arn: observed.arn },
      handoff: { ...handoff, observed },
      ...(found.adopted ? { adopted: `adopted OU ${observed.id} (${observed.name})` } : {}),
    };
  }

  async create(_object: OuObject, observation: OuObservation): Promise<{ status?: Record<string, unknown> }> {
    const { parentId, desired } = handoffOf(observation);
    const created = await awsCall(`cannot create OU ${desired.path}`, () =>
      this.api.create(parentId, desired.name, desired.tags),
    );
    this.organization.invalidate();
    return { status: { ouId: created.id, arn: created.arn } };
  }

  async update(_object: OuObject, observation: OuObservation): Promise<void> {
    const { desired, observed, parentId } = handoffOf(observation);
    if (!observed) throw new Error("update without an observed OU");
    if (observed.name !== desired.name) {
      // AWS refuses two OUs of one name under one parent (moto does not): check first.
      const siblings = await awsCall(`cannot list the OUs of ${desired.parentPath}`, () =>
        this.api.ousUnder(parentId),
      );
      const holder = siblings.find((s) => s.name === desired.name && s.id !== observed.id);
      if (holder) {
        throw new BlockedError(
          "NameTaken",
          `cannot rename OU ${observed.id} to ${desired.name}: ${holder.id} under ${desired.parentPath} has that name`,
        );
      }
      await awsCall(`cannot rename OU ${observed.id}`, () => this.api.rename(observed.id, desired.name));
      this.organization.invalidate();
    }
    const { [TAG_UID]: _uid, ...wanted } = desired.tags;
    const { set } = tagChanges(
      // A taken-over OU gets this object's uid tag as well: it is now provably this object's.
      { ...wanted, ...(desired.tags[TAG_UID] ? { [TAG_UID]: desired.tags[TAG_UID] } : {}) },
      observed.tags,
      new Set(),
    );
    if (Object.keys(set).length > 0)
      await awsCall(`cannot tag OU ${observed.id}`, () => this.api.tag(observed.id, set));
  }

  /** Deletes the OU only when it is empty; never moves what is in it. */
  async delete(_object: OuObject, observation: OuObservation): Promise<void> {
    const { observed, desired } = handoffOf(observation);
    if (!observed) return;
    const [ous, accounts] = await Promise.all([
      awsCall(`cannot list the OUs in ${desired.path}`, () => this.api.ousUnder(observed.id)),
      awsCall(`cannot list the accounts in ${desired.path}`, () => this.api.hasAccounts(observed.id)),
    ]);
    if (ous.length > 0 || accounts > 0) {
      throw new BlockedError(
        "NotEmpty",
        `OU ${desired.path} (${observed.id}) still holds ${accounts > 0 ? "accounts" : ""}${accounts > 0 && ous.length > 0 ? " and " : ""}${ous.length > 0 ? `${ous.length} OU(s)` : ""}: orgguard deletes an OU only once it is empty and never moves what is in it; move or close them, and it is deleted at the next poll`,
      );
    }
    await awsCall(`cannot delete OU ${observed.id}`, () => this.api.delete(observed.id), {
      notFound: () => undefined,
    });
    this.organization.invalidate();
  }

  /**
   * The OU this object keeps: by its recorded id (or spec.ouId), else by name under the parent.
   * `foreign`: found by name, without this object's ownership tags and not adopted.
   */
  private async find(
    object: OuObject,
    spec: OuSpec,
    desired: DesiredOu,
    parentId: string,
  ): Promise<{ ou: ObservedOu; foreign: boolean; adopted: boolean } | undefined> {
    const recorded = typeof object.status?.ouId === "string" ? object.status.ouId : undefined;
    const byId = recorded ?? spec.ouId;
    if (byId) {
      const ou = await this.describe(byId);
      if (ou) {
        const tags = await awsCall(`cannot read the tags of OU ${byId}`, () => this.api.tagsOf(byId));
        // Adopted by spec.ouId: announced once, when this object first records it.
        const adopted = !recorded && !taggedFor(tags, object.metadata.name);
        return { ou: { ...ou, tags }, foreign: false, adopted };
      }
      if (!recorded) {
        throw new BlockedError("NotFound", `OU ${byId} (spec.ouId) does not exist in the organization`);
      }
      // Recorded, and gone: deleted out of band; looked for by name, else created again.
    }
    const siblings = await awsCall(`cannot list the OUs of ${desired.parentPath}`, () =>
      this.api.ousUnder(parentId),
    );
    const match = siblings.find((s) => s.name === desired.name);
    if (!match) return undefined;
    const tags = await awsCall(`cannot read the tags of OU ${match.id}`, () => this.api.tagsOf(match.id));
    const ours = taggedFor(tags, object.metadata.name);
    const adopt = object.metadata.annotations?.[ADOPT_ANNOTATION] === "true";
    return {
      ou: { ...match, parentId, tags },
      foreign: !ours && !adopt,
      adopted: !ours && adopt,
    };
  }

  /** The OU with its parent, or undefined when it is gone. */
  private async describe(id: string): Promise<(OuRecord & { parentId: string }) | undefined> {
    try {
      const ou = await this.api.describe(id);
      const parentId = await this.api.parentOf(id);
      return { ...ou, parentId };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toReconcileError(err, `cannot read OU ${id}`);
    }
  }
}

function handoffOf(observation: OuObservation): OuHandoff {
  if (!observation.handoff) throw new Error("an OU observation without its handoff");
  return observation.handoff;
}
