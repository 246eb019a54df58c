/**
 * PasswordPolicy: keeps the IAM account password policy of one account equal to the spec.
 * Reads and writes go to the target account with its own credentials (IAM acts on the caller's
 * account), reached through AssumeRole unless it is the controller's own account.
 */
import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { API_GROUP, API_VERSION, ROLE_ARN_ANNOTATION } from "../../api/common.js";
import { type PasswordPolicySpec, passwordPolicySpec } from "../../api/password-policy.js";
import { specProblems } from "../../api/validate.js";
import { type AwsClients, accountClaim } from "../../aws/clients.js";
import { isNotFound, toReconcileError } from "../../aws/errors.js";
import type { ExternalClient, ManagedKind, ManagedObject, Observation } from "../../runtime/managed.js";
import {
  desiredPasswordPolicy,
  diffPasswordPolicy,
  type NormalizedPasswordPolicy,
  normalizeObserved,
  updateRequest,
} from "./compare.js";

export type PasswordPolicyObject = ManagedObject<PasswordPolicySpec>;

/** The spec with the schema's defaults applied (objects from the apiserver are defaulted already). */
const specOf = (object: PasswordPolicyObject): PasswordPolicySpec => passwordPolicySpec.parse(object.spec);

export function passwordPolicyKind(
  aws: AwsClients,
): ManagedKind<PasswordPolicyObject, NormalizedPasswordPolicy> {
  return {
    ref: { group: API_GROUP, version: API_VERSION, plural: "passwordpolicies", kind: "PasswordPolicy" },
    validate: (object) => specProblems(passwordPolicySpec, object.spec),
    claim: (object) => accountClaim(object.spec.accountId, aws.knownOwnAccountId()),
    connect: async (object) => {
      const spec = specOf(object);
      const accountId = spec.accountId ?? (await aws.ownAccountId());
      const roleArn = object.metadata.annotations?.[ROLE_ARN_ANNOTATION];
      return passwordPolicyClient(aws, accountId, roleArn, desiredPasswordPolicy(spec));
    },
  };
}

function passwordPolicyClient(
  aws: AwsClients,
  accountId: string,
  roleArn: string | undefined,
  desired: NormalizedPasswordPolicy,
): ExternalClient<PasswordPolicyObject, NormalizedPasswordPolicy> {
  const iam = () => aws.iam(accountId, roleArn);
  const write = async () => {
    try {
      await (await iam()).send(new UpdateAccountPasswordPolicyCommand(updateRequest(desired)));
    } catch (err) {
      throw toReconcileError(err, `cannot set the password policy of account ${accountId}`);
    }
  };
  return {
    observe: async (): Promise<Observation<NormalizedPasswordPolicy>> => {
      try {
        const out = await (await iam()).send(new GetAccountPasswordPolicyCommand({}));
        const observed = normalizeObserved(out.PasswordPolicy ?? {});
        const diff = diffPasswordPolicy(desired, observed);
        return { exists: true, upToDate: diff.length === 0, observed, diff, status: { accountId } };
      } catch (err) {
        // NoSuchEntity: the account has no password policy (IAM's defaults apply).
        if (isNotFound(err)) {
          return {
            exists: false,
            upToDate: false,
            diff: diffPasswordPolicy(desired, {} as NormalizedPasswordPolicy),
            status: { accountId },
          };
        }
        throw toReconcileError(err, `cannot read the password policy of account ${accountId}`);
      }
    },
    create: async () => {
      await write();
      return { status: { accountId } };
    },
    update: write,
    delete: async () => {
      try {
        await (await iam()).send(new DeleteAccountPasswordPolicyCommand({}));
      } catch (err) {
        if (!isNotFound(err))
          throw toReconcileError(err, `cannot delete the password policy of account ${accountId}`);
      }
    },
  };
}
