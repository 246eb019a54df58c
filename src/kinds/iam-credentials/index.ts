/**
 * IamCredentials: no non-expiring access left behind in an account. Each reconcile reads the
 * credential report (IAM's CSV of every user's password, MFA and access keys), the account summary
 * (the root user's keys and MFA) and, where the report shows users, which of them hold policies of
 * their own; then, for every user not excepted who has a key, IAM's live list of their keys and
 * when each was last used. ObserveOnly (the default) reports; Enforce deactivates (never deletes)
 * the active keys past maxAccessKeyAgeDays or maxUnusedDays of users not under `exceptions`.
 * Passwords, MFA, the root user and direct policies are reported, never changed: they are CIS
 * findings (status, metrics, a baseline's compliance), not something a controller should undo.
 *
 * The report is generated asynchronously: GenerateCredentialReport answers COMPLETE when a report
 * under 4 hours old exists, else STARTED. Then the reading says so (`reportState`), the object is
 * Ready=False/Progressing and is looked at again 15 s later; no worker waits on IAM meanwhile.
 *
 * Access key ids never leave this folder's memory: status names a key by its user and its place
 * (#1 the older), and AWS's messages are stripped of ids before they become conditions, events or
 * logs.
 */
import { type AwsCallAnswers, awsErrorCode, meaningOf, toReconcileError } from "../../aws/aws-errors.js";
import type { AwsAccess, ClientTarget } from "../../aws/clients.js";
import { RetryableError } from "../../runtime/reconcile-errors.js";
import { reads, writes } from "../kind-definition.js";
import type { AccountSetting, SettingClient } from "../setting/setting.js";
import {
  type CredentialFacts,
  diffIamCredentials,
  judgeCredentials,
  keyLabel,
  type LiveKey,
  parseCredentialReport,
  usersToReadLive,
  withoutKeyIds,
} from "./compare.js";
import { type CredentialsApi, sdkCredentialsApi } from "./credentials-api.js";
import {
  type IamCredentialsFields,
  iamCredentialsFields,
  type ObservedIamCredentials,
  observedIamCredentials,
} from "./schema.js";

/** GetCredentialReport's answers while there is no report to give: generate one, and come back. */
const REPORT_NOT_READY = new Set([
  "ReportNotPresent",
  "ReportExpired",
  "ReportInProgress",
  "CredentialReportNotPresentException",
  "CredentialReportExpiredException",
  "CredentialReportNotReadyException",
]);

/**
 * awsCall (aws-errors.ts) for IAM calls that may name an access key: the failure is reported with
 * every key id AWS's message may hold removed ("The Access Key with id AKIA... cannot be found").
 */
async function iamCall<T>(what: string, call: () => Promise<T>, answers: AwsCallAnswers<T> = {}): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (meaningOf(err) === "not-found" && answers.notFound) return answers.notFound();
    if (err instanceof Error) err.message = withoutKeyIds(err.message);
    throw toReconcileError(err, what);
  }
}

/** What one reading of an account gathers (undefined: IAM is still generating the report, in that state). */
async function gather(
  api: CredentialsApi,
  fields: IamCredentialsFields,
  where: string,
  generate: boolean,
): Promise<CredentialFacts | { reportState: string }> {
  if (generate) {
    const state = await iamCall(`cannot ask IAM for the credential report ${where}`, () =>
      api.generateReport(),
    );
    if (state !== "COMPLETE") return { reportState: state };
  }
  let document: Awaited<ReturnType<CredentialsApi["report"]>>;
  try {
    document = await api.report();
  } catch (err) {
    const code = awsErrorCode(err);
    if (code && REPORT_NOT_READY.has(code)) {
      if (generate) return { reportState: "INPROGRESS" };
      throw new RetryableError(
        "CredentialReportNotReady",
        `the credential report ${where} is being generated again`,
      );
    }
    if (err instanceof Error) err.message = withoutKeyIds(err.message);
    throw toReconcileError(err, `cannot read the credential report ${where}`);
  }
  const report = parseCredentialReport(document.csv);
  const root = await iamCall(`cannot read the account summary ${where}`, () => api.rootCredentials());
  const usersWithDirectPolicies =
    report.users.length > 0
      ? await iamCall(`cannot read the users' policies ${where}`, () => api.usersWithDirectPolicies())
      : [];
  const liveKeys = new Map<string, LiveKey[]>();
  for (const userName of usersToReadLive(report, fields)) {
    // A user deleted since the report has no keys left.
    const keys = await iamCall(
      `cannot list the access keys of ${userName} ${where}`,
      () => api.accessKeys(userName),
      {
        notFound: () => [],
      },
    );
    const live: LiveKey[] = [];
    for (const key of keys) {
      const lastUsed =
        key.status === "Active"
          ? await iamCall(`cannot read when ${userName}'s access key was last used ${where}`, () =>
              api.lastUsed(key.id),
            )
          : undefined;
      live.push({ ...key, ...(lastUsed ? { lastUsed } : {}) });
    }
    liveKeys.set(userName, live);
  }
  return {
    report,
    ...(document.generatedAt ? { reportGeneratedAt: document.generatedAt } : {}),
    rootAccessKeysPresent: root.accessKeysPresent,
    rootMfaEnabled: root.mfaEnabled,
    usersWithDirectPolicies,
    liveKeys,
  };
}

/** The setting's client in one account, over any CredentialsApi (the SDK's, or a test's fake). */
export function iamCredentialsClientOf(
  api: CredentialsApi,
  accountId: string,
  now: () => Date = () => new Date(),
): SettingClient<IamCredentialsFields, ObservedIamCredentials> {
  const where = `of account ${accountId}`;
  return {
    read: async (fields) => {
      const facts = await gather(api, fields, where, true);
      if ("reportState" in facts) return { reportState: facts.reportState };
      return judgeCredentials(facts, fields, now()).observed;
    },
    // Judged afresh (keys may have changed since the observation): the ids are known only here.
    write: async (fields) => {
      const facts = await gather(api, fields, where, false);
      if ("reportState" in facts) return;
      for (const key of judgeCredentials(facts, fields, now()).deactivate) {
        // Gone meanwhile (the user deleted it): nothing is left to deactivate.
        await iamCall(
          `cannot deactivate ${keyLabel(key)} ${where}`,
          () => api.deactivate(key.userName, key.id),
          {
            notFound: () => undefined,
          },
        );
      }
    },
    // Never called (irreversible: keys are never reactivated by orgguard).
    remove: async () => {},
  };
}

function iamCredentialsClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<IamCredentialsFields, ObservedIamCredentials> {
  let api: CredentialsApi | undefined;
  const lazy: CredentialsApi = {
    generateReport: async () => (await sdk()).generateReport(),
    report: async () => (await sdk()).report(),
    rootCredentials: async () => (await sdk()).rootCredentials(),
    usersWithDirectPolicies: async () => (await sdk()).usersWithDirectPolicies(),
    accessKeys: async (user) => (await sdk()).accessKeys(user),
    lastUsed: async (id) => (await sdk()).lastUsed(id),
    deactivate: async (user, id) => (await sdk()).deactivate(user, id),
  };
  async function sdk(): Promise<CredentialsApi> {
    api ??= sdkCredentialsApi(await aws.forAccount("iam", target));
    return api;
  }
  return iamCredentialsClientOf(lazy, target.accountId);
}

export const iamCredentialsSetting: AccountSetting<
  typeof iamCredentialsFields,
  IamCredentialsFields,
  ObservedIamCredentials
> = {
  names: {
    kind: "IamCredentials",
    plural: "iamcredentials",
    singular: "iamcredentials",
    shortNames: ["iamcreds"],
    field: "iamCredentials",
  },
  scope: "account",
  noun: "IAM credentials",
  defaultManagementPolicy: "ObserveOnly",
  description:
    "IamCredentials reports the IAM credentials of one AWS account that never expire or go unwatched (root access keys and MFA, console users without MFA, access keys past an age or unused, users with policies of their own: CIS 1.4, 1.5, 1.10, 1.12, 1.14, 1.15) and, in Enforce, deactivates (never deletes) the access keys past the limits of users not excepted. ObserveOnly is the default.",
  specDescription:
    "The limits on IAM users' access keys in one account, and the users excepted from them. managementPolicy defaults to ObserveOnly here: Enforce deactivates keys.",
  fieldDescription:
    "IAM credentials reported in each selected account (ObserveOnly unless this field says managementPolicy: Enforce, whatever the baseline's policy)",
  fields: iamCredentialsFields,
  observed: observedIamCredentials,
  printerColumns: [
    { name: "Keys-Past-Limits", type: "integer", jsonPath: ".status.atProvider.keysPastLimits" },
    { name: "No-MFA", type: "integer", jsonPath: ".status.atProvider.consoleUsersWithoutMfa" },
    { name: "Root-Keys", type: "boolean", jsonPath: ".status.atProvider.rootAccessKeysPresent" },
  ],
  desired: (fields) => fields,
  diff: diffIamCredentials,
  inTransition: (observed) =>
    observed.reportState
      ? `IAM is generating the credential report (${observed.reportState}); read again shortly`
      : undefined,
  irreversible: true,
  client: iamCredentialsClient,
  findings: (observed) => ({
    keys_past_limits: observed.keysPastLimits ?? 0,
    excepted_keys: observed.exceptedKeys ?? 0,
    console_users_without_mfa: observed.consoleUsersWithoutMfa ?? 0,
    users_with_direct_policies: observed.usersWithDirectPolicies ?? 0,
    root_access_keys: observed.rootAccessKeysPresent ? 1 : 0,
    root_without_mfa: observed.rootMfaEnabled === false ? 1 : 0,
  }),
  controls: [
    {
      id: "CIS 1.4",
      title: "No root user access key exists",
      holds: (o) => o?.rootAccessKeysPresent === false,
    },
    { id: "CIS 1.5", title: "MFA is enabled for the root user", holds: (o) => o?.rootMfaEnabled === true },
    {
      id: "CIS 1.10",
      title: "MFA is enabled for every IAM user with a console password",
      holds: (o) => o?.consoleUsersWithoutMfa === 0,
    },
    {
      id: "CIS 1.12",
      title: "Credentials unused for 45 days or more are disabled",
      holds: (o) => o !== undefined && o.users !== undefined && (o.longestUnusedCredentialDays ?? 0) < 45,
    },
    {
      id: "CIS 1.14",
      title: "Access keys are rotated every 90 days or less",
      holds: (o) => o !== undefined && o.users !== undefined && (o.oldestActiveKeyAgeDays ?? 0) <= 90,
    },
    {
      id: "CIS 1.15",
      title: "IAM users receive permissions only through groups",
      holds: (o) => o?.usersWithDirectPolicies === 0,
    },
  ],
  // Calls orgguard never makes that change what the setting reports: a new key, a policy given to
  // a user directly (a key someone activated again is UpdateAccessKey, one of its own writes).
  alsoChangedBy: ["iam:CreateAccessKey", "iam:AttachUserPolicy", "iam:PutUserPolicy"],
  operations: [
    // GenerateCredentialReport asks IAM to build the report; it changes nothing the account keeps,
    // so it is a read (plan, which may only read, must be able to ask for it).
    ...reads(
      "iam",
      "GenerateCredentialReport",
      "GetCredentialReport",
      "GetAccountSummary",
      "GetAccountAuthorizationDetails",
      "ListAccessKeys",
      "GetAccessKeyLastUsed",
    ),
    ...writes("iam", "UpdateAccessKey"),
  ],
};
