/**
 * The AWS errors moto does not emulate, raised by SDK-level stubs on the real clients while the
 * engine runs against the real kube-apiserver and moto: each ends where AWS-FACTS.md says it
 * must (success, retry with backoff, or a Stalled condition with no retry storm).
 */
import {
  AccessDeniedException,
  ConcurrentModificationException,
  ConstraintViolationException,
  DetachPolicyCommand,
  DuplicatePolicyAttachmentException,
  ListPoliciesCommand,
  ListTargetsForPolicyCommand,
  MalformedPolicyDocumentException,
  OrganizationsClient,
  PolicyNotAttachedException,
  PolicyTypeNotEnabledException,
  TooManyRequestsException,
} from "@aws-sdk/client-organizations";
import { S3ControlServiceException } from "@aws-sdk/client-s3-control";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP, API_VERSION } from "../../src/api/common.js";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { managedKinds } from "../../src/kinds/index.js";
import { publicAccessBlockSettingWith } from "../../src/kinds/public-access-block/index.js";
import { managedSetting } from "../../src/kinds/setting/setting-kind.js";
import { findCondition } from "../../src/runtime/conditions.js";
import { managedController } from "../../src/runtime/controller.js";
import { KubeEventRecorder } from "../../src/runtime/event-recorder.js";
import { silentLogger } from "../../src/runtime/logger.js";
import type { ManagedKind, ManagedObject } from "../../src/runtime/managed.js";
import type { Runnable } from "../../src/runtime/manager.js";
import type { ResourceClient } from "../../src/runtime/resource-client.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { type Attempt, awsException, type Fault, injectFaults } from "../support/aws-faults.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import { installOrgguardCrds, orgguardClient, uniqueNames } from "../support/orgguard.js";

const POLL_MS = 1500;
const kc = adminKubeConfig();
const scps = orgguardClient(kc, "ServiceControlPolicy");
const pabs = orgguardClient(kc, "PublicAccessBlock");
const faults: Fault[] = [];
let attempts: Attempt[];
let s3Attempts: Attempt[];
let tree: TestOrganization;
let aws: AwsClients;
let running: RunningControllers<Runnable> | undefined;
const uniqueName = uniqueNames();
const denyLeave = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
};

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [{ name: "Workloads", accounts: ["dev-1", "dev-2"] }, { name: "Crowded" }],
  });
  aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 3,
    credentials: MANAGEMENT_CREDENTIALS,
  });
  attempts = injectFaults(aws.organizations(), faults);
  s3Attempts = injectFaults(
    await aws.forAccount("s3control", { accountId: tree.accountIds.get("dev-1")! }),
    faults,
  );
  const events = new KubeEventRecorder(kc, "orgguard-test", silentLogger);
  const options = {
    workers: 2,
    pollIntervalMs: POLL_MS,
    verifyAfterMs: 300,
    backoffBaseMs: 300,
    backoffMaxMs: 3000,
  };
  // Three SCPs per target here, so the limit is reached with few policies.
  const policies = { scp: { enablePolicyType: false, perTargetLimit: 3, sizeLimit: 10_240 } };
  const context = {
    aws,
    policies,
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
  };
  const kinds: ManagedKind[] = [
    managedKinds(context).find((k) => k.ref.kind === "ServiceControlPolicy")!,
    managedSetting(publicAccessBlockSettingWith({ confirmIntervalMs: 200, confirmAttempts: 5 }), context),
  ];
  running = await runControllers(
    kc,
    options,
    (runtime) => kinds.map((kind) => managedController(runtime, kind)),
    {
      events,
    },
  );
}, 120_000);

afterAll(async () => {
  for (const client of [scps, pabs]) {
    for (const o of (await client.list()).items) await forceDelete(client, o.metadata.name);
  }
  await running?.stop();
});

const scp = (name: string, spec: Record<string, unknown>): ManagedObject => ({
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  kind: "ServiceControlPolicy",
  metadata: { name },
  spec: { document: denyLeave, ...spec } as ManagedObject["spec"],
});

async function waitFor(
  client: ResourceClient<ManagedObject>,
  name: string,
  predicate: (o: ManagedObject) => boolean,
  what: string,
) {
  let last: ManagedObject | undefined;
  await waitUntil(
    async () => {
      last = await client.get(name);
      return last !== undefined && predicate(last);
    },
    20_000,
    () => `${name}: ${what} (status: ${JSON.stringify(last?.status)})`,
  );
  return last!;
}
/** Takes `fault` out of the list (whether or not it was used up). */
function removeFault(fault: Fault): void {
  const at = faults.indexOf(fault);
  if (at >= 0) faults.splice(at, 1);
}

/** Deletes `name` at once, finalizer and all (what a failed case or the file left behind). */
async function forceDelete(client: ResourceClient<ManagedObject>, name: string): Promise<void> {
  const o = await client.get(name);
  if (o === undefined) return;
  if (o.metadata.finalizers?.length)
    await client.jsonPatch(name, [{ op: "remove", path: "/metadata/finalizers" }]);
  await client.delete(name);
}

const isReady = (o: ManagedObject) => findCondition(o.status?.conditions, "Ready")?.status === "True";
const stalledWith = (reason: string) => (o: ManagedObject) => {
  const stalled = findCondition(o.status?.conditions, "Stalled");
  return stalled?.status === "True" && stalled.reason === reason;
};
const count = (
  operation: string,
  since = 0,
  about: (input: Record<string, unknown>) => boolean = () => true,
) => attempts.filter((a) => a.operation === operation && a.at >= since && about(a.input)).length;
const forName = (policyName: string) => (input: Record<string, unknown>) => input.Name === policyName;

describe("AWS errors on ServiceControlPolicy", () => {
  it("DuplicatePolicyAttachment (attached, response lost) counts as attached", async () => {
    const name = uniqueName("dup-attach");
    faults.push({
      operation: "AttachPolicy",
      times: 1,
      afterAws: true,
      error: () => awsException(DuplicatePolicyAttachmentException, "already attached"),
    });
    await scps.create(scp(name, { targets: [{ ouPath: "Root/Workloads" }] }));
    await waitFor(scps, name, isReady, "Ready");
  });

  it("PolicyNotAttached on detach (detached, response lost) counts as detached", async () => {
    const name = uniqueName("not-attached");
    await scps.create(scp(name, { targets: [{ ouPath: "Root/Workloads" }] }));
    const ready = await waitFor(scps, name, isReady, "Ready");
    faults.push({
      operation: "DetachPolicy",
      times: 1,
      afterAws: true,
      error: () => awsException(PolicyNotAttachedException, "not attached"),
    });
    await scps.replace({ ...ready, spec: { ...ready.spec, targets: [] } as ManagedObject["spec"] });
    await waitFor(
      scps,
      name,
      (o) => isReady(o) && o.status?.observedGeneration === 2,
      "Ready at generation 2",
    );
    const org = new OrganizationsClient(awsClientConfig());
    const targets = await org.send(
      new ListTargetsForPolicyCommand({ PolicyId: ready.status?.policyId as string }),
    );
    expect(targets.Targets).toEqual([]);
  });

  /** A ConstraintViolationException with AWS's Reason field. */
  const constraintViolation = (reason: string) => () =>
    Object.assign(awsException(ConstraintViolationException, `constraint violated: ${reason}`), {
      Reason: reason,
    });

  /**
   * What each error means for the goal (src/aws/aws-errors.ts): the spec's fault stalls with no retry;
   * an obstacle outside the spec stalls and is checked again once per poll; a transient one is
   * retried with backoff and never stalls.
   */
  const stallCases = [
    {
      reason: "ConstraintViolation (too many SCPs on the target, as AWS counts them)",
      operation: "AttachPolicy",
      error: constraintViolation("MAX_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED"),
      condition: "ConstraintViolation",
      next: "checked every poll",
    },
    {
      reason: "ConstraintViolation (document over the size limit, as AWS measures it)",
      operation: "CreatePolicy",
      error: constraintViolation("POLICY_CONTENT_LIMIT_EXCEEDED"),
      condition: "ConstraintViolation",
      next: "not retried",
    },
    {
      reason: "PolicyTypeNotEnabled (SCPs switched off behind our back)",
      operation: "AttachPolicy",
      error: () => awsException(PolicyTypeNotEnabledException, "SCPs are not enabled"),
      condition: "PolicyTypeNotEnabled",
      next: "retried with backoff",
    },
    {
      reason: "AccessDenied (the controller's role lacks the action)",
      operation: "CreatePolicy",
      error: () =>
        awsException(AccessDeniedException, "not authorized to perform organizations:CreatePolicy"),
      condition: "AccessDenied",
      next: "checked every poll",
    },
    {
      reason: "MalformedPolicyDocument (AWS's grammar is stricter than ours)",
      operation: "CreatePolicy",
      error: () => awsException(MalformedPolicyDocumentException, "malformed"),
      condition: "MalformedPolicyDocument",
      next: "not retried",
    },
  ] as const;
  it.each(stallCases)("$reason: $next", async ({ operation, error, condition, next }) => {
    const name = uniqueName("terminal");
    const policyName = `${name}-policy`;
    const fault: Fault = {
      operation,
      times: 1_000,
      error,
      when: operation === "CreatePolicy" ? forName(policyName) : undefined,
    };
    faults.push(fault);
    try {
      const since = Date.now();
      const targets = operation === "AttachPolicy" ? [{ ouPath: "Root/Crowded" }] : [];
      await scps.create(scp(name, { policyName, targets }));
      const failing = (o: ManagedObject) => {
        const synced = findCondition(o.status?.conditions, "Synced");
        return synced?.status === "False" && synced.reason === condition;
      };
      const o = await waitFor(scps, name, failing, `Synced=False/${condition}`);
      const stalled = findCondition(o.status?.conditions, "Stalled");
      // This object's calls only (others' retries run meanwhile). A create that failed at
      // attaching recorded no policy id: find it by name.
      const policyId = (
        await new OrganizationsClient(awsClientConfig()).send(
          new ListPoliciesCommand({ Filter: "SERVICE_CONTROL_POLICY" }),
        )
      ).Policies?.find((p) => p.Name === policyName)?.Id;
      const mine =
        operation === "CreatePolicy"
          ? forName(policyName)
          : (input: Record<string, unknown>) => input.PolicyId === policyId;
      const callsAtStall = count(operation, since, mine);
      await sleep(POLL_MS * 3);
      const later = count(operation, since, mine);
      if (next === "retried with backoff") {
        // Transient: never Stalled; the queue retries (300 ms base backoff, so several times).
        expect(stalled).toBeUndefined();
        expect(later).toBeGreaterThan(callsAtStall);
        return;
      }
      expect(stalled).toMatchObject({ status: "True", reason: condition });
      // The SDK does not retry these, so the stall came after a single call.
      expect(callsAtStall).toBeLessThanOrEqual(1);
      if (next === "not retried") {
        expect(later).toBe(callsAtStall);
      } else {
        // Blocked: one more try per poll interval (3 polls in the wait), never a storm.
        expect(later).toBeGreaterThan(callsAtStall);
        expect(later).toBeLessThanOrEqual(callsAtStall + 4);
      }
    } finally {
      faults.splice(faults.indexOf(fault), 1);
    }
  });

  it("TooManyRequests (HTTP 400 in Organizations) is retried by the SDK, then with queue backoff, until it passes", async () => {
    const name = uniqueName("throttled");
    const policyName = `${name}-policy`;
    const since = Date.now();
    faults.push({
      operation: "CreatePolicy",
      times: 5,
      when: forName(policyName),
      error: () => awsException(TooManyRequestsException, "another request is already in progress"),
    });
    await scps.create(scp(name, { policyName }));
    const o = await waitFor(scps, name, isReady, "Ready after throttling");
    expect(o.status?.policyId).toMatch(/^p-/);
    const creates = attempts.filter(
      (a) => a.operation === "CreatePolicy" && a.at >= since && a.input.Name === policyName,
    );
    expect(creates.filter((a) => a.failed)).toHaveLength(5);
    // 3 SDK attempts (short gaps), then a queue backoff (>= 300 ms), then 2 failures and a success.
    const gaps = creates.slice(1).map((a, i) => a.at - creates[i]!.at);
    expect(gaps[2]).toBeGreaterThanOrEqual(300);
  });

  it("ConcurrentModification is retried until it passes", async () => {
    const name = uniqueName("concurrent");
    faults.push({
      operation: "AttachPolicy",
      times: 4,
      error: () => awsException(ConcurrentModificationException, "try again"),
    });
    await scps.create(scp(name, { targets: [{ ouPath: "Root/Workloads" }] }));
    await waitFor(scps, name, isReady, "Ready after concurrent modifications");
  });

  it("refuses to detach a target's last SCP before AWS would (ConstraintViolation)", async () => {
    const name = uniqueName("last-scp");
    const account = tree.accountIds.get("dev-2")!;
    await scps.create(scp(name, { targets: [{ accountId: account }] }));
    const ready = await waitFor(scps, name, isReady, "Ready");
    // moto lets FullAWSAccess go; AWS would not let our policy be the last one detached.
    await new OrganizationsClient(awsClientConfig()).send(
      new DetachPolicyCommand({ PolicyId: "p-FullAWSAccess", TargetId: account }),
    );
    const since = Date.now();
    await scps.replace({ ...ready, spec: { ...ready.spec, targets: [] } as ManagedObject["spec"] });
    const o = await waitFor(scps, name, stalledWith("LastPolicy"), "Stalled/LastPolicy");
    expect(findCondition(o.status?.conditions, "Stalled")?.message).toContain("only SCP");
    expect(count("DetachPolicy", since)).toBe(0);
  });

  it("checks the per-target limit (FullAWSAccess counts) before attaching", async () => {
    // perTargetLimit is 3 here: FullAWSAccess + 2 of ours fill Root/Workloads... after the tests above, check a fresh OU.
    const names = [uniqueName("limit"), uniqueName("limit"), uniqueName("limit")];
    for (const n of names) await scps.create(scp(n, { targets: [{ accountName: "dev-1" }] }));
    await waitUntil(
      async () => {
        const objs = await Promise.all(names.map((n) => scps.get(n)));
        return (
          objs.filter((o) => o && isReady(o)).length === 2 &&
          objs.some((o) => o && stalledWith("TooManyPolicies")(o))
        );
      },
      20_000,
      "two attached and the third refused",
    );
  });

  it("rejects an invalid document before any write", async () => {
    const name = uniqueName("invalid");
    const since = Date.now();
    await scps.create(
      scp(name, {
        document: {
          Version: "2012-10-17",
          // Admission accepts it (CEL cannot read actions); orgguard's grammar check does not.
          Statement: [{ Effect: "Deny", Action: "s3 GetObject", Resource: "*" }],
        },
      }),
    );
    const o = await waitFor(scps, name, stalledWith("InvalidSpec"), "Stalled/InvalidSpec");
    expect(findCondition(o.status?.conditions, "Stalled")?.message).toContain(
      "spec.document.Statement[0].Action",
    );
    expect(count("CreatePolicy", since)).toBe(0);
  });
});

describe("AWS errors on PublicAccessBlock", () => {
  it("a stale read right after a put (S3 is eventually consistent) is confirmed, not reported as drift", async () => {
    const name = uniqueName("pab-stale");
    const account = tree.accountIds.get("dev-1")!;
    const since = Date.now();
    const allOff = {
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: false,
      RestrictPublicBuckets: false,
    };
    // The first reads after the put still show the old (unset) configuration. The put is looked up
    // when each read starts (not by a timer beside the engine, which a loaded machine runs late).
    const putDone = () =>
      s3Attempts.some((a) => a.operation === "PutPublicAccessBlock" && a.at >= since && !a.failed);
    const stale: Fault = {
      operation: "GetPublicAccessBlock",
      times: 2,
      when: putDone,
      respond: () => ({ PublicAccessBlockConfiguration: allOff }),
    };
    faults.push(stale);
    try {
      await pabs.create({
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: "PublicAccessBlock",
        metadata: { name },
        spec: { accountId: account, deletionPolicy: "Delete" } as ManagedObject["spec"],
      });
      await waitFor(pabs, name, isReady, "Ready");
      const puts = s3Attempts.filter((a) => a.operation === "PutPublicAccessBlock" && a.at >= since);
      const staleReads = s3Attempts.filter(
        (a) => a.operation === "GetPublicAccessBlock" && a.at >= since && a.failed,
      );
      expect(staleReads).toHaveLength(2);
      expect(puts).toHaveLength(1);
      await pabs.delete(name);
      await waitUntil(async () => (await pabs.get(name)) === undefined, 20_000, "the setting to be deleted");
    } finally {
      // A failed case leaves nothing behind for the next one (same account: it would be a conflict).
      removeFault(stale);
      await forceDelete(pabs, name);
    }
  });

  it("a 403 on put (an organization S3 policy enforces the flags) stalls with a clear reason and no retry storm", async () => {
    const name = uniqueName("pab-denied");
    const accessDenied = () =>
      new S3ControlServiceException({
        name: "AccessDenied",
        $fault: "client",
        message: "Access Denied",
        $metadata: { httpStatusCode: 403 },
      });
    const denied: Fault = { operation: "PutPublicAccessBlock", times: 1_000, error: accessDenied };
    faults.push(denied);
    const since = Date.now();
    try {
      await pabs.create({
        apiVersion: `${API_GROUP}/${API_VERSION}`,
        kind: "PublicAccessBlock",
        metadata: { name },
        spec: { accountId: tree.accountIds.get("dev-1")! } as ManagedObject["spec"],
      });
      const o = await waitFor(pabs, name, stalledWith("AccessDenied"), "Stalled/AccessDenied");
      expect(findCondition(o.status?.conditions, "Stalled")?.message).toContain("organization S3 policy");
      await sleep(POLL_MS * 2);
      expect(s3Attempts.filter((a) => a.operation === "PutPublicAccessBlock" && a.at >= since)).toHaveLength(
        1,
      );
    } finally {
      removeFault(denied);
      await forceDelete(pabs, name);
    }
  });
});
