/**
 * The AWS Organizations calls the Account kind makes, as a narrow interface: the kind's decisions
 * are tested against a fake of it, and against moto (which lacks handshakes: SDK stubs) through
 * the SDK implementation. Errors are AWS's own; the kind decides what they mean.
 */
import {
  CloseAccountCommand,
  CreateAccountCommand,
  DescribeAccountCommand,
  DescribeCreateAccountStatusCommand,
  DescribeHandshakeCommand,
  InviteAccountToOrganizationCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  MoveAccountCommand,
  type OrganizationsClient,
  paginateListAccounts,
  TagResourceCommand,
  UntagResourceCommand,
} from "@aws-sdk/client-organizations";
import { RetryableError } from "../../runtime/reconcile-errors.js";

/** An account as AWS describes it. */
export interface AccountRecord {
  id: string;
  arn: string;
  name: string;
  email: string;
  /** ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED. */
  state: string;
  /** CREATED or INVITED. */
  joinedMethod: string;
}

/** A CreateAccount request as DescribeCreateAccountStatus tells it. */
export interface CreateStatus {
  requestId: string;
  /** IN_PROGRESS, SUCCEEDED or FAILED. */
  state: string;
  accountId?: string;
  /** Why it failed: EMAIL_ALREADY_EXISTS, ACCOUNT_LIMIT_EXCEEDED, ... */
  failureReason?: string;
}

export interface NewAccount {
  name: string;
  email: string;
  roleName: string;
  iamUserAccessToBilling: "ALLOW" | "DENY";
  tags: Record<string, string>;
}

export interface AccountApi {
  /** DescribeAccount; AWS's AccountNotFoundException when it is not in the organization. */
  describe(id: string): Promise<AccountRecord>;
  /** The root or OU the account is in (ListParents). */
  parentOf(id: string): Promise<string>;
  tagsOf(id: string): Promise<Record<string, string>>;
  /** The member account with this root email, if any (ListAccounts). */
  findByEmail(email: string): Promise<AccountRecord | undefined>;
  create(account: NewAccount): Promise<CreateStatus>;
  createStatus(requestId: string): Promise<CreateStatus>;
  move(id: string, from: string, to: string): Promise<void>;
  tag(id: string, tags: Record<string, string>): Promise<void>;
  untag(id: string, keys: string[]): Promise<void>;
  close(id: string): Promise<void>;
  /** InviteAccountToOrganization; the handshake's id and state. */
  invite(
    target: { type: "ACCOUNT" | "EMAIL"; id: string },
    tags: Record<string, string>,
  ): Promise<{ handshakeId: string; state: string }>;
  /** DescribeHandshake: REQUESTED, OPEN, ACCEPTED, DECLINED, CANCELED or EXPIRED. */
  handshakeState(id: string): Promise<string>;
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function accountRecord(
  a: {
    Id?: string;
    Arn?: string;
    Name?: string;
    Email?: string;
    Status?: string;
    State?: string;
    JoinedMethod?: string;
  },
  what: string,
): AccountRecord {
  if (!a.Id)
    throw new RetryableError(
      "UnexpectedResponse",
      `AWS Organizations answered ${what} without an account id`,
    );
  return {
    id: a.Id,
    arn: a.Arn ?? "",
    name: a.Name ?? "",
    email: a.Email ?? "",
    // State (2025) replaces Status; moto and older answers carry only Status.
    state: a.State ?? a.Status ?? "ACTIVE",
    joinedMethod: a.JoinedMethod ?? "",
  };
}

function createStatus(
  s: { Id?: string; State?: string; AccountId?: string; FailureReason?: string } | undefined,
  what: string,
): CreateStatus {
  if (!s?.Id || !s.State)
    throw new RetryableError(
      "UnexpectedResponse",
      `AWS Organizations answered ${what} without a request status`,
    );
  return {
    requestId: s.Id,
    state: s.State,
    ...(s.AccountId ? { accountId: s.AccountId } : {}),
    ...(s.FailureReason ? { failureReason: s.FailureReason } : {}),
  };
}

/** The AccountApi of an Organizations SDK client (bound to a reconcile's deadline by its caller). */
export function sdkAccountApi(org: OrganizationsClient): AccountApi {
  return {
    async describe(id) {
      const out = await org.send(new DescribeAccountCommand({ AccountId: id }));
      return accountRecord(out.Account ?? {}, `DescribeAccount ${id}`);
    },
    async parentOf(id) {
      const parent = (await org.send(new ListParentsCommand({ ChildId: id }))).Parents?.[0]?.Id;
      if (!parent)
        throw new RetryableError("UnexpectedResponse", `AWS Organizations listed no parent of ${id}`);
      return parent;
    },
    async tagsOf(id) {
      const out = await org.send(new ListTagsForResourceCommand({ ResourceId: id }));
      return Object.fromEntries((out.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : [])));
    },
    async findByEmail(email) {
      const wanted = email.toLowerCase();
      for await (const page of paginateListAccounts({ client: org }, {})) {
        const match = page.Accounts?.find((a) => a.Email?.toLowerCase() === wanted);
        if (match) return accountRecord(match, "ListAccounts");
      }
      return undefined;
    },
    async create(account) {
      const out = await org.send(
        new CreateAccountCommand({
          AccountName: account.name,
          Email: account.email,
          RoleName: account.roleName,
          IamUserAccessToBilling: account.iamUserAccessToBilling,
          Tags: tagList(account.tags),
        }),
      );
      return createStatus(out.CreateAccountStatus, `CreateAccount ${account.name}`);
    },
    async createStatus(requestId) {
      const out = await org.send(
        new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: requestId }),
      );
      return createStatus(out.CreateAccountStatus, `DescribeCreateAccountStatus ${requestId}`);
    },
    async move(id, from, to) {
      await org.send(
        new MoveAccountCommand({ AccountId: id, SourceParentId: from, DestinationParentId: to }),
      );
    },
    async tag(id, tags) {
      await org.send(new TagResourceCommand({ ResourceId: id, Tags: tagList(tags) }));
    },
    async untag(id, keys) {
      await org.send(new UntagResourceCommand({ ResourceId: id, TagKeys: keys }));
    },
    async close(id) {
      await org.send(new CloseAccountCommand({ AccountId: id }));
    },
    async invite(target, tags) {
      const out = await org.send(
        new InviteAccountToOrganizationCommand({
          Target: { Type: target.type, Id: target.id },
          Tags: tagList(tags),
        }),
      );
      const handshake = out.Handshake;
      if (!handshake?.Id)
        throw new RetryableError(
          "UnexpectedResponse",
          "AWS Organizations answered an invitation without a handshake id",
        );
      return { handshakeId: handshake.Id, state: handshake.State ?? "REQUESTED" };
    },
    async handshakeState(id) {
      const out = await org.send(new DescribeHandshakeCommand({ HandshakeId: id }));
      return out.Handshake?.State ?? "REQUESTED";
    },
  };
}
