/**
 * How many AWS calls one reconcile of each kind makes: cold (from creation to Ready) and in a
 * steady state (per poll, once Ready). Runs the real controller code in-process against a real
 * kube-apiserver and moto, started here. Prints a table; asserts nothing.
 * The EC2 account attributes of issue 29 run across the 17 regions an account has enabled by
 * default; the IMDS defaults and the two block public access settings are answered by the test
 * environment's emulation of those calls (test/env/moto_ec2_account_attributes.py: moto has none),
 * which applies a change at once, where AWS may take minutes for AMIs (see the README).
 * Usage: npx tsx bench/calls-per-reconcile.ts [kind...]   (after `make provision`; kinds: all by default)
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { EnableAWSServiceAccessCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP, API_VERSION } from "../src/api/common.js";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../src/aws/regions.js";
import { managedKinds } from "../src/kinds/index.js";
import { findCondition } from "../src/runtime/conditions.js";
import { managedController } from "../src/runtime/controller.js";
import { KubeEventRecorder } from "../src/runtime/event-recorder.js";
import { silentLogger } from "../src/runtime/logger.js";
import type { ManagedObject } from "../src/runtime/managed.js";
import { Metrics } from "../src/runtime/metrics.js";
import { ResourceClient } from "../src/runtime/resource-client.js";
import { startEnvironment } from "../test/env/environment.js";
import { sleep, waitUntil } from "../test/env/process.js";
import { provision } from "../test/env/provision.js";
import {
  awsClientConfig,
  awsEndpoint,
  createBucket,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
} from "../test/support/aws.js";
import { runControllers } from "../test/support/controllers.js";
import { BENCH_TRAIL_BUCKET, callCases } from "./calls-per-reconcile-cases.js";

const POLL_MS = 2000;
const STEADY_POLLS = 5;
const only = process.argv.slice(2);

const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-bench-"));
const env = await startEnvironment({ dir, workers: 1 });
try {
  const worker = env.workers[0]!;
  const { kubectl } = await provision(["kubectl"]);
  const { execFileSync } = await import("node:child_process");
  execFileSync(kubectl!, ["apply", "--server-side", "-f", "crds/"], {
    env: { ...process.env, KUBECONFIG: worker.kubeconfigPath },
  });
  execFileSync(kubectl!, ["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"], {
    env: { ...process.env, KUBECONFIG: worker.kubeconfigPath },
  });
  const endpoint = awsEndpoint(worker.awsEndpoint);
  const org = await createOrganization(
    { ous: [{ name: "Workloads", accounts: ["dev-1", "dev-2"] }] },
    endpoint,
  );
  const member = org.accountIds.get("dev-1")!;
  /** A second member, whose default VPCs stay (the ObserveOnly case reads them at every poll). */
  const other = org.accountIds.get("dev-2")!;
  // What the organization trail needs before it: its bucket (the user's in AWS) and CloudTrail's
  // trusted access (the Organization kind's in AWS).
  await createBucket(BENCH_TRAIL_BUCKET, endpoint);
  await new OrganizationsClient(awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint)).send(
    new EnableAWSServiceAccessCommand({ ServicePrincipal: "cloudtrail.amazonaws.com" }),
  );

  const calls = new Map<string, number>();
  const aws = new AwsClients({
    region: "us-east-1",
    endpoint,
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 3,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) =>
      calls.set(`${service}/${operation}`, (calls.get(`${service}/${operation}`) ?? 0) + 1),
  });
  const kc = new KubeConfig();
  kc.loadFromFile(worker.kubeconfigPath);
  const metrics = new Metrics();
  const events = new KubeEventRecorder(kc, "orgguard-bench", silentLogger);
  const context = {
    aws,
    policies: {},
    // moto has no account:ListRegions: an EBS object without regions falls back to these.
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: ["us-east-1", "eu-west-1"] }),
  };
  const kinds = managedKinds(context);
  const kindNamed = (name: string) => kinds.find((k) => k.ref.kind === name)!;
  const cases = callCases({ member, other })
    .filter((c) => only.length === 0 || only.includes(c.kind))
    .map((c) => ({ ...c, kind: kindNamed(c.kind) }));
  const snapshot = () => new Map(calls);
  const delta = (before: Map<string, number>) =>
    [...calls].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, v]) => v > 0);
  const reconciles = async (kind: string) =>
    (await metrics.reconciles.get()).values
      .filter((v) => v.labels.kind === kind)
      .reduce((n, v) => n + v.value, 0);

  console.log(
    `AWS calls per reconcile (poll ${POLL_MS} ms, ${STEADY_POLLS} steady polls, member account via AssumeRole)\n`,
  );
  for (const c of cases) {
    const running = await runControllers(
      kc,
      { workers: 1, pollIntervalMs: POLL_MS, pollJitter: 0 },
      (runtime) => [managedController(runtime, c.kind)],
      { events, metrics },
    );
    const client = new ResourceClient<ManagedObject>(kc, c.kind.ref);
    const kindName = c.kind.ref.kind;
    const label = c.label ?? kindName;
    for (const principal of c.trustedAccess ?? []) {
      await new OrganizationsClient(awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint)).send(
        new EnableAWSServiceAccessCommand({ ServicePrincipal: principal }),
      );
    }
    const before = snapshot();
    const reconcilesAtStart = await reconciles(kindName);
    const started = Date.now();
    await client.create({
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: kindName,
      metadata: { name: "bench" },
      spec: c.spec,
    });
    const settled = (o: ManagedObject | undefined) => {
      const ready = findCondition(o?.status?.conditions, "Ready");
      return c.settles ? ready?.reason === c.settles : ready?.status === "True";
    };
    let last: ManagedObject | undefined;
    await waitUntil(
      async () => {
        last = await client.get("bench");
        return settled(last);
      },
      120_000,
      () => `${label} Ready (conditions: ${JSON.stringify(last?.status?.conditions)})`,
    );
    const coldMs = Date.now() - started;
    const cold = delta(before);
    const coldReconciles = (await reconciles(kindName)) - reconcilesAtStart;
    const steadyBefore = snapshot();
    const reconcilesBefore = await reconciles(kindName);
    await sleep(POLL_MS * STEADY_POLLS + 200);
    const steady = delta(steadyBefore);
    const steadyReconciles = (await reconciles(kindName)) - reconcilesBefore;
    const total = (list: ReadonlyArray<readonly [string, number]>) => list.reduce((n, [, v]) => n + v, 0);
    console.log(
      `${label}: cold ${total(cold)} calls over ${coldReconciles} reconciles, Ready after ${coldMs} ms`,
    );
    for (const [op, n] of cold) console.log(`    ${op.padEnd(48)} ${n}`);
    console.log(
      `  steady: ${total(steady)} calls over ${steadyReconciles} reconciles = ${(total(steady) / Math.max(1, steadyReconciles)).toFixed(1)} per reconcile`,
    );
    for (const [op, n] of steady)
      console.log(`    ${op.padEnd(48)} ${(n / Math.max(1, steadyReconciles)).toFixed(1)}`);
    console.log("");
    // The next case of the same kind starts from this object gone (Retain: no AWS call).
    await client.delete("bench");
    await waitUntil(async () => (await client.get("bench")) === undefined, 30_000, `${label} deleted`);
    await running.stop();
  }
} finally {
  await env.stop();
  await rm(dir, { recursive: true, force: true });
}
