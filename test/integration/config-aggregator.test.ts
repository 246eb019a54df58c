/**
 * ConfigAggregator against moto and the real kube-apiserver, its controller in-process: moto
 * emulates AWS Config's aggregators (PutConfigurationAggregator, DescribeConfigurationAggregators,
 * tags, delete), IAM roles and Organizations' trusted access and delegated administrators; the
 * tests read moto's state back. moto does not check who may keep an organization aggregator nor
 * whether AWS Config can assume its role: AWS's refusals there are SDK-level stubs, named "stub".
 * The test environment lets moto register config.amazonaws.com as a delegated administrator and
 * gives every account AWS's managed policy AWSConfigRoleForOrganizations (test/env/moto_security_hub.py).
 */
import {
  ConfigServiceClient,
  DescribeConfigurationAggregatorsCommand,
  ListTagsForResourceCommand,
  OrganizationAccessDeniedException,
  PutConfigurationAggregatorCommand,
} from "@aws-sdk/client-config-service";
import { GetRoleCommand, IAMClient, ListAttachedRolePoliciesCommand } from "@aws-sdk/client-iam";
import {
  EnableAWSServiceAccessCommand,
  OrganizationsClient,
  RegisterDelegatedAdministratorCommand,
} from "@aws-sdk/client-organizations";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { AGGREGATOR_ROLE_POLICY } from "../../src/kinds/config-aggregator/api.js";
import { WRITE_OPERATIONS } from "../../src/kinds/index.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  MANAGEMENT_CREDENTIALS,
  memberCredentials,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { awsException, type Fault, injectFaults } from "../support/aws-faults.js";
import { kindTestOptions, type RunningControllers, runKindController } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventReasons,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 1500;
const REGION = "us-east-1";
const CONFIG = "config.amazonaws.com";
const kc = adminKubeConfig();
const aggregators = orgguardClient(kc, "ConfigAggregator");
const uniqueName = uniqueNames();

let tree: TestOrganization;
let audit: string;
let running: RunningControllers<Runnable> | undefined;
const calls = new Map<string, number>();
/** Stubs on the controller's AWS Config client in the audit account. */
const configStubs: Fault[] = [];

const writesSoFar = () =>
  [...calls].filter(([k]) => WRITE_OPERATIONS.has(k.replace("/", ":"))).reduce((n, [, v]) => n + v, 0);

/** moto's AWS Config and IAM as the audit account sees them. */
async function auditConfig() {
  return new ConfigServiceClient({ ...awsClientConfig(await memberCredentials(audit)), region: REGION });
}
async function auditIam() {
  return new IAMClient(awsClientConfig(await memberCredentials(audit)));
}
async function aggregatorIn(name: string) {
  const out = await (await auditConfig()).send(
    new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: [name] }),
  );
  return out.ConfigurationAggregators?.[0];
}

const waitForStalled = async (name: string, reason: string) => {
  let last: ManagedObject | undefined;
  await waitUntil(
    async () => {
      last = await aggregators.get(name);
      return findCondition(last?.status?.conditions, "Stalled")?.reason === reason;
    },
    20_000,
    () => `${name} to be Stalled/${reason} (status: ${JSON.stringify(last?.status)})`,
  );
  return last as ManagedObject;
};

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [
      { name: "Security", accounts: ["audit-1", "log-1"] },
      { name: "Workloads", accounts: ["dev-1"] },
    ],
  });
  audit = tree.accountIds.get("audit-1")!;
  const org = new OrganizationsClient(awsClientConfig());
  await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: CONFIG }));
  await org.send(new RegisterDelegatedAdministratorCommand({ AccountId: audit, ServicePrincipal: CONFIG }));
  const aws = new AwsClients({
    region: REGION,
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) =>
      calls.set(`${service}/${operation}`, (calls.get(`${service}/${operation}`) ?? 0) + 1),
  });
  injectFaults(await aws.forAccount("config", { accountId: audit, region: REGION }), configStubs);
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
    discoveryIntervalMs: 10 * 60_000,
  };
  running = await runKindController(kc, "ConfigAggregator", context, kindTestOptions(POLL_MS));
}, 120_000);

afterEach(async () => {
  configStubs.splice(0);
  await deleteEveryObject([aggregators]);
});

afterAll(async () => {
  await running?.stop();
});

describe("ConfigAggregator against moto", () => {
  it("creates its role and an organization aggregator over all regions in Config's delegated administrator, then writes nothing", async () => {
    const name = uniqueName("agg");
    const before = new Map(calls);
    await aggregators.create(
      manifest("ConfigAggregator", name, {
        administrator: { accountName: "audit-1" },
        region: REGION,
        roleName: `${name}-role`,
        tags: { team: "security" },
      }),
    );
    const ready = await waitForReadyReason(aggregators, name, "Available");
    const cold = Object.fromEntries(
      [...calls].map(([k, v]) => [k, v - (before.get(k) ?? 0)]).filter(([, v]) => Number(v) > 0),
    );
    console.log(`cold, from creation to Ready: ${JSON.stringify(cold)}`);
    const roleArn = `arn:aws:iam::${audit}:role/${name}-role`;
    expect(await aggregatorIn(name)).toMatchObject({
      ConfigurationAggregatorName: name,
      OrganizationAggregationSource: { RoleArn: roleArn, AllAwsRegions: true },
    });
    const iam = await auditIam();
    const role = (await iam.send(new GetRoleCommand({ RoleName: `${name}-role` }))).Role;
    expect(decodeURIComponent(role?.AssumeRolePolicyDocument ?? "")).toContain("config.amazonaws.com");
    expect(role?.Tags).toEqual(
      expect.arrayContaining([{ Key: "orgguard.io/managed-by", Value: "orgguard" }]),
    );
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: `${name}-role` }));
    expect(attached.AttachedPolicies?.map((p) => p.PolicyArn)).toEqual([AGGREGATOR_ROLE_POLICY]);
    expect(ready.status?.atProvider).toMatchObject({
      accountId: audit,
      region: REGION,
      organizationWide: true,
      allRegions: true,
      roleArn,
      roleReady: true,
    });
    expect(await eventReasons(kc, name)).toContain("Created");

    const writes = writesSoFar();
    const steady = new Map(calls);
    await sleep(POLL_MS * 3);
    expect(writesSoFar()).toBe(writes);
    const read = Object.fromEntries(
      [...calls].map(([k, v]) => [k, v - (steady.get(k) ?? 0)]).filter(([, v]) => Number(v) > 0),
    );
    console.log(`steady, over 3 polls: ${JSON.stringify(read)}`);
  });

  it("repairs an aggregator narrowed to one region by hand, whose put also dropped its tags (DriftRepaired)", async () => {
    const name = uniqueName("agg");
    await aggregators.create(
      manifest("ConfigAggregator", name, {
        administrator: { accountId: audit },
        region: REGION,
        roleName: `${name}-role`,
      }),
    );
    await waitForReadyReason(aggregators, name, "Available");
    await (await auditConfig()).send(
      new PutConfigurationAggregatorCommand({
        ConfigurationAggregatorName: name,
        OrganizationAggregationSource: {
          RoleArn: `arn:aws:iam::${audit}:role/${name}-role`,
          AwsRegions: ["eu-west-1"],
        },
      }),
    );
    let last: ManagedObject | undefined;
    await waitUntil(
      async () => {
        last = await aggregators.get(name);
        return (await aggregatorIn(name))?.OrganizationAggregationSource?.AllAwsRegions === true;
      },
      10_000,
      () => `the aggregator over all regions again (status: ${JSON.stringify(last?.status)})`,
    );
    // moto's put replaced its tags: orgguard knew it by its recorded ARN, and tags it again.
    const arn = (await aggregatorIn(name))?.ConfigurationAggregatorArn;
    await waitUntil(
      async () =>
        (
          (await (await auditConfig()).send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? []
        ).some((t) => t.Key === "orgguard.io/managed-by"),
      10_000,
      "the ownership tags again",
    );
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "DriftRepaired",
    );
  });

  it("keeps one in the management account with a role it is given, over the regions listed", async () => {
    const name = uniqueName("agg");
    const roleArn = `arn:aws:iam::${MANAGEMENT_ACCOUNT_ID}:role/my-config-aggregator`;
    await aggregators.create(
      manifest("ConfigAggregator", name, { region: REGION, roleArn, regions: ["us-east-1", "eu-west-1"] }),
    );
    await waitForReadyReason(aggregators, name, "Available");
    const config = new ConfigServiceClient({ ...awsClientConfig(), region: REGION });
    const out = await config.send(
      new DescribeConfigurationAggregatorsCommand({ ConfigurationAggregatorNames: [name] }),
    );
    expect(out.ConfigurationAggregators?.[0]?.OrganizationAggregationSource).toMatchObject({
      RoleArn: roleArn,
      AwsRegions: ["eu-west-1", "us-east-1"],
    });
  });

  it("waits, writing nothing, for a member account to be registered as Config's delegated administrator, then creates it", async () => {
    const name = uniqueName("agg");
    const log = tree.accountIds.get("log-1")!;
    const writes = writesSoFar();
    await aggregators.create(
      manifest("ConfigAggregator", name, { administrator: { accountName: "log-1" }, region: REGION }),
    );
    const waiting = await waitForReadyReason(aggregators, name, "NotDelegatedAdministrator", {
      condition: "Synced",
    });
    expect(findCondition(waiting.status?.conditions, "Synced")?.message).toContain(
      `list { servicePrincipal: config.amazonaws.com, accountId: "${log}" } under the Organization object's spec.delegatedAdministrators`,
    );
    expect(findCondition(waiting.status?.conditions, "Stalled")?.status).not.toBe("True");
    expect(writesSoFar()).toBe(writes);
    // The Organization object registers it (here, by hand): the retry creates the aggregator.
    await new OrganizationsClient(awsClientConfig()).send(
      new RegisterDelegatedAdministratorCommand({ AccountId: log, ServicePrincipal: CONFIG }),
    );
    await waitForReadyReason(aggregators, name, "Available", { timeoutMs: 20_000 });
  });

  it("stub: AWS Config's OrganizationAccessDenied is a Stalled condition, rechecked every poll", async () => {
    configStubs.push({
      operation: "PutConfigurationAggregator",
      times: Number.POSITIVE_INFINITY,
      error: () =>
        awsException(
          OrganizationAccessDeniedException,
          "This action can only be performed if you are a registered delegated administrator for AWS Config with permissions to call ListDelegatedAdministrators API.",
        ),
    });
    const name = uniqueName("agg");
    await aggregators.create(
      manifest("ConfigAggregator", name, {
        administrator: { accountId: audit },
        region: REGION,
        roleName: `${name}-role`,
      }),
    );
    const stalled = await waitForStalled(name, "OrganizationAccessDenied");
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      `cannot put aggregator ${name}`,
    );
  });

  it("deletes the aggregator and its role with deletionPolicy Delete", async () => {
    const name = uniqueName("agg");
    await aggregators.create(
      manifest("ConfigAggregator", name, {
        administrator: { accountId: audit },
        region: REGION,
        roleName: `${name}-role`,
        deletionPolicy: "Delete",
      }),
    );
    await waitForReadyReason(aggregators, name, "Available");
    await aggregators.delete(name);
    await waitUntil(async () => (await aggregators.get(name)) === undefined, 20_000, `${name} gone`);
    await expect(aggregatorIn(name)).rejects.toMatchObject({
      name: "NoSuchConfigurationAggregatorException",
    });
    await expect((await auditIam()).send(new GetRoleCommand({ RoleName: `${name}-role` }))).rejects.toThrow();
  });
});
