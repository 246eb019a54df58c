/**
 * The AWS client factory against moto: the controller's own account is used directly, member
 * accounts through AssumeRole into the template's role or a per-object role, one AssumeRole in
 * flight per role, sessions reused, every call counted by operation and outcome, and one client
 * per service and region (one connection pool) for every member account, each call acting in its
 * own account (moto tells accounts apart by the access key a request is signed with).
 */
import { GetAccountPasswordPolicyCommand, UpdateAccountPasswordPolicyCommand } from "@aws-sdk/client-iam";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
} from "../support/aws.js";
import { FaultProxy } from "../support/fault-proxy.js";

let member: string;
/** More accounts than orgguard once kept a client each for (100): they all share one now. */
const POOL_ACCOUNTS = Array.from({ length: 120 }, (_, i) => `pool-${i}`);
let poolAccounts: string[];
const calls: string[] = [];
let aws: AwsClients;

beforeAll(async () => {
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ accounts: ["member-1", ...POOL_ACCOUNTS] });
  member = org.accountIds.get("member-1")!;
  poolAccounts = POOL_ACCOUNTS.map((name) => org.accountIds.get(name)!);
  aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation, outcome) => calls.push(`${service}/${operation}/${outcome}`),
  });
});

const callerArn = async (provider: AwsCredentialIdentityProvider) =>
  (await new STSClient(awsClientConfig(await provider())).send(new GetCallerIdentityCommand({}))).Arn;

describe("AwsClients", () => {
  it("uses the controller's own credentials for its own account, without AssumeRole", async () => {
    expect(await aws.ownAccountId()).toBe(MANAGEMENT_ACCOUNT_ID);
    expect(await aws.credentialsFor(MANAGEMENT_ACCOUNT_ID)).toBe(MANAGEMENT_CREDENTIALS);
    expect(calls.filter((c) => c.startsWith("sts/AssumeRole"))).toEqual([]);
  });

  it("assumes the template's role in a member account, once for concurrent callers, and reuses the session", async () => {
    const provider = (await aws.credentialsFor(member)) as AwsCredentialIdentityProvider;
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(a).toBe(b);
    expect(await callerArn(provider)).toBe(
      `arn:aws:sts::${member}:assumed-role/OrganizationAccountAccessRole/orgguard`,
    );
    expect(calls.filter((c) => c === "sts/AssumeRole/success")).toHaveLength(1);
  });

  it("assumes a per-object role instead of the template's when one is given", async () => {
    const custom = `arn:aws:iam::${member}:role/PlatformGuardrails`;
    const provider = (await aws.credentialsFor(member, custom)) as AwsCredentialIdentityProvider;
    expect(await callerArn(provider)).toBe(`arn:aws:sts::${member}:assumed-role/PlatformGuardrails/orgguard`);
    expect(calls.filter((c) => c === "sts/AssumeRole/success")).toHaveLength(2);
  });

  it("serves every member account with one client per service: concurrent calls each act in their own account", async () => {
    const proxy = await FaultProxy.start({ target: awsEndpoint(), seed: 1, rate: 0 });
    try {
      const pooled = new AwsClients({ ...aws.options, endpoint: proxy.endpoint, observeCall: undefined });
      // Concurrent calls of 120 accounts through one shared STS client: moto names the account a
      // request is signed for, and each call sees its own.
      const seen = await Promise.all(
        poolAccounts.map(async (accountId) => {
          const sts = await pooled.forAccount("sts", { accountId });
          return (await sts.send(new GetCallerIdentityCommand({}))).Account;
        }),
      );
      expect(seen).toEqual(poolAccounts);
      // Concurrent writes through one shared IAM client, a different value per account, then
      // concurrent reads: each account holds its own value, none another's.
      const writers = poolAccounts.slice(0, 30);
      const lengthFor = (i: number) => 8 + i;
      const iamOf = (accountId: string) => pooled.forAccount("iam", { accountId });
      await Promise.all(
        writers.map(async (accountId, i) =>
          (await iamOf(accountId)).send(
            new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: lengthFor(i) }),
          ),
        ),
      );
      const lengthIn = async (accountId: string) =>
        (await iamOf(accountId))
          .send(new GetAccountPasswordPolicyCommand({}))
          .then((out) => out.PasswordPolicy?.MinimumPasswordLength)
          .catch((err: Error) => {
            if (err.name !== "NoSuchEntityException") throw err;
            return undefined;
          });
      expect(await Promise.all(writers.map(lengthIn))).toEqual(writers.map((_, i) => lengthFor(i)));
      // Neither an account nobody wrote to nor the controller's own holds any of them.
      expect(await lengthIn(poolAccounts[writers.length]!)).toBeUndefined();
      expect(await lengthIn(MANAGEMENT_ACCOUNT_ID)).toBeUndefined();
    } finally {
      await proxy.stop();
    }
  });

  it("refuses a call on the shared member-account client outside any account's view: nothing reaches AWS", async () => {
    const proxy = await FaultProxy.start({ target: awsEndpoint(), seed: 1, rate: 0 });
    try {
      const pooled = new AwsClients({ ...aws.options, endpoint: proxy.endpoint, observeCall: undefined });
      // A view made and used first: the shared client exists and is warm.
      await (await pooled.forAccount("sts", { accountId: member })).send(new GetCallerIdentityCommand({}));
      const sent = proxy.requests;
      const shared = pooled.sharedMemberClient("sts");
      expect(shared).toBeDefined();
      await expect(shared!.send(new GetCallerIdentityCommand({}))).rejects.toThrow(
        /outside its account's view: refusing to sign/,
      );
      expect(proxy.requests).toBe(sent);
    } finally {
      await proxy.stop();
    }
  });

  it("keeps one connection pool for every account's calls", async () => {
    const proxy = await FaultProxy.start({ target: awsEndpoint(), seed: 1, rate: 0 });
    try {
      const pooled = new AwsClients({ ...aws.options, endpoint: proxy.endpoint, observeCall: undefined });
      for (const accountId of poolAccounts) {
        const iam = await pooled.forAccount("iam", { accountId });
        await iam.send(new GetAccountPasswordPolicyCommand({})).catch((err: Error) => {
          if (err.name !== "NoSuchEntityException") throw err;
        });
      }
      // AssumeRole + the read per account, one after another: one kept-alive connection serves
      // them all (a pool per client opened one per account, 120 and more).
      expect(proxy.requests).toBeGreaterThanOrEqual(2 * poolAccounts.length);
      expect(proxy.connections).toBeLessThanOrEqual(2);
    } finally {
      await proxy.stop();
    }
  });

  it("counts calls by service, operation and outcome", async () => {
    const iam = await aws.forAccount("iam", { accountId: member });
    await iam.send(new GetAccountPasswordPolicyCommand({})).catch(() => undefined);
    expect(calls).toContain("iam/GetAccountPasswordPolicy/NoSuchEntityException");
    expect(calls).toContain("sts/GetCallerIdentity/success");
  });
});
