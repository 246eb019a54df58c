/**
 * orgguard beside its peers, on the same moto organization behind one counting proxy: for each
 * N (accounts in Root/Workloads) and each tool, a converge run (from nothing), a no-op run (nothing
 * changed), and a drift run after one account's password policy was weakened by hand (its
 * minimum length set to 8, straight to moto). Each run prints its wall time, the AWS calls and
 * writes the proxy saw, the peak RSS of the tool's whole process tree, and the load average of
 * the machine at its start and end; the drift run also whether the tool found the drift and
 * whether the password policy was repaired (read back from moto).
 *
 * The work is what issue 32 measured: a password policy (CIS: 14 characters, every character
 * class, 90 days, 24 remembered) and S3 Block Public Access (all four flags) in every account, and
 * two SCPs on Root/Workloads. Each tool does it its own documented way, with the same
 * credentials (the management account's) and endpoint (the proxy); where a tool cannot do a
 * task, the table says so instead of measuring something else.
 * - orgguard: `orgguard apply` of one AccountBaseline and two ServiceControlPolicy manifests.
 * - Cloud Custodian: c7n-org over every account (AssumeRole into OrganizationAccountAccessRole, as
 *   c7n-org's own accounts file says), policies on aws.account: `password-policy` and
 *   `s3-public-block` filters, `set-password-policy` and `set-s3-public-block` actions.
 * - org-formation: `org-formation update` of an organization.yml with two SCPs and a
 *   PasswordPolicy on every account (its own resource types).
 *
 * Peers are installed into the cache (ORGGUARD_CACHE_DIR, default ~/.cache/orgguard): Cloud
 * Custodian into a Python venv from PyPI, org-formation from npm. A peer that cannot be installed
 * or cannot talk to moto is reported with the exact error, and the others are measured.
 *
 * Usage: npx tsx bench/peers.ts [N...]   (default 10 100 1000; after `make build provision`)
 * PEERS=orgguard,custodian,org-formation selects tools; ORGGUARD_BIN=path/to/bin/orgguard.js
 * measures another build of orgguard instead, ORGGUARD_BEFORE_BIN adds one as `orgguard-before`
 * (an older commit, for a before/after in one table). PEERS_LATENCY_MS=50 delays every answer, as
 * the network to AWS would (moto on loopback answers in milliseconds).
 * The machine's load is printed beside every figure: the lead re-runs this on a quiet machine.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  GetAccountPasswordPolicyCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateAccountCommand,
  MoveAccountCommand,
  OrganizationsClient,
  paginateListAccounts,
} from "@aws-sdk/client-organizations";
import { startMoto } from "../test/env/moto.js";
import { provision } from "../test/env/provision.js";
import {
  awsClientConfig,
  createOrganization,
  MANAGEMENT_CREDENTIALS,
  memberCredentials,
} from "../test/support/aws.js";
import { FaultProxy, type SeenRequest } from "../test/support/fault-proxy.js";
import { custodian } from "./peers/custodian.js";
import { orgFormation } from "./peers/org-formation.js";
import { orgguard, orgguardAt } from "./peers/orgguard.js";
import { type BenchOrganization, PASSWORD_POLICY, type PeerTool, PHASES, type Phase } from "./peers/tool.js";

const SIZES = process.argv.slice(2).map(Number);
const BEFORE = process.env.ORGGUARD_BEFORE_BIN;
/** A round trip added to every answer (PEERS_LATENCY_MS): AWS's, which moto on loopback lacks. */
const LATENCY_MS = Number(process.env.PEERS_LATENCY_MS ?? 0);
const TOOLS: PeerTool[] = [
  orgguard,
  ...(BEFORE ? [orgguardAt("orgguard-before", BEFORE)] : []),
  custodian,
  orgFormation,
].filter((t) => !process.env.PEERS || process.env.PEERS.split(",").includes(t.name));

/** One run of one tool, as printed. */
interface RunFigures {
  seconds: number;
  calls: number;
  writes: number;
  /** Calls by `service/Operation`, for the per-setting breakdown. */
  byOperation: Map<string, number>;
  peakRssMb: number;
  load: [number, number];
  exitCode: number;
  found?: boolean;
  repaired?: boolean;
}

/** The STS calls that hand out identities: neither a read of the baseline nor a write. */
const IDENTITY = new Set(["sts/AssumeRole", "sts/GetCallerIdentity"]);
/**
 * Whether a request changes something: every operation but reads and identities (an S3 object
 * request, which the proxy names by its method and path, by its method).
 */
const isWrite = (r: SeenRequest) =>
  !IDENTITY.has(`${r.service}/${r.operation}`) && !/^(Get|List|Describe|Head|GET |HEAD )/.test(r.operation);

/**
 * What moto lacks that a peer calls, answered by the proxy as AWS documents it: AWS Support's
 * DescribeSeverityLevels (org-formation reads every account's support level) answers an account
 * on Basic support with SubscriptionRequiredException.
 */
const SUPPORT_ON_BASIC_PLAN = {
  status: 400,
  headers: { "content-type": "application/x-amz-json-1.1" },
  body: JSON.stringify({
    __type: "SubscriptionRequiredException",
    message: "AWS Premium Support Subscription is required to use this service.",
  }),
};

/** The RSS of a process and all its descendants, in kB (0 once gone). */
async function treeRssKb(rootPid: number): Promise<number> {
  const parents = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.replace(/^.*\) /, "").split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // The process ended meanwhile.
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p))
      if (p === rootPid) return true;
    return false;
  };
  let total = 0;
  for (const pid of parents.keys()) {
    if (!inTree(pid)) continue;
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      // Ended meanwhile.
    }
  }
  return total;
}

/** Runs a command, sampling its process tree's RSS every 100 ms; resolves with its output and peak. */
function runMeasured(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<{ code: number; stdout: string; stderr: string; peakKb: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString("utf8");
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString("utf8");
    });
    let peakKb = 0;
    let sampling = false;
    const timer = setInterval(() => {
      if (sampling || child.pid === undefined) return;
      sampling = true;
      void treeRssKb(child.pid)
        .then((kb) => {
          peakKb = Math.max(peakKb, kb);
        })
        .finally(() => {
          sampling = false;
        });
    }, 100);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(timer);
      resolve({ code: code ?? 1, stdout, stderr, peakKb, ms: performance.now() - started });
    });
  });
}

/** Builds N member accounts in Root/Workloads (a few creations at once: moto answers them at once). */
async function buildOrganization(endpoint: string, accounts: number): Promise<BenchOrganization> {
  const tree = await createOrganization({ ous: [{ name: "Workloads" }] }, endpoint);
  const org = new OrganizationsClient(awsClientConfig(MANAGEMENT_CREDENTIALS, endpoint));
  const workloads = tree.ouIds.get("Root/Workloads")!;
  let next = 0;
  const create = async () => {
    for (let i = next++; i < accounts; i = next++) {
      await org.send(new CreateAccountCommand({ AccountName: `acct-${i}`, Email: `acct-${i}@example.com` }));
    }
  };
  await Promise.all(Array.from({ length: 8 }, create));
  const ids: string[] = [];
  for await (const page of paginateListAccounts({ client: org }, {})) {
    for (const a of page.Accounts ?? []) if (a.Name?.startsWith("acct-") && a.Id) ids.push(a.Id);
  }
  for (const id of ids) {
    await org.send(
      new MoveAccountCommand({ AccountId: id, SourceParentId: tree.rootId, DestinationParentId: workloads }),
    );
  }
  await warmUp(endpoint, ids);
  return {
    rootId: tree.rootId,
    workloadsOuId: workloads,
    accountIds: ids,
    managementAccountId: tree.managementAccountId,
  };
}

/**
 * Touches every account's IAM once, straight to moto (not counted): moto builds an account's IAM
 * on its first IAM call (about 0.3 s each, one at a time), a cost AWS does not have. Unwarmed, it
 * fell on whichever tool came first to an account: orgguard's and Cloud Custodian's converge
 * runs, but org-formation's `init` (not measured).
 */
async function warmUp(endpoint: string, accountIds: string[]): Promise<void> {
  let next = 0;
  const touch = async () => {
    for (let i = next++; i < accountIds.length; i = next++) {
      await passwordLength(endpoint, accountIds[i] ?? "");
    }
  };
  await Promise.all(Array.from({ length: 4 }, touch));
}

/** What one account's password policy is now (straight from moto). */
async function passwordLength(endpoint: string, accountId: string): Promise<number | undefined> {
  const iam = new IAMClient(
    awsClientConfig(await memberCredentials(accountId, undefined, endpoint), endpoint),
  );
  const out = await iam.send(new GetAccountPasswordPolicyCommand({})).catch(() => undefined);
  return out?.PasswordPolicy?.MinimumPasswordLength;
}

/** Weakens one account's password policy by hand, as someone in the console would. */
async function driftOne(endpoint: string, accountId: string): Promise<void> {
  const iam = new IAMClient(
    awsClientConfig(await memberCredentials(accountId, undefined, endpoint), endpoint),
  );
  await iam.send(
    new UpdateAccountPasswordPolicyCommand({
      ...PASSWORD_POLICY,
      MinimumPasswordLength: 8,
    }),
  );
}

const load = (): number => Number(os.loadavg()[0]!.toFixed(2));
const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** A new moto and the counting proxy in front of it, which records every request into `seen`. */
async function freshAws(motoServer: string, work: string, name: string, seen: SeenRequest[]) {
  const moto = await startMoto(motoServer, work, name, { indexedKeys: true });
  const proxy = await FaultProxy.start({
    target: moto.endpoint,
    seed: 1,
    rate: 0,
    onRequest: (r) => seen.push(r),
    latencyMs: LATENCY_MS,
  });
  proxy.stubbed.set("awssupport_20130415/DescribeSeverityLevels", SUPPORT_ON_BASIC_PLAN);
  return { moto, proxy };
}

async function main() {
  const sizes = SIZES.length > 0 ? SIZES : [10, 100, 1000];
  const cache = process.env.ORGGUARD_CACHE_DIR ?? path.join(os.homedir(), ".cache", "orgguard");
  const work = await mkdtemp(path.join(os.tmpdir(), "orgguard-peers-"));
  const { motoServer } = await provision(["moto"]);
  if (!motoServer) throw new Error("no moto_server: run `make provision`");
  const seen: SeenRequest[] = [];
  const ready = new Map<string, string | undefined>();
  for (const tool of TOOLS) {
    try {
      await tool.install(cache);
      ready.set(tool.name, undefined);
    } catch (err) {
      ready.set(tool.name, (err as Error).message);
      console.log(`${tool.name}: cannot be benched: ${(err as Error).message}`);
    }
  }
  const rows: string[] = [];
  try {
    for (const n of sizes) {
      for (const tool of TOOLS) {
        if (ready.get(tool.name) !== undefined) continue;
        // A fresh moto per tool: moto's reset of an organization of hundreds of accounts took minutes.
        const { moto, proxy } = await freshAws(motoServer, work, `moto-${tool.name}-${n}`, seen);
        try {
          const built = Date.now();
          const org = await buildOrganization(moto.endpoint, n);
          console.log(
            `\n${tool.name}, N = ${n}: built ${org.accountIds.length} accounts in ${((Date.now() - built) / 1000).toFixed(0)} s`,
          );
          const dir = await mkdtemp(path.join(work, `${tool.name}-${n}-`));
          const context = await tool.prepare({ dir, org, endpoint: proxy.endpoint, cache });
          const drifted = org.accountIds[0]!;
          for (const phase of PHASES) {
            if (phase === "drift") await driftOne(moto.endpoint, drifted);
            seen.length = 0;
            const loadBefore = load();
            const run = await runMeasured(context.command, context.args(phase), {
              env: context.env,
              cwd: dir,
            });
            const figures: RunFigures = {
              seconds: run.ms / 1000,
              calls: seen.length,
              writes: seen.filter(isWrite).length,
              byOperation: countBy(seen),
              peakRssMb: run.peakKb / 1024,
              load: [loadBefore, load()],
              exitCode: run.code,
            };
            if (phase === "drift") {
              figures.found = context.foundDrift(run.stdout, run.stderr, drifted);
              figures.repaired =
                (await passwordLength(moto.endpoint, drifted)) === PASSWORD_POLICY.MinimumPasswordLength;
            }
            const line = row(tool.name, n, phase, figures, context.cannot);
            rows.push(line);
            console.log(line);
            if (run.code !== 0 && !context.acceptsExit?.(run.code, phase)) {
              console.log(
                `  exit ${run.code}: ${(run.stderr || run.stdout).trim().split("\n").slice(-8).join("\n  ")}`,
              );
            }
            if (phase === "converge") {
              for (const [op, count] of [...figures.byOperation].sort())
                console.log(`    ${op.padEnd(44)} ${count}`);
            }
          }
        } finally {
          await proxy.stop();
          await moto.process.stop();
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (LATENCY_MS > 0) console.log(`\nevery answer delayed ${LATENCY_MS} ms (PEERS_LATENCY_MS)`);
  console.log(`\n${HEADER}\n${rows.join("\n")}`);
  for (const tool of TOOLS) {
    const why = ready.get(tool.name);
    if (why !== undefined) console.log(`${tool.name}: not benched: ${why}`);
    for (const note of tool.limits) console.log(`${tool.name}: ${note}`);
  }
}

function countBy(requests: SeenRequest[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of requests)
    out.set(`${r.service}/${r.operation}`, (out.get(`${r.service}/${r.operation}`) ?? 0) + 1);
  return out;
}

const HEADER =
  "| tool | N | run | wall s | AWS calls | writes | peak RSS MiB | load 1m (start/end) | exit | drift found | drift repaired |\n|---|---|---|---|---|---|---|---|---|---|---|";

function row(tool: string, n: number, phase: Phase, f: RunFigures, cannot: readonly string[]): string {
  const drift = phase === "drift" ? [f.found ? "yes" : "no", f.repaired ? "yes" : "no"] : ["", ""];
  const note = cannot.length > 0 && phase === "converge" ? ` (cannot: ${cannot.join("; ")})` : "";
  return `| ${tool}${note} | ${n} | ${phase} | ${fmt(f.seconds, 2)} | ${f.calls} | ${f.writes} | ${fmt(f.peakRssMb, 0)} | ${f.load[0]}/${f.load[1]} | ${f.exitCode} | ${drift[0]} | ${drift[1]} |`;
}

await main();
