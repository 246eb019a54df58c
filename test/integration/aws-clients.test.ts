/**
 * The AWS client factory against moto: the controller's own account is used directly, member
 * accounts through AssumeRole into the template's role or a per-object role, one AssumeRole in
 * flight per role, sessions reused, every call counted by operation and outcome, and one
 * connection pool for the clients of every account.
 */
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AwsClients,
  DEFAULT_ROLE_ARN_TEMPLATE,
  MAX_CACHED_CLIENTS_PER_SERVICE,
} from "../../src/aws/clients.js";
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
/** More accounts than the cache keeps clients for: each of their calls needs a new client. */
const POOL_ACCOUNTS = Array.from({ length: MAX_CACHED_CLIENTS_PER_SERVICE + 20 }, (_, i) => `pool-${i}`);
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

  it("keeps one connection pool for the clients of every account, beyond the client cache", async () => {
    const proxy = await FaultProxy.start({ target: awsEndpoint(), seed: 1, rate: 0 });
    try {
      const pooled = new AwsClients({ ...aws.options, endpoint: proxy.endpoint, observeCall: undefined });
      const { GetAccountPasswordPolicyCommand } = await import("@aws-sdk/client-iam");
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
    await iam.config.credentials();
    const { GetAccountPasswordPolicyCommand } = await import("@aws-sdk/client-iam");
    await iam.send(new GetAccountPasswordPolicyCommand({})).catch(() => undefined);
    expect(calls).toContain("iam/GetAccountPasswordPolicy/NoSuchEntityException");
    expect(calls).toContain("sts/GetCallerIdentity/success");
  });
});
