/**
 * Cost at scale: builds N accounts in moto (default 5,000) under Root/Workloads, starts
 * `orgguard controller` as in production (4 workers, the given poll), applies one AccountBaseline
 * of two settings (password policy + public access block: 2N objects) and the SCP library
 * (examples/scp-library), waits until everything is Ready, then measures one steady window of a
 * poll interval and prints:
 * - time to converge;
 * - AWS calls per object per poll by kind, beside the minimum (what cannot be cached), as a ratio;
 * - AWS writes in the window (must be 0);
 * - kube-apiserver writes per minute in the window, from the apiserver's own /metrics (must be 0;
 *   Lease renewals are not counted, leader election is off);
 * - controller RSS idle / converged / steady (last, and the most in the window) / peak;
 * - poll lag: the time a due key waited in the work queue, p50 and p99 and the share under 10 %
 *   of the interval;
 * - controller CPU per steady reconcile: its CPU time in the window (user + system, every thread)
 *   divided by the reconciles in the window.
 * The controller runs as the image runs it (the node flags of the Dockerfile's ENTRYPOINT and its
 * GLIBC_TUNABLES) with the chart's heap limit (HEAP_MIB=192; 0 for node's default).
 * MOTO_RELAY=1 puts a relay in the bench process between the controller and moto that keeps the
 * controller's connections alive, as AWS does (moto closes every one): IAM's calls then share
 * connections; S3 Control's still open one per account (its host names the account), as against AWS.
 * moto runs with an index of its access keys (test/env/moto-indexed-keys.py): its own lookup scans
 * every account on every request, which made moto, not the controller, the bottleneck.
 * CONTROLLER_NODE_FLAGS adds node flags to the image's (to try V8 flags).
 * HEAP_SNAPSHOT=DIR writes the controller's heap snapshot at the end of the window into DIR and
 * prints what it holds (bench/heap-summary.ts).
 * CPU_PROFILE=DIR samples the controller's main thread over the steady window through its
 * inspector (`--inspect=127.0.0.1:0`), writes the profile into DIR and prints where the time went
 * (bench/cpu-profile.ts); profiling costs CPU itself, so take the CPU figures from a run without it.
 * ALLOC_PROFILE=DIR samples what the controller's main thread allocates over the steady window
 * (freed objects too: the garbage its GC time goes to), writes the profile into DIR and prints the
 * bytes per reconcile by group and function (bench/allocation-profile.ts).
 * Every CPU figure is printed beside the machine's load average (1, 5 and 15 minutes): the
 * controller shares its cores with moto, the kube-apiserver and whatever else runs.
 * REGIONS=K (1 to 17) adds a regional setting to the baseline: InstanceMetadataDefaults (IMDSv2
 * required) in the first K of the 17 regions an account has enabled by default, one object per
 * account whose every poll reads each of its K regions (N more objects, K x N more reads a poll).
 * moto builds an EC2 backend per account and region when first called (about 4 MiB and 0.2 s of
 * its CPU each here), so 17 regions suit a few dozen accounts, not thousands.
 * WINDOW_POLLS=K measures a window of K poll intervals (default 1) and prints the CPU per steady
 * reconcile of each interval too: one minute's figure moves by about 30 % between runs here, so a
 * change smaller than that needs a longer window to be seen.
 * Asserts nothing. Usage: npx tsx bench/scale.ts [accounts] [poll]   (after `make build provision`)
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
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
import { parseDuration } from "../src/config.js";
import { findCondition } from "../src/runtime/conditions.js";
import type { ManagedObject } from "../src/runtime/managed.js";
import { ResourceClient } from "../src/runtime/resource-client.js";
import { startEnvironment } from "../test/env/environment.js";
import { sleep, waitUntil } from "../test/env/process.js";
import { provision } from "../test/env/provision.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
} from "../test/support/aws.js";
import { ControllerProcess } from "../test/support/controller-process.js";
import { FaultProxy } from "../test/support/fault-proxy.js";
import {
  type AllocationProfiling,
  formatAllocationSummary,
  startAllocationProfiling,
} from "./allocation-profile.js";
import { REGIONS_17 } from "./calls-per-reconcile-cases.js";
import { formatProfileSummary, type Profiling, startProfiling } from "./cpu-profile.js";
import { heapSummaryOf } from "./heap-summary.js";
import { inspectorUrlOf } from "./inspector-session.js";
import { imageRuntime } from "./node-flags.js";

const ACCOUNTS = Number(process.argv[2] ?? 5000);
const POLL = process.argv[3] ?? "5m";
/** The controller's heap limit, as the chart sets it (3/4 of its 256Mi memory request). */
const HEAP_MIB = Number(process.env.HEAP_MIB ?? 192);
const HEAP_SNAPSHOT = process.env.HEAP_SNAPSHOT;
const CPU_PROFILE = process.env.CPU_PROFILE;
const ALLOC_PROFILE = process.env.ALLOC_PROFILE;
const POLL_MS = parseDuration(POLL);
/** The steady window, in poll intervals. */
const WINDOW_POLLS = Number(process.env.WINDOW_POLLS ?? 1);
const REGIONS = REGIONS_17.slice(0, Number(process.env.REGIONS ?? 0));
const SCP_LIBRARY = "examples/scp-library";
/** MOTO_RELAY=1: the controller reaches moto through a keep-alive relay (AWS keeps connections; moto closes each). */
const MOTO_RELAY = process.env.MOTO_RELAY === "1";

/**
 * The fewest AWS reads one object of a kind can make per poll: what no cache can answer.
 * PasswordPolicy and PublicAccessBlock: the one Get. ServiceControlPolicy: DescribePolicy,
 * ListTagsForResource, ListTargetsForPolicy, and ListRoots (whether the type is still enabled:
 * moto would attach anyway, so orgguard checks it itself on every reconcile).
 */
const MINIMUM_READS: Record<string, { operations: string[]; minimum: number }> = {
  PasswordPolicy: { operations: ["iam/GetAccountPasswordPolicy"], minimum: 1 },
  PublicAccessBlock: { operations: ["s3control/GetPublicAccessBlock"], minimum: 1 },
  ServiceControlPolicy: {
    operations: [
      "organizations/ListRoots",
      "organizations/DescribePolicy",
      "organizations/ListTagsForResource",
      "organizations/ListTargetsForPolicy",
      "organizations/ListPoliciesForTarget",
    ],
    minimum: 4,
  },
  ...(REGIONS.length > 0
    ? {
        InstanceMetadataDefaults: {
          operations: ["ec2/GetInstanceMetadataDefaults"],
          minimum: REGIONS.length,
        },
      }
    : {}),
};

const mib = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

/** The machine's load average, to print beside every CPU and time figure. */
const loadAverage = () =>
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`;

async function processMemory(pid: number): Promise<{ rssKb: number; peakKb: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return {
    rssKb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
    peakKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0),
  };
}

/**
 * A process's RSS by where it lives: the node binary (file-backed code), malloc's heap (native
 * allocations: sockets, TLS, zlib, the parser's buffers) and anonymous mappings (the V8 heap and
 * native allocations large enough to get their own mapping).
 */
async function rssByMapping(pid: number): Promise<string> {
  const totals = new Map<string, number>();
  let mapping = "";
  for (const line of (await readFile(`/proc/${pid}/smaps`, "utf8")).split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header) {
      const name = header[1] ?? "";
      mapping =
        name === ""
          ? "anonymous"
          : name === "[heap]"
            ? "malloc"
            : name.endsWith("/node")
              ? "node binary"
              : "other";
      continue;
    }
    const rss = /^Rss:\s+(\d+)/.exec(line);
    if (rss) totals.set(mapping, (totals.get(mapping) ?? 0) + Number(rss[1]));
  }
  return ["node binary", "malloc", "anonymous", "other"]
    .map((m) => `${m} ${mib(totals.get(m) ?? 0)}`)
    .join(", ");
}

/** CPU seconds a process has used in user and kernel mode, from /proc/PID/stat. */
async function cpuTimes(pid: number): Promise<{ user: number; system: number }> {
  const fields = (await readFile(`/proc/${pid}/stat`, "utf8")).replace(/^.*\) /, "").split(" ");
  // After the command: state is field 3, utime 14 and stime 15 (1-based, proc(5)).
  return { user: Number(fields[11]) / CLOCK_TICKS, system: Number(fields[12]) / CLOCK_TICKS };
}

/** CPU seconds (user + system) a process has used. */
async function cpuSeconds(pid: number): Promise<number> {
  const { user, system } = await cpuTimes(pid);
  return user + system;
}
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** Sums of a Prometheus text exposition's samples of `metric`, by the label set given by `key`. */
function samples(text: string, metric: string, key: (labels: Record<string, string>) => string | undefined) {
  const out = new Map<string, number>();
  for (const m of text.matchAll(new RegExp(`^${metric}\\{([^}]*)\\} ([\\d.e+-]+)$`, "gm"))) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const k = key(labels);
    if (k !== undefined) out.set(k, (out.get(k) ?? 0) + Number(m[2]));
  }
  return out;
}
const delta = (before: Map<string, number>, after: Map<string, number>) =>
  new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));

/** Asks the controller for a heap snapshot (written into `into`) and prints what it holds. */
async function printHeapSnapshot(controller: ControllerProcess, into: string) {
  await mkdir(into, { recursive: true });
  const before = new Set(await readdir(into));
  controller.process.kill("SIGUSR2");
  let file: string | undefined;
  await waitUntil(
    async () => {
      file = (await readdir(into)).find((f) => f.endsWith(".heapsnapshot") && !before.has(f));
      // Node writes the snapshot on its main thread: once /metrics answers again, the file is whole.
      return file !== undefined && (await fetch(`${controller.url()}/metrics`)).ok;
    },
    120_000,
    "the controller's heap snapshot",
  );
  for (const line of await heapSummaryOf(path.join(into, file!))) console.log(line);
}

const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-bench-"));
const env = await startEnvironment({ dir, workers: 1, indexedMotoKeys: true });
let controller: ControllerProcess | undefined;
let relay: FaultProxy | undefined;
try {
  const worker = env.workers[0]!;
  const kubeEnv = { ...process.env, KUBECONFIG: worker.kubeconfigPath };
  const { kubectl } = await provision(["kubectl"]);
  const k = (...args: string[]) =>
    execFileSync(kubectl!, args, { env: kubeEnv, encoding: "utf8", maxBuffer: 1 << 28 });
  k("apply", "--server-side", "-f", "crds/");
  k("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all");
  const endpoint = awsEndpoint(worker.awsEndpoint);
  // The OUs examples/scp-library targets (as in the sample organization); the accounts go under Workloads.
  const tree = await createOrganization(
    {
      ous: [
        { name: "Workloads", ous: [{ name: "Prod" }, { name: "Dev" }] },
        { name: "Sandbox" },
        { name: "Security" },
      ],
    },
    endpoint,
  );
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
  console.log(`built ${ids.length} accounts in moto in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  relay = MOTO_RELAY ? await FaultProxy.start({ target: endpoint, seed: 1, rate: 0 }) : undefined;
  if (relay) console.log(`the controller reaches moto through a keep-alive relay: ${relay.endpoint}`);
  const image = imageRuntime();
  console.log(
    `controller runs as the image does: node ${image.nodeFlags.join(" ")}, GLIBC_TUNABLES=${image.glibcTunables ?? ""}`,
  );
  controller = new ControllerProcess(
    [`--poll-interval=${POLL}`, "--workers=4", "--discovery-interval=5m"],
    {
      KUBECONFIG: worker.kubeconfigPath,
      AWS_ENDPOINT_URL: relay?.endpoint ?? endpoint,
      ...(image.glibcTunables ? { GLIBC_TUNABLES: image.glibcTunables } : {}),
      NODE_OPTIONS: [
        ...(HEAP_MIB > 0 ? [`--max-old-space-size=${HEAP_MIB}`] : []),
        ...(HEAP_SNAPSHOT
          ? ["--heapsnapshot-signal=SIGUSR2", `--diagnostic-dir=${path.resolve(HEAP_SNAPSHOT)}`]
          : []),
      ].join(" "),
    },
    [
      ...image.nodeFlags,
      ...(process.env.CONTROLLER_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
      ...(CPU_PROFILE || ALLOC_PROFILE ? ["--inspect=127.0.0.1:0"] : []),
    ],
  );
  await controller.ready();
  await sleep(2000);
  const pid = controller.process.pid!;
  const idle = await processMemory(pid);
  const idleMappings = await rssByMapping(pid);
  const idleCpu = await cpuSeconds(pid);

  const kc = new KubeConfig();
  kc.loadFromFile(worker.kubeconfigPath);
  const client = (kind: string, plural: string) =>
    new ResourceClient<ManagedObject>(kc, { group: API_GROUP, version: API_VERSION, plural, kind });
  const baselines = client("AccountBaseline", "accountbaselines");
  started = Date.now();
  k("apply", "--server-side", "-f", SCP_LIBRARY);
  const scps = readdirSync(SCP_LIBRARY).length;
  await baselines.create({
    apiVersion: `${API_GROUP}/${API_VERSION}`,
    kind: "AccountBaseline",
    metadata: { name: "scale" },
    spec: {
      accounts: { organizationalUnits: [{ path: "Root/Workloads" }] },
      passwordPolicy: {},
      publicAccessBlock: {},
      ...(REGIONS.length > 0 ? { instanceMetadataDefaults: { regions: REGIONS } } : {}),
    } as ManagedObject["spec"],
  });
  const settings = REGIONS.length > 0 ? 3 : 2;
  const objects = settings * ids.length + scps;
  const scpClient = client("ServiceControlPolicy", "servicecontrolpolicies");
  await waitUntil(
    async () => {
      const baseline = await baselines.get("scale");
      const readyScps = (await scpClient.list()).items.filter(
        (o) => findCondition(o.status?.conditions, "Ready")?.reason === "Available",
      ).length;
      return baseline?.status?.readyAccounts === ids.length && readyScps === scps;
    },
    60 * 60_000,
    "every object Ready",
  );
  const convergedMs = Date.now() - started;
  const converged = await processMemory(pid);
  const convergeCpu = (await cpuSeconds(pid)) - idleCpu;
  console.log(
    `converged: ${objects} objects (${ids.length} accounts x ${settings} settings${REGIONS.length > 0 ? `, InstanceMetadataDefaults in ${REGIONS.length} regions` : ""} + ${scps} SCPs) Ready in ${(convergedMs / 1000).toFixed(0)} s (${loadAverage()})`,
  );
  // Let the verifications after create run out, then measure one poll interval.
  await sleep(Math.min(POLL_MS, 30_000));
  const apiserverWrites = async () =>
    samples(k("get", "--raw", "/metrics"), "apiserver_request_total", (l) =>
      ["POST", "PUT", "PATCH", "DELETE"].includes(l.verb ?? "") && l.resource !== "leases"
        ? `${l.verb} ${l.resource}${l.subresource ? `/${l.subresource}` : ""}`
        : undefined,
    );
  const metrics = async () => (await fetch(`${controller!.url()}/metrics`)).text();
  const awsCalls = (text: string) =>
    samples(text, "orgguard_aws_api_calls_total", (l) => `${l.service}/${l.operation}`);
  const waits = (text: string) => samples(text, "orgguard_workqueue_wait_seconds_bucket", (l) => `${l.le}`);
  const reconciles = (text: string) =>
    [...samples(text, "orgguard_reconcile_total", (l) => l.result).values()].reduce((s, n) => s + n, 0);
  const beforeApi = await apiserverWrites();
  const beforeMetrics = await metrics();
  const loadAtStart = loadAverage();
  let profiling: Profiling | undefined;
  let allocations: AllocationProfiling | undefined;
  if (CPU_PROFILE || ALLOC_PROFILE) {
    const url = inspectorUrlOf(controller.lines);
    if (!url)
      throw new Error(`profiling: the controller printed no inspector address (${controller.tail()})`);
    if (CPU_PROFILE) profiling = await startProfiling(url);
    if (ALLOC_PROFILE) allocations = await startAllocationProfiling(url);
  }
  const windowTimesStart = await cpuTimes(pid);
  const windowCpuStart = windowTimesStart.user + windowTimesStart.system;
  let steady = converged;
  let peakRss = converged.rssKb;
  const windowStart = Date.now();
  /** CPU microseconds per reconcile in each poll interval of the window. */
  const perPoll: number[] = [];
  let pollStart = { cpu: windowCpuStart, reconciles: reconciles(beforeMetrics) };
  while (Date.now() - windowStart < WINDOW_POLLS * POLL_MS) {
    await sleep(5000);
    steady = await processMemory(pid);
    peakRss = Math.max(peakRss, steady.rssKb);
    if (Date.now() - windowStart >= (perPoll.length + 1) * POLL_MS) {
      const now = { cpu: await cpuSeconds(pid), reconciles: reconciles(await metrics()) };
      perPoll.push((1e6 * (now.cpu - pollStart.cpu)) / Math.max(now.reconciles - pollStart.reconciles, 1));
      pollStart = now;
    }
  }
  const windowMinutes = (Date.now() - windowStart) / 60_000;
  const windowTimesEnd = await cpuTimes(pid);
  const windowCpu = windowTimesEnd.user + windowTimesEnd.system - windowCpuStart;
  const windowSystem = windowTimesEnd.system - windowTimesStart.system;
  const loadAtEnd = loadAverage();
  const profile = await profiling?.stop();
  const allocationProfile = await allocations?.stop();
  const steadyMappings = await rssByMapping(pid);
  const afterMetrics = await metrics();
  const api = delta(beforeApi, await apiserverWrites());
  const calls = delta(awsCalls(beforeMetrics), awsCalls(afterMetrics));
  const { WRITE_OPERATIONS } = await import("../src/kinds/index.js");
  const awsWrites = [...calls].filter(([op, n]) => n > 0 && WRITE_OPERATIONS.has(op.replace("/", ":")));
  const polls = (Date.now() - windowStart) / POLL_MS;
  const counts: Record<string, number> = {
    PasswordPolicy: ids.length,
    PublicAccessBlock: ids.length,
    ServiceControlPolicy: scps,
    InstanceMetadataDefaults: ids.length,
  };

  console.log(`steady window: ${windowMinutes.toFixed(1)} min at a ${POLL} poll (${polls.toFixed(2)} polls)`);
  console.log("| kind | objects | AWS reads per object per poll | minimum | ratio |");
  console.log("|---|---|---|---|---|");
  for (const [kind, { operations, minimum }] of Object.entries(MINIMUM_READS)) {
    const n = operations.reduce((sum, op) => sum + (calls.get(op) ?? 0), 0);
    const perObject = n / counts[kind]! / polls;
    console.log(
      `| ${kind} | ${counts[kind]} | ${perObject.toFixed(2)} | ${minimum} | ${(perObject / minimum).toFixed(2)} |`,
    );
  }
  const other = [...calls].filter(
    ([op, n]) => n > 0 && !Object.values(MINIMUM_READS).some((m) => m.operations.includes(op)),
  );
  console.log(`other AWS calls in the window: ${other.map(([op, n]) => `${op} ${n}`).join(", ") || "none"}`);
  console.log(
    `AWS writes in the window: ${awsWrites.reduce((s, [, n]) => s + n, 0)} ${awsWrites.map(([op, n]) => `${op} ${n}`).join(", ")}`,
  );
  const apiTotal = [...api.values()].reduce((s, n) => s + n, 0);
  console.log(
    `kube-apiserver writes per minute in the window: ${(apiTotal / windowMinutes).toFixed(1)} ${[...api]
      .filter(([, n]) => n > 0)
      .map(([r, n]) => `${r} ${n}`)
      .join(", ")}`,
  );
  const memory = samples(afterMetrics, "orgguard_process_memory_bytes", (l) => l.area);
  console.log(
    `controller memory in steady state: ${[...memory].map(([area, bytes]) => `${area} ${(bytes / 1048576).toFixed(0)} MiB`).join(", ")}`,
  );
  console.log(
    `controller RSS: idle ${mib(idle.rssKb)}, converged ${mib(converged.rssKb)}, steady ${mib(steady.rssKb)} (max in window ${mib(peakRss)}), peak ${mib(steady.peakKb)}`,
  );
  console.log(`controller RSS by mapping: idle ${idleMappings}; steady ${steadyMappings}`);
  console.log(
    `controller CPU: ${convergeCpu.toFixed(0)} s to converge (${((100 * convergeCpu) / (convergedMs / 1000)).toFixed(0)} % of a core), ${windowCpu.toFixed(1)} s in the steady window (${((100 * windowCpu) / (windowMinutes * 60)).toFixed(1)} % of a core)`,
  );
  const steadyReconciles = reconciles(afterMetrics) - reconciles(beforeMetrics);
  const windowCalls = [...calls.values()].reduce((s, n) => s + n, 0);
  console.log(
    `controller CPU per AWS call in the window: ${((1e6 * windowCpu) / Math.max(windowCalls, 1)).toFixed(0)} us (${windowCalls} calls, ${(windowCalls / Math.max(steadyReconciles, 1)).toFixed(2)} per reconcile)`,
  );
  console.log(
    `controller CPU per steady reconcile: ${((1e6 * windowCpu) / Math.max(steadyReconciles, 1)).toFixed(0)} us, of which ${((1e6 * windowSystem) / Math.max(steadyReconciles, 1)).toFixed(0)} us in the kernel (${steadyReconciles} reconciles in the window; ${profile || allocationProfile ? "profiled, so higher than without; " : ""}${loadAtStart} at the start of the window, ${loadAtEnd} at its end)`,
  );
  if (perPoll.length > 1)
    console.log(
      `controller CPU per steady reconcile by poll interval: ${perPoll.map((us) => us.toFixed(0)).join(", ")} us`,
    );
  /** Writes one profile of the steady window into `dir` and prints where it is and its summary. */
  const saveProfile = async (
    dir: string,
    kind: string,
    extension: string,
    data: unknown,
    summary: string[],
  ) => {
    await mkdir(dir, { recursive: true });
    const file = path.resolve(dir, `steady-${ids.length}-accounts-${Date.now()}.${extension}`);
    await writeFile(file, JSON.stringify(data));
    console.log(`${kind} of the steady window: ${file}`);
    for (const line of summary) console.log(line);
  };
  if (profile && CPU_PROFILE)
    await saveProfile(
      CPU_PROFILE,
      "CPU profile",
      "cpuprofile",
      profile,
      formatProfileSummary(profile, steadyReconciles),
    );
  if (allocationProfile && ALLOC_PROFILE)
    await saveProfile(
      ALLOC_PROFILE,
      "allocation profile",
      "heapprofile",
      allocationProfile,
      formatAllocationSummary(allocationProfile, steadyReconciles),
    );

  const buckets = delta(waits(beforeMetrics), waits(afterMetrics));
  const total = buckets.get("+Inf") ?? 0;
  const quantile = (q: number) => {
    const sorted = [...buckets].filter(([le]) => le !== "+Inf").sort((a, b) => Number(a[0]) - Number(b[0]));
    return sorted.find(([, n]) => n >= q * total)?.[0] ?? "> largest bucket";
  };
  const tenth = POLL_MS / 10 / 1000;
  const underTenth = [...buckets]
    .filter(([le]) => le !== "+Inf" && Number(le) <= tenth)
    .sort((a, b) => Number(b[0]) - Number(a[0]))[0];
  console.log(
    `poll lag (wait of a due key in the queue): ${total} keys; p50 <= ${quantile(0.5)} s, p99 <= ${quantile(0.99)} s; ${underTenth ? `${((100 * underTenth[1]) / Math.max(total, 1)).toFixed(1)} % within ${underTenth[0]} s (10 % of the interval is ${tenth} s)` : "no bucket within 10 % of the interval"}`,
  );
  if (HEAP_SNAPSHOT) await printHeapSnapshot(controller, path.resolve(HEAP_SNAPSHOT));
} finally {
  await controller?.stop();
  if (relay) console.log(`relay: ${relay.connections} connections from the controller`);
  await relay?.stop();
  await env.stop();
  await rm(dir, { recursive: true, force: true });
}
