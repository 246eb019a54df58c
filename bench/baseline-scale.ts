/**
 * An AccountBaseline over a large organization: builds N accounts (default 1,000) in moto under
 * Root/Workloads, starts `orgguard controller` as in production, applies one baseline (password
 * policy + public access block), and prints the time until every account is Ready, the AWS calls
 * by operation, the controller's peak memory, and the baseline's status size.
 * Usage: npx tsx bench/baseline-scale.ts [accounts]   (after `make build provision`)
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  CreateAccountCommand,
  MoveAccountCommand,
  OrganizationsClient,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { KubeConfig } from "@kubernetes/client-node";
import { API_GROUP, API_VERSION } from "../src/api/common.js";
import type { ManagedObject } from "../src/runtime/managed.js";
import { ResourceClient } from "../src/runtime/resource-client.js";
import { startEnvironment } from "../test/env/environment.js";
import { waitUntil } from "../test/env/process.js";
import { provision } from "../test/env/provision.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  EMULATOR_DEFAULT_REGIONS,
  MANAGEMENT_CREDENTIALS,
} from "../test/support/aws.js";

const ACCOUNTS = Number(process.argv[2] ?? 1000);
const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-bench-"));
const env = await startEnvironment({ dir, workers: 1 });
const { spawn, execFileSync } = await import("node:child_process");
try {
  const worker = env.workers[0]!;
  const kubeEnv = { ...process.env, KUBECONFIG: worker.kubeconfigPath };
  const { kubectl } = await provision(["kubectl"]);
  execFileSync(kubectl!, ["apply", "--server-side", "-f", "crds/"], { env: kubeEnv });
  execFileSync(kubectl!, ["wait", "--for=condition=Established", "--timeout=60s", "crd", "--all"], {
    env: kubeEnv,
  });
  const endpoint = awsEndpoint(worker.awsEndpoint);
  const tree = await createOrganization({ ous: [{ name: "Workloads" }] }, endpoint);
  const org = new OrganizationsClient(awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint));
  let started = Date.now();
  for (let i = 0; i < ACCOUNTS; i++) {
    await org.send(new CreateAccountCommand({ AccountName: `acct-${i}`, Email: `acct-${i}@example.com` }));
  }
  const ids: string[] = [];
  for await (const page of paginateListAccounts({ client: org }, {})) {
    for (const a of page.Accounts ?? []) if (a.Name?.startsWith("acct-")) ids.push(a.Id!);
  }
  for (const id of ids) {
    await org.send(
      new MoveAccountCommand({
        AccountId: id,
        SourceParentId: tree.rootId,
        DestinationParentId: tree.ouIds.get("Root/Workloads")!,
      }),
    );
  }
  console.log(`built an organization of ${ids.length} accounts in moto in ${Date.now() - started} ms`);

  const controller = spawn(
    process.execPath,
    [
      "bin/orgguard.js",
      "controller",
      "--health-probe-bind-address=127.0.0.1:0",
      "--metrics-bind-address=127.0.0.1:0",
      "--workers=4",
    ],
    {
      env: {
        ...kubeEnv,
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: "us-east-1",
        ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS,
        AWS_ACCESS_KEY_ID: "testing",
        AWS_SECRET_ACCESS_KEY: "testing",
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let port = 0;
  controller.stdout!.on("data", (chunk: Buffer) => {
    const match = /"healthProbePort":(\d+)/.exec(chunk.toString());
    if (match) port = Number(match[1]);
  });
  const kc = new KubeConfig();
  kc.loadFromFile(worker.kubeconfigPath);
  const baselines = new ResourceClient<ManagedObject>(kc, {
    group: API_GROUP,
    version: API_VERSION,
    plural: "accountbaselines",
    kind: "AccountBaseline",
  });
  started = Date.now();
  await baselines.create({
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: "AccountBaseline",
    metadata: { name: "scale" },
    spec: {
      accounts: { organizationalUnits: [{ path: "Root/Workloads" }] },
      passwordPolicy: {},
      publicAccessBlock: {},
    } as ManagedObject["spec"],
  });
  let last: ManagedObject | undefined;
  await waitUntil(
    async () => {
      last = await baselines.get("scale");
      return (last?.status?.readyAccounts as number | undefined) === ids.length;
    },
    30 * 60_000,
    "every account Ready",
  );
  const convergedMs = Date.now() - started;
  const status = await readFile(`/proc/${controller.pid}/status`, "utf8");
  const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  console.log(`converged: ${ids.length} accounts x 2 settings Ready in ${(convergedMs / 1000).toFixed(1)} s`);
  console.log(`controller peak RSS: ${(peakKb / 1024).toFixed(0)} MiB`);
  console.log(`baseline status: ${JSON.stringify(last?.status).length} bytes (etcd's limit is 1.5 MiB)`);
  if (port) {
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    console.log("AWS calls by operation and outcome:");
    for (const m of metrics.matchAll(/^orgguard_aws_api_calls_total\{([^}]*)\} (\d+)/gm))
      console.log(`  ${m[1]} ${m[2]}`);
  }
  controller.kill("SIGTERM");
} finally {
  await env.stop();
  await rm(dir, { recursive: true, force: true });
}
