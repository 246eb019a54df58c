/**
 * IdentityCenterSessionLength: every permission set of an IAM Identity Center instance gives
 * sessions no longer than maxSessionHours; the ones the spec names are lowered and re-provisioned
 * in Enforce, the others only reported. Organization level: one object per instance, in the
 * account and region Identity Center lives in (the management account or a delegated
 * administrator). MFA in Identity Center has no public API: the docs say so, nothing here pretends.
 */
import { specProblems } from "../../api/problems.js";
import { requestParameter } from "../../aws/api-call-events.js";
import { iamActionOf, type Kind, kindRef, reads, writes } from "../kind-definition.js";
import { observedSessionLength, sessionLengthApi, sessionLengthSpec } from "./api.js";
import { SessionLengthClient } from "./client.js";
import { sdkSessionLengthApi } from "./sso-admin-api.js";

/** sso-admin's calls are authorized as `sso:<Operation>`. */
const sso = <T extends { name: string }>(ops: T[]) =>
  ops.map((op) => ({ ...op, iamAction: `sso:${op.name}` }));

const READS = sso(
  reads(
    "ssoadmin",
    "ListInstances",
    "ListPermissionSets",
    "DescribePermissionSet",
    "ListAccountsForProvisionedPermissionSet",
  ),
);
const WRITES = sso(writes("ssoadmin", "UpdatePermissionSet", "ProvisionPermissionSet"));

const text = (v: unknown) => (typeof v === "string" ? v : undefined);

export const identityCenterSessionLengthKind: Kind = {
  api: sessionLengthApi,
  posture: { scope: "organization" },
  operations: [...READS, ...WRITES],
  iam: {
    management: [
      { sid: "ReadIdentityCenterPermissionSets", actions: READS.map(iamActionOf) },
      { sid: "BoundIdentityCenterSessions", actions: WRITES.map(iamActionOf) },
    ],
    member: [],
  },
  events: {
    // Someone lengthening a permission set's sessions (or provisioning it) in that instance.
    concerns: (event, object) => {
      const instance = requestParameter(event, "instanceArn");
      const atProvider = object.status?.atProvider;
      const known =
        text(object.spec.instanceArn) ??
        (typeof atProvider === "object" && atProvider !== null && "instanceArn" in atProvider
          ? text(atProvider.instanceArn)
          : undefined);
      return instance === undefined || known === undefined || instance === known;
    },
  },
  runtime: {
    type: "managed",
    managed: (context) => ({
      ref: kindRef(sessionLengthApi),
      validate: (object) => specProblems(sessionLengthSpec, object.spec),
      // One object per instance: by its ARN, or by where it lives.
      claim: (object) =>
        text(object.spec.instanceArn) ??
        `Identity Center in ${text(object.spec.accountId) ?? context.aws.knownOwnAccountId() ?? "(own account)"} ${text(object.spec.region) ?? context.aws.options.region}`,
      findings: (object) => {
        const parsed = observedSessionLength.safeParse(object.status?.atProvider);
        return parsed.success ? { permission_sets_over_limit: parsed.data.overLimit ?? 0 } : undefined;
      },
      connect: async (object, { signal }) => {
        const aws = context.aws.bind(signal);
        const accountId = text(object.spec.accountId) ?? (await aws.ownAccountId());
        const region = text(object.spec.region) ?? context.aws.options.region;
        return new SessionLengthClient(
          sdkSessionLengthApi(await aws.forAccount("ssoadmin", { accountId, region })),
          `in account ${accountId}, ${region}`,
        );
      },
    }),
  },
};
