/**
 * The Account kind's client. It finds the account the object stands for (by its recorded or
 * adopted id, by its create request, by its invitation, or by email among the members), creates
 * or invites it when there is none, keeps it in its OU and its tags, and closes it only when the
 * object is deleted with closeOnDeletion, the account is one orgguard created, and it is not the
 * management account. An account found by email that orgguard did not create is never changed.
 */
import { awsCall, isNotFound, toReconcileError } from "../../aws/aws-errors.js";
import type { Change, ExternalClient, ManagedObject, Observation } from "../../runtime/managed.js";
import { BlockedError, RetryableError, TerminalError } from "../../runtime/reconcile-errors.js";
import { pathOfContainer, resolveContainer, type ViewReader } from "../organization.js";
import { ownershipTags, TAG_UID, tagChanges, taggedFor } from "../ownership.js";
import type { AccountApi, AccountRecord, CreateStatus } from "./account-api.js";
import { type AccountSpec, accountSpec } from "./api.js";

export type AccountObject = ManagedObject;

/** The tag orgguard puts on an account it created (and only then): what closing requires. */
export const TAG_CREATED = "orgguard.io/created";

/** status.atProvider. */
export interface AccountAtProvider {
  name: string;
  email: string;
  state: string;
  joinedMethod: string;
  ouPath?: string;
}

/** A member account as observed: what AWS describes, where it is, its tags. */
export interface MemberAccount extends AccountRecord {
  parentId: string;
  tags: Record<string, string>;
}

/** Where the account the object stands for is now. */
export type Located =
  | { kind: "member"; account: MemberAccount }
  | { kind: "creating"; request: CreateStatus }
  | { kind: "invited"; handshakeId: string; state: string }
  | { kind: "absent" };

/** What observe hands to create, update and delete. */
export interface AccountHandoff {
  desiredParentId?: string;
  located: Located;
  managementAccountId: string;
}

type AccountObservation = Observation<AccountAtProvider, AccountHandoff>;

/** Invitations still waiting for the account's owner. */
const OPEN_HANDSHAKES = new Set(["REQUESTED", "OPEN"]);

/** CreateAccount failures only a spec change cures (the email, the address). */
const SPEC_FAILURES: Readonly<Record<string, string>> = {
  EMAIL_ALREADY_EXISTS:
    "another AWS account already uses this email: choose another, or adopt that account by accountId",
  INVALID_EMAIL: "AWS refused the email address",
  INVALID_ADDRESS: "AWS refused the address",
  INVALID_IDENTITY_FOR_BUSINESS_VALIDATION: "AWS refused the business identity",
};
/** CreateAccount failures that end when the request is made again. */
const TRANSIENT_FAILURES = new Set(["CONCURRENT_ACCOUNT_MODIFICATION", "INTERNAL_FAILURE"]);

/** The error a failed CreateAccount request stands for, by its FailureReason. */
export function createFailure(request: CreateStatus, email: string): Error {
  const reason = request.failureReason ?? "UNKNOWN";
  const what = `CreateAccount ${request.requestId} for ${email} failed (${reason})`;
  const spec = SPEC_FAILURES[reason];
  if (spec) return new TerminalError(camel(reason), `${what}: ${spec}`);
  if (reason === "ACCOUNT_LIMIT_EXCEEDED") {
    return new BlockedError(
      "AccountLimitExceeded",
      `${what}: the organization has as many accounts as its quota allows: ask AWS for more (Service Quotas), and it is created at the next poll`,
    );
  }
  return new BlockedError(
    camel(reason),
    `${what}: the organization's state must change before it can succeed`,
  );
}

const camel = (reason: string) =>
  reason
    .toLowerCase()
    .split("_")
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");

/**
 * Whether deleting the object may close the account: only with closeOnDeletion, only an account
 * orgguard created for this object (its tags say so), never the management account. The reason
 * when not.
 */
export function closeDecision(
  spec: Pick<AccountSpec, "closeOnDeletion" | "deletionPolicy">,
  account: Pick<MemberAccount, "id" | "tags" | "state">,
  objectName: string,
  managementAccountId: string,
): { close: true } | { close: false; why: string } {
  if (!spec.closeOnDeletion || spec.deletionPolicy !== "Delete")
    return { close: false, why: "closeOnDeletion is not set: the account stays in the organization" };
  if (account.id === managementAccountId)
    return { close: false, why: "the management account is never closed" };
  if (account.tags[TAG_CREATED] !== "true" || !taggedFor(account.tags, objectName))
    return { close: false, why: "orgguard did not create this account for this object: it never closes it" };
  if (account.state !== "ACTIVE") return { close: false, why: `the account is already ${account.state}` };
  return { close: true };
}

/** What would change to bring a member account to the spec: its OU, and the tags the spec names. */
export function accountChanges(
  account: MemberAccount,
  desired: { parentId: string; ouPath: string; tags: Record<string, string> },
  currentPath: string,
): Change[] {
  const changes: Change[] = [];
  if (account.parentId !== desired.parentId) {
    changes.push({
      path: "ouPath",
      from: currentPath,
      to: desired.ouPath,
      description: `move account ${account.id} (${account.name}) from ${currentPath} to ${desired.ouPath}`,
    });
  }
  for (const [key, value] of Object.entries(tagChanges(desired.tags, account.tags, new Set()).set)) {
    changes.push({ path: `tags[${key}]`, from: account.tags[key], to: value });
  }
  return changes;
}

export class AccountClient implements ExternalClient<AccountObject, AccountAtProvider, AccountHandoff> {
  constructor(
    private readonly api: AccountApi,
    private readonly organization: ViewReader,
  ) {}

  async observe(object: AccountObject): Promise<AccountObservation> {
    const spec = accountSpec.parse(object.spec);
    const deleting = Boolean(object.metadata.deletionTimestamp);
    const view = await this.organization.current();
    const desiredParentId = await resolveContainer(this.organization, spec.ouPath);
    const located = await this.locate(object, spec);
    const handoff: AccountHandoff = {
      ...(desiredParentId ? { desiredParentId } : {}),
      located,
      managementAccountId: view.managementAccountId,
    };
    switch (located.kind) {
      case "absent":
        return {
          exists: false,
          upToDate: false,
          diff: [{ path: "", to: "created", description: this.creationNote(spec) }],
          handoff,
        };
      case "creating":
        return {
          exists: !deleting,
          upToDate: false,
          diff: [],
          progressing: `CreateAccount ${located.request.requestId} for ${spec.name} is ${located.request.state}`,
          status: { createRequestId: located.request.requestId },
          handoff,
        };
      case "invited":
        return {
          exists: !deleting,
          upToDate: false,
          diff: [],
          progressing: `invitation ${located.handshakeId} is ${located.state}: the account's owner must accept it`,
          status: { handshakeId: located.handshakeId, handshakeState: located.state },
          handoff,
        };
      case "member":
        return this.observeMember(object, spec, located.account, handoff, deleting);
    }
  }

  private async observeMember(
    object: AccountObject,
    spec: AccountSpec,
    account: MemberAccount,
    handoff: AccountHandoff,
    deleting: boolean,
  ): Promise<AccountObservation> {
    const view = await this.organization.current();
    const currentPath = pathOfContainer(view, account.parentId) ?? account.parentId;
    const observed: AccountAtProvider = {
      name: account.name,
      email: account.email,
      state: account.state,
      joinedMethod: account.joinedMethod,
      ouPath: currentPath,
    };
    const status = { accountId: account.id, arn: account.arn };
    if (deleting) {
      // Deleting, "exists" asks whether something is left to do: only a close that is allowed.
      const decision = closeDecision(spec, account, object.metadata.name, handoff.managementAccountId);
      return { exists: decision.close, upToDate: false, observed, status, handoff };
    }
    if (account.state !== "ACTIVE") {
      throw new BlockedError(
        "AccountNotActive",
        `account ${account.id} (${account.name}) is ${account.state}`,
      );
    }
    if (!handoff.desiredParentId) {
      throw new RetryableError(
        "ParentNotFound",
        `no OU at ${spec.ouPath} yet: it is created first (by its OrganizationalUnit object) or must exist`,
      );
    }
    const { [TAG_UID]: _uid, ...wanted } = {
      ...spec.tags,
      ...ownershipTags(object.metadata.name, object.metadata.uid),
    };
    const diff = accountChanges(
      account,
      { parentId: handoff.desiredParentId, ouPath: spec.ouPath, tags: wanted },
      currentPath,
    );
    const adopted =
      object.status?.accountId === undefined &&
      spec.accountId !== undefined &&
      !taggedFor(account.tags, object.metadata.name);
    return {
      exists: true,
      upToDate: diff.length === 0,
      diff,
      observed,
      status,
      handoff,
      ...(adopted ? { adopted: `adopted account ${account.id} (${account.name})` } : {}),
    };
  }

  async create(
    object: AccountObject,
    observation: AccountObservation,
  ): Promise<{ status?: Record<string, unknown> }> {
    const spec = accountSpec.parse(object.spec);
    const generation = object.metadata.generation ?? 0;
    if (spec.invite) {
      const target = spec.accountId
        ? ({ type: "ACCOUNT", id: spec.accountId } as const)
        : ({ type: "EMAIL", id: spec.email ?? "" } as const);
      const { [TAG_UID]: _uid, ...tags } = {
        ...spec.tags,
        ...ownershipTags(object.metadata.name, object.metadata.uid),
      };
      const sent = await awsCall(`cannot invite ${target.id} to the organization`, () =>
        this.api.invite(target, tags),
      );
      return {
        status: {
          handshakeId: sent.handshakeId,
          handshakeState: sent.state,
          handshakeGeneration: generation,
        },
      };
    }
    const email = spec.email ?? "";
    const request = await awsCall(`cannot create account ${spec.name}`, () =>
      this.api.create({
        name: spec.name,
        email,
        roleName: spec.roleName,
        iamUserAccessToBilling: spec.iamUserAccessToBilling,
        tags: {
          ...spec.tags,
          ...ownershipTags(object.metadata.name, object.metadata.uid),
          [TAG_CREATED]: "true",
        },
      }),
    );
    if (request.state === "FAILED") throw createFailure(request, email);
    const { desiredParentId } = handoffOf(observation);
    // A request answered at once (moto) has its account already: move it in the same reconcile.
    if (request.accountId && desiredParentId) await this.moveInto(request.accountId, desiredParentId);
    this.organization.invalidate();
    return {
      status: {
        createRequestId: request.requestId,
        createRequestGeneration: generation,
        ...(request.accountId ? { accountId: request.accountId } : {}),
      },
    };
  }

  async update(object: AccountObject, observation: AccountObservation): Promise<void> {
    const { located, desiredParentId } = handoffOf(observation);
    if (located.kind !== "member" || !desiredParentId) return;
    const account = located.account;
    // Tags first: on an adopted account, the ownership tag is what lets the IAM policy conditioned
    // on aws:ResourceTag (iam/management-account-policy.json) allow the move.
    const spec = accountSpec.parse(object.spec);
    const { [TAG_UID]: _uid, ...wanted } = {
      ...spec.tags,
      ...ownershipTags(object.metadata.name, object.metadata.uid),
    };
    const { set } = tagChanges(wanted, account.tags, new Set());
    if (Object.keys(set).length > 0)
      await awsCall(`cannot tag account ${account.id}`, () => this.api.tag(account.id, set));
    if (account.parentId !== desiredParentId) {
      await awsCall(
        `cannot move account ${account.id}`,
        () => this.api.move(account.id, account.parentId, desiredParentId),
        { goalReached: () => undefined },
      );
      this.organization.invalidate();
    }
  }

  /** Closes the account, when (and only when) closeDecision allows it. */
  async delete(object: AccountObject, observation: AccountObservation): Promise<void> {
    const { located, managementAccountId } = handoffOf(observation);
    if (located.kind !== "member") return;
    const spec = accountSpec.parse(object.spec);
    const decision = closeDecision(spec, located.account, object.metadata.name, managementAccountId);
    if (!decision.close) return;
    await awsCall(`cannot close account ${located.account.id}`, () => this.api.close(located.account.id), {
      goalReached: () => undefined,
      notFound: () => undefined,
    });
    this.organization.invalidate();
  }

  /**
   * A create request or an invitation this object made has become a member (found once: its id is
   * recorded in status from then on). AWS finished it after orgguard's own write invalidated the
   * organization view, so a view read meanwhile lacks it: forget it, or the kinds this account's
   * Ready wakes (waitsFor) would look it up by name in that view and not find it.
   */
  private joined(): void {
    this.organization.invalidate();
  }

  /** Where the account the object stands for is: a member, being created, invited, or nowhere. */
  private async locate(object: AccountObject, spec: AccountSpec): Promise<Located> {
    const recorded = typeof object.status?.accountId === "string" ? object.status.accountId : undefined;
    const id = recorded ?? spec.accountId;
    if (id) {
      const member = await this.member(id);
      if (member) {
        // An account invited by id that has accepted since (its id is recorded from now on).
        if (recorded === undefined && typeof object.status?.handshakeId === "string") this.joined();
        return { kind: "member", account: member };
      }
      // Deleting, an account no longer in the organization (closed, removed) leaves nothing to do.
      if (object.metadata.deletionTimestamp) return { kind: "absent" };
      if (spec.invite) return this.invitation(object, spec);
      throw new BlockedError(
        "NotInOrganization",
        recorded
          ? `account ${id} is no longer in the organization (removed, or it left)`
          : `account ${id} is not in the organization: set invite: true to invite it`,
      );
    }
    const request = await this.pendingRequest(object, spec);
    if (request) return request;
    if (spec.invite) return this.invitation(object, spec);
    return this.byEmail(object, spec);
  }

  /** The state of the create request this object made, unless a spec change follows a failed one. */
  private async pendingRequest(object: AccountObject, spec: AccountSpec): Promise<Located | undefined> {
    const requestId =
      typeof object.status?.createRequestId === "string" ? object.status.createRequestId : undefined;
    if (!requestId) return undefined;
    const request = await awsCall(`cannot read CreateAccount request ${requestId}`, () =>
      this.api.createStatus(requestId),
    );
    if (request.state === "IN_PROGRESS") return { kind: "creating", request };
    if (request.state === "SUCCEEDED" && request.accountId) {
      const member = await this.member(request.accountId);
      if (!member) return { kind: "creating", request };
      this.joined();
      return { kind: "member", account: member };
    }
    const madeFor = object.status?.createRequestGeneration;
    if (TRANSIENT_FAILURES.has(request.failureReason ?? "")) return { kind: "absent" };
    if (typeof madeFor === "number" && (object.metadata.generation ?? 0) > madeFor) return { kind: "absent" };
    throw createFailure(request, spec.email ?? "");
  }

  /** The invitation this object sent, if it is still worth following. */
  private async invitation(object: AccountObject, spec: AccountSpec): Promise<Located> {
    const handshakeId =
      typeof object.status?.handshakeId === "string" ? object.status.handshakeId : undefined;
    if (!handshakeId) return { kind: "absent" };
    const state = await awsCall(`cannot read invitation ${handshakeId}`, () =>
      this.api.handshakeState(handshakeId),
    );
    if (OPEN_HANDSHAKES.has(state)) return { kind: "invited", handshakeId, state };
    if (state === "ACCEPTED") {
      const member = spec.accountId
        ? await this.member(spec.accountId)
        : await this.memberByEmail(spec.email ?? "");
      // Accepted, but not listed yet (AWS is eventually consistent): looked at again soon.
      if (!member) return { kind: "invited", handshakeId, state };
      this.joined();
      return { kind: "member", account: member };
    }
    const sentFor = object.status?.handshakeGeneration;
    if (typeof sentFor === "number" && (object.metadata.generation ?? 0) > sentFor) return { kind: "absent" };
    throw new BlockedError(
      `Invitation${camel(state)}`,
      `invitation ${handshakeId} was ${state.toLowerCase()}: change the object (any spec field) to send a new one`,
    );
  }

  /** An account of this email among the members: this object's (a lost create), or refused. */
  private async byEmail(object: AccountObject, spec: AccountSpec): Promise<Located> {
    const email = spec.email ?? "";
    const account = await this.memberByEmail(email);
    if (!account) return { kind: "absent" };
    if (taggedFor(account.tags, object.metadata.name)) return { kind: "member", account };
    if (object.metadata.deletionTimestamp) return { kind: "absent" };
    if (object.spec.managementPolicy === "ObserveOnly") return { kind: "member", account };
    throw new BlockedError(
      "AccountExists",
      `a member account with the email ${email} exists (${account.id}, ${account.name}) and its tags do not show orgguard created it for this object: set spec.accountId: "${account.id}" to adopt it`,
    );
  }

  private async memberByEmail(email: string): Promise<MemberAccount | undefined> {
    const found = await awsCall("cannot list the organization's accounts", () => this.api.findByEmail(email));
    return found ? this.withPlace(found) : undefined;
  }

  /** The member account `id` with its place and tags, or undefined when it is not in the organization. */
  private async member(id: string): Promise<MemberAccount | undefined> {
    let account: AccountRecord;
    try {
      account = await this.api.describe(id);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw toReconcileError(err, `cannot read account ${id}`);
    }
    return this.withPlace(account);
  }

  private async withPlace(account: AccountRecord): Promise<MemberAccount> {
    const [parentId, tags] = await Promise.all([
      awsCall(`cannot read where account ${account.id} is`, () => this.api.parentOf(account.id)),
      awsCall(`cannot read the tags of account ${account.id}`, () => this.api.tagsOf(account.id)),
    ]);
    return { ...account, parentId, tags };
  }

  private async moveInto(accountId: string, parentId: string): Promise<void> {
    const current = await awsCall(`cannot read where account ${accountId} is`, () =>
      this.api.parentOf(accountId),
    );
    if (current === parentId) return;
    await awsCall(`cannot move account ${accountId}`, () => this.api.move(accountId, current, parentId), {
      goalReached: () => undefined,
    });
  }

  private creationNote(spec: AccountSpec): string {
    if (spec.invite)
      return `invite ${spec.accountId ?? "the account of the email in the spec"} to the organization, into ${spec.ouPath}`;
    return `create account ${spec.name} in ${spec.ouPath}`;
  }
}

function handoffOf(observation: AccountObservation): AccountHandoff {
  if (!observation.handoff) throw new Error("an account observation without its handoff");
  return observation.handoff;
}
