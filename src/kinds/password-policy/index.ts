/**
 * PasswordPolicy: the IAM account password policy of one account, as an account setting. IAM acts
 * on the caller's account, so reads and writes go to the target account with its own credentials
 * (AssumeRole, unless it is the controller's own account).
 */
import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import type { Problem } from "../../api/problems.js";
import { awsCall } from "../../aws/aws-errors.js";
import type { AwsAccess, ClientTarget } from "../../aws/clients.js";
import { reads, writes } from "../kind-definition.js";
import type { AccountSetting, SettingClient } from "../setting/setting.js";
import {
  desiredPasswordPolicy,
  diffPasswordPolicy,
  type NormalizedPasswordPolicy,
  normalizeObserved,
  updateRequest,
} from "./compare.js";
import { observedPasswordPolicy, type PasswordPolicyFields, passwordPolicyFields } from "./schema.js";

/** CIS AWS Foundations v5.0 1.7-1.8 / v6.0 2.7-2.8. */
export const CIS_MINIMUM_PASSWORD_LENGTH = 14;
export const CIS_PASSWORD_REUSE_PREVENTION = 24;

/** A password policy weaker than CIS asks for. */
function lintPasswordPolicy(fields: PasswordPolicyFields, base: string): Problem[] {
  const warnings: Problem[] = [];
  if (fields.minimumPasswordLength < CIS_MINIMUM_PASSWORD_LENGTH) {
    warnings.push({
      path: `${base}.minimumPasswordLength`,
      message: `${fields.minimumPasswordLength} is below CIS's minimum of ${CIS_MINIMUM_PASSWORD_LENGTH}`,
    });
  }
  if ((fields.passwordReusePrevention ?? 0) < CIS_PASSWORD_REUSE_PREVENTION) {
    warnings.push({
      path: `${base}.passwordReusePrevention`,
      message: `CIS asks to prevent reuse of the last ${CIS_PASSWORD_REUSE_PREVENTION} passwords (${fields.passwordReusePrevention ?? "no reuse check"} here)`,
    });
  }
  return warnings;
}

function passwordPolicyClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<NormalizedPasswordPolicy, NormalizedPasswordPolicy> {
  const { accountId } = target;
  const iam = () => aws.forAccount("iam", target);
  return {
    read: async () => {
      // NoSuchEntity: the account has no password policy (IAM's defaults apply).
      const out = await awsCall(
        `cannot read the password policy of account ${accountId}`,
        async () => (await iam()).send(new GetAccountPasswordPolicyCommand({})),
        { notFound: () => undefined },
      );
      return out ? normalizeObserved(out.PasswordPolicy ?? {}) : undefined;
    },
    write: async (desired) => {
      await awsCall(`cannot set the password policy of account ${accountId}`, async () =>
        (await iam()).send(new UpdateAccountPasswordPolicyCommand(updateRequest(desired))),
      );
    },
    remove: async () => {
      await awsCall(
        `cannot delete the password policy of account ${accountId}`,
        async () => (await iam()).send(new DeleteAccountPasswordPolicyCommand({})),
        { notFound: () => undefined },
      );
    },
  };
}

export const passwordPolicySetting: AccountSetting<
  typeof passwordPolicyFields,
  NormalizedPasswordPolicy,
  NormalizedPasswordPolicy
> = {
  names: {
    kind: "PasswordPolicy",
    plural: "passwordpolicies",
    singular: "passwordpolicy",
    shortNames: ["pwpolicy"],
    field: "passwordPolicy",
  },
  scope: "account",
  noun: "password policy",
  description:
    "PasswordPolicy keeps the IAM account password policy of one AWS account equal to its spec, repairing drift.",
  specDescription: "The IAM account password policy orgguard keeps in one account.",
  fieldDescription: "The IAM password policy every selected account gets",
  fields: passwordPolicyFields,
  observed: observedPasswordPolicy,
  printerColumns: [{ name: "Min-Length", type: "integer", jsonPath: ".spec.minimumPasswordLength" }],
  lint: lintPasswordPolicy,
  desired: desiredPasswordPolicy,
  diff: diffPasswordPolicy,
  client: passwordPolicyClient,
  controls: [
    {
      id: "CIS 1.8",
      title: "IAM password policy requires a minimum length of 14 or greater",
      holds: (observed) => (observed?.minimumPasswordLength ?? 0) >= 14,
    },
    {
      id: "CIS 1.9",
      title: "IAM password policy prevents password reuse (24 remembered)",
      holds: (observed) => (observed?.passwordReusePrevention ?? 0) >= 24,
    },
  ],
  operations: [
    ...reads("iam", "GetAccountPasswordPolicy"),
    ...writes("iam", "UpdateAccountPasswordPolicy", "DeleteAccountPasswordPolicy"),
  ],
};
