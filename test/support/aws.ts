import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  DescribeCreateAccountStatusCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@smithy/types";
import { localhostRequestHandler } from "../../src/aws/localhost-resolution.js";
import { POLICY_TYPES } from "../../src/kinds/policy-types.js";
import { resetMoto } from "../env/moto.js";
import { workerEnvironment } from "./environment.js";

export { resetMoto };

/** Credentials moto does not know: they act as its default (management) account 123456789012. */
export const MANAGEMENT_CREDENTIALS = {
  accessKeyId: "testing",
  secretAccessKey: "testing",
  // A session, as a role's credentials are: orgguard refuses long-term keys (no session token).
  sessionToken: "testing",
} satisfies AwsCredentialIdentity;

/** The management credentials as the environment variables the SDKs read. */
export const MANAGEMENT_ENV = {
  AWS_ACCESS_KEY_ID: MANAGEMENT_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: MANAGEMENT_CREDENTIALS.secretAccessKey,
  AWS_SESSION_TOKEN: MANAGEMENT_CREDENTIALS.sessionToken,
};
export const MANAGEMENT_ACCOUNT_ID = "123456789012";

/**
 * moto has no Account Management ListRegions: regional settings whose spec names no regions use
 * these instead (--default-regions), as a controller whose role may not call ListRegions would.
 */
export const EMULATOR_DEFAULT_REGIONS = "us-east-1,eu-west-1";

/** This worker's moto endpoint, spelled with `localhost` so S3 Control's account-id host prefix resolves. */
export function awsEndpoint(endpoint = workerEnvironment().awsEndpoint): string {
  const url = new URL(endpoint);
  if (url.hostname === "127.0.0.1") url.hostname = "localhost";
  return url.origin;
}

/** SDK client configuration for this worker's emulator. */
export function awsClientConfig(
  credentials: AwsCredentialIdentity = MANAGEMENT_CREDENTIALS,
  endpoint = awsEndpoint(),
) {
  return {
    region: "us-east-1",
    endpoint,
    credentials,
    requestHandler: localhostRequestHandler(),
    maxAttempts: 1,
  };
}

/** An OU to create, with its child OUs and the names of the accounts to create inside it. */
export interface OuSpec {
  name: string;
  ous?: OuSpec[];
  accounts?: string[];
}

/**
 * The sample organization `make env-up` and `make demo` create, and that `examples/` is written
 * for: a Workloads OU with Prod and Dev, a Sandbox OU and a Security OU, one account in each; and
 * the bucket the organization trail example delivers to (in AWS, the log archive account's, made
 * before the trail: orgguard never creates it).
 */
export const SAMPLE_ORGANIZATION: { ous: OuSpec[]; buckets: string[] } = {
  buckets: ["example-org-cloudtrail-logs"],
  ous: [
    {
      name: "Workloads",
      ous: [
        { name: "Prod", accounts: ["prod-1"] },
        { name: "Dev", accounts: ["dev-1"] },
      ],
    },
    { name: "Sandbox", accounts: ["sandbox-1"] },
    { name: "Security", accounts: ["audit-1"] },
  ],
};

/** What `createOrganization` made: ids by OU path (`Root/Workloads/Prod`) and by account name. */
export interface TestOrganization {
  rootId: string;
  managementAccountId: string;
  ouIds: Map<string, string>;
  accountIds: Map<string, string>;
}

/**
 * Creates an organization with all features and the SCP policy type enabled, then the OU tree
 * and member accounts, and the buckets named. Call `resetMoto` first for a clean slate.
 */
export async function createOrganization(
  spec: { ous?: OuSpec[]; accounts?: string[]; buckets?: string[] },
  endpoint = awsEndpoint(),
): Promise<TestOrganization> {
  const org = new OrganizationsClient(awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint));
  await org.send(new CreateOrganizationCommand({ FeatureSet: "ALL" }));
  const rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  // Every policy type orgguard manages is on, as in an organization that uses them (the tests of
  // PolicyTypeNotEnabled turn one off themselves).
  for (const type of POLICY_TYPES) {
    await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: type.awsType }));
  }
  const result: TestOrganization = {
    rootId,
    managementAccountId: MANAGEMENT_ACCOUNT_ID,
    ouIds: new Map([["Root", rootId]]),
    accountIds: new Map(),
  };
  await createAccounts(org, rootId, spec.accounts ?? [], result, true);
  await createOus(org, rootId, "Root", spec.ous ?? [], result);
  for (const bucket of spec.buckets ?? []) await createBucket(bucket, endpoint);
  return result;
}

async function createOus(
  org: OrganizationsClient,
  parentId: string,
  parentPath: string,
  ous: OuSpec[],
  result: TestOrganization,
): Promise<void> {
  for (const ou of ous) {
    const created = await org.send(
      new CreateOrganizationalUnitCommand({ ParentId: parentId, Name: ou.name }),
    );
    const id = created.OrganizationalUnit!.Id!;
    const ouPath = `${parentPath}/${ou.name}`;
    result.ouIds.set(ouPath, id);
    await createAccounts(org, id, ou.accounts ?? [], result, false);
    await createOus(org, id, ouPath, ou.ous ?? [], result);
  }
}

async function createAccounts(
  org: OrganizationsClient,
  parentId: string,
  names: string[],
  result: TestOrganization,
  atRoot: boolean,
): Promise<void> {
  for (const name of names) {
    const accountId = await createAccount(org, name);
    result.accountIds.set(name, accountId);
    // New accounts land under the root; move them to their OU.
    if (!atRoot) {
      await org.send(
        new MoveAccountCommand({
          AccountId: accountId,
          SourceParentId: result.rootId,
          DestinationParentId: parentId,
        }),
      );
    }
  }
}

/** Creates a member account and returns its id (moto completes the creation at once). */
export async function createAccount(org: OrganizationsClient, name: string): Promise<string> {
  const started = await org.send(
    new CreateAccountCommand({
      AccountName: name,
      Email: `${name.toLowerCase().replace(/[^a-z0-9]/g, "")}@example.com`,
    }),
  );
  const status = await org.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: started.CreateAccountStatus!.Id! }),
  );
  const accountId = status.CreateAccountStatus?.AccountId;
  if (status.CreateAccountStatus?.State !== "SUCCEEDED" || !accountId) {
    throw new Error(`account ${name} was not created: ${JSON.stringify(status.CreateAccountStatus)}`);
  }
  return accountId;
}

/**
 * Creates an S3 bucket in the emulator (an organization trail's, which CloudTrail requires to
 * exist). moto takes an unsigned path-style PUT as CreateBucket and finds a bucket from any
 * account, as AWS does for a trail writing across accounts; in AWS the bucket lives in the log
 * archive account with a policy letting CloudTrail write (orgguard never creates it).
 */
export async function createBucket(name: string, endpoint = awsEndpoint()): Promise<void> {
  const res = await fetch(`${endpoint}/${name}`, { method: "PUT" });
  if (!res.ok && res.status !== 409) throw new Error(`moto CreateBucket ${name}: HTTP ${res.status}`);
}

/** Credentials for a member account, through AssumeRole into its OrganizationAccountAccessRole. */
export async function memberCredentials(
  accountId: string,
  roleName = "OrganizationAccountAccessRole",
  endpoint = awsEndpoint(),
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient(awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint));
  const out = await sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      RoleSessionName: "orgguard-test",
    }),
  );
  const c = out.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}
