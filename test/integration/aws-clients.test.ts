/**
 * The AWS client factory against moto: the controller's own account is used directly, member
 * accounts through AssumeRole into the template's role or a per-object role, one AssumeRole in
 * flight per role, sessions reused, and every call counted by operation and outcome.
 */
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

let member: string;
const calls: string[] = [];
let aws: AwsClients;

beforeAll(async () => {
  await resetMoto(awsEndpoint());
  member = (await createOrganization({ accounts: ["member-1"] })).accountIds.get("member-1")!;
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

  it("counts calls by service, operation and outcome", async () => {
    const iam = await aws.forAccount("iam", { accountId: member });
    await iam.config.credentials();
    const { GetAccountPasswordPolicyCommand } = await import("@aws-sdk/client-iam");
    await iam.send(new GetAccountPasswordPolicyCommand({})).catch(() => undefined);
    expect(calls).toContain("iam/GetAccountPasswordPolicy/NoSuchEntityException");
    expect(calls).toContain("sts/GetCallerIdentity/success");
  });
});
