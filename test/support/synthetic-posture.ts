/**
 * An organization's objects as the controller leaves them in a cluster, made up in memory: a
 * baseline's children in every account (password policy, public access block, EBS encryption and
 * default security groups in ObserveOnly, as examples/account-baseline/seeds-baseline.yaml has
 * them), with the statuses the controller writes for each outcome, and SCPs on the root and OUs.
 * For the report's unit tests and bench/report.ts (1,000 accounts without a cluster): the shape
 * of every status is the one the kinds' schemas declare; `test/integration/report.test.ts` makes
 * the same report from a real controller against moto.
 */
import type { OrganizationView } from "../../src/aws/organization-view.js";
import type { Condition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";

const T = "2026-05-01T10:00:00.000Z";
const REPAIRED = "2026-05-01T09:42:00.000Z";
const REGIONS = ["us-east-1", "eu-west-1"];

const condition = (type: string, status: Condition["status"], reason: string, message = ""): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: T,
  observedGeneration: 1,
});
const READY = [condition("Ready", "True", "Available"), condition("Synced", "True", "ReconcileSuccess")];

/** What happened to one account's settings, chosen by the account's index. */
export type Outcome = "compliant" | "repaired" | "drifted" | "denied" | "paused" | "weak";

/** The outcome of account `i`: most comply; some of each other outcome, spread over the OUs. */
export function outcomeOf(i: number): Outcome {
  if (i % 97 === 5) return "denied";
  if (i % 53 === 7) return "paused";
  if (i % 31 === 3) return "drifted";
  if (i % 29 === 11) return "repaired";
  if (i % 41 === 13) return "weak";
  return "compliant";
}

const STRONG = {
  minimumPasswordLength: 14,
  requireSymbols: true,
  requireNumbers: true,
  requireUppercaseCharacters: true,
  requireLowercaseCharacters: true,
  allowUsersToChangePassword: true,
  passwordReusePrevention: 24,
  hardExpiry: false,
  expirePasswords: false,
};
const BLOCKED = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};
const closed = { defaultGroups: 1, groupsWithRules: 0, rules: 0, groupsAsAwsMadeThem: 0 };
const open = { defaultGroups: 2, groupsWithRules: 1, rules: 2, groupsAsAwsMadeThem: 1 };

function child(
  kind: string,
  baseline: string,
  accountId: string,
  spec: Record<string, unknown>,
  status: Record<string, unknown>,
  annotations?: Record<string, string>,
): ManagedObject {
  return {
    apiVersion: "orgguard.io/v1alpha1",
    kind,
    metadata: {
      name: `${baseline}-${accountId}`,
      generation: 1,
      labels: { "orgguard.io/baseline": baseline },
      ...(annotations ? { annotations } : {}),
    },
    spec: { accountId, ...spec },
    status: { observedGeneration: 1, lastSyncTime: T, accountId, ...status },
  };
}

/** The four children of one account, with the statuses its outcome gives them. */
function accountObjects(baseline: string, accountId: string, outcome: Outcome): ManagedObject[] {
  const regional = (reading: unknown) => Object.fromEntries(REGIONS.map((r) => [r, reading]));
  const regions = { regions: REGIONS, regionsFrom: "--default-regions (ListRegions is not available)" };
  const password =
    outcome === "denied"
      ? {
          conditions: [
            condition(
              "Ready",
              "False",
              "AccessDenied",
              "cannot read the password policy: AccessDenied: User is not authorized to perform iam:GetAccountPasswordPolicy",
            ),
            condition("Synced", "False", "AccessDenied", "cannot read the password policy: AccessDenied"),
            condition("Stalled", "True", "AccessDenied", "cannot read the password policy: AccessDenied"),
          ],
        }
      : outcome === "repaired"
        ? {
            conditions: [
              condition("Ready", "False", "Updating", "applied minimumPasswordLength: waiting to confirm"),
              condition("Synced", "True", "ReconcileSuccess"),
            ],
            atProvider: { ...STRONG, minimumPasswordLength: 8 },
            plannedChanges: [{ path: "minimumPasswordLength", from: 8, to: 14 }],
            lastRepairTime: REPAIRED,
          }
        : outcome === "paused"
          ? {
              conditions: [
                condition(
                  "Ready",
                  "Unknown",
                  "ReconcilePaused",
                  "paused by the orgguard.io/paused annotation: not compared with the provider",
                ),
                condition("Synced", "False", "ReconcilePaused", "paused"),
              ],
              atProvider: STRONG,
            }
          : outcome === "weak"
            ? {
                conditions: READY,
                atProvider: { ...STRONG, passwordReusePrevention: 5 },
                lastRepairTime: REPAIRED,
              }
            : { conditions: READY, atProvider: STRONG };
  const dsg =
    outcome === "drifted"
      ? {
          conditions: [
            condition(
              "Ready",
              "False",
              "Drifted",
              "ObserveOnly: regions[eu-west-1].rules differ from the spec",
            ),
            condition("Synced", "True", "ReconcileSuccess"),
          ],
          atProvider: { "us-east-1": closed, "eu-west-1": open },
          plannedChanges: [{ path: "regions[eu-west-1].rules", from: 2, to: 0 }],
          ...regions,
        }
      : { conditions: READY, atProvider: regional(closed), ...regions };
  return [
    child(
      "PasswordPolicy",
      baseline,
      accountId,
      {},
      password,
      outcome === "paused" ? { "orgguard.io/paused": "true" } : undefined,
    ),
    child("PublicAccessBlock", baseline, accountId, {}, { conditions: READY, atProvider: BLOCKED }),
    child(
      "EbsEncryptionByDefault",
      baseline,
      accountId,
      {},
      {
        conditions: READY,
        atProvider: regional({ enabled: true }),
        ...regions,
      },
    ),
    child("DefaultSecurityGroups", baseline, accountId, { managementPolicy: "ObserveOnly" }, dsg),
  ];
}

/** The OUs accounts are spread over, and how many of every 10 accounts go to each. */
const OUS = [
  { path: "Root/Workloads/Prod", share: 4 },
  { path: "Root/Workloads/Dev", share: 3 },
  { path: "Root/Sandbox", share: 2 },
  { path: "Root/Security", share: 1 },
];

/** A synthetic organization of `accounts` member accounts, and what a cluster holds for it. */
export function syntheticPosture(accounts: number): {
  organization: OrganizationView;
  objects: ManagedObject[];
} {
  const ous = [
    { id: "ou-root-workload", name: "Workloads", parentId: "r-root", path: "Root/Workloads" },
    ...OUS.map((o, i) => ({
      id: `ou-root-${String(i).padStart(8, "0")}`,
      name: o.path.split("/").at(-1)!,
      parentId: o.path.startsWith("Root/Workloads/") ? "ou-root-workload" : "r-root",
      path: o.path,
    })),
  ];
  const slots = OUS.flatMap((o, i) => Array.from({ length: o.share }, () => ous[i + 1]!));
  const members = Array.from({ length: accounts }, (_, i) => ({
    id: String(200000000000 + i),
    name: `${slots[i % slots.length]!.name.toLowerCase()}-${i}`,
    status: "ACTIVE",
    parentId: slots[i % slots.length]!.id,
  }));
  const organization: OrganizationView = {
    organizationId: "o-example1234",
    managementAccountId: "123456789012",
    rootId: "r-root",
    enabledPolicyTypes: ["SERVICE_CONTROL_POLICY"],
    ous,
    accounts: [{ id: "123456789012", name: "management", status: "ACTIVE", parentId: "r-root" }, ...members],
  };
  const baseline: ManagedObject = {
    apiVersion: "orgguard.io/v1alpha1",
    kind: "AccountBaseline",
    metadata: { name: "seeds", generation: 1 },
    spec: {
      accounts: { organizationalUnits: [{ path: "Root" }] },
      passwordPolicy: {},
      publicAccessBlock: {},
      ebsEncryptionByDefault: {},
      defaultSecurityGroups: { managementPolicy: "ObserveOnly" },
    },
    status: {
      observedGeneration: 1,
      lastSyncTime: T,
      conditions: [condition("Ready", "False", "Drifted", "some accounts drift (ObserveOnly)")],
      matchedAccounts: accounts,
      compliant: "97%",
    },
  };
  const scp = (name: string, attachedTo: string, ready = READY): ManagedObject => ({
    apiVersion: "orgguard.io/v1alpha1",
    kind: "ServiceControlPolicy",
    metadata: { name, generation: 1 },
    spec: { targets: [{ root: true }], document: { Version: "2012-10-17", Statement: [] } },
    status: {
      observedGeneration: 1,
      lastSyncTime: T,
      conditions: ready,
      policyId: `p-${name.slice(0, 8)}`,
      attachedTo,
    },
  });
  return {
    organization,
    objects: [
      baseline,
      scp("deny-leave-organization", "root"),
      scp("protect-cloudtrail", "2 OUs"),
      scp("deny-root-user", "root", [
        condition("Ready", "False", "TooManyPolicies", "Root/Sandbox already has 5 SCPs of the 5 allowed"),
        condition("Synced", "False", "TooManyPolicies", "limit"),
        condition("Stalled", "True", "TooManyPolicies", "limit"),
      ]),
      ...members.flatMap((m, i) => accountObjects("seeds", m.id, outcomeOf(i))),
    ],
  };
}
