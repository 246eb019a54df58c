/**
 * The AWS Organizations calls the OrganizationalUnit kind makes, as a narrow interface: the kind's
 * decisions are tested against a fake of it, and against moto through the SDK implementation.
 * Errors are AWS's own; the kind decides what they mean.
 */
import {
  CreateOrganizationalUnitCommand,
  DeleteOrganizationalUnitCommand,
  DescribeOrganizationalUnitCommand,
  ListParentsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
  paginateListOrganizationalUnitsForParent,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateOrganizationalUnitCommand,
} from "@aws-sdk/client-organizations";
import { RetryableError } from "../../runtime/reconcile-errors.js";

/** An OU as AWS describes it. */
export interface OuRecord {
  id: string;
  arn: string;
  name: string;
}

export interface OuApi {
  /** DescribeOrganizationalUnit; AWS's OrganizationalUnitNotFoundException when it is gone. */
  describe(id: string): Promise<OuRecord>;
  /** The OU's parent (ListParents). */
  parentOf(id: string): Promise<string>;
  /** The OUs directly under `parentId`. */
  ousUnder(parentId: string): Promise<OuRecord[]>;
  /** How many accounts are directly in `parentId` (stops counting after the first page). */
  hasAccounts(parentId: string): Promise<number>;
  tagsOf(id: string): Promise<Record<string, string>>;
  create(parentId: string, name: string, tags: Record<string, string>): Promise<OuRecord>;
  rename(id: string, name: string): Promise<void>;
  tag(id: string, tags: Record<string, string>): Promise<void>;
  untag(id: string, keys: string[]): Promise<void>;
  delete(id: string): Promise<void>;
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

function ouRecord(ou: { Id?: string; Arn?: string; Name?: string } | undefined, what: string): OuRecord {
  if (!ou?.Id)
    throw new RetryableError("UnexpectedResponse", `AWS Organizations answered ${what} without an OU id`);
  return { id: ou.Id, arn: ou.Arn ?? "", name: ou.Name ?? "" };
}

/** The OuApi of an Organizations SDK client (bound to a reconcile's deadline by its caller). */
export function sdkOuApi(org: OrganizationsClient): OuApi {
  return {
    async describe(id) {
      const out = await org.send(new DescribeOrganizationalUnitCommand({ OrganizationalUnitId: id }));
      return ouRecord(out.OrganizationalUnit, `DescribeOrganizationalUnit ${id}`);
    },
    async parentOf(id) {
      const parent = (await org.send(new ListParentsCommand({ ChildId: id }))).Parents?.[0]?.Id;
      if (!parent)
        throw new RetryableError("UnexpectedResponse", `AWS Organizations listed no parent of ${id}`);
      return parent;
    },
    async ousUnder(parentId) {
      const ous: OuRecord[] = [];
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client: org },
        { ParentId: parentId },
      )) {
        for (const ou of page.OrganizationalUnits ?? []) ous.push(ouRecord(ou, `the OUs of ${parentId}`));
      }
      return ous;
    },
    async hasAccounts(parentId) {
      for await (const page of paginateListAccountsForParent({ client: org }, { ParentId: parentId })) {
        return page.Accounts?.length ?? 0;
      }
      return 0;
    },
    async tagsOf(id) {
      const out = await org.send(new ListTagsForResourceCommand({ ResourceId: id }));
      return Object.fromEntries((out.Tags ?? []).flatMap((t) => (t.Key ? [[t.Key, t.Value ?? ""]] : [])));
    },
    async create(parentId, name, tags) {
      const out = await org.send(
        new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: name, Tags: tagList(tags) }),
      );
      return ouRecord(out.OrganizationalUnit, `CreateOrganizationalUnit ${name}`);
    },
    async rename(id, name) {
      await org.send(new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: id, Name: name }));
    },
    async tag(id, tags) {
      await org.send(new TagResourceCommand({ ResourceId: id, Tags: tagList(tags) }));
    },
    async untag(id, keys) {
      await org.send(new UntagResourceCommand({ ResourceId: id, TagKeys: keys }));
    },
    async delete(id) {
      await org.send(new DeleteOrganizationalUnitCommand({ OrganizationalUnitId: id }));
    },
  };
}
