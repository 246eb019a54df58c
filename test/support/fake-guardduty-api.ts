/**
 * An in-memory GuardDuty (with the organization's accounts) for the GuardDutyOrganization kind's
 * in-process tests: a fake of its narrow GuardDutyApi that answers as the GuardDuty API reference
 * documents (administrators per region, a detector per account and region, the organization
 * configuration only for the administrator, members), records every call, and can be told to fail
 * one, or to refuse the administrator for a while after its designation (AWS's race).
 */
import type { OrganizationView } from "../../src/aws/organization-view.js";
import type {
  AdminAccount,
  DesiredGuardDuty,
  DetectorRecord,
  Member,
  OrganizationConfiguration,
} from "../../src/kinds/guardduty-organization/compare.js";
import type { GuardDutyApi, Unprocessed } from "../../src/kinds/guardduty-organization/guardduty-api.js";
import type { TargetView } from "../../src/kinds/organization.js";
import { awsError } from "./fake-policy-api.js";

export const GD_MANAGEMENT = "111111111111";
export const GD_ADMIN = "222222222222";
export const GD_MEMBERS = ["333333333333", "444444444444"];

type Method = keyof GuardDutyApi;
const NOT_ADMIN = "The request failed because you do not have required AWS Organization master permission.";

/** One region of the fake. */
interface FakeRegion {
  admins: AdminAccount[];
  detectors: Map<string, DetectorRecord>;
  config: Map<string, OrganizationConfiguration>;
  members: Map<string, Member[]>;
}

export class FakeGuardDuty implements GuardDutyApi {
  readonly regions = new Map<string, FakeRegion>();
  calls: string[] = [];
  failures: Array<{ method: Method; error: Error; region?: string }> = [];
  /** Reads and writes of the organization configuration refused this many more times after a designation. */
  refuseNewAdministrator = 0;

  region(name: string): FakeRegion {
    let region = this.regions.get(name);
    if (!region) {
      region = { admins: [], detectors: new Map(), config: new Map(), members: new Map() };
      this.regions.set(name, region);
    }
    return region;
  }

  /** A detector made out of band (by GuardDuty on designation, or by hand). */
  addDetector(account: string, region: string, detector: Partial<DetectorRecord> = {}): DetectorRecord {
    const made: DetectorRecord = {
      id: `det-${account}-${region}`,
      status: "ENABLED",
      findingPublishingFrequency: "SIX_HOURS",
      features: [],
      ...detector,
    };
    this.region(region).detectors.set(account, made);
    return made;
  }

  private step(method: Method, region: string, detail?: string): void {
    this.calls.push(`${method} ${region}${detail ? ` ${detail}` : ""}`);
    const at = this.failures.findIndex((f) => f.method === method && (f.region ?? region) === region);
    if (at >= 0) {
      const [failure] = this.failures.splice(at, 1);
      if (failure) throw failure.error;
    }
  }

  private detectorOf(account: string, region: string, id: string): DetectorRecord {
    const detector = this.region(region).detectors.get(account);
    if (!detector || detector.id !== id) throw awsError("BadRequestException", { message: "not owned" });
    return detector;
  }

  private requireAdministrator(account: string, region: string): void {
    const listed = this.region(region).admins.some((a) => a.accountId === account && a.status === "ENABLED");
    if (!listed || this.refuseNewAdministrator > 0) {
      if (listed) this.refuseNewAdministrator--;
      throw Object.assign(new Error(NOT_ADMIN), {
        name: "BadRequestException",
        $metadata: { httpStatusCode: 400 },
      });
    }
  }

  async organizationAdmins(region: string) {
    this.step("organizationAdmins", region);
    return this.region(region).admins.map((a) => ({ ...a }));
  }
  async enableAdmin(region: string, accountId: string) {
    this.step("enableAdmin", region, accountId);
    this.region(region).admins.push({ accountId, status: "ENABLED" });
  }
  async disableAdmin(region: string, accountId: string) {
    this.step("disableAdmin", region, accountId);
    const r = this.region(region);
    r.admins = r.admins.filter((a) => a.accountId !== accountId);
  }
  async detectorIds(accountId: string, region: string) {
    this.step("detectorIds", region, accountId);
    const d = this.region(region).detectors.get(accountId);
    return d ? [d.id] : [];
  }
  async detector(accountId: string, region: string, id: string) {
    this.step("detector", region, id);
    return structuredClone(this.detectorOf(accountId, region, id));
  }
  async createDetector(accountId: string, region: string, desired: DesiredGuardDuty) {
    this.step("createDetector", region, accountId);
    if (this.region(region).detectors.has(accountId)) {
      throw Object.assign(
        new Error("The request is rejected because a detector already exists for the current account."),
        {
          name: "BadRequestException",
          $metadata: { httpStatusCode: 400 },
        },
      );
    }
    return this.addDetector(accountId, region, detectorFrom(desired)).id;
  }
  async updateDetector(accountId: string, region: string, id: string, desired: DesiredGuardDuty) {
    this.step("updateDetector", region, id);
    Object.assign(this.detectorOf(accountId, region, id), detectorFrom(desired));
  }
  async organizationConfiguration(
    accountId: string,
    region: string,
    id: string,
  ): Promise<OrganizationConfiguration> {
    this.step("organizationConfiguration", region, id);
    this.requireAdministrator(accountId, region);
    return structuredClone(
      this.region(region).config.get(id) ?? {
        autoEnableMembers: "NONE",
        features: [],
        memberAccountLimitReached: false,
      },
    );
  }
  async updateOrganizationConfiguration(
    accountId: string,
    region: string,
    id: string,
    desired: DesiredGuardDuty,
  ) {
    this.step("updateOrganizationConfiguration", region, id);
    this.requireAdministrator(accountId, region);
    const autoEnable = (on: boolean) => (on ? desired.autoEnableMembers : "NONE");
    this.region(region).config.set(id, {
      autoEnableMembers: desired.autoEnableMembers,
      memberAccountLimitReached: false,
      features: desired.features.map((f) => ({
        name: f.name,
        value: autoEnable(f.enabled),
        additional: f.additional.map((a) => ({ name: a.name, value: autoEnable(a.enabled) })),
      })),
    });
  }
  async members(accountId: string, region: string, id: string) {
    this.step("members", region, id);
    this.requireAdministrator(accountId, region);
    return [...(this.region(region).members.get(id) ?? [])];
  }
  async createMembers(
    _accountId: string,
    region: string,
    id: string,
    accounts: Array<{ accountId: string; email: string }>,
  ) {
    this.step("createMembers", region, accounts.map((a) => a.accountId).join(","));
    const members = this.region(region).members.get(id) ?? [];
    const left: Unprocessed[] = [];
    for (const a of accounts) {
      if (!a.email) left.push({ accountId: a.accountId, result: "no email" });
      else members.push({ accountId: a.accountId, status: "Enabled" });
    }
    this.region(region).members.set(
      id,
      members.filter((m, i, all) => all.findIndex((x) => x.accountId === m.accountId) === i),
    );
    return left;
  }
  async startMonitoring(_accountId: string, region: string, id: string, accountIds: string[]) {
    this.step("startMonitoring", region, accountIds.join(","));
    for (const m of this.region(region).members.get(id) ?? [])
      if (accountIds.includes(m.accountId)) m.status = "Enabled";
    return [];
  }
  async accountEmails() {
    this.calls.push("accountEmails");
    return new Map([GD_MANAGEMENT, GD_ADMIN, ...GD_MEMBERS].map((id) => [id, `${id}@example.com`]));
  }

  /** The calls that write, in order. */
  writes(): string[] {
    return this.calls.filter((c) =>
      /^(enableAdmin|disableAdmin|createDetector|updateDetector|updateOrganizationConfiguration|createMembers|startMonitoring)/.test(
        c,
      ),
    );
  }
}

function detectorFrom(desired: DesiredGuardDuty): Partial<DetectorRecord> {
  return {
    status: "ENABLED",
    findingPublishingFrequency: desired.findingPublishingFrequency,
    features: desired.features.map((f) => ({
      name: f.name,
      value: f.enabled ? "ENABLED" : "DISABLED",
      additional: f.additional.map((a) => ({ name: a.name, value: a.enabled ? "ENABLED" : "DISABLED" })),
    })),
  };
}

/** The organization: the management account, the administrator (Security Tooling) and two members. */
export function guardDutyOrganization(
  extra: Array<{ id: string; name: string; status?: string }> = [],
): TargetView {
  const view = (): OrganizationView => ({
    organizationId: "o-example",
    managementAccountId: GD_MANAGEMENT,
    rootId: "r-ab12",
    enabledPolicyTypes: [],
    ous: [],
    accounts: [
      { id: GD_MANAGEMENT, name: "management", status: "ACTIVE", parentId: "r-ab12" },
      { id: GD_ADMIN, name: "Security Tooling", status: "ACTIVE", parentId: "r-ab12" },
      ...GD_MEMBERS.map((id, i) => ({ id, name: `workload-${i + 1}`, status: "ACTIVE", parentId: "r-ab12" })),
      ...extra.map((a) => ({ ...a, status: a.status ?? "ACTIVE", parentId: "r-ab12" })),
    ],
  });
  return { current: async () => view(), fresher: async () => view() };
}
