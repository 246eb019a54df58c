/**
 * The region directory in-process: the regions a regional setting applies to when its spec names
 * none, over a fake RegionLister (ListRegions answered, denied or unsupported; --default-regions
 * standing in, with the reason in `from`; no defaults: the error), its cache per account and role,
 * and the SDK implementation's paging with the Account client's send stubbed by
 * aws-sdk-client-mock.
 */
import { AccountClient, ListRegionsCommand } from "@aws-sdk/client-account";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import type { ClientTarget } from "../../../src/aws/clients.js";
import { RegionDirectory, type RegionLister, sdkRegionLister } from "../../../src/aws/regions.js";
import { BlockedError, RetryableError } from "../../../src/runtime/reconcile-errors.js";
import { awsError } from "../../support/fake-policy-api.js";

const ACCOUNT: ClientTarget = { accountId: "111111111111" };

/** A lister that answers `answer` (regions, or an error to throw), counting its calls by account. */
function fakeLister(answer: () => string[] | Error) {
  const calls: string[] = [];
  const lister: RegionLister = {
    enabledRegions: async (target) => {
      calls.push(`${target.accountId}${target.roleArn ? ` as ${target.roleArn}` : ""}`);
      const result = answer();
      if (result instanceof Error) throw result;
      return result;
    },
  };
  return { lister, calls };
}

/** A failure that never reached AWS: no error code, a message of several lines. */
const unreachable = () => new Error("connect ECONNREFUSED 10.0.0.1:443\n    at TCPConnectWrap.afterConnect");

describe("RegionDirectory: where the regions come from", () => {
  const cases: Array<{
    reason: string;
    answer: () => string[] | Error;
    defaults: string[];
    regions?: string[];
    from?: string;
    error?: { type: typeof RetryableError | typeof BlockedError; reason: string };
  }> = [
    {
      reason: "ListRegions answers: its regions, sorted",
      answer: () => ["us-east-1", "eu-west-1", "ap-south-2"],
      defaults: ["us-east-1"],
      regions: ["ap-south-2", "eu-west-1", "us-east-1"],
      from: "ListRegions",
    },
    {
      reason: "ListRegions denied (no account:ListRegions): the defaults, with AWS's code as the reason",
      answer: () => awsError("AccessDeniedException"),
      defaults: ["us-east-1", "eu-west-1"],
      regions: ["us-east-1", "eu-west-1"],
      from: "--default-regions (ListRegions failed: AccessDeniedException)",
    },
    {
      reason: "ListRegions unreachable (no AWS error code): the defaults, with the first line of why",
      answer: unreachable,
      defaults: ["eu-central-1"],
      regions: ["eu-central-1"],
      from: "--default-regions (ListRegions failed: connect ECONNREFUSED 10.0.0.1:443)",
    },
    {
      reason: "ListRegions denied and no defaults: the error, blocked until a permission is granted",
      answer: () => awsError("AccessDeniedException"),
      defaults: [],
      error: { type: BlockedError, reason: "AccessDenied" },
    },
    {
      reason: "ListRegions failing for a passing reason and no defaults: the error, retried",
      answer: () => awsError("TooManyRequestsException"),
      defaults: [],
      error: { type: RetryableError, reason: "Throttled" },
    },
  ];
  it.each(cases)("$reason", async ({ answer, defaults, regions, from, error }) => {
    const directory = new RegionDirectory(fakeLister(answer).lister, { defaultRegions: defaults });
    if (error) {
      const thrown = await directory.enabledIn(ACCOUNT).catch((err: unknown) => err);
      expect(thrown).toBeInstanceOf(error.type);
      expect(thrown).toMatchObject({ reason: error.reason });
      // The message says how to do without ListRegions.
      expect((thrown as Error).message).toMatch(
        /^cannot list the regions enabled in account 111111111111 \(name them in spec.regions, or start the controller with --default-regions\)/,
      );
      return;
    }
    expect(await directory.enabledIn(ACCOUNT)).toEqual({ regions, from });
  });

  it("hands out its own copy of the defaults (a caller changing it changes nothing else)", async () => {
    const defaults = ["us-east-1"];
    const directory = new RegionDirectory(fakeLister(() => awsError("AccessDeniedException")).lister, {
      defaultRegions: defaults,
    });
    const { regions } = await directory.enabledIn(ACCOUNT);
    regions.push("eu-west-1");
    expect(defaults).toEqual(["us-east-1"]);
  });
});

describe("RegionDirectory: the cache", () => {
  /** A directory with a 10-minute TTL on a fake clock. */
  function directory(answer: () => string[] | Error = () => ["us-east-1"]) {
    const clock = { now: 0 };
    const fake = fakeLister(answer);
    const d = new RegionDirectory(fake.lister, {
      defaultRegions: ["eu-west-1"],
      ttlMs: 600_000,
      now: () => clock.now,
    });
    return { clock, calls: fake.calls, d };
  }

  const cases: Array<{
    reason: string;
    first: ClientTarget;
    second: ClientTarget;
    afterMs: number;
    calls: number;
  }> = [
    {
      reason: "the same account within the TTL: cached",
      first: ACCOUNT,
      second: ACCOUNT,
      afterMs: 599_999,
      calls: 1,
    },
    {
      reason: "the same account past the TTL: read again",
      first: ACCOUNT,
      second: ACCOUNT,
      afterMs: 600_000,
      calls: 2,
    },
    {
      reason: "another account: its own read",
      first: ACCOUNT,
      second: { accountId: "222222222222" },
      afterMs: 0,
      calls: 2,
    },
    {
      reason: "the same account through another role: its own read (the role may see other regions)",
      first: ACCOUNT,
      second: { ...ACCOUNT, roleArn: "arn:aws:iam::111111111111:role/Other" },
      afterMs: 0,
      calls: 2,
    },
    {
      reason: "another region of the same account: cached (regions are per account)",
      first: { ...ACCOUNT, region: "us-east-1" },
      second: { ...ACCOUNT, region: "eu-west-1" },
      afterMs: 0,
      calls: 1,
    },
  ];
  it.each(cases)("$reason", async ({ first, second, afterMs, calls }) => {
    const { clock, calls: made, d } = directory();
    await d.enabledIn(first);
    clock.now += afterMs;
    await d.enabledIn(second);
    expect(made).toHaveLength(calls);
  });

  it("concurrent callers for one account share one ListRegions", async () => {
    const { calls, d } = directory();
    const [a, b] = await Promise.all([d.enabledIn(ACCOUNT), d.enabledIn(ACCOUNT)]);
    expect(calls).toEqual(["111111111111"]);
    expect(a).toEqual(b);
  });

  it("a failure with no defaults is not cached: the next reconcile asks again", async () => {
    let answer: string[] | Error = awsError("ServiceException");
    const fake = fakeLister(() => answer);
    const d = new RegionDirectory(fake.lister, { defaultRegions: [] });
    await expect(d.enabledIn(ACCOUNT)).rejects.toBeInstanceOf(RetryableError);
    answer = ["us-east-1"];
    expect(await d.enabledIn(ACCOUNT)).toEqual({ regions: ["us-east-1"], from: "ListRegions" });
    expect(fake.calls).toHaveLength(2);
  });

  it("the defaults standing in are kept for the TTL like an answer (ListRegions is not asked at every reconcile)", async () => {
    const { clock, calls, d } = directory(() => awsError("AccessDeniedException"));
    await d.enabledIn(ACCOUNT);
    clock.now += 1_000;
    expect((await d.enabledIn(ACCOUNT)).from).toMatch(/^--default-regions/);
    expect(calls).toHaveLength(1);
  });
});

describe("sdkRegionLister: the SDK call behind the interface", () => {
  it("asks for enabled regions in the target's account and follows every page", async () => {
    const client = new AccountClient({
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "t" },
    });
    const mock = mockClient(client);
    // The paginator reuses one input object: what each call asked for is noted as it is made.
    const asked: string[] = [];
    mock
      .on(ListRegionsCommand)
      .callsFake((input: { NextToken?: string; RegionOptStatusContains?: string[] }) => {
        asked.push(`${input.RegionOptStatusContains?.join(",")} ${input.NextToken ?? "(first page)"}`);
        return input.NextToken
          ? { Regions: [{ RegionName: "eu-west-1" }, {}] }
          : { Regions: [{ RegionName: "us-east-1" }], NextToken: "more" };
      });
    const targets: ClientTarget[] = [];
    const lister = sdkRegionLister({
      forAccount: async (_service, target) => {
        targets.push(target);
        return client;
      },
    });
    // A region without a name is left out, not listed as "undefined".
    expect(await lister.enabledRegions(ACCOUNT)).toEqual(["us-east-1", "eu-west-1"]);
    expect(asked).toEqual(["ENABLED,ENABLED_BY_DEFAULT (first page)", "ENABLED,ENABLED_BY_DEFAULT more"]);
    expect(targets).toEqual([ACCOUNT]);
  });
});
