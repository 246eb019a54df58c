/**
 * The pure compares of the three account controls of issue 15 (default security groups, alternate
 * contacts, AWS Config), as tables with a reason per case.
 */
import { describe, expect, it } from "vitest";
import {
  type DesiredAlternateContacts,
  desiredAlternateContacts,
  diffAlternateContacts,
  differingFields,
  type ObservedAlternateContacts,
} from "../../../src/kinds/alternate-contacts/compare.js";
import {
  configRecording,
  desiredConfigRecorder,
  diffConfigRecorder,
  type ObservedConfigRecorder,
} from "../../../src/kinds/config-recorder/compare.js";
import {
  type DefaultGroup,
  describeRule,
  diffDefaultGroups,
  type GroupRule,
  missingAwsDefaultRules,
  reportDefaultGroups,
} from "../../../src/kinds/default-security-groups/compare.js";
import { MAX_LISTED_GROUPS, MAX_LISTED_RULES } from "../../../src/kinds/default-security-groups/schema.js";

const group = (n: number): DefaultGroup => ({ groupId: `sg-${n}`, vpcId: `vpc-${n}` });
const selfIngress = (g: DefaultGroup, id = "sgr-in"): GroupRule => ({
  ruleId: id,
  groupId: g.groupId,
  egress: false,
  protocol: "-1",
  fromPort: -1,
  toPort: -1,
  peer: g.groupId,
});
const egressAll = (g: DefaultGroup, id = "sgr-out"): GroupRule => ({
  ruleId: id,
  groupId: g.groupId,
  egress: true,
  protocol: "-1",
  fromPort: -1,
  toPort: -1,
  peer: "0.0.0.0/0",
});

describe("describeRule", () => {
  const cases: Array<{ reason: string; rule: GroupRule; text: string }> = [
    {
      reason: "AWS's self-referencing inbound rule reads as 'from itself'",
      rule: selfIngress(group(1)),
      text: "sgr-in ingress all traffic from itself",
    },
    {
      reason: "all traffic out has no ports",
      rule: egressAll(group(1)),
      text: "sgr-out egress all traffic to 0.0.0.0/0",
    },
    {
      reason: "one port",
      rule: {
        ruleId: "sgr-1",
        groupId: "sg-1",
        egress: false,
        protocol: "tcp",
        fromPort: 22,
        toPort: 22,
        peer: "10.0.0.0/8",
      },
      text: "sgr-1 ingress tcp 22 from 10.0.0.0/8",
    },
    {
      reason: "a port range to another group",
      rule: {
        ruleId: "sgr-2",
        groupId: "sg-1",
        egress: true,
        protocol: "udp",
        fromPort: 1000,
        toPort: 2000,
        peer: "sg-9",
      },
      text: "sgr-2 egress udp 1000-2000 to sg-9",
    },
  ];
  it.each(cases)("$reason", ({ rule, text }) => expect(describeRule(rule)).toBe(text));
});

describe("reportDefaultGroups and diffDefaultGroups", () => {
  const many = Array.from({ length: MAX_LISTED_GROUPS + 3 }, (_, i) => group(i));
  const cases: Array<{
    reason: string;
    groups: DefaultGroup[];
    rules: GroupRule[];
    counts: { defaultGroups: number; groupsWithRules: number; rules: number; groupsAsAwsMadeThem?: number };
    listed: number;
    changes: number;
  }> = [
    {
      reason: "a region without VPCs: nothing to close",
      groups: [],
      rules: [],
      counts: { defaultGroups: 0, groupsWithRules: 0, rules: 0 },
      listed: 0,
      changes: 0,
    },
    {
      reason: "closed groups: in sync, nothing listed",
      groups: [group(1), group(2)],
      rules: [],
      counts: { defaultGroups: 2, groupsWithRules: 0, rules: 0 },
      listed: 0,
      changes: 0,
    },
    {
      reason: "AWS's two default rules in one of two groups: one change, for that group",
      groups: [group(1), group(2)],
      rules: [selfIngress(group(1)), egressAll(group(1))],
      counts: { defaultGroups: 2, groupsWithRules: 1, rules: 2, groupsAsAwsMadeThem: 1 },
      listed: 1,
      changes: 1,
    },
    {
      reason: "more open groups than status lists: counts stay exact, one change covers the rest",
      groups: many,
      rules: many.map((g) => egressAll(g, `sgr-${g.groupId}`)),
      counts: { defaultGroups: many.length, groupsWithRules: many.length, rules: many.length },
      listed: MAX_LISTED_GROUPS,
      changes: MAX_LISTED_GROUPS + 1,
    },
  ];
  it.each(cases)("$reason", ({ groups, rules, counts, listed, changes }) => {
    const report = reportDefaultGroups(groups, rules);
    expect(report).toMatchObject(counts);
    expect(report.groups?.length ?? 0).toBe(listed);
    expect(diffDefaultGroups({ closed: true }, report)).toHaveLength(changes);
  });

  it("lists at most MAX_LISTED_RULES rules of a group and counts the others", () => {
    const g = group(1);
    const rules = Array.from({ length: MAX_LISTED_RULES + 4 }, (_, i) => egressAll(g, `sgr-${i}`));
    const report = reportDefaultGroups([g], rules);
    expect(report.groups?.[0]?.rules).toHaveLength(MAX_LISTED_RULES);
    expect(report.groups?.[0]?.unlistedRules).toBe(4);
    expect(diffDefaultGroups({ closed: true }, report)[0]).toMatchObject({
      from: MAX_LISTED_RULES + 4,
      to: 0,
    });
  });
});

describe("missingAwsDefaultRules (what Delete puts back)", () => {
  const g = group(1);
  const cases: Array<{ reason: string; rules: GroupRule[]; missing: string[] }> = [
    {
      reason: "a closed group gets both back",
      rules: [],
      missing: ["ingress-from-itself", "egress-to-anywhere"],
    },
    { reason: "a group as AWS made it needs nothing", rules: [selfIngress(g), egressAll(g)], missing: [] },
    {
      reason: "a narrower inbound rule from itself is not AWS's all-traffic rule",
      rules: [{ ...selfIngress(g), protocol: "tcp", fromPort: 443, toPort: 443 }, egressAll(g)],
      missing: ["ingress-from-itself"],
    },
    {
      reason: "another group's rules do not count",
      rules: [selfIngress(group(2)), egressAll(group(2))],
      missing: ["ingress-from-itself", "egress-to-anywhere"],
    },
  ];
  it.each(cases)("$reason", ({ rules, missing }) =>
    expect(missingAwsDefaultRules(g, rules)).toEqual(missing),
  );
});

describe("alternate contacts", () => {
  const security = {
    name: "Security Team",
    title: "CISO office",
    emailAddress: "sec@example.com",
    phoneNumber: "+1 555 0100",
  };
  const cases: Array<{ reason: string; have: typeof security; differs: string[] }> = [
    { reason: "the same contact", have: security, differs: [] },
    {
      reason: "an email differing only in case and spaces is the same",
      have: { ...security, emailAddress: " SEC@example.com" },
      differs: [],
    },
    {
      reason: "another phone number",
      have: { ...security, phoneNumber: "+1 555 0199" },
      differs: ["phoneNumber"],
    },
    {
      reason: "a name differing in case is another name",
      have: { ...security, name: "security team", title: "CISO" },
      differs: ["name", "title"],
    },
  ];
  it.each(cases)("differingFields: $reason", ({ have, differs }) =>
    expect(differingFields(security, have)).toEqual(differs),
  );

  const desired: DesiredAlternateContacts = desiredAlternateContacts({ security, billing: security });
  const diffCases: Array<{
    reason: string;
    observed: ObservedAlternateContacts | undefined;
    paths: string[];
  }> = [
    { reason: "nothing set: both listed types are set", observed: undefined, paths: ["security", "billing"] },
    {
      reason: "both set as in the spec",
      observed: { security: { differs: [] }, billing: { differs: [] } },
      paths: [],
    },
    {
      reason: "a field differs: named, its values never shown",
      observed: { security: { differs: ["emailAddress"] }, billing: { differs: [] } },
      paths: ["security.emailAddress"],
    },
  ];
  it.each(diffCases)("diffAlternateContacts: $reason", ({ observed, paths }) => {
    const changes = diffAlternateContacts(desired, observed);
    expect(changes.map((c) => c.path)).toEqual(paths);
    // No contact detail in any change: status, plans and Events show these.
    expect(JSON.stringify(changes)).not.toMatch(/example\.com|555|Security Team|CISO/);
  });

  it("a type the spec does not list is neither desired nor compared", () => {
    expect(Object.keys(desired)).toEqual(["security", "billing"]);
  });
});

describe("AWS Config recording", () => {
  const fields = {
    deliveryBucket: { name: "org-config", keyPrefix: "config" },
    globalResourcesRegion: "us-east-1",
  };
  const inSync: ObservedConfigRecorder = {
    recorder: {
      name: "default",
      roleArn: "arn:aws:iam::1:role/r",
      allSupported: true,
      includeGlobalResourceTypes: true,
    },
    recording: true,
    deliveryChannel: { name: "default", bucket: "org-config", keyPrefix: "config" },
  };
  const cases: Array<{
    reason: string;
    region: string;
    observed: ObservedConfigRecorder | undefined;
    paths: string[];
    meets: boolean;
  }> = [
    {
      reason: "nothing set: recorder, channel and recording",
      region: "us-east-1",
      observed: undefined,
      paths: ["recorder", "deliveryChannel", "recording"],
      meets: false,
    },
    {
      reason: "as desired in the global region",
      region: "us-east-1",
      observed: inSync,
      paths: [],
      meets: true,
    },
    {
      reason: "global types recorded outside the one global region",
      region: "eu-west-1",
      observed: inSync,
      paths: ["recorder.includeGlobalResourceTypes"],
      meets: true,
    },
    {
      reason: "stopped: only recording differs, and CIS 3.3 is not met",
      region: "us-east-1",
      observed: { ...inSync, recording: false },
      paths: ["recording"],
      meets: false,
    },
    {
      reason: "delivering to another bucket without a prefix",
      region: "us-east-1",
      observed: { ...inSync, deliveryChannel: { name: "ct", bucket: "other" } },
      paths: ["deliveryChannel.bucket", "deliveryChannel.keyPrefix"],
      meets: true,
    },
    {
      reason: "recording some types only (someone narrowed it)",
      region: "us-east-1",
      observed: { ...inSync, recorder: { ...inSync.recorder!, allSupported: false } },
      paths: ["recorder.allSupported"],
      meets: false,
    },
    {
      reason: "a role the spec does not name is left alone",
      region: "us-east-1",
      observed: { ...inSync, recorder: { ...inSync.recorder!, roleArn: "arn:aws:iam::1:role/other" } },
      paths: [],
      meets: true,
    },
  ];
  it.each(cases)("$reason", ({ region, observed, paths, meets }) => {
    const changes = diffConfigRecorder(desiredConfigRecorder(fields, region), observed);
    expect(changes.map((c) => c.path)).toEqual(paths);
    expect(configRecording(observed)).toBe(meets);
  });

  it("compares the role where the spec names one", () => {
    const desired = desiredConfigRecorder({ ...fields, roleArn: "arn:aws:iam::1:role/mine" }, "us-east-1");
    expect(diffConfigRecorder(desired, inSync).map((c) => c.path)).toEqual(["recorder.roleArn"]);
  });
});
