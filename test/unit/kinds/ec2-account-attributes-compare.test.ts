/**
 * The pure compares of the EC2 account attributes of issue 29 (IMDS defaults, snapshot and AMI
 * block public access, no default VPC) and the memory of changes AWS applies asynchronously, as
 * tables with a reason per case.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  blockPublicAccessInTransition,
  blockPublicAccessIsDefault,
  diffBlockPublicAccess,
  type ObservedBlockPublicAccess,
} from "../../../src/kinds/ec2-block-public-access/compare.js";
import {
  desiredInstanceMetadataDefaults,
  diffInstanceMetadataDefaults,
  imdsModification,
  imdsReading,
  imdsReset,
  imdsV2Required,
  type ObservedInstanceMetadataDefaults,
} from "../../../src/kinds/instance-metadata-defaults/compare.js";
import { instanceMetadataDefaultsFields } from "../../../src/kinds/instance-metadata-defaults/schema.js";
import {
  type DefaultVpc,
  deletable,
  diffNoDefaultVpc,
  noDefaultVpc,
  reportDefaultVpc,
} from "../../../src/kinds/no-default-vpc/compare.js";
import { MAX_LISTED } from "../../../src/kinds/no-default-vpc/schema.js";
import { AcceptedChanges } from "../../../src/kinds/setting/applying.js";

const imdsFields = (spec: Record<string, unknown>) => z.object(instanceMetadataDefaultsFields).parse(spec);

describe("instance metadata defaults", () => {
  const cases: Array<{
    reason: string;
    spec: Record<string, unknown>;
    observed: ObservedInstanceMetadataDefaults | undefined;
    paths: string[];
    sends: Record<string, unknown>;
  }> = [
    {
      reason: "nothing set in the region: IMDSv2 required (the default) is set, nothing else is sent",
      spec: {},
      observed: undefined,
      paths: ["httpTokens"],
      sends: { HttpTokens: "required" },
    },
    {
      reason: "IMDSv2 already required: in sync",
      spec: {},
      observed: { httpTokens: "required", managedBy: "account" },
      paths: [],
      sends: {},
    },
    {
      reason: "someone allowed IMDSv1 by hand: only httpTokens is sent back",
      spec: { httpPutResponseHopLimit: 2 },
      observed: { httpTokens: "optional", httpPutResponseHopLimit: 2 },
      paths: ["httpTokens"],
      sends: { HttpTokens: "required" },
    },
    {
      reason: "every field set, the hop limit and tags differ: only those two are sent",
      spec: { httpPutResponseHopLimit: 2, httpEndpoint: "enabled", instanceMetadataTags: "disabled" },
      observed: {
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
        httpEndpoint: "enabled",
        instanceMetadataTags: "enabled",
      },
      paths: ["httpPutResponseHopLimit", "instanceMetadataTags"],
      sends: { HttpPutResponseHopLimit: 2, InstanceMetadataTags: "disabled" },
    },
    {
      reason: "optional asked for and no default set: it is set",
      spec: { httpTokens: "optional" },
      observed: undefined,
      paths: ["httpTokens"],
      sends: { HttpTokens: "optional" },
    },
  ];
  it.each(cases)("$reason", ({ spec, observed, paths, sends }) => {
    const desired = desiredInstanceMetadataDefaults(imdsFields(spec));
    expect(diffInstanceMetadataDefaults(desired, observed).map((c) => c.path)).toEqual(paths);
    expect(imdsModification(desired, observed)).toEqual(sends);
  });

  it("says what changes, from what EC2 has (absent: no account-level default) to the spec", () => {
    const desired = desiredInstanceMetadataDefaults(imdsFields({ httpPutResponseHopLimit: 2 }));
    expect(diffInstanceMetadataDefaults(desired, { httpTokens: "optional" })).toEqual([
      { path: "httpTokens", from: "optional", to: "required" },
      { path: "httpPutResponseHopLimit", to: 2 },
    ]);
  });

  it("says when a declarative policy keeps the value (ObserveOnly reports it; Enforce stalls)", () => {
    const desired = desiredInstanceMetadataDefaults(imdsFields({}));
    const [change] = diffInstanceMetadataDefaults(desired, {
      httpTokens: "optional",
      managedBy: "declarative-policy",
    });
    expect(change?.description).toContain("declarative policy");
  });

  it("Delete clears exactly the fields the spec manages: no-preference, and -1 for the hop limit", () => {
    expect(imdsReset(desiredInstanceMetadataDefaults(imdsFields({})))).toEqual({
      HttpTokens: "no-preference",
    });
    expect(
      imdsReset(
        desiredInstanceMetadataDefaults(imdsFields({ httpPutResponseHopLimit: 3, httpEndpoint: "enabled" })),
      ),
    ).toEqual({ HttpTokens: "no-preference", HttpPutResponseHopLimit: -1, HttpEndpoint: "no-preference" });
  });

  const readings: Array<{
    reason: string;
    spec: Record<string, unknown>;
    accountLevel: Record<string, unknown>;
    observed: ObservedInstanceMetadataDefaults | undefined;
  }> = [
    {
      reason: "EC2 answers an empty AccountLevel when nothing is set: nothing set",
      spec: {},
      accountLevel: {},
      observed: undefined,
    },
    {
      reason: "a field the spec does not manage is neither read into status nor a reason to exist",
      spec: {},
      accountLevel: { HttpPutResponseHopLimit: 3, ManagedBy: "account" },
      observed: undefined,
    },
    {
      reason: "the managed fields, and who keeps them",
      spec: { instanceMetadataTags: "enabled" },
      accountLevel: {
        HttpTokens: "required",
        HttpEndpoint: "disabled",
        InstanceMetadataTags: "enabled",
        ManagedBy: "account",
      },
      observed: { httpTokens: "required", instanceMetadataTags: "enabled", managedBy: "account" },
    },
    {
      reason: "a declarative policy keeping no field the spec names still shows, with its message",
      spec: {},
      accountLevel: { ManagedBy: "declarative-policy", ManagedExceptionMessage: "Ask the platform team" },
      observed: { managedBy: "declarative-policy", managedExceptionMessage: "Ask the platform team" },
    },
  ];
  it.each(readings)("reading: $reason", ({ spec, accountLevel, observed }) =>
    expect(imdsReading(desiredInstanceMetadataDefaults(imdsFields(spec)), accountLevel)).toEqual(observed),
  );

  it("CIS 5.6 (its account side) holds where new instances require IMDSv2", () => {
    expect(imdsV2Required({ httpTokens: "required" })).toBe(true);
    expect(imdsV2Required({ httpTokens: "optional" })).toBe(false);
    expect(imdsV2Required(undefined)).toBe(false);
  });
});

describe("snapshot and AMI block public access", () => {
  const cases: Array<{
    reason: string;
    want: string;
    observed: ObservedBlockPublicAccess;
    paths: string[];
    transition: boolean;
    isDefault: boolean;
  }> = [
    {
      reason: "unblocked (AWS's default): the state differs, nothing set",
      want: "block-all-sharing",
      observed: { state: "unblocked", managedBy: "account" },
      paths: ["state"],
      transition: false,
      isDefault: true,
    },
    {
      reason: "the state asked for: in sync",
      want: "block-all-sharing",
      observed: { state: "block-all-sharing", managedBy: "account" },
      paths: [],
      transition: false,
      isDefault: false,
    },
    {
      reason: "the weaker mode, set by hand: the state differs",
      want: "block-all-sharing",
      observed: { state: "block-new-sharing" },
      paths: ["state"],
      transition: false,
      isDefault: false,
    },
    {
      reason: "an Enable AWS accepted and still applies (EC2 reads back unblocked): in transition, and set",
      want: "block-new-sharing",
      observed: {
        state: "unblocked",
        applying: { state: "block-new-sharing", since: "2026-12-06T10:00:00.000Z" },
      },
      paths: ["state"],
      transition: true,
      isDefault: false,
    },
    {
      reason: "EC2 answering in-transition: in transition",
      want: "block-new-sharing",
      observed: { state: "in-transition" },
      paths: ["state"],
      transition: true,
      isDefault: false,
    },
    {
      reason: "a Disable (Delete) AWS still applies: in transition, and already as AWS leaves it",
      want: "block-new-sharing",
      observed: {
        state: "block-new-sharing",
        applying: { state: "unblocked", since: "2026-12-06T10:00:00.000Z" },
      },
      paths: [],
      transition: true,
      isDefault: true,
    },
  ];
  it.each(cases)("$reason", ({ want, observed, paths, transition, isDefault }) => {
    expect(diffBlockPublicAccess({ state: want }, observed).map((c) => c.path)).toEqual(paths);
    expect(blockPublicAccessInTransition(observed) !== undefined).toBe(transition);
    expect(blockPublicAccessIsDefault(observed)).toBe(isDefault);
  });

  it("a region in transition says what was accepted, when, and what EC2 still reads", () => {
    expect(
      blockPublicAccessInTransition({
        state: "unblocked",
        applying: { state: "block-new-sharing", since: "2026-12-06T10:00:00.000Z" },
      }),
    ).toBe(
      "block-new-sharing accepted at 2026-12-06T10:00:00.000Z, EC2 still reads unblocked (AWS takes up to 10 minutes)",
    );
  });

  it("says when a declarative policy keeps the state", () => {
    const [change] = diffBlockPublicAccess(
      { state: "block-all-sharing" },
      { state: "unblocked", managedBy: "declarative-policy" },
    );
    expect(change).toMatchObject({ from: "unblocked", to: "block-all-sharing" });
    expect(change?.description).toContain("declarative policy");
  });
});

describe("AcceptedChanges (what AWS accepted and does not show yet)", () => {
  let now = 0;
  const changes = () => new AcceptedChanges<string>(600_000, () => now);

  it("is pending while EC2 reads another value, and forgotten once EC2 shows it", () => {
    now = Date.UTC(2026, 11, 6, 10);
    const c = changes();
    c.accept("1/eu-west-1", "block-new-sharing");
    now += 60_000;
    expect(c.pending("1/eu-west-1", "unblocked")).toEqual({
      value: "block-new-sharing",
      since: "2026-12-06T10:00:00.000Z",
    });
    expect(c.pending("1/us-east-1", "unblocked")).toBeUndefined();
    expect(c.pending("1/eu-west-1", "block-new-sharing")).toBeUndefined();
    // Forgotten: a later change by hand back to unblocked is drift.
    expect(c.pending("1/eu-west-1", "unblocked")).toBeUndefined();
  });

  it("ends after its window: a value still not shown is drift again (and written again)", () => {
    now = 0;
    const c = changes();
    c.accept("1/eu-west-1", "block-new-sharing");
    now = 599_999;
    expect(c.pending("1/eu-west-1", "unblocked")).toBeDefined();
    now = 600_000;
    expect(c.pending("1/eu-west-1", "unblocked")).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it("drops expired records of other places when it records one (bounded)", () => {
    now = 0;
    const c = changes();
    c.accept("1/eu-west-1", "a");
    c.accept("2/eu-west-1", "a");
    now = 700_000;
    c.accept("3/eu-west-1", "a");
    expect(c.size).toBe(1);
  });
});

describe("no default VPC", () => {
  const vpc = (over: Partial<DefaultVpc> = {}): DefaultVpc => ({
    vpcId: "vpc-1",
    cidrBlock: "172.31.0.0/16",
    subnetIds: ["subnet-a", "subnet-b", "subnet-c"],
    internetGatewayIds: ["igw-1"],
    networkInterfaces: [],
    ...over,
  });
  const cases: Array<{
    reason: string;
    found: DefaultVpc | undefined;
    changes: number;
    deletes: boolean;
    says?: RegExp;
  }> = [
    { reason: "no default VPC: in sync", found: undefined, changes: 0, deletes: false },
    {
      reason: "a default VPC as AWS makes it: delete it, naming its subnets and gateway",
      found: vpc(),
      changes: 1,
      deletes: true,
      says: /^delete the default VPC vpc-1 \(172\.31\.0\.0\/16\) with its 3 subnet\(s\), internet gateway igw-1 \(detached first\) and its default security group$/,
    },
    {
      reason: "one without an internet gateway (moto's): no gateway named",
      found: vpc({ internetGatewayIds: [] }),
      changes: 1,
      deletes: true,
      says: /with its 3 subnet\(s\) and its default security group/,
    },
    {
      reason: "one an instance uses: kept, saying why and by what",
      found: vpc({ networkInterfaces: ["eni-1 (i-0abc)"] }),
      changes: 1,
      deletes: false,
      says: /^keep the default VPC vpc-1 \(172\.31\.0\.0\/16\): 1 network interface\(s\): eni-1 \(i-0abc\) use it/,
    },
  ];
  it.each(cases)("$reason", ({ found, changes, deletes, says }) => {
    const report = reportDefaultVpc(found);
    const diff = diffNoDefaultVpc({ absent: true }, report);
    expect(diff).toHaveLength(changes);
    expect(deletable(report)).toBe(deletes);
    expect(noDefaultVpc(report)).toBe(found === undefined);
    if (says) expect(diff[0]?.description).toMatch(says);
    if (found) expect(diff[0]?.path).toBe(`defaultVpc[${found.vpcId}]`);
  });

  it("counts every interface and lists a few (status stays small)", () => {
    const many = Array.from({ length: MAX_LISTED + 3 }, (_, i) => `eni-${i}`);
    const report = reportDefaultVpc(vpc({ networkInterfaces: many }));
    expect(report).toMatchObject({ defaultVpcs: 1, networkInterfaces: MAX_LISTED + 3, subnets: 3 });
    expect(report.networkInterfaceIds).toHaveLength(MAX_LISTED);
    expect(diffNoDefaultVpc({ absent: true }, report)[0]?.description).toContain(
      `${MAX_LISTED + 3} network interface(s): eni-0`,
    );
  });
});
