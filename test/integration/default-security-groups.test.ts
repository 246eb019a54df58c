/**
 * DefaultSecurityGroups against moto, by `orgguard controller` run as in production: ObserveOnly
 * lists the groups and rules it would revoke and writes nothing; switched to Enforce it revokes
 * them by rule id in every VPC of both regions; a rule added out of band and a VPC created later
 * are closed within a poll; Delete gives the groups AWS's two default rules back, Retain leaves
 * them closed; bad input is refused at admission; the AccountBaseline field takes its own
 * managementPolicy and the baseline reports CIS 5.4. moto's default groups lack AWS's
 * self-referencing inbound rule, so the tests add it (the drift a real account starts with).
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeInternetGatewaysCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { observedDefaultSecurityGroups } from "../../src/kinds/default-security-groups/schema.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { sleep, waitUntil } from "../env/process.js";
import { awsClientConfig, memberCredentials } from "../support/aws.js";
import { type ControllerProcess, countWrites, startSettingSuite } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  admissionRefusal,
  deleteEveryObject,
  eventReasons as eventsAbout,
  manifest,
  orgguardClient,
  uniqueNames,
} from "../support/orgguard.js";

const POLL_MS = 3000;
const REGIONS = ["us-east-1", "eu-west-1"];
const kc = adminKubeConfig();
const groups = orgguardClient(kc, "DefaultSecurityGroups");
const baselines = orgguardClient(kc, "AccountBaseline");
const uniqueName = uniqueNames();
let controller: ControllerProcess;
let accounts: Map<string, string>;

beforeAll(async () => {
  ({ controller, accounts } = await startSettingSuite(["dsg-1", "dsg-2", "dsg-3", "dsg-4"], POLL_MS));
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([baselines, groups], () => controller.tail());
  await controller?.stop();
});

async function ec2Of(accountId: string, region: string): Promise<EC2Client> {
  return new EC2Client({ ...awsClientConfig(await memberCredentials(accountId)), region });
}

/** The rules of every default group in one region of an account, by group id. */
async function defaultGroupRules(accountId: string, region: string): Promise<Map<string, string[]>> {
  const ec2 = await ec2Of(accountId, region);
  const found = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }] }),
  );
  const ids = (found.SecurityGroups ?? []).map((g) => g.GroupId!);
  const rules = await ec2.send(
    new DescribeSecurityGroupRulesCommand({ Filters: [{ Name: "group-id", Values: ids }] }),
  );
  return new Map(
    ids.map((id) => [
      id,
      (rules.SecurityGroupRules ?? [])
        .filter((r) => r.GroupId === id)
        .map((r) => `${r.IsEgress ? "egress" : "ingress"} ${r.CidrIpv4 ?? r.ReferencedGroupInfo?.GroupId}`)
        .sort(),
    ]),
  );
}

const ruleCount = async (accountId: string, region: string) =>
  [...(await defaultGroupRules(accountId, region)).values()].reduce((n, r) => n + r.length, 0);

/** Deletes every VPC of the region with its subnets and internet gateways. */
async function deleteEveryVpc(accountId: string, region: string): Promise<void> {
  const ec2 = await ec2Of(accountId, region);
  for (const vpc of (await ec2.send(new DescribeVpcsCommand({}))).Vpcs ?? []) {
    const VpcId = vpc.VpcId!;
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [VpcId] }] }),
    );
    for (const s of subnets.Subnets ?? []) await ec2.send(new DeleteSubnetCommand({ SubnetId: s.SubnetId! }));
    const gateways = await ec2.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: "attachment.vpc-id", Values: [VpcId] }] }),
    );
    for (const g of gateways.InternetGateways ?? []) {
      await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: g.InternetGatewayId!, VpcId }));
      await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: g.InternetGatewayId! }));
    }
    await ec2.send(new DeleteVpcCommand({ VpcId }));
  }
}

/** Gives every default group of the region AWS's self-referencing inbound rule (moto omits it). */
async function addSelfReferencingRules(accountId: string, region: string): Promise<void> {
  const ec2 = await ec2Of(accountId, region);
  for (const id of (await defaultGroupRules(accountId, region)).keys()) {
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: id,
        IpPermissions: [{ IpProtocol: "-1", UserIdGroupPairs: [{ GroupId: id }] }],
      }),
    );
  }
}

describe("DefaultSecurityGroups", () => {
  it("ObserveOnly lists the rules and writes nothing; Enforce closes every group, repairs drift, covers a later VPC; Delete restores AWS's rules", async () => {
    const account = accounts.get("dsg-1")!;
    for (const region of REGIONS) await addSelfReferencingRules(account, region);
    const writesBefore = countWrites(await controller.awsCalls());
    const name = uniqueName("dsg");
    await groups.create(
      manifest("DefaultSecurityGroups", name, {
        accountId: account,
        regions: REGIONS,
        managementPolicy: "ObserveOnly",
        deletionPolicy: "Delete",
      }),
    );
    // Every group as AWS makes it: AWS's own default, so NotFound, with what Enforce would revoke.
    const drifted = await controller.waitForReason(groups, name, "NotFound");
    const reports = z.record(z.string(), observedDefaultSecurityGroups).parse(drifted.status?.atProvider);
    for (const region of REGIONS) {
      const report = reports[region];
      expect(report, region).toMatchObject({ defaultGroups: 1, groupsWithRules: 1, rules: 2 });
      expect(report?.groups?.[0]?.rules.map((r) => r.replace(/^sgr-\S+ /, "")).sort()).toEqual([
        "egress all traffic to 0.0.0.0/0",
        "ingress all traffic from itself",
      ]);
    }
    expect(drifted.status?.plannedChanges?.map((c) => c.path)).toEqual(
      REGIONS.map((r) =>
        expect.stringMatching(new RegExp(`^regions\\[${r}\\]\\.groups\\[sg-[^\\]]+\\]\\.rules$`)),
      ),
    );
    await sleep(POLL_MS * 1.2);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    for (const region of REGIONS) expect(await ruleCount(account, region)).toBe(2);

    // Reviewed: enforce it.
    await groups.jsonPatch(name, [{ op: "replace", path: "/spec/managementPolicy", value: "Enforce" }]);
    const closed = await controller.waitForReason(groups, name, "Available");
    for (const region of REGIONS) expect(await ruleCount(account, region), region).toBe(0);
    expect(closed.status?.atProvider).toEqual({
      "us-east-1": { defaultGroups: 1, groupsWithRules: 0, rules: 0, groupsAsAwsMadeThem: 0 },
      "eu-west-1": { defaultGroups: 1, groupsWithRules: 0, rules: 0, groupsAsAwsMadeThem: 0 },
    });

    // Someone opens a group again, and someone creates a VPC (whose default group allows all out).
    await addSelfReferencingRules(account, "eu-west-1");
    await (await ec2Of(account, "us-east-1")).send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16" }));
    await waitUntil(
      async () =>
        (await ruleCount(account, "eu-west-1")) === 0 && (await ruleCount(account, "us-east-1")) === 0,
      POLL_MS * 1.1 + 5000,
      "the reopened group and the new VPC's group to be closed",
    );
    expect((await defaultGroupRules(account, "us-east-1")).size).toBe(2);
    await waitUntil(
      async () => (await eventsAbout(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );

    await groups.delete(name);
    let last: ManagedObject | undefined;
    await waitUntil(
      async () => {
        last = await groups.get(name);
        return last === undefined;
      },
      20_000,
      () =>
        `the object to be gone (conditions ${JSON.stringify(last?.status?.conditions)}; ${controller.tail()})`,
    );
    for (const region of REGIONS) {
      for (const [id, rules] of await defaultGroupRules(account, region))
        expect(rules, `${region} ${id}`).toEqual(["egress 0.0.0.0/0", `ingress ${id}`]);
    }
  });

  it("in regions without any VPC (default VPCs deleted, as hardening guides advise) is Ready, and a deletion with Delete completes", async () => {
    const account = accounts.get("dsg-4")!;
    for (const region of REGIONS) await deleteEveryVpc(account, region);
    const name = uniqueName("dsg-novpc");
    await groups.create(
      manifest("DefaultSecurityGroups", name, {
        accountId: account,
        regions: REGIONS,
        deletionPolicy: "Delete",
      }),
    );
    const ready = await controller.waitForReason(groups, name, "Available");
    expect(ready.status?.plannedChanges).toEqual([]);
    // Two polls later it is still Ready, with no create attempted again (it would have written nothing).
    await sleep(POLL_MS * 2.2);
    expect(findCondition((await groups.get(name))?.status?.conditions, "Ready")?.reason).toBe("Available");
    expect(await eventsAbout(kc, name)).not.toContain("DriftRepaired");
    await groups.delete(name);
    await waitUntil(async () => (await groups.get(name)) === undefined, 20_000, "the object to be gone");
  });

  it("with Retain (the default), deleting the object leaves the groups closed", async () => {
    const account = accounts.get("dsg-2")!;
    const name = uniqueName("dsg-retain");
    await groups.create(manifest("DefaultSecurityGroups", name, { accountId: account, regions: REGIONS }));
    await controller.waitForReason(groups, name, "Available");
    await groups.delete(name);
    await waitUntil(async () => (await groups.get(name)) === undefined, 20_000, "the object to be gone");
    for (const region of REGIONS) expect(await ruleCount(account, region)).toBe(0);
  });

  it("refuses bad input at admission, naming the field", async () => {
    const refusal = (spec: Record<string, unknown>) =>
      admissionRefusal(groups, manifest("DefaultSecurityGroups", uniqueName("dsg-bad"), spec));
    expect(await refusal({ regions: ["moon-1"] })).toMatch(/regions.*must be a region name|should match/);
    expect(await refusal({ regions: [] })).toMatch(/regions.*(at least 1|should have at least)/);
    expect(await refusal({ managementPolicy: "Sometimes" })).toContain("managementPolicy");
  });
});

describe("the AccountBaseline field defaultSecurityGroups", () => {
  it("takes its own managementPolicy (ObserveOnly beside an enforced setting) and reports CIS 5.4", async () => {
    const account = accounts.get("dsg-3")!;
    const name = uniqueName("dsg-baseline");
    await baselines.create(
      manifest("AccountBaseline", name, {
        accounts: { ids: [account] },
        ebsEncryptionByDefault: { regions: REGIONS },
        defaultSecurityGroups: { regions: REGIONS, managementPolicy: "ObserveOnly" },
      }),
    );
    await waitUntil(
      async () => {
        const compliance = (await baselines.get(name))?.status?.compliance as
          | Array<{ control: string; compliant: number }>
          | undefined;
        return compliance?.find((c) => c.control === "CIS 2.2.1")?.compliant === 1;
      },
      40_000,
      "the baseline to report EBS compliance",
    );
    const child = await groups.get(`${name}-${account}`);
    expect(child?.spec).toMatchObject({ accountId: account, managementPolicy: "ObserveOnly" });
    const ebsChild = await orgguardClient(kc, "EbsEncryptionByDefault").get(`${name}-${account}`);
    expect(ebsChild?.spec.managementPolicy).toBe("Enforce");
    const status = (await baselines.get(name))?.status;
    expect(status?.compliance).toEqual([
      expect.objectContaining({ control: "CIS 2.2.1", compliant: 1, total: 1 }),
      expect.objectContaining({ control: "CIS 5.4", compliant: 0, total: 1 }),
    ]);
    expect(status?.compliant).toBe("50%");
    // Only ObserveOnly drift left: settled, and the baseline says so.
    const settled = await controller.waitForReason(baselines, name, "Drifted");
    expect(findCondition(settled.status?.conditions, "Ready")?.message).toContain(
      "1 with ObserveOnly settings that differ from the spec",
    );
    for (const region of REGIONS) expect(await ruleCount(account, region)).toBe(1);
  });
});
