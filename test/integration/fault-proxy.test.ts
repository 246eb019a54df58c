/**
 * The fault suite's proxy against moto and the real SDK clients: every fault it injects must be
 * read by the SDK exactly as the same fault from AWS would be (the service's error code), and a
 * "lost" fault must have let the write reach moto.
 */
import { GetAccountPasswordPolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import {
  CreatePolicyCommand,
  ListPoliciesCommand,
  ListRootsCommand,
  OrganizationsClient,
} from "@aws-sdk/client-organizations";
import { GetPublicAccessBlockCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsErrorCode } from "../../src/aws/aws-errors.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
} from "../support/aws.js";
import { type FaultKind, FaultProxy, seededRandom } from "../support/fault-proxy.js";

let proxy: FaultProxy;

beforeAll(async () => {
  await resetMoto(awsEndpoint());
  await createOrganization({});
  proxy = await FaultProxy.start({ target: awsEndpoint(), seed: 1, rate: 0 });
});
afterAll(async () => proxy?.stop());

const viaProxy = () => awsClientConfig(MANAGEMENT_CREDENTIALS, proxy.endpoint);

/** The error code (or network error code) a call fails with, given one scripted fault. */
async function failureOf(kind: FaultKind, call: () => Promise<unknown>): Promise<string> {
  proxy.scripted.push(kind);
  try {
    await call();
  } catch (err) {
    // A reset is a network error: the SDK names it TimeoutError and keeps Node's code.
    return (err as { code?: string }).code ?? awsErrorCode(err) ?? (err as Error).name;
  }
  throw new Error(`the call succeeded despite the scripted ${kind}`);
}

describe("the fault proxy", () => {
  const calls: Record<string, () => Promise<unknown>> = {
    organizations: () => new OrganizationsClient(viaProxy()).send(new ListRootsCommand({})),
    iam: () => new IAMClient(viaProxy()).send(new GetAccountPasswordPolicyCommand({})),
    sts: () => new STSClient(viaProxy()).send(new GetCallerIdentityCommand({})),
    s3control: () =>
      new S3ControlClient(viaProxy()).send(new GetPublicAccessBlockCommand({ AccountId: "123456789012" })),
  };
  const cases = [
    {
      service: "organizations",
      kind: "throttled",
      code: "TooManyRequestsException",
      reason: "Organizations: JSON, HTTP 400",
    },
    { service: "iam", kind: "throttled", code: "Throttling", reason: "IAM: query protocol" },
    { service: "sts", kind: "throttled", code: "Throttling", reason: "STS: query protocol" },
    { service: "s3control", kind: "throttled", code: "SlowDown", reason: "S3 Control: REST-XML, HTTP 503" },
    { service: "organizations", kind: "http-500", code: "ServiceException", reason: "Organizations' 500" },
    { service: "iam", kind: "http-503", code: "ServiceUnavailable", reason: "a 503 in XML" },
    { service: "s3control", kind: "http-500", code: "InternalFailure", reason: "S3 Control's 500" },
    {
      service: "organizations",
      kind: "reset",
      code: "ECONNRESET",
      reason: "a reset before moto saw the request",
    },
  ] as const;
  it.each(cases)("$service $kind reads as $code ($reason)", async ({ service, kind, code }) => {
    expect(await failureOf(kind, calls[service]!)).toBe(code);
  });

  it("a lost answer (500 or reset after moto) let the write happen", async () => {
    const org = new OrganizationsClient(viaProxy());
    const create = (name: string) =>
      org.send(
        new CreatePolicyCommand({
          Name: name,
          Description: "",
          Type: "SERVICE_CONTROL_POLICY",
          Content: "{}",
        }),
      );
    expect(await failureOf("lost-500", () => create("lost-500"))).toBe("ServiceException");
    expect(await failureOf("lost-reset", () => create("lost-reset"))).toBe("ECONNRESET");
    const direct = new OrganizationsClient(awsClientConfig());
    const names = (
      await direct.send(new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }))
    ).Policies?.map((p) => p.Name);
    expect(names).toEqual(expect.arrayContaining(["lost-500", "lost-reset"]));
  });

  it("fails about the configured share of requests, never more than maxConsecutive in a row per operation", async () => {
    const bounded = await FaultProxy.start({ target: awsEndpoint(), seed: 7, rate: 0.9, maxConsecutive: 2 });
    try {
      const client = new OrganizationsClient({
        ...awsClientConfig(MANAGEMENT_CREDENTIALS, bounded.endpoint),
        maxAttempts: 1,
      });
      let failedInARow = 0;
      let longestRun = 0;
      for (let i = 0; i < 60; i++) {
        const ok = await client.send(new ListRootsCommand({})).then(
          () => true,
          () => false,
        );
        failedInARow = ok ? 0 : failedInARow + 1;
        longestRun = Math.max(longestRun, failedInARow);
      }
      expect(longestRun).toBeLessThanOrEqual(2);
      expect(bounded.requests).toBe(60);
      const injected = Object.values(bounded.byKind()).reduce((a, b) => a + b, 0);
      // With rate 0.9 capped at 2 in a row, about 2 of every 3 requests fail.
      expect(injected).toBeGreaterThan(30);
      expect(injected).toBeLessThanOrEqual(40);
    } finally {
      await bounded.stop();
    }
  });

  it("is seeded: the same seed makes the same decisions", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    expect(Array.from({ length: 5 }, a)).toEqual(Array.from({ length: 5 }, b));
    expect(seededRandom(43)()).not.toBe(seededRandom(42)());
  });
});
