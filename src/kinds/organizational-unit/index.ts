/**
 * OrganizationalUnit: an OU of AWS Organizations kept at its path from the root. Created under its
 * parent, renamed back when renamed by hand, tagged as orgguard's; adopted only by id or by the
 * adopt annotation; deleted only with deletionPolicy Delete and only when empty.
 */
import { specProblems } from "../../api/problems.js";
import { requestParameter } from "../../aws/api-call-events.js";
import { ORGANIZATION_VIEW_OPERATIONS } from "../../aws/organization-view.js";
import type { ManagedKind, ManagedObject } from "../../runtime/managed.js";
import { iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { organizationReaderOf } from "../organization.js";
import { organizationalUnitApi, ouSpec } from "./api.js";
import { OuClient, type OuObject } from "./client.js";
import { sdkOuApi } from "./ou-api.js";

const OPERATIONS = [
  ...reads(
    "organizations",
    ...ORGANIZATION_VIEW_OPERATIONS,
    "DescribeOrganizationalUnit",
    "ListParents",
    "ListTagsForResource",
  ),
  ...writes(
    "organizations",
    "CreateOrganizationalUnit",
    "UpdateOrganizationalUnit",
    "DeleteOrganizationalUnit",
    "TagResource",
    "UntagResource",
  ),
];

const OU_ARNS = ["arn:aws:organizations::*:ou/o-*/ou-*"];
const OWNED = { StringEquals: { "aws:ResourceTag/orgguard.io/managed-by": "orgguard" } };

/** The OU's id an API call names, if any (create names the parent and the name instead). */
const ouIdOf = (event: Parameters<NonNullable<Kind["events"]>["concerns"]>[0]) =>
  requestParameter(event, "organizationalUnitId") ?? requestParameter(event, "resourceId");

/** One object per OU path (AWS refuses two OUs of one name under one parent). */
const exclusiveOu = (object: ManagedObject) =>
  typeof object.spec.path === "string" ? { key: `OU ${object.spec.path}`, field: "spec.path" } : undefined;

export const organizationalUnitKind: Kind = {
  api: organizationalUnitApi,
  posture: { scope: "organization" },
  exclusive: exclusiveOu,
  operations: OPERATIONS,
  iam: {
    management: [
      {
        sid: "ReadTheOrganizationalUnits",
        actions: OPERATIONS.filter((op) => op.access === "read").map(iamActionOf),
      },
      // A new OU must carry orgguard's tag (moto ignores the condition; AWS checks it).
      {
        sid: "CreateOnlyOUsTaggedAsOrgguards",
        actions: ["organizations:CreateOrganizationalUnit", "organizations:TagResource"],
        condition: { StringEquals: { "aws:RequestTag/orgguard.io/managed-by": "orgguard" } },
      },
      // Renames, tags and deletes only of OUs tagged as orgguard's (an adopted OU is tagged first).
      {
        sid: "ChangeOnlyOrgguardsOwnOUs",
        actions: [
          "organizations:UpdateOrganizationalUnit",
          "organizations:DeleteOrganizationalUnit",
          "organizations:TagResource",
          "organizations:UntagResource",
        ],
        resources: OU_ARNS,
        condition: OWNED,
      },
    ],
    member: [],
  },
  changesTree: true,
  events: {
    concerns: (event, object) => {
      const id = ouIdOf(event);
      return id === undefined || object.status?.ouId === id;
    },
  },
  plan: {
    // A parent before its children: by depth.
    rank: (object) => (typeof object.spec.path === "string" ? object.spec.path.split("/").length : 0),
    createsOu: (object) => (typeof object.spec.path === "string" ? object.spec.path : undefined),
  },
  runtime: {
    type: "managed",
    managed: (context): ManagedKind =>
      ({
        ref: kindRef(organizationalUnitApi),
        validate: (object: OuObject) => specProblems(ouSpec, object.spec),
        destructive: (object: OuObject) =>
          object.spec.deletionPolicy === "Delete" && typeof object.spec.path === "string"
            ? `deleting ${object.metadata.name} deletes OU ${object.spec.path} once it is empty (orgguard never empties it)`
            : undefined,
        // A nested OU waits for its parent.
        waitsFor: context.treeKinds ?? [],
        claim: (object: OuObject) => exclusiveOu(object)?.key,
        connect: async (_object: OuObject, { signal }: { signal: AbortSignal }) =>
          new OuClient(sdkOuApi(context.aws.bind(signal).organizations()), organizationReaderOf(context)),
      }) satisfies ManagedKind,
  },
};
