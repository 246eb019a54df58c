/**
 * Pure comparison of a PasswordPolicy spec with what IAM reports. IAM has no partial update and
 * says "never expires" / "no reuse check" only by omission, so both sides are normalized to the
 * same explicit shape before comparing, and every update sends the whole policy.
 */
import type {
  PasswordPolicy as AwsPasswordPolicy,
  UpdateAccountPasswordPolicyCommandInput,
} from "@aws-sdk/client-iam";
import type { Change } from "../../runtime/managed.js";
import type { PasswordPolicyFields } from "./schema.js";

/** A password policy with IAM's defaults made explicit; absent optional fields mean "off". */
export interface NormalizedPasswordPolicy {
  minimumPasswordLength: number;
  requireSymbols: boolean;
  requireNumbers: boolean;
  requireUppercaseCharacters: boolean;
  requireLowercaseCharacters: boolean;
  allowUsersToChangePassword: boolean;
  maxPasswordAge?: number;
  passwordReusePrevention?: number;
  hardExpiry: boolean;
}

const FIELDS: Array<keyof NormalizedPasswordPolicy> = [
  "minimumPasswordLength",
  "requireSymbols",
  "requireNumbers",
  "requireUppercaseCharacters",
  "requireLowercaseCharacters",
  "allowUsersToChangePassword",
  "maxPasswordAge",
  "passwordReusePrevention",
  "hardExpiry",
];

/** IAM's minimum length when none is given. */
const IAM_DEFAULT_MINIMUM_LENGTH = 6;

/** The policy the spec asks for. */
export function desiredPasswordPolicy(spec: PasswordPolicyFields): NormalizedPasswordPolicy {
  return {
    minimumPasswordLength: spec.minimumPasswordLength,
    requireSymbols: spec.requireSymbols,
    requireNumbers: spec.requireNumbers,
    requireUppercaseCharacters: spec.requireUppercaseCharacters,
    requireLowercaseCharacters: spec.requireLowercaseCharacters,
    allowUsersToChangePassword: spec.allowUsersToChangePassword,
    ...(spec.maxPasswordAge !== undefined ? { maxPasswordAge: spec.maxPasswordAge } : {}),
    ...(spec.passwordReusePrevention !== undefined
      ? { passwordReusePrevention: spec.passwordReusePrevention }
      : {}),
    hardExpiry: spec.hardExpiry,
  };
}

/** What GetAccountPasswordPolicy returned, with IAM's defaults made explicit. */
export function normalizeObserved(policy: AwsPasswordPolicy): NormalizedPasswordPolicy {
  return {
    minimumPasswordLength: policy.MinimumPasswordLength ?? IAM_DEFAULT_MINIMUM_LENGTH,
    requireSymbols: policy.RequireSymbols ?? false,
    requireNumbers: policy.RequireNumbers ?? false,
    requireUppercaseCharacters: policy.RequireUppercaseCharacters ?? false,
    requireLowercaseCharacters: policy.RequireLowercaseCharacters ?? false,
    allowUsersToChangePassword: policy.AllowUsersToChangePassword ?? false,
    // IAM may report 0 for "never expires" / "no reuse check"; both mean the field is off.
    ...(policy.MaxPasswordAge ? { maxPasswordAge: policy.MaxPasswordAge } : {}),
    ...(policy.PasswordReusePrevention ? { passwordReusePrevention: policy.PasswordReusePrevention } : {}),
    hardExpiry: policy.HardExpiry ?? false,
  };
}

/** The fields that differ, as planned changes (empty when in sync); no policy at all differs in every field. */
export function diffPasswordPolicy(
  desired: NormalizedPasswordPolicy,
  observed: NormalizedPasswordPolicy | undefined,
): Change[] {
  return FIELDS.filter((f) => desired[f] !== observed?.[f]).map((f) => ({
    path: f,
    ...(observed?.[f] !== undefined ? { from: observed[f] } : {}),
    ...(desired[f] !== undefined ? { to: desired[f] } : {}),
  }));
}

/** The whole policy as UpdateAccountPasswordPolicy takes it (omitted optional fields mean "off"). */
export function updateRequest(desired: NormalizedPasswordPolicy): UpdateAccountPasswordPolicyCommandInput {
  return {
    MinimumPasswordLength: desired.minimumPasswordLength,
    RequireSymbols: desired.requireSymbols,
    RequireNumbers: desired.requireNumbers,
    RequireUppercaseCharacters: desired.requireUppercaseCharacters,
    RequireLowercaseCharacters: desired.requireLowercaseCharacters,
    AllowUsersToChangePassword: desired.allowUsersToChangePassword,
    ...(desired.maxPasswordAge !== undefined ? { MaxPasswordAge: desired.maxPasswordAge } : {}),
    ...(desired.passwordReusePrevention !== undefined
      ? { PasswordReusePrevention: desired.passwordReusePrevention }
      : {}),
    HardExpiry: desired.hardExpiry,
  };
}
