/**
 * Adaptive pacing inside real SDK clients, against moto behind the fault proxy, which answers
 * throttling the way each AWS protocol spells it (Organizations' TooManyRequestsException, IAM's
 * Throttling, S3 Control's SlowDown): moto itself never throttles. A throttled attempt is retried
 * by the SDK and counted per service, never an error on an object; the pace slows for the client
 * that was throttled (one service in one account) and no other; Organizations attempts stay under
 * the operator's ceiling. The limiter's decisions are tested in-process in test/unit/aws/pacing.test.ts.
 */
import { GetAccountPasswordPolicyCommand } from "@aws-sdk/client-iam";
import { ListRootsCommand } from "@aws-sdk/client-organizations";
import { GetPublicAccessBlockCommand } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { toReconcileError } from "../../src/aws/aws-errors.js";
import { AwsClients, type AwsOptions, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { reconcileObjects } from "../../src/cli/plan.js";
import { loadConfig } from "../../src/config.js";
import { READ_OPERATIONS } from "../../src/kinds/index.js";
import { RetryableError } from "../../src/runtime/reconcile-errors.js";
import {
  awsEndpoint,
  createOrganization,
  EMULATOR_DEFAULT_REGIONS,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
} from "../support/aws.js";
import { FaultProxy, type SeenRequest } from "../support/fault-proxy.js";

let proxy: FaultProxy;
let seen: SeenRequest[] = [];
let accountA: string;
let accountB: string;

beforeAll(async () => {
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ accounts: ["pace-a", "pace-b"] });
  accountA = org.accountIds.get("pace-a")!;
  accountB = org.accountIds.get("pace-b")!;
  proxy = await FaultProxy.start({
    target: awsEndpoint(),
    seed: 1,
    rate: 0,
    onRequest: (request) => seen.push(request),
  });
});

afterAll(async () => {
  await proxy.stop();
});

beforeEach(() => {
  seen = [];
  proxy.scriptedFor.clear();
});

/** Clients through the proxy, counting calls (service/operation/outcome) and throttling answers by service. */
function countedClients(options: Partial<AwsOptions> = {}) {
  const calls: string[] = [];
  const throttled = new Map<string, number>();
  const aws = new AwsClients({
    region: "us-east-1",
    endpoint: proxy.endpoint,
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 3,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation, outcome) => calls.push(`${service}/${operation}/${outcome}`),
    observeThrottle: (service) => throttled.set(service, (throttled.get(service) ?? 0) + 1),
    ...options,
  });
  return { aws, calls, throttled };
}

/** Milliseconds from the first to the last request of `requests` to reach the proxy. */
const spread = (requests: SeenRequest[]): number =>
  requests.length === 0 ? 0 : Math.max(...requests.map((r) => r.at)) - Math.min(...requests.map((r) => r.at));

describe("adaptive pacing against moto behind the fault proxy", () => {
  it("a call throttled twice succeeds on its third attempt: two throttling answers counted, one successful call", async () => {
    const { aws, calls, throttled } = countedClients();
    proxy.scriptedFor.set("organizations/ListRoots", ["throttled", "throttled"]);
    const roots = await aws.organizations().send(new ListRootsCommand({}));
    expect(roots.Roots).toHaveLength(1);
    expect(Object.fromEntries(throttled)).toEqual({ organizations: 2 });
    expect(calls).toEqual(["organizations/ListRoots/success"]);
    expect(seen.filter((r) => r.operation === "ListRoots").map((r) => r.fault ?? "answered")).toEqual([
      "throttled",
      "throttled",
      "answered",
    ]);
  });

  it("throttling is never an error on an object: a plan whose IAM read is throttled twice plans as usual", async () => {
    const { aws, throttled } = countedClients({ readOnly: READ_OPERATIONS });
    proxy.scriptedFor.set("iam/GetAccountPasswordPolicy", ["throttled", "throttled"]);
    const entries = await reconcileObjects(
      [
        {
          apiVersion: "orgguard.io/v1alpha1",
          kind: "PasswordPolicy",
          metadata: { name: "paced" },
          spec: { accountId: accountA, minimumPasswordLength: 14 },
        },
      ],
      aws,
      loadConfig([], { ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS }),
      false,
    );
    expect(entries.map((e) => [e.object, e.action, e.error])).toEqual([
      ["PasswordPolicy/paced", "create", undefined],
    ]);
    expect(throttled.get("iam")).toBe(2);
  });

  it("a call throttled on every attempt fails with AWS's code, which a reconcile reports as Throttled (the work queue's backoff)", async () => {
    const { aws, calls, throttled } = countedClients();
    proxy.scriptedFor.set("organizations/ListRoots", ["throttled", "throttled", "throttled"]);
    const failure = await aws
      .organizations()
      .send(new ListRootsCommand({}))
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect((failure as Error).name).toBe("TooManyRequestsException");
    const reconcileError = toReconcileError(failure, "cannot list the roots");
    expect(reconcileError).toBeInstanceOf(RetryableError);
    expect((reconcileError as RetryableError).reason).toBe("Throttled");
    expect(throttled.get("organizations")).toBe(3);
    expect(calls).toEqual(["organizations/ListRoots/TooManyRequestsException"]);
  });

  it("the pace slows where AWS throttled (IAM in one account), not for S3 Control there nor for IAM elsewhere", async () => {
    const { aws, throttled } = countedClients();
    // One throttling answer for IAM in account A.
    proxy.scriptedFor.set("iam/GetAccountPasswordPolicy", ["throttled"]);
    const iamA = await aws.forAccount("iam", { accountId: accountA });
    await iamA.send(new GetAccountPasswordPolicyCommand({})).catch(() => undefined);
    expect(throttled.get("iam")).toBe(1);
    seen = [];
    // Then ten calls at once of each: IAM in A, S3 Control in A, IAM in B.
    const iamB = await aws.forAccount("iam", { accountId: accountB });
    const s3A = await aws.forAccount("s3control", { accountId: accountA });
    const ten = (call: () => Promise<unknown>) =>
      Array.from({ length: 10 }, () => call().catch(() => undefined));
    await Promise.all([
      ...ten(() => iamA.send(new GetAccountPasswordPolicyCommand({}))),
      ...ten(() => s3A.send(new GetPublicAccessBlockCommand({ AccountId: accountA }))),
      ...ten(() => iamB.send(new GetAccountPasswordPolicyCommand({}))),
    ]);
    expect(throttled.get("iam")).toBe(1);
    const keyA = seen.find((r) => r.service === "s3control")?.accessKeyId;
    const iamRequests = seen.filter((r) => r.service === "iam");
    const pacedA = iamRequests.filter((r) => r.accessKeyId === keyA);
    const freeB = iamRequests.filter((r) => r.accessKeyId !== keyA);
    const freeS3 = seen.filter((r) => r.service === "s3control");
    expect([pacedA.length, freeB.length, freeS3.length]).toEqual([10, 10, 10]);
    // Paced: after the throttling answer, A's IAM client starts again from a slow rate (the SDK's
    // floor is one send every two seconds) and grows back; the others send at once.
    // The curve grows with the time since the throttling answer, not with the calls: on a loaded
    // machine more time passes before the ten calls, and A's spread is shorter (1.5 to 3 s seen);
    // unpaced, ten calls spread over tens of milliseconds.
    const unpaced = Math.max(spread(freeB), spread(freeS3));
    expect(spread(pacedA)).toBeGreaterThan(1000);
    expect(spread(pacedA)).toBeGreaterThan(3 * unpaced);
  });

  it("Organizations attempts stay under the operator's ceiling, retries included", async () => {
    const { aws, throttled } = countedClients({ organizationsRate: { perSecond: 5, burst: 1 } });
    proxy.scriptedFor.set("organizations/ListRoots", ["throttled"]);
    await Promise.all(Array.from({ length: 5 }, () => aws.organizations().send(new ListRootsCommand({}))));
    expect(throttled.get("organizations")).toBe(1);
    const times = seen
      .filter((r) => r.service === "organizations")
      .map((r) => r.at)
      .sort((a, b) => a - b);
    // Six attempts (five calls, one retried) at most 5 a second after the first: at least a second.
    expect(times).toHaveLength(6);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(950);
    // The bucket hands out a token every 200 ms; what the proxy sees is that plus each request's
    // own way there (signing, a connection), which a loaded machine stretches by up to a few
    // hundred ms for one request and not the next: so k attempts apart are at least k × 200 ms
    // apart, less 300 ms. Without the ceiling all six arrive within milliseconds.
    for (let i = 0; i < times.length; i++)
      for (let j = i + 2; j < times.length; j++)
        expect(times[j]! - times[i]!).toBeGreaterThanOrEqual((j - i) * 200 - 300);
  });
});
