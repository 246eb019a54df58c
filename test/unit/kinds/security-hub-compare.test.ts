/**
 * The SecurityHubOrganization kind's decisions (src/kinds/security-hub-organization/compare.ts) as
 * tables: from what AWS has in each region, which writes bring it to the spec (central and local
 * configuration), what a reviewer reads about each, and what counts as AWS still applying one.
 */
import { describe, expect, it } from "vitest";
import {
  type AdministratorRegion,
  type DesiredSecurityHub,
  type ObservedRegion,
  type ObservedSecurityHub,
  plannedChanges,
  securityHubPlan,
  writesNothing,
} from "../../../src/kinds/security-hub-organization/compare.js";
import type { ConfigurationPolicy } from "../../../src/kinds/security-hub-organization/security-hub-api.js";
import type { ResolvedStandard } from "../../../src/kinds/security-hub-organization/standards.js";
import { standardArn } from "../../support/security-hub-stub.js";

const ADMIN = "222222222222";
const HOME = "us-east-1";
const OTHER = "eu-west-1";
const REGIONS = [HOME, OTHER];
const CIS = (region: string): ResolvedStandard => ({
  name: "cis-aws-foundations-benchmark",
  version: "5.0.0",
  arn: standardArn(region, "cis-aws-foundations-benchmark", "5.0.0"),
  title: "CIS AWS Foundations Benchmark v5.0.0",
});
const PCI = (region: string): ResolvedStandard => ({
  name: "pci-dss",
  version: "4.0.1",
  arn: standardArn(region, "pci-dss", "4.0.1"),
  title: "PCI DSS v4.0.1",
});
const DISABLED = [
  { control: "IAM.18", reason: "support cases are opened from the management account" },
  { control: "S3.5", reason: "TLS is enforced by an SCP and an RCP" },
];

function desired(
  configuration: "CENTRAL" | "LOCAL",
  overrides: Partial<DesiredSecurityHub> = {},
): DesiredSecurityHub {
  return {
    administrator: { id: ADMIN, label: `${ADMIN} (Security Tooling)` },
    regions: REGIONS,
    homeRegion: HOME,
    configuration,
    autoEnableStandards: "NONE",
    standards: new Map(REGIONS.map((r) => [r, [CIS(r), PCI(r)]])),
    disabledControls: DISABLED,
    ...(configuration === "CENTRAL"
      ? {
          policy: {
            name: "orgguard-org",
            description: "kept by orgguard",
            targets: [{ type: "ROOT", id: "r-ab12", label: "root r-ab12" }],
          },
        }
      : {}),
    accounts: ["111111111111", "333333333333"],
    ...overrides,
  };
}

/** The administrator's state in a region, everything in place for `configuration`. */
function settled(
  region: string,
  configuration: "CENTRAL" | "LOCAL",
  overrides: Partial<AdministratorRegion> = {},
): AdministratorRegion {
  const standards = [CIS(region), PCI(region)];
  return {
    hubEnabled: true,
    ...(configuration === "LOCAL" || region === HOME
      ? {
          configuration:
            configuration === "CENTRAL"
              ? {
                  configurationType: "CENTRAL",
                  autoEnable: false,
                  autoEnableStandards: "NONE",
                  status: "ENABLED",
                }
              : {
                  configurationType: "LOCAL",
                  autoEnable: true,
                  autoEnableStandards: "NONE",
                  status: "ENABLED",
                },
        }
      : {}),
    enabledStandards: standards.map((s) => ({
      standardsArn: s.arn,
      subscriptionArn: `${s.arn}/sub`,
      status: "READY",
    })),
    controls:
      configuration === "LOCAL"
        ? standards.flatMap((s) =>
            ["IAM.18", "S3.5", "IAM.6"].map((control) => {
              const d = DISABLED.find((x) => x.control === control);
              return {
                standardsArn: s.arn,
                control,
                status: d ? ("DISABLED" as const) : ("ENABLED" as const),
                ...(d ? { reason: d.reason } : {}),
              };
            }),
          )
        : [],
    controlsOf: new Map(standards.map((s) => [s.arn, new Set(["IAM.18", "S3.5", "IAM.6"])])),
    members: [
      { accountId: "111111111111", status: "Enabled" },
      { accountId: "333333333333", status: "ENABLED" },
    ],
    ...overrides,
  };
}

const policy = (content: Partial<ConfigurationPolicy["content"]> = {}): ConfigurationPolicy => ({
  id: "p-1",
  arn: "arn:aws:securityhub:us-east-1:222222222222:configuration-policy/p-1",
  name: "orgguard-org",
  description: "kept by orgguard",
  content: {
    serviceEnabled: true,
    standards: [CIS(HOME).arn, PCI(HOME).arn].sort(),
    disabledControls: ["IAM.18", "S3.5"],
    ...content,
  },
});

/** AWS in the steady state of `configuration`, changed by `change`. */
function observed(
  configuration: "CENTRAL" | "LOCAL",
  change: (o: ObservedSecurityHub) => void = () => undefined,
): ObservedSecurityHub {
  const o: ObservedSecurityHub = {
    regions: REGIONS.map(
      (region): ObservedRegion => ({
        region,
        admins: [{ accountId: ADMIN, status: "ENABLED" }],
        administrator: settled(region, configuration),
      }),
    ),
    home: {
      aggregator: { arn: "arn:agg", region: HOME, regionLinkingMode: "SPECIFIED_REGIONS", regions: [OTHER] },
      ...(configuration === "CENTRAL" ? { policy: policy() } : {}),
      associations: new Map(
        configuration === "CENTRAL"
          ? [["r-ab12", { policyId: "p-1", associationType: "APPLIED", status: "SUCCESS" }]]
          : [],
      ),
    },
  };
  change(o);
  return o;
}

const region = (o: ObservedSecurityHub, name: string): ObservedRegion => {
  const r = o.regions.find((x) => x.region === name);
  if (!r) throw new Error(name);
  return r;
};
const admin = (o: ObservedSecurityHub, name: string): AdministratorRegion => {
  const a = region(o, name).administrator;
  if (!a) throw new Error(name);
  return a;
};

describe("securityHubPlan: the steady state writes nothing", () => {
  it.each(["CENTRAL", "LOCAL"] as const)("%s", (configuration) => {
    const { plan, progress } = securityHubPlan(desired(configuration), observed(configuration));
    expect(writesNothing(plan)).toBe(true);
    expect(progress).toEqual([]);
    expect(plannedChanges(plan, desired(configuration))).toEqual([]);
  });
});

describe("securityHubPlan: central configuration", () => {
  const cases: Array<{
    reason: string;
    change: (o: ObservedSecurityHub) => void;
    paths: string[];
    progress?: string;
  }> = [
    {
      reason:
        "an empty organization: the administrator designated in every region, nothing else yet (AWS enables Security Hub there)",
      change: (o) => {
        for (const r of o.regions) {
          r.admins = [];
          delete r.administrator;
        }
        o.home = { associations: new Map() };
      },
      paths: ["regions[us-east-1].administrator", "regions[eu-west-1].administrator"],
    },
    {
      reason: "designated, Security Hub off in the administrator in one region: enabled there",
      change: (o) => {
        region(o, OTHER).administrator = { ...admin(o, OTHER), hubEnabled: false };
      },
      paths: ["regions[eu-west-1].hub"],
    },
    {
      reason:
        "no aggregator, local configuration, no policy: aggregator, switch to CENTRAL, policy, association",
      change: (o) => {
        admin(o, HOME).configuration = {
          configurationType: "LOCAL",
          autoEnable: true,
          autoEnableStandards: "DEFAULT",
          status: "ENABLED",
        };
        o.home = { associations: new Map() };
      },
      paths: [
        "findingAggregator",
        "regions[us-east-1].organizationConfiguration",
        "configurationPolicy",
        "configurationPolicy.disabledControls[IAM.18]",
        "configurationPolicy.disabledControls[S3.5]",
        "configurationPolicy.targets[r-ab12]",
      ],
    },
    {
      reason: "the aggregator linked to another region by hand: linked as the spec says",
      change: (o) => {
        o.home.aggregator = { arn: "arn:agg", region: HOME, regionLinkingMode: "ALL_REGIONS", regions: [] };
      },
      paths: ["findingAggregator"],
    },
    {
      reason: "a control enabled again by hand in the policy: disabled again",
      change: (o) => {
        o.home.policy = policy({ disabledControls: ["IAM.18"] });
      },
      paths: ["configurationPolicy.disabledControls[S3.5]"],
    },
    {
      reason: "a control disabled by hand in the policy, not in the spec: enabled again",
      change: (o) => {
        o.home.policy = policy({ disabledControls: ["IAM.18", "IAM.6", "S3.5"] });
      },
      paths: ["configurationPolicy.disabledControls[IAM.6]"],
    },
    {
      reason: "a standard removed and another added by hand: the spec's",
      change: (o) => {
        o.home.policy = policy({ standards: [CIS(HOME).arn, standardArn(HOME, "nist-800-53", "5.0.0")] });
      },
      paths: [
        "configurationPolicy.standards[pci-dss 4.0.1]",
        "configurationPolicy.standards[nist-800-53 5.0.0]",
      ],
    },
    {
      reason: "Security Hub switched off in the policy, and enabled controls listed instead: replaced",
      change: (o) => {
        o.home.policy = policy({
          serviceEnabled: false,
          otherControlSettings: "a list of 3 enabled controls",
        });
      },
      paths: ["configurationPolicy.serviceEnabled", "configurationPolicy.controls"],
    },
    {
      reason: "the root associated with another policy (or self-managed) by hand: associated again",
      change: (o) => {
        o.home.associations = new Map([
          [
            "r-ab12",
            { policyId: "SELF_MANAGED_SECURITY_HUB", associationType: "APPLIED", status: "SUCCESS" },
          ],
        ]);
      },
      paths: ["configurationPolicy.targets[r-ab12]"],
    },
    {
      reason: "an association AWS is still applying: nothing to write, progressing",
      change: (o) => {
        o.home.associations = new Map([
          ["r-ab12", { policyId: "p-1", associationType: "APPLIED", status: "PENDING" }],
        ]);
      },
      paths: [],
      progress: "the configuration policy is being applied to root r-ab12",
    },
    {
      reason: "central configuration AWS is still switching on: progressing",
      change: (o) => {
        admin(o, HOME).configuration = {
          configurationType: "CENTRAL",
          autoEnable: false,
          autoEnableStandards: "NONE",
          status: "PENDING",
        };
      },
      paths: [],
      progress: "being switched to CENTRAL in us-east-1",
    },
  ];
  it.each(cases)("$reason", ({ change, paths, progress }) => {
    const d = desired("CENTRAL");
    const result = securityHubPlan(d, observed("CENTRAL", change));
    expect(plannedChanges(result.plan, d).map((c) => c.path)).toEqual(paths);
    expect(writesNothing(result.plan)).toBe(paths.length === 0);
    if (progress) expect(result.progress.join("; ")).toContain(progress);
    else expect(result.progress).toEqual([]);
  });

  it("shows each disabled control with its reason, and the policy it creates", () => {
    const d = desired("CENTRAL");
    const { plan } = securityHubPlan(
      d,
      observed("CENTRAL", (o) => (o.home = { associations: new Map(), aggregator: o.home.aggregator })),
    );
    const changes = plannedChanges(plan, d);
    expect(changes.find((c) => c.path === "configurationPolicy")?.description).toBe(
      "+ create configuration policy orgguard-org: Security Hub on, cis-aws-foundations-benchmark 5.0.0, pci-dss 4.0.1, 2 control(s) disabled",
    );
    expect(changes.find((c) => c.path === "configurationPolicy.disabledControls[S3.5]")?.description).toBe(
      "disable S3.5: TLS is enforced by an SCP and an RCP",
    );
    expect(plan.policy?.content).toEqual({
      serviceEnabled: true,
      standards: [CIS(HOME).arn, PCI(HOME).arn].sort(),
      disabledControls: ["IAM.18", "S3.5"],
    });
  });

  it("asks AWS for no auto-enable under central configuration (AWS refuses it)", () => {
    const { plan } = securityHubPlan(
      desired("CENTRAL"),
      observed("CENTRAL", (o) => {
        admin(o, HOME).configuration = {
          configurationType: "LOCAL",
          autoEnable: true,
          autoEnableStandards: "DEFAULT",
          status: "ENABLED",
        };
      }),
    );
    expect(plan.organizationConfiguration).toEqual([
      expect.objectContaining({
        region: HOME,
        desired: { configurationType: "CENTRAL", autoEnable: false, autoEnableStandards: "NONE" },
      }),
    ]);
  });

  it("associates a target with the policy that exists already (its id), when nothing else changes", () => {
    const { plan } = securityHubPlan(
      desired("CENTRAL"),
      observed("CENTRAL", (o) => {
        o.home.associations = new Map();
      }),
    );
    expect(plan.policy).toBeUndefined();
    expect(plan.policyId).toBe("p-1");
    expect(plan.associate.map((t) => t.id)).toEqual(["r-ab12"]);
  });

  it("links no region when the home region is the only one", () => {
    const d = desired("CENTRAL", { regions: [HOME] });
    const { plan } = securityHubPlan(
      d,
      observed("CENTRAL", (o) => {
        o.regions = [region(o, HOME)];
        delete o.home.aggregator;
      }),
    );
    expect(plan.aggregator?.desired).toEqual({ regionLinkingMode: "NO_REGIONS", regions: [] });
  });
});

describe("securityHubPlan: local configuration", () => {
  const cases: Array<{
    reason: string;
    change: (o: ObservedSecurityHub) => void;
    paths: string[];
    progress?: string;
  }> = [
    {
      reason: "a control enabled again by hand in one standard and region: disabled again with its reason",
      change: (o) => {
        const control = admin(o, OTHER).controls.find(
          (c) => c.control === "S3.5" && c.standardsArn === PCI(OTHER).arn,
        );
        if (control) {
          control.status = "ENABLED";
          delete control.reason;
        }
      },
      paths: ["regions[eu-west-1].controls[S3.5@pci-dss 4.0.1]"],
    },
    {
      reason: "a control disabled by hand that the spec does not list: enabled again",
      change: (o) => {
        const control = admin(o, HOME).controls.find(
          (c) => c.control === "IAM.6" && c.standardsArn === CIS(HOME).arn,
        );
        if (control) control.status = "DISABLED";
      },
      paths: ["regions[us-east-1].controls[IAM.6@cis-aws-foundations-benchmark 5.0.0]"],
    },
    {
      reason: "a disabled control whose reason was changed by hand: the spec's reason written again",
      change: (o) => {
        const control = admin(o, HOME).controls.find(
          (c) => c.control === "IAM.18" && c.standardsArn === CIS(HOME).arn,
        );
        if (control) control.reason = "temporary";
      },
      paths: ["regions[us-east-1].controls[IAM.18@cis-aws-foundations-benchmark 5.0.0]"],
    },
    {
      reason: "a standard missing in one region: enabled there",
      change: (o) => {
        admin(o, OTHER).enabledStandards = admin(o, OTHER).enabledStandards.filter(
          (s) => s.standardsArn !== PCI(OTHER).arn,
        );
        admin(o, OTHER).controls = admin(o, OTHER).controls.filter((c) => c.standardsArn !== PCI(OTHER).arn);
      },
      paths: ["regions[eu-west-1].standards[pci-dss 4.0.1]"],
    },
    {
      reason: "a standard AWS is still enabling: no control written in it yet, progressing",
      change: (o) => {
        const s = admin(o, OTHER).enabledStandards.find((x) => x.standardsArn === PCI(OTHER).arn);
        if (s) s.status = "PENDING";
        for (const c of admin(o, OTHER).controls.filter((x) => x.standardsArn === PCI(OTHER).arn))
          c.status = "ENABLED";
      },
      paths: [],
      progress: "pci-dss 4.0.1 is being enabled in eu-west-1",
    },
    {
      reason: "a standard enabled by someone else: left as it is (never exclusive)",
      change: (o) => {
        admin(o, HOME).enabledStandards.push({
          standardsArn: standardArn(HOME, "nist-800-53", "5.0.0"),
          subscriptionArn: "x",
          status: "READY",
        });
      },
      paths: [],
    },
    {
      reason: "an organization account not a member yet, and auto-enable off: both set",
      change: (o) => {
        admin(o, HOME).members = [
          { accountId: "111111111111", status: "Enabled" },
          { accountId: "333333333333", status: "Removed" },
        ];
        admin(o, HOME).configuration = {
          configurationType: "LOCAL",
          autoEnable: false,
          autoEnableStandards: "NONE",
          status: "ENABLED",
        };
      },
      paths: ["regions[us-east-1].organizationConfiguration", "regions[us-east-1].members"],
    },
    {
      reason: "the organization switched to CENTRAL by hand: LOCAL again, in every region",
      change: (o) => {
        for (const r of REGIONS) {
          admin(o, r).configuration = {
            configurationType: "CENTRAL",
            autoEnable: false,
            autoEnableStandards: "NONE",
            status: "ENABLED",
          };
        }
      },
      paths: ["regions[us-east-1].organizationConfiguration", "regions[eu-west-1].organizationConfiguration"],
    },
  ];
  it.each(cases)("$reason", ({ change, paths, progress }) => {
    const d = desired("LOCAL");
    const result = securityHubPlan(d, observed("LOCAL", change));
    expect(plannedChanges(result.plan, d).map((c) => c.path)).toEqual(paths);
    if (progress) expect(result.progress.join("; ")).toContain(progress);
    else expect(result.progress).toEqual([]);
  });

  it("writes the reason of a control it disables, and no reason when it enables one", () => {
    const d = desired("LOCAL");
    const { plan } = securityHubPlan(
      d,
      observed("LOCAL", (o) => {
        for (const c of admin(o, HOME).controls) {
          if (c.control === "IAM.18") {
            c.status = "ENABLED";
            delete c.reason;
          }
          if (c.control === "IAM.6") c.status = "DISABLED";
        }
      }),
    );
    const updates = plan.controls.flatMap((c) => c.updates).map(({ why: _why, ...u }) => u);
    expect(updates).toEqual([
      { standardsArn: CIS(HOME).arn, control: "IAM.18", status: "DISABLED", reason: DISABLED[0]?.reason },
      { standardsArn: CIS(HOME).arn, control: "IAM.6", status: "ENABLED" },
      { standardsArn: PCI(HOME).arn, control: "IAM.18", status: "DISABLED", reason: DISABLED[0]?.reason },
      { standardsArn: PCI(HOME).arn, control: "IAM.6", status: "ENABLED" },
    ]);
    expect(plannedChanges(plan, d).map((c) => c.description)).toContain(
      "disable IAM.18: support cases are opened from the management account",
    );
  });

  it("asks AWS for auto-enable and the spec's default standards for new accounts", () => {
    const d = desired("LOCAL", { autoEnableStandards: "DEFAULT" });
    const { plan } = securityHubPlan(d, observed("LOCAL"));
    expect(plan.organizationConfiguration.map((c) => c.desired)).toEqual([
      { configurationType: "LOCAL", autoEnable: true, autoEnableStandards: "DEFAULT" },
      { configurationType: "LOCAL", autoEnable: true, autoEnableStandards: "DEFAULT" },
    ]);
  });
});
