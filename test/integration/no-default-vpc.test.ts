/**
 * NoDefaultVpc against moto, by `orgguard controller` run as in production. moto gives every region
 * of every account a default VPC (172.31.0.0/16, one subnet per Availability Zone) but, unlike AWS,
 * no internet gateway: the tests attach one, so the detach-then-delete path runs against moto too.
 * An instance started with RunInstances (in the default subnet) gives a VPC a network interface.
 * ObserveOnly reports both VPCs and writes nothing; Enforce deletes the unused one (its internet
 * gateway, subnets, and with it its default security group) and keeps the other, Stalled and named;
 * a default VPC re-created by hand is deleted again; something else AWS will not delete the VPC
 * with stalls it, with AWS's words; Delete re-creates nothing.
 */
import {
  AttachInternetGatewayCommand,
  CreateDefaultVpcCommand,
  CreateInternetGatewayCommand,
  CreateRouteTableCommand,
  DescribeInternetGatewaysCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { observedDefaultVpc } from "../../src/kinds/no-default-vpc/schema.js";
import { findCondition } from "../../src/runtime/conditions.js";
import { sleep, waitUntil } from "../env/process.js";
import { awsClientConfig, memberCredentials } from "../support/aws.js";
import { type ControllerProcess, countWrites, startSettingSuite } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventReasons,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 3000;
const REGIONS = ["us-east-1", "eu-west-1"];
const kc = adminKubeConfig();
const vpcs = orgguardClient(kc, "NoDefaultVpc");
const baselines = orgguardClient(kc, "AccountBaseline");
const uniqueName = uniqueNames();
let controller: ControllerProcess;
let accounts: Map<string, string>;

beforeAll(async () => {
  ({ controller, accounts } = await startSettingSuite(["vpc-1", "vpc-2", "vpc-3", "vpc-4"], POLL_MS));
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([baselines, vpcs], () => controller.tail());
  await controller?.stop();
});

async function ec2Of(accountId: string, region: string): Promise<EC2Client> {
  return new EC2Client({ ...awsClientConfig(await memberCredentials(accountId)), region });
}

/** The default VPC of a region, if any. */
async function defaultVpc(accountId: string, region: string): Promise<string | undefined> {
  const out = await (await ec2Of(accountId, region)).send(
    new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
  );
  return out.Vpcs?.[0]?.VpcId;
}

/** Gives the default VPC the internet gateway AWS gives it (moto's has none); returns its id. */
async function attachInternetGateway(accountId: string, region: string): Promise<string> {
  const ec2 = await ec2Of(accountId, region);
  const gateway = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
  await ec2.send(
    new AttachInternetGatewayCommand({
      InternetGatewayId: gateway,
      VpcId: (await defaultVpc(accountId, region))!,
    }),
  );
  return gateway;
}

/** Starts an instance in the default VPC (its default subnet): the VPC now has a network interface. */
async function startInstance(accountId: string, region: string): Promise<string> {
  const out = await (await ec2Of(accountId, region)).send(
    new RunInstancesCommand({ ImageId: "ami-12c6146b", MinCount: 1, MaxCount: 1, InstanceType: "t3.micro" }),
  );
  return out.Instances![0]!.InstanceId!;
}

const byRegion = (atProvider: unknown) => z.record(z.string(), observedDefaultVpc).parse(atProvider);

describe("NoDefaultVpc", () => {
  it("ObserveOnly reports a default VPC nothing uses and one an instance uses, and writes nothing; Enforce deletes the first with its gateway and subnets and keeps the second, Stalled and named; Delete re-creates nothing", async () => {
    const account = accounts.get("vpc-1")!;
    const gateway = await attachInternetGateway(account, "us-east-1");
    const instance = await startInstance(account, "eu-west-1");
    const unused = (await defaultVpc(account, "us-east-1"))!;
    const inUse = (await defaultVpc(account, "eu-west-1"))!;
    const writesBefore = countWrites(await controller.awsCalls());
    const name = uniqueName("vpc");
    await vpcs.create(
      manifest("NoDefaultVpc", name, {
        accountId: account,
        regions: REGIONS,
        managementPolicy: "ObserveOnly",
        deletionPolicy: "Delete",
      }),
    );
    const drifted = await controller.waitForReason(vpcs, name, "Drifted");
    expect(byRegion(drifted.status?.atProvider)).toEqual({
      "us-east-1": {
        defaultVpcs: 1,
        vpcId: unused,
        cidrBlock: "172.31.0.0/16",
        subnets: 6,
        internetGateways: [gateway],
        networkInterfaces: 0,
      },
      "eu-west-1": {
        defaultVpcs: 1,
        vpcId: inUse,
        cidrBlock: "172.31.0.0/16",
        subnets: 3,
        internetGateways: [],
        networkInterfaces: 1,
        networkInterfaceIds: [expect.stringMatching(new RegExp(`^eni-\\S+ \\(${instance}\\)$`))],
      },
    });
    // The plan lists each VPC and what Enforce would do with it.
    expect(drifted.status?.plannedChanges).toEqual([
      {
        path: `regions[us-east-1].defaultVpc[${unused}]`,
        from: "present",
        to: "deleted",
        description: `delete the default VPC ${unused} (172.31.0.0/16) with its 6 subnet(s), internet gateway ${gateway} (detached first) and its default security group`,
      },
      {
        path: `regions[eu-west-1].defaultVpc[${inUse}]`,
        from: "present",
        to: "deleted",
        description: expect.stringMatching(
          new RegExp(
            `^keep the default VPC ${inUse} \\(172\\.31\\.0\\.0/16\\): 1 network interface\\(s\\): eni-\\S+ \\(${instance}\\) use it`,
          ),
        ),
      },
    ]);
    expect(await eventReasons(kc, name)).toContain("DriftDetected");
    await sleep(POLL_MS * 1.2);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    expect(await defaultVpc(account, "us-east-1")).toBe(unused);

    // Reviewed: enforce it.
    await vpcs.jsonPatch(name, [{ op: "replace", path: "/spec/managementPolicy", value: "Enforce" }]);
    await waitUntil(
      async () => (await defaultVpc(account, "us-east-1")) === undefined,
      POLL_MS * 2 + 10_000,
      () => `the unused default VPC to be deleted (${controller.tail()})`,
    );
    const stalled = await waitForReadyReason(vpcs, name, "DefaultVpcInUse", {
      condition: "Stalled",
      timeoutMs: 20_000,
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toMatch(
      new RegExp(
        `kept the default VPC ${inUse} of account ${account} in eu-west-1: 1 network interface\\(s\\): eni-\\S+ \\(${instance}\\) use it`,
      ),
    );
    const east = await ec2Of(account, "us-east-1");
    const inUnused = [{ Name: "vpc-id", Values: [unused] }];
    const gateways = await east.send(
      new DescribeInternetGatewaysCommand({ Filters: [{ Name: "internet-gateway-id", Values: [gateway] }] }),
    );
    expect(gateways.InternetGateways ?? []).toEqual([]);
    expect((await east.send(new DescribeSubnetsCommand({ Filters: inUnused }))).Subnets ?? []).toEqual([]);
    expect(
      (await east.send(new DescribeSecurityGroupsCommand({ Filters: inUnused }))).SecurityGroups ?? [],
    ).toEqual([]);
    // The VPC in use is untouched, and stays so at the next polls.
    await sleep(POLL_MS * 1.2);
    expect(await defaultVpc(account, "eu-west-1")).toBe(inUse);
    const calls = await controller.awsCalls();
    expect(calls.get("ec2/DeleteVpc")).toBe(1);
    expect(calls.get("ec2/DetachInternetGateway")).toBe(1);
    expect(calls.get("ec2/DeleteInternetGateway")).toBe(1);
    expect(calls.get("ec2/DeleteSubnet")).toBe(6);

    // Delete has no meaning here: the object goes, no default VPC comes back, none is deleted.
    await vpcs.delete(name);
    await waitUntil(async () => (await vpcs.get(name)) === undefined, 20_000, "the object to be gone");
    expect(await defaultVpc(account, "us-east-1")).toBeUndefined();
    expect(await defaultVpc(account, "eu-west-1")).toBe(inUse);
    expect((await controller.awsCalls()).get("ec2/CreateDefaultVpc")).toBeUndefined();
  });

  it("deletes a default VPC re-created by hand within a poll (DriftRepaired), and is Ready where none is left", async () => {
    const account = accounts.get("vpc-2")!;
    const name = uniqueName("vpc-enforce");
    await vpcs.create(manifest("NoDefaultVpc", name, { accountId: account, regions: REGIONS }));
    const ready = await controller.waitForReason(vpcs, name, "Available", 30_000);
    expect(ready.status?.atProvider).toEqual({
      "us-east-1": { defaultVpcs: 0 },
      "eu-west-1": { defaultVpcs: 0 },
    });
    for (const region of REGIONS) expect(await defaultVpc(account, region), region).toBeUndefined();

    const recreated = (await (await ec2Of(account, "eu-west-1")).send(new CreateDefaultVpcCommand({}))).Vpc!
      .VpcId!;
    expect(await defaultVpc(account, "eu-west-1")).toBe(recreated);
    await waitUntil(
      async () => (await defaultVpc(account, "eu-west-1")) === undefined,
      POLL_MS * 1.1 + 8000,
      "the re-created default VPC to be deleted",
    );
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );
  });

  it("stalls with AWS's words when the VPC holds something else AWS will not delete it with (a route table someone added)", async () => {
    const account = accounts.get("vpc-3")!;
    const ec2 = await ec2Of(account, "eu-west-1");
    const vpc = (await defaultVpc(account, "eu-west-1"))!;
    await ec2.send(new CreateRouteTableCommand({ VpcId: vpc }));
    const name = uniqueName("vpc-dependencies");
    await vpcs.create(manifest("NoDefaultVpc", name, { accountId: account, regions: ["eu-west-1"] }));
    const stalled = await waitForReadyReason(vpcs, name, "DefaultVpcDependencies", {
      condition: "Stalled",
      timeoutMs: 30_000,
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      `cannot delete the default VPC ${vpc} of account ${account} in eu-west-1: AWS refuses while the default VPC ${vpc} holds something else`,
    );
    expect(await defaultVpc(account, "eu-west-1")).toBe(vpc);
  });
});

describe("the AccountBaseline field noDefaultVpc", () => {
  it("takes its own managementPolicy: ObserveOnly children report the default VPCs and delete nothing", async () => {
    const account = accounts.get("vpc-4")!;
    const name = uniqueName("vpc-baseline");
    await baselines.create(
      manifest("AccountBaseline", name, {
        accounts: { ids: [account] },
        noDefaultVpc: { regions: REGIONS, managementPolicy: "ObserveOnly" },
      }),
    );
    await waitUntil(
      async () =>
        findCondition((await vpcs.get(`${name}-${account}`))?.status?.conditions, "Ready")?.reason ===
        "Drifted",
      40_000,
      "the child to report the default VPCs",
    );
    const child = await vpcs.get(`${name}-${account}`);
    expect(child?.spec).toMatchObject({
      accountId: account,
      managementPolicy: "ObserveOnly",
      regions: REGIONS,
    });
    expect(child?.status?.plannedChanges).toHaveLength(2);
    for (const region of REGIONS) expect(await defaultVpc(account, region), region).toBeDefined();
  });
});
