/**
 * The AWS calls the GuardDutyOrganization kind makes, as a narrow interface: its decisions
 * (client.ts) are tested in-process against a fake of it, and against moto (detectors, the
 * administrator list) plus SDK stubs (the organization configuration and members, which moto
 * lacks) through the SDK implementation below. Designation is called in the controller's own
 * account (the management account); detectors, the organization configuration and members in the
 * administrator account. Errors are AWS's own; the kind decides what they mean.
 */
import type { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { type OrganizationsClient, paginateListAccounts } from "@aws-sdk/client-organizations";
import { required } from "../../aws/aws-errors.js";
import { guardDutySdk } from "../../aws/clients.js";
import type {
  AdminAccount,
  DesiredFeature,
  DesiredGuardDuty,
  DetectorRecord,
  FeatureState,
  Member,
  OrganizationConfiguration,
} from "./compare.js";

/** An account GuardDuty did not process, and why (CreateMembers', StartMonitoringMembers' answer). */
export interface Unprocessed {
  accountId: string;
  result: string;
}

/** Every call the kind makes (declared in index.ts). */
export interface GuardDutyApi {
  /** The delegated administrators in `region` (ListOrganizationAdminAccounts, management account). */
  organizationAdmins(region: string): Promise<AdminAccount[]>;
  /** EnableOrganizationAdminAccount (management account). */
  enableAdmin(region: string, accountId: string): Promise<void>;
  /** DisableOrganizationAdminAccount (management account). */
  disableAdmin(region: string, accountId: string): Promise<void>;
  /** The detectors of `accountId` in `region` (ListDetectors: one at most, AWS allows no more). */
  detectorIds(accountId: string, region: string): Promise<string[]>;
  detector(accountId: string, region: string, id: string): Promise<DetectorRecord>;
  /** CreateDetector (enabled), with the spec's frequency and plans; its id. */
  createDetector(accountId: string, region: string, desired: DesiredGuardDuty): Promise<string>;
  /** UpdateDetector: enabled, the frequency and the plans orgguard keeps. */
  updateDetector(accountId: string, region: string, id: string, desired: DesiredGuardDuty): Promise<void>;
  /** DescribeOrganizationConfiguration (the administrator's detector). */
  organizationConfiguration(
    accountId: string,
    region: string,
    id: string,
  ): Promise<OrganizationConfiguration>;
  updateOrganizationConfiguration(
    accountId: string,
    region: string,
    id: string,
    desired: DesiredGuardDuty,
  ): Promise<void>;
  /** Every member, associated or not (ListMembers with OnlyAssociated false). */
  members(accountId: string, region: string, id: string): Promise<Member[]>;
  /** CreateMembers (50 at a time); the accounts GuardDuty did not process. */
  createMembers(
    accountId: string,
    region: string,
    id: string,
    accounts: Array<{ accountId: string; email: string }>,
  ): Promise<Unprocessed[]>;
  /** StartMonitoringMembers (50 at a time); the accounts GuardDuty did not process. */
  startMonitoring(
    accountId: string,
    region: string,
    id: string,
    accountIds: string[],
  ): Promise<Unprocessed[]>;
  /** The root email of every account of the organization (ListAccounts): CreateMembers takes it. */
  accountEmails(): Promise<Map<string, string>>;
}

/** Where the SDK implementation gets a GuardDuty client acting in an account and region. */
export type GuardDutyClients = (accountId: string, region: string) => Promise<GuardDutyClient>;

const SERVICE = "Amazon GuardDuty";
/** GuardDuty takes at most 50 accounts per CreateMembers or StartMonitoringMembers. */
const BATCH = 50;

const batches = <T>(items: readonly T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));

const unprocessed = (
  list: Array<{ AccountId?: string | undefined; Result?: string | undefined }> | undefined,
) => (list ?? []).map((u) => ({ accountId: u.AccountId ?? "", result: u.Result ?? "" }));

/** A detector's feature as the API takes it. */
const detectorFeature = (f: DesiredFeature) => ({
  Name: f.name,
  Status: f.enabled ? ("ENABLED" as const) : ("DISABLED" as const),
  ...(f.additional.length > 0
    ? {
        AdditionalConfiguration: f.additional.map((a) => ({
          Name: a.name,
          Status: a.enabled ? ("ENABLED" as const) : ("DISABLED" as const),
        })),
      }
    : {}),
});

/** The GuardDutyApi over GuardDuty clients per account and region, and the Organizations client. */
export function sdkGuardDutyApi(
  clientIn: GuardDutyClients,
  management: string,
  org: OrganizationsClient,
): GuardDutyApi {
  return {
    async organizationAdmins(region) {
      const { paginateListOrganizationAdminAccounts } = await guardDutySdk();
      const client = await clientIn(management, region);
      const admins: AdminAccount[] = [];
      for await (const page of paginateListOrganizationAdminAccounts({ client }, {})) {
        for (const a of page.AdminAccounts ?? []) {
          admins.push({
            accountId: required(a.AdminAccountId, "an administrator's account id", SERVICE),
            status: a.AdminStatus ?? "ENABLED",
          });
        }
      }
      return admins;
    },
    async enableAdmin(region, accountId) {
      const { EnableOrganizationAdminAccountCommand } = await guardDutySdk();
      await (await clientIn(management, region)).send(
        new EnableOrganizationAdminAccountCommand({ AdminAccountId: accountId }),
      );
    },
    async disableAdmin(region, accountId) {
      const { DisableOrganizationAdminAccountCommand } = await guardDutySdk();
      await (await clientIn(management, region)).send(
        new DisableOrganizationAdminAccountCommand({ AdminAccountId: accountId }),
      );
    },
    async detectorIds(accountId, region) {
      const { paginateListDetectors } = await guardDutySdk();
      const client = await clientIn(accountId, region);
      const ids: string[] = [];
      for await (const page of paginateListDetectors({ client }, {})) ids.push(...(page.DetectorIds ?? []));
      return ids;
    },
    async detector(accountId, region, id) {
      const { GetDetectorCommand } = await guardDutySdk();
      const out = await (await clientIn(accountId, region)).send(new GetDetectorCommand({ DetectorId: id }));
      return {
        id,
        status: required(out.Status, `the status of detector ${id}`, SERVICE),
        findingPublishingFrequency: out.FindingPublishingFrequency ?? "SIX_HOURS",
        features: (out.Features ?? []).flatMap((f): FeatureState[] =>
          f.Name
            ? [
                {
                  name: f.Name,
                  value: f.Status ?? "DISABLED",
                  additional: (f.AdditionalConfiguration ?? []).flatMap((a) =>
                    a.Name ? [{ name: a.Name, value: a.Status ?? "DISABLED" }] : [],
                  ),
                },
              ]
            : [],
        ),
      };
    },
    async createDetector(accountId, region, desired) {
      const { CreateDetectorCommand } = await guardDutySdk();
      const out = await (await clientIn(accountId, region)).send(
        new CreateDetectorCommand({
          Enable: true,
          FindingPublishingFrequency: desired.findingPublishingFrequency,
          Features: desired.features.map(detectorFeature),
        }),
      );
      return required(out.DetectorId, "the new detector's id", SERVICE);
    },
    async updateDetector(accountId, region, id, desired) {
      const { UpdateDetectorCommand } = await guardDutySdk();
      await (await clientIn(accountId, region)).send(
        new UpdateDetectorCommand({
          DetectorId: id,
          Enable: true,
          FindingPublishingFrequency: desired.findingPublishingFrequency,
          Features: desired.features.map(detectorFeature),
        }),
      );
    },
    async organizationConfiguration(accountId, region, id) {
      const { paginateDescribeOrganizationConfiguration } = await guardDutySdk();
      const client = await clientIn(accountId, region);
      let autoEnableMembers = "NONE";
      let memberAccountLimitReached = false;
      const features: FeatureState[] = [];
      for await (const page of paginateDescribeOrganizationConfiguration({ client }, { DetectorId: id })) {
        autoEnableMembers = page.AutoEnableOrganizationMembers ?? autoEnableMembers;
        memberAccountLimitReached ||= page.MemberAccountLimitReached === true;
        for (const f of page.Features ?? []) {
          if (!f.Name) continue;
          features.push({
            name: f.Name,
            value: f.AutoEnable ?? "NONE",
            additional: (f.AdditionalConfiguration ?? []).flatMap((a) =>
              a.Name ? [{ name: a.Name, value: a.AutoEnable ?? "NONE" }] : [],
            ),
          });
        }
      }
      return { autoEnableMembers, features, memberAccountLimitReached };
    },
    async updateOrganizationConfiguration(accountId, region, id, desired) {
      const { UpdateOrganizationConfigurationCommand } = await guardDutySdk();
      const autoEnable = (enabled: boolean) => (enabled ? desired.autoEnableMembers : ("NONE" as const));
      await (await clientIn(accountId, region)).send(
        new UpdateOrganizationConfigurationCommand({
          DetectorId: id,
          AutoEnableOrganizationMembers: desired.autoEnableMembers,
          Features: desired.features.map((f) => ({
            Name: f.name,
            AutoEnable: autoEnable(f.enabled),
            ...(f.additional.length > 0
              ? {
                  AdditionalConfiguration: f.additional.map((a) => ({
                    Name: a.name,
                    AutoEnable: autoEnable(a.enabled),
                  })),
                }
              : {}),
          })),
        }),
      );
    },
    async members(accountId, region, id) {
      const { paginateListMembers } = await guardDutySdk();
      const client = await clientIn(accountId, region);
      const members: Member[] = [];
      for await (const page of paginateListMembers({ client }, { DetectorId: id, OnlyAssociated: "false" })) {
        for (const m of page.Members ?? []) {
          members.push({
            accountId: required(m.AccountId, "a member's account id", SERVICE),
            status: m.RelationshipStatus ?? "",
          });
        }
      }
      return members;
    },
    async createMembers(accountId, region, id, accounts) {
      const { CreateMembersCommand } = await guardDutySdk();
      const client = await clientIn(accountId, region);
      const left: Unprocessed[] = [];
      for (const batch of batches(accounts)) {
        const out = await client.send(
          new CreateMembersCommand({
            DetectorId: id,
            AccountDetails: batch.map((a) => ({ AccountId: a.accountId, Email: a.email })),
          }),
        );
        left.push(...unprocessed(out.UnprocessedAccounts));
      }
      return left;
    },
    async startMonitoring(accountId, region, id, accountIds) {
      const { StartMonitoringMembersCommand } = await guardDutySdk();
      const client = await clientIn(accountId, region);
      const left: Unprocessed[] = [];
      for (const batch of batches(accountIds)) {
        const out = await client.send(
          new StartMonitoringMembersCommand({ DetectorId: id, AccountIds: batch }),
        );
        left.push(...unprocessed(out.UnprocessedAccounts));
      }
      return left;
    },
    async accountEmails() {
      const emails = new Map<string, string>();
      for await (const page of paginateListAccounts({ client: org }, {})) {
        for (const a of page.Accounts ?? []) if (a.Id && a.Email) emails.set(a.Id, a.Email);
      }
      return emails;
    },
  };
}
