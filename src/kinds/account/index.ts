/**
 * Account: a member account of the organization. Created (CreateAccount, followed to completion,
 * failures reported by reason), adopted by id, or invited (the handshake followed in status); kept
 * in its OU (an account moved by hand is moved back) and its tags. Deleting the object leaves the
 * account in the organization unless closeOnDeletion says otherwise, and orgguard closes only an
 * account it created, never the management account.
 */
import { specProblems } from "../../api/problems.js";
import { requestParameter } from "../../aws/api-call-events.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import type { ManagedKind, ManagedObject } from "../../runtime/managed.js";
import { iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { organizationReaderOf } from "../organization.js";
import { sdkAccountApi } from "./account-api.js";
import { accountApi, accountSpec } from "./api.js";
import { AccountClient, type AccountObject, TAG_CREATED } from "./client.js";

const OPERATIONS = [
  ...reads(
    "organizations",
    ...ORGANIZATION_VIEW_OPERATIONS,
    "DescribeAccount",
    "ListParents",
    "ListTagsForResource",
    "ListAccounts",
    "DescribeCreateAccountStatus",
    "DescribeHandshake",
  ),
  ...writes(
    "organizations",
    "CreateAccount",
    "MoveAccount",
    "TagResource",
    "UntagResource",
    "CloseAccount",
    "InviteAccountToOrganization",
  ),
];

const ACCOUNT_ARNS = ["arn:aws:organizations::*:account/o-*/*"];
const CONTAINER_ARNS = ["arn:aws:organizations::*:root/o-*/r-*", "arn:aws:organizations::*:ou/o-*/ou-*"];
const OWNED = { StringEquals: { "aws:ResourceTag/orgguard.io/managed-by": "orgguard" } };

/** The claim of an Account object: the account it stands for, by id or by email. */
function exclusiveAccount(object: ManagedObject): { key: string; field: string } | undefined {
  const { accountId, email } = object.spec;
  if (typeof accountId === "string") return { key: `account ${accountId}`, field: "spec.accountId" };
  if (typeof email === "string") return { key: `account email ${email.toLowerCase()}`, field: "spec.email" };
  return undefined;
}

const claimOf = (object: AccountObject): string | undefined => exclusiveAccount(object)?.key;

/** What deleting an Account object destroys in AWS: nothing, unless it closes the account. */
function destructive(object: AccountObject): string | undefined {
  const parsed = accountSpec.safeParse(object.spec);
  if (!parsed.success || !parsed.data.closeOnDeletion || parsed.data.deletionPolicy !== "Delete")
    return undefined;
  return `deleting ${object.metadata.name} CLOSES account ${parsed.data.name}; AWS reopens a closed account only within 90 days`;
}

export const accountKind: Kind = {
  api: accountApi,
  posture: { scope: "organization" },
  exclusive: exclusiveAccount,
  operations: OPERATIONS,
  iam: {
    management: [
      { sid: "ReadTheAccounts", actions: OPERATIONS.filter((op) => op.access === "read").map(iamActionOf) },
      // A new account must carry orgguard's tag (moto ignores the condition; AWS checks it).
      {
        sid: "CreateOnlyAccountsTaggedAsOrgguards",
        actions: ["organizations:CreateAccount", "organizations:TagResource"],
        condition: { StringEquals: { "aws:RequestTag/orgguard.io/managed-by": "orgguard" } },
      },
      // Moves and tags of accounts tagged as orgguard's (an adopted account is tagged first).
      {
        sid: "ChangeOnlyOrgguardsOwnAccounts",
        actions: ["organizations:MoveAccount", "organizations:TagResource", "organizations:UntagResource"],
        resources: ACCOUNT_ARNS,
        condition: OWNED,
      },
      { sid: "MoveIntoAnyOU", actions: ["organizations:MoveAccount"], resources: CONTAINER_ARNS },
      // Closing only an account orgguard created (the tag is set by CreateAccount, never later).
      {
        sid: "CloseOnlyAccountsOrgguardCreated",
        actions: ["organizations:CloseAccount"],
        resources: ACCOUNT_ARNS,
        condition: { StringEquals: { [`aws:ResourceTag/${TAG_CREATED}`]: "true" } },
      },
      // An invitation carries orgguard's tags (they land on the account when it joins).
      {
        sid: "InviteOnlyWithOrgguardsTags",
        actions: ["organizations:InviteAccountToOrganization"],
        condition: { StringEquals: { "aws:RequestTag/orgguard.io/managed-by": "orgguard" } },
      },
    ],
    member: [],
  },
  changesTree: true,
  events: {
    concerns: (event, object) => {
      const id = requestParameter(event, "accountId") ?? requestParameter(event, "resourceId");
      return id === undefined || object.status?.accountId === id;
    },
  },
  runtime: {
    type: "managed",
    managed: (context): ManagedKind => ({
      ref: kindRef(accountApi),
      validate: (object) => specProblems(accountSpec, object.spec),
      claim: claimOf,
      destructive,
      // An account waits for the OU it goes in.
      waitsFor: context.treeKinds ?? [],
      connect: async (_object, { signal }) =>
        new AccountClient(
          sdkAccountApi(context.aws.bind(signal).organizations()),
          organizationReaderOf(context),
        ),
    }),
  },
};
