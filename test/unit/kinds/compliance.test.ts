/** CIS compliance of a baseline's accounts, judged from what each child's status says AWS has. */
import { describe, expect, it } from "vitest";
import { complianceOf, compliantShare } from "../../../src/kinds/account-baseline/compliance.js";
import { SETTINGS } from "../../../src/kinds/settings.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";

const setting = (kind: string) => SETTINGS.find((s) => s.names.kind === kind)!;
const child = (status: Record<string, unknown> | undefined): ManagedObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "X",
  metadata: { name: "x", generation: 1 },
  spec: {},
  ...(status ? { status: { observedGeneration: 1, ...status } } : {}),
});
const strictPolicy = { minimumPasswordLength: 16, passwordReusePrevention: 24, requireSymbols: true };

describe("complianceOf", () => {
  const cases: Array<{
    reason: string;
    kind: string;
    control: string;
    children: Array<ManagedObject | undefined>;
    compliant: number;
  }> = [
    {
      reason: "a password policy of 16 characters meets CIS 1.8 whatever else it says",
      kind: "PasswordPolicy",
      control: "CIS 1.8",
      children: [
        child({ atProvider: strictPolicy }),
        child({ atProvider: { ...strictPolicy, minimumPasswordLength: 8 } }),
      ],
      compliant: 1,
    },
    {
      reason: "no password policy at all meets nothing",
      kind: "PasswordPolicy",
      control: "CIS 1.9",
      children: [child({}), child({ atProvider: strictPolicy })],
      compliant: 1,
    },
    {
      reason: "a child not yet reconciled, or missing (a rival keeps it), meets nothing",
      kind: "PasswordPolicy",
      control: "CIS 1.8",
      children: [child(undefined), undefined],
      compliant: 0,
    },
    {
      reason: "a regional setting complies only when every compared region does",
      kind: "DefaultSecurityGroups",
      control: "CIS 5.4",
      children: [
        child({
          regions: ["us-east-1", "eu-west-1"],
          atProvider: {
            "us-east-1": { defaultGroups: 1, groupsWithRules: 0, rules: 0, groupsAsAwsMadeThem: 0 },
            "eu-west-1": { defaultGroups: 1, groupsWithRules: 1, rules: 2, groupsAsAwsMadeThem: 1 },
          },
        }),
        child({
          regions: ["us-east-1", "eu-west-1"],
          atProvider: {
            "us-east-1": { defaultGroups: 1, groupsWithRules: 0, rules: 0, groupsAsAwsMadeThem: 0 },
            "eu-west-1": { defaultGroups: 2, groupsWithRules: 0, rules: 0, groupsAsAwsMadeThem: 0 },
          },
        }),
      ],
      compliant: 1,
    },
    {
      reason: "a region compared but not read (no atProvider entry) does not comply",
      kind: "EbsEncryptionByDefault",
      control: "CIS 2.2.1",
      children: [
        child({ regions: ["us-east-1", "eu-west-1"], atProvider: { "us-east-1": { enabled: true } } }),
      ],
      compliant: 0,
    },
    {
      reason: "a security contact set, even one differing from the spec, is registered (CIS 1.2)",
      kind: "AlternateContacts",
      control: "CIS 1.2",
      children: [child({ atProvider: { security: { differs: ["phoneNumber"] } } }), child({})],
      compliant: 1,
    },
  ];
  it.each(cases)("$reason", ({ kind, control, children, compliant }) => {
    const accounts = children.map((_, i) => `11111111111${i}`);
    const lines = complianceOf([setting(kind)], accounts, (_kind, a) => children[accounts.indexOf(a)]);
    expect(lines.find((l) => l.control === control)).toMatchObject({ compliant, total: accounts.length });
  });

  it("has one line per control of each setting named, and the share over all of them", () => {
    const lines = complianceOf(
      [setting("PasswordPolicy"), setting("PublicAccessBlock")],
      ["111111111111"],
      () => child({ atProvider: strictPolicy }),
    );
    expect(lines.map((l) => l.control)).toEqual(["CIS 1.8", "CIS 1.9", "CIS 2.1.4"]);
    // 2 of 3 pairs: the password policy's status is no public access block.
    expect(compliantShare(lines)).toBe("66%");
    expect(compliantShare([])).toBe("-");
  });
});
