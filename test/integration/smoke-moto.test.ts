/**
 * Proves the AWS emulator behaves as orgguard needs: an organization with OUs and an SCP attached
 * to one, and AssumeRole into a member account whose IAM password policy and S3 account-level
 * public access block are then set and read back with that account's own credentials.
 */
import {
  GetAccountPasswordPolicyCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import {
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
  S3ControlClient,
} from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { beforeEach, describe, expect, it } from "vitest";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  memberCredentials,
  resetMoto,
} from "../support/aws.js";

describe("moto smoke", () => {
  beforeEach(async () => {
    await resetMoto(awsEndpoint());
  });

  it("creates an organization with nested OUs and attaches an SCP to an OU", async () => {
    const org = await createOrganization({
      ous: [{ name: "Workloads", ous: [{ name: "Prod", accounts: ["prod-1"] }] }],
    });
    const prodOu = org.ouIds.get("Root/Workloads/Prod")!;
    expect(prodOu).toMatch(/^ou-/);

    const client = new OrganizationsClient(awsClientConfig());
    const policy = await client.send(
      new CreatePolicyCommand({
        Name: "deny-leave-org",
        Description: "smoke",
        Type: "SERVICE_CONTROL_POLICY",
        Content: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
        }),
      }),
    );
    const policyId = policy.Policy!.PolicySummary!.Id!;
    await client.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: prodOu }));
    const attached = await client.send(
      new ListPoliciesForTargetCommand({ TargetId: prodOu, Filter: "SERVICE_CONTROL_POLICY" }),
    );
    expect(attached.Policies?.map((p) => p.Id)).toContain(policyId);
  });

  it("assumes a role in a member account and sets its password policy and public access block", async () => {
    const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ["dev-1"] }] });
    const accountId = org.accountIds.get("dev-1")!;
    const credentials = await memberCredentials(accountId);

    const identity = await new STSClient(awsClientConfig(credentials)).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toBe(accountId);

    const iam = new IAMClient(awsClientConfig(credentials));
    await iam.send(
      new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 16, PasswordReusePrevention: 24 }),
    );
    const policy = await iam.send(new GetAccountPasswordPolicyCommand({}));
    expect(policy.PasswordPolicy?.MinimumPasswordLength).toBe(16);
    expect(policy.PasswordPolicy?.PasswordReusePrevention).toBe(24);

    // The S3 Control SDK sends this to <account>.localhost: resolved to loopback by our handler.
    const s3control = new S3ControlClient(awsClientConfig(credentials));
    const flags = {
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    };
    await s3control.send(
      new PutPublicAccessBlockCommand({ AccountId: accountId, PublicAccessBlockConfiguration: flags }),
    );
    const read = await s3control.send(new GetPublicAccessBlockCommand({ AccountId: accountId }));
    expect(read.PublicAccessBlockConfiguration).toEqual(flags);

    // The management account's view is separate: nothing was set there.
    const mgmt = new IAMClient(awsClientConfig());
    const mgmtPolicy = await mgmt.send(new GetAccountPasswordPolicyCommand({})).then(
      () => "found",
      (err: Error) => err.name,
    );
    expect(mgmtPolicy).toBe("NoSuchEntityException");
  });
});
