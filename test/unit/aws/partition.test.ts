import { describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE, partitionOf } from "../../../src/aws/clients.js";

describe("the partition of --aws-region", () => {
  const cases = [
    { reason: "a commercial region", region: "eu-west-1", partition: "aws" },
    { reason: "China", region: "cn-north-1", partition: "aws-cn" },
    { reason: "GovCloud", region: "us-gov-west-1", partition: "aws-us-gov" },
    { reason: "us-east-1 is not GovCloud", region: "us-east-1", partition: "aws" },
  ];
  it.each(cases)("$reason: $region is in $partition, and so is the member role", ({ region, partition }) => {
    expect(partitionOf(region)).toBe(partition);
    const aws = new AwsClients({ region, roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE, maxAttempts: 1 });
    expect(aws.roleArn("111111111111")).toBe(
      `arn:${partition}:iam::111111111111:role/OrganizationAccountAccessRole`,
    );
  });
});
