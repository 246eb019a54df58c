/**
 * The IAM calls the IamCredentials setting makes in one account, as a narrow interface: the
 * setting's decisions are tested in-process against a fake of it, and against moto (which has no
 * root row in the report and root flags fixed at 0) through the SDK implementation below. Errors
 * are AWS's own; the setting decides what they mean. Access key ids pass through here and go no
 * further than a deactivation: nothing below puts one in a message.
 */
import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  type IAMClient,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
  UpdateAccessKeyCommand,
} from "@aws-sdk/client-iam";
import type { LiveKey } from "./compare.js";

/** The credential report as GetCredentialReport gives it. */
export interface ReportDocument {
  csv: string;
  generatedAt?: string;
}

export interface CredentialsApi {
  /** GenerateCredentialReport: COMPLETE when a report under 4 hours old exists, else STARTED or INPROGRESS. */
  generateReport(): Promise<string>;
  /** GetCredentialReport; AWS's ReportNotPresent, ReportExpired or ReportInProgress when there is none to give. */
  report(): Promise<ReportDocument>;
  /** GetAccountSummary: whether the root user has access keys, and MFA. */
  rootCredentials(): Promise<{ accessKeysPresent: boolean; mfaEnabled: boolean }>;
  /** The users with managed policies attached or inline policies (GetAccountAuthorizationDetails, users only). */
  usersWithDirectPolicies(): Promise<string[]>;
  /** The user's access keys now (ListAccessKeys), without their last use. */
  accessKeys(userName: string): Promise<Array<Omit<LiveKey, "lastUsed">>>;
  /** When a key was last used (GetAccessKeyLastUsed); undefined when never. */
  lastUsed(keyId: string): Promise<Date | undefined>;
  /** UpdateAccessKey to Inactive: the key stays, unusable, until someone activates it again. */
  deactivate(userName: string, keyId: string): Promise<void>;
}

/** The CredentialsApi of an IAM client acting in the account (bound to a reconcile's deadline by its caller). */
export function sdkCredentialsApi(iam: IAMClient): CredentialsApi {
  return {
    async generateReport() {
      return (await iam.send(new GenerateCredentialReportCommand({}))).State ?? "STARTED";
    },
    async report() {
      const out = await iam.send(new GetCredentialReportCommand({}));
      return {
        csv: out.Content ? new TextDecoder().decode(out.Content) : "",
        ...(out.GeneratedTime ? { generatedAt: out.GeneratedTime.toISOString() } : {}),
      };
    },
    async rootCredentials() {
      const summary = (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap ?? {};
      return {
        accessKeysPresent: (summary.AccountAccessKeysPresent ?? 0) > 0,
        mfaEnabled: (summary.AccountMFAEnabled ?? 0) > 0,
      };
    },
    async usersWithDirectPolicies() {
      const users: string[] = [];
      for await (const page of paginateGetAccountAuthorizationDetails(
        { client: iam },
        { Filter: ["User"] },
      )) {
        for (const user of page.UserDetailList ?? []) {
          const direct = (user.AttachedManagedPolicies ?? []).length + (user.UserPolicyList ?? []).length;
          if (direct > 0 && user.UserName) users.push(user.UserName);
        }
      }
      return users;
    },
    async accessKeys(userName) {
      const keys: Array<Omit<LiveKey, "lastUsed">> = [];
      for await (const page of paginateListAccessKeys({ client: iam }, { UserName: userName })) {
        for (const k of page.AccessKeyMetadata ?? []) {
          if (!k.AccessKeyId || !k.CreateDate) continue;
          keys.push({
            id: k.AccessKeyId,
            userName,
            status: k.Status === "Active" ? "Active" : "Inactive",
            created: k.CreateDate,
          });
        }
      }
      return keys;
    },
    async lastUsed(keyId) {
      const out = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
      return out.AccessKeyLastUsed?.LastUsedDate;
    },
    async deactivate(userName, keyId) {
      await iam.send(
        new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: keyId, Status: "Inactive" }),
      );
    },
  };
}
