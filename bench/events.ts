/**
 * Time from an API call event to the repair, per kind: starts a kube-apiserver and moto, runs
 * `orgguard controller` as in production with a 10-minute poll and --events-queue-url, creates one
 * object per kind, then makes N out-of-band changes per kind (default 20), each followed by the
 * EventBridge event a CloudTrail rule would deliver, and prints, per kind, the median and maximum
 * time from sending the event to seeing AWS repaired, and the AWS calls the controller made per
 * event (reads and writes, the queue's own calls aside). Asserts nothing.
 * Usage: npx tsx bench/events.ts [changes-per-kind] [Kind...]   (after `make build provision`; no kind: every one)
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CreateQueueCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP, API_VERSION } from "../src/api/common.js";
import type { ApiCallName } from "../src/aws/api-call-events.js";
import { KINDS, WRITE_OPERATIONS } from "../src/kinds/index.js";
import { kindRef } from "../src/kinds/kind-definition.js";
import { findCondition } from "../src/runtime/conditions.js";
import type { ManagedObject } from "../src/runtime/managed.js";
import { ResourceClient } from "../src/runtime/resource-client.js";
import { startEnvironment } from "../test/env/environment.js";
import { waitUntil } from "../test/env/process.js";
import { provision } from "../test/env/provision.js";
import { apiCallMessage } from "../test/support/api-call-events.js";
import { awsClientConfig, awsEndpoint, createOrganization, memberCredentials } from "../test/support/aws.js";
import { ControllerProcess } from "../test/support/controller-process.js";
import { EVENT_CASE_KINDS, eventCases } from "../test/support/event-cases.js";

const CHANGES = Number(process.argv[2] ?? 20);
const ONLY = process.argv.slice(3);

/**
 * Waits for `repaired`, checking every 5 ms (waitUntil's 100 ms would round every time up to
 * its interval): the time measured is the repair's, give or take one read of moto.
 */
async function repairedWithin(
  repaired: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await repaired().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${what} was not repaired within ${timeoutMs} ms`);
}
const REGION = "eu-west-1";
const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-bench-"));
const env = await startEnvironment({ dir, workers: 1 });
let controller: ControllerProcess | undefined;
try {
  const worker = env.workers[0]!;
  const { kubectl } = await provision(["kubectl"]);
  const { execFileSync } = await import("node:child_process");
  const kubeEnv = { ...process.env, KUBECONFIG: worker.kubeconfigPath };
  execFileSync(kubectl!, ["apply", "--server-side", "-f", "crds/"], { env: kubeEnv });
  execFileSync(kubectl!, ["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"], {
    env: kubeEnv,
  });
  const endpoint = awsEndpoint(worker.awsEndpoint);
  const tree = await createOrganization({ ous: [{ name: "Workloads", accounts: ["bench-1"] }] }, endpoint);
  const account = tree.accountIds.get("bench-1")!;
  const member = await memberCredentials(account, undefined, endpoint);
  const sqs = new SQSClient({ ...awsClientConfig(undefined, endpoint), region: "us-east-1" });
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "orgguard-events" }))).QueueUrl!;
  controller = new ControllerProcess(
    [
      "--poll-interval=10m",
      `--events-queue-url=${queueUrl}`,
      "--organizations-rate=50",
      "--organizations-burst=50",
    ],
    { KUBECONFIG: worker.kubeconfigPath, AWS_ENDPOINT_URL: endpoint },
  );
  await controller.ready();
  const sendEvent = async (
    call: ApiCallName,
    requestParameters: Record<string, unknown> = {},
    options: { inAccount?: string; region?: string; callerArn?: string } = {},
  ) => {
    const body = apiCallMessage(call, {
      account: options.inAccount ?? account,
      requestParameters,
      ...(options.region ? { region: options.region } : {}),
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
  };
  const cases = eventCases({ tree, account, member, endpoint, region: REGION, sendEvent });
  const kc = new KubeConfig();
  kc.loadFromFile(worker.kubeconfigPath);
  /** AWS calls the controller made so far, reads and writes, without the events queue's own. */
  const awsCalls = async () => {
    let reads = 0;
    let writes = 0;
    for (const [op, n] of await controller!.awsCalls()) {
      if (op.startsWith("sqs/")) continue;
      if (WRITE_OPERATIONS.has(op.replace("/", ":"))) writes += n;
      else reads += n;
    }
    return { reads, writes };
  };

  const rows: string[] = [];
  for (const kind of EVENT_CASE_KINDS.filter((k) => ONLY.length === 0 || ONLY.includes(k))) {
    const c = cases.find((x) => x.kind === kind)!;
    const def = KINDS.find((k) => k.api.kind === kind)!;
    const client = new ResourceClient<ManagedObject>(kc, kindRef(def.api));
    const name = `bench-${kind.toLowerCase()}`;
    await c.prepare?.();
    await client.create({
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind,
      metadata: { name },
      spec: c.spec() as ManagedObject["spec"],
    });
    let object: ManagedObject | undefined;
    await waitUntil(
      async () => {
        object = await client.get(name);
        return findCondition(object?.status?.conditions, "Ready")?.reason === "Available";
      },
      60_000,
      `${kind} to be Ready`,
    );
    const times: number[] = [];
    const before = await awsCalls();
    for (let i = 0; i < CHANGES; i++) {
      const lastSync = (await client.get(name))?.status?.lastSyncTime;
      await c.change(object!);
      const sent = performance.now();
      await repairedWithin(() => c.repaired(object!), 30_000, kind);
      times.push(performance.now() - sent);
      if (c.confirmBeforeNextChange) {
        // Not timed: the next change comes once orgguard read its repair back (see EventCase).
        await waitUntil(
          async () => {
            const now = await client.get(name);
            return (
              findCondition(now?.status?.conditions, "Ready")?.reason === "Available" &&
              now?.status?.lastSyncTime !== lastSync
            );
          },
          30_000,
          `${kind} to confirm its repair`,
        );
      }
    }
    const after = await awsCalls();
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    const perEvent = (n: number) => (n / CHANGES).toFixed(1);
    rows.push(
      `| ${kind} | ${median.toFixed(0)} | ${times.at(-1)!.toFixed(0)} | ${perEvent(after.reads - before.reads)} | ${perEvent(after.writes - before.writes)} |`,
    );
  }
  console.log(
    `event to repaired, ${CHANGES} changes per kind, poll every 10 minutes (so every repair is the event's):`,
  );
  console.log("| kind | median ms | max ms | AWS reads per event | AWS writes per event |");
  console.log("|---|---|---|---|---|");
  for (const row of rows) console.log(row);
} finally {
  await controller?.stop();
  await env.stop();
  await rm(dir, { recursive: true, force: true });
}
