/**
 * Security Hub standards by name and version, resolved against what a region offers, and controls
 * checked against the spec's standards (src/kinds/security-hub-organization/standards.ts): what a
 * user writes, which ARN it becomes, and what a refusal lists.
 */
import { describe, expect, it } from "vitest";
import {
  compareControls,
  labelOfArn,
  resolveStandards,
  standardIdOf,
  unknownControls,
} from "../../../src/kinds/security-hub-organization/standards.js";
import { SecurityHubModel } from "../../support/security-hub-stub.js";

const REGION = "eu-west-1";
const catalogue = new SecurityHubModel("111111111111", () => [])
  .catalogue(REGION)
  .map((c) => ({ arn: c.arn, name: c.title }));

describe("standardIdOf", () => {
  const cases = [
    {
      reason: "a regional standards ARN",
      arn: "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/5.0.0",
      id: { name: "cis-aws-foundations-benchmark", version: "5.0.0" },
    },
    {
      reason: "CIS v1.2.0's region-less ruleset ARN",
      arn: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
      id: { name: "cis-aws-foundations-benchmark", version: "1.2.0" },
    },
    {
      reason: "another partition",
      arn: "arn:aws-us-gov:securityhub:us-gov-west-1::standards/pci-dss/v/4.0.1",
      id: { name: "pci-dss", version: "4.0.1" },
    },
    {
      reason: "a subscription ARN is not a standard's",
      arn: "arn:aws:securityhub:eu-west-1:1:hub/default",
      id: undefined,
    },
  ];
  it.each(cases)("$reason", ({ arn, id }) => {
    expect(standardIdOf(arn)).toEqual(id);
    expect(labelOfArn(arn)).toBe(id ? `${id.name} ${id.version}` : arn);
  });
});

describe("resolveStandards", () => {
  it("resolves each standard of the spec to this region's ARN, in the spec's order", () => {
    const resolved = resolveStandards(
      [
        { name: "pci-dss", version: "4.0.1" },
        { name: "cis-aws-foundations-benchmark", version: "5.0.0" },
        { name: "cis-aws-foundations-benchmark", version: "1.2.0" },
      ],
      catalogue,
      REGION,
    );
    expect(resolved).toEqual({
      resolved: [
        expect.objectContaining({
          arn: "arn:aws:securityhub:eu-west-1::standards/pci-dss/v/4.0.1",
          title: "PCI DSS v4.0.1",
        }),
        expect.objectContaining({
          arn: "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/5.0.0",
        }),
        expect.objectContaining({
          arn: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0",
        }),
      ],
    });
  });

  const refusals = [
    {
      reason: "an unknown name: the nearest known one, and every standard with its versions",
      standard: { name: "cis-aws-foundation-benchmark", version: "5.0.0" },
      says: [
        "spec.standards[0].name: Security Hub offers no standard named cis-aws-foundation-benchmark in eu-west-1",
        "did you mean cis-aws-foundations-benchmark?",
        "cis-aws-foundations-benchmark 1.2.0, 3.0.0, 5.0.0",
        "pci-dss 3.2.1, 4.0.1",
        "aws-foundational-security-best-practices 1.0.0",
      ],
    },
    {
      reason: "a name far from any: no guess, the list all the same",
      standard: { name: "iso-27001", version: "2022.0.0" },
      says: ["no standard named iso-27001", "it offers: aws-foundational-security-best-practices 1.0.0;"],
    },
    {
      reason: "an unknown version of a known standard: its versions",
      standard: { name: "pci-dss", version: "4.0.0" },
      says: [
        "spec.standards[0].version: pci-dss has no version 4.0.0 in eu-west-1; its versions: 3.2.1, 4.0.1",
      ],
    },
  ];
  it.each(refusals)("refuses $reason", ({ standard, says }) => {
    const result = resolveStandards([standard], catalogue, REGION);
    expect(result).toHaveProperty("problems");
    const text = (result as { problems: string[] }).problems.join("\n");
    for (const s of says) expect(text).toContain(s);
  });

  it("reports every wrong standard, not only the first", () => {
    const result = resolveStandards(
      [
        { name: "pci-dss", version: "9.9.9" },
        { name: "cis-aws-foundations-benchmark", version: "5.0.0" },
        { name: "nope", version: "1.0.0" },
      ],
      catalogue,
      REGION,
    );
    expect((result as { problems: string[] }).problems.map((p) => p.split(":")[0])).toEqual([
      "spec.standards[0].version",
      "spec.standards[2].name",
    ]);
  });
});

describe("unknownControls", () => {
  const controlsOf = new Map([
    ["cis-aws-foundations-benchmark 5.0.0", new Set(["IAM.18", "IAM.28", "S3.5", "IAM.6"])],
    ["pci-dss 4.0.1", new Set(["S3.5", "GuardDuty.1"])],
  ]);
  const cases = [
    { reason: "a control of one standard", control: "GuardDuty.1", problem: undefined },
    { reason: "a control of both", control: "S3.5", problem: undefined },
    {
      reason: "a typo: the nearest id, and the valid ones listed in order",
      control: "IAM.188",
      problem:
        "IAM.188 is not a control of the spec's standards in eu-west-1: none of cis-aws-foundations-benchmark 5.0.0, pci-dss 4.0.1 has it (did you mean IAM.18?); their 5 controls: GuardDuty.1, IAM.6, IAM.18, IAM.28, S3.5",
    },
    {
      reason: "a control of a standard the spec does not enable",
      control: "EC2.10",
      problem: "EC2.10 is not a control of the spec's standards",
    },
  ];
  it.each(cases)("$reason", ({ control, problem }) => {
    const problems = unknownControls([{ control, reason: "reviewed" }], controlsOf, REGION);
    if (problem === undefined) expect(problems).toEqual([]);
    else expect(problems[0]).toContain(problem);
  });

  it("says so when the spec enables no standard", () => {
    expect(unknownControls([{ control: "IAM.18", reason: "x" }], new Map(), REGION)[0]).toContain(
      "the spec enables no standard",
    );
  });

  it("lists at most 60 ids, with the count of the rest", () => {
    const many = new Map([["big 1.0.0", new Set(Array.from({ length: 75 }, (_, i) => `EC2.${i + 1}`))]]);
    const problem = unknownControls([{ control: "IAM.1", reason: "x" }], many, REGION)[0] ?? "";
    expect(problem).toContain("their 75 controls: EC2.1, EC2.2,");
    expect(problem).toContain("EC2.60 and 15 more");
  });

  it("orders ids by service, then by number", () => {
    expect(["IAM.10", "EC2.2", "IAM.2", "CloudTrail.7"].sort(compareControls)).toEqual([
      "CloudTrail.7",
      "EC2.2",
      "IAM.2",
      "IAM.10",
    ]);
  });
});
