/**
 * TemporaryAccess: temporary elevated access approved in git (the first seed's example: a
 * developer gets limited production access for 4 days, approved by two people). An IAM Identity
 * Center permission set is assigned to a user or group in named accounts until expiresAt, and the
 * assignments orgguard created are removed then without anyone acting (the reconciler is told to
 * look again at the expiry); deleting the object removes them at once. A request longer than the
 * permission set's ceiling (the controller's --temporary-access-max-durations) grants nothing.
 */
import { specProblems } from "../../api/problems.js";
import { requestParameter } from "../../aws/api-call-events.js";
import { iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { sdkAccessApi } from "./access-api.js";
import { temporaryAccessApi, temporaryAccessSpec } from "./api.js";
import { grantedOf, TemporaryAccessClient } from "./client.js";
import { maxDurationOf } from "./options.js";

/** sso-admin's calls are authorized as `sso:<Operation>`. */
const sso = <T extends { name: string }>(ops: T[]) =>
  ops.map((op) => ({ ...op, iamAction: `sso:${op.name}` }));

const READS = [
  ...sso(
    reads(
      "ssoadmin",
      "ListInstances",
      "ListPermissionSets",
      "DescribePermissionSet",
      "ListAccountAssignments",
    ),
  ),
  ...reads("identitystore", "GetUserId", "GetGroupId"),
];
const WRITES = sso(writes("ssoadmin", "CreateAccountAssignment", "DeleteAccountAssignment"));

const text = (v: unknown) => (typeof v === "string" ? v : undefined);

export const temporaryAccessKind: Kind = {
  api: temporaryAccessApi,
  posture: { scope: "organization" },
  operations: [...READS, ...WRITES],
  iam: {
    management: [
      { sid: "ReadIdentityCenterAssignments", actions: READS.map(iamActionOf) },
      // Identity Center authorizes these on the instance, the permission set and the account, which
      // are each object's: narrow them to your instance ARN and the permission sets you allow.
      { sid: "TemporaryAccountAssignments", actions: WRITES.map(iamActionOf) },
    ],
    member: [],
  },
  events: {
    // Someone removing (or adding) an assignment of the account an object grants in.
    concerns: (event, object) => {
      const account = requestParameter(event, "targetId");
      const accounts = Array.isArray(object.spec.accounts) ? object.spec.accounts : [];
      return (
        account === undefined || accounts.includes(account) || grantedOf(object.status).includes(account)
      );
    },
  },
  runtime: {
    type: "managed",
    managed: (context) => ({
      ref: kindRef(temporaryAccessApi),
      validate: (object) => specProblems(temporaryAccessSpec, object.spec),
      connect: async (object, { signal }) => {
        const aws = context.aws.bind(signal);
        const accountId = text(object.spec.accountId) ?? (await aws.ownAccountId());
        const region = text(object.spec.region) ?? context.aws.options.region;
        const target = { accountId, region };
        return new TemporaryAccessClient(
          sdkAccessApi(
            await aws.forAccount("ssoadmin", target),
            await aws.forAccount("identitystore", target),
          ),
          (permissionSet) => maxDurationOf(context.temporaryAccessMaxDurations, permissionSet),
          `in account ${accountId}, ${region}`,
        );
      },
    }),
  },
};
