/**
 * The floor under a steady reconcile: the CPU one AWS SDK read costs on this machine, with nothing
 * of orgguard around it. A local HTTP server (its own process, so its CPU is not counted) answers
 * IAM GetAccountPasswordPolicy and S3 Control GetPublicAccessBlock with fixed documents; this
 * process sends the IAM call through @aws-sdk/client-iam (signing, middleware, XML parsing) from 4
 * callers at once, as the controller's 4 workers do, and prints its own CPU (user + system) per call:
 * - on a kept-alive connection, as against AWS (which adds TLS, not measured here);
 * - on a new connection per call, as against moto (werkzeug answers every request with
 *   `Connection: close`, so bench/scale.ts pays a TCP connect per call that AWS does not ask for).
 * bench/scale.ts's "CPU per steady reconcile" is this floor plus orgguard's own work (queue, compare,
 * status, credentials per account, metrics) and the GC of its object cache.
 * Then the same read kept-alive but paced as a steady controller makes them (PACED_RATE calls a
 * second, default 33: 10,000 objects at a 5-minute poll) instead of back to back: the CPU a call
 * costs when caches and the JIT's hot paths have gone cold between calls.
 * Last, the calls a steady controller makes at 10,000 objects, with nothing of orgguard around them:
 * IAM GetAccountPasswordPolicy and S3 Control GetPublicAccessBlock in turn, each signed with its own
 * account's session (ACCOUNTS, default 5,000: the SDK's cache of 50 signing keys misses as in the
 * controller), S3 Control at its host per account (a new connection per call, as a poll interval
 * apart against AWS), PACED_RATE calls a second arriving in one burst a second from CALLERS callers
 * (the controller's poll tick and workers). The floor under bench/scale.ts's figure at that size.
 * STEADY_MIX_ONLY=1 measures only that; run as `node FLAGS --import tsx bench/sdk-call-cpu.ts` to
 * see what node flags cost it (the image's: `node --max-semi-space-size=4 --optimize-for-size`).
 * CACHE_MIDDLEWARE=1 sets the SDK's own `cacheMiddleware` (the middleware stack resolved once per
 * command class instead of per call; only for calls sent without options).
 * Asserts nothing. Usage: npx tsx bench/sdk-call-cpu.ts [calls]   (default 5,000 per variant)
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import os from "node:os";
import { GetAccountPasswordPolicyCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetPublicAccessBlockCommand, S3ControlClient } from "@aws-sdk/client-s3-control";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import type { AwsCredentialIdentity } from "@smithy/types";
import { localhostAwareLookup } from "../src/aws/localhost-resolution.js";

const CALLS = Number(process.argv[2] ?? 5000);
const WARM_UP_CALLS = 500;
const CALLERS = 4;
const PACED_RATE = Number(process.env.PACED_RATE ?? 33);
const CACHE_MIDDLEWARE = process.env.CACHE_MIDDLEWARE === "1";
/** Paced calls: a minute at the paced rate. */
const PACED_CALLS = PACED_RATE * 60;
/** Member accounts of the steady mix, each with its own session. */
const ACCOUNTS = Number(process.env.ACCOUNTS ?? 5000);
/** STEADY_MIX_ONLY=1: only the steady mix (to compare node flags on it). */
const ONLY_STEADY_MIX = process.env.STEADY_MIX_ONLY === "1";

/** The server, run as a child process: answers S3 Control's reads with one public access block, every other request with one password policy. */
const SERVER = `
const http = require("node:http");
const close = process.argv[1] === "close";
const publicAccessBlock = '<?xml version="1.0" encoding="UTF-8"?><PublicAccessBlockConfiguration xmlns="http://awss3control.amazonaws.com/doc/2018-08-20/"><BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls><BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>';
const passwordPolicy = '<GetAccountPasswordPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountPasswordPolicyResult><PasswordPolicy><MinimumPasswordLength>14</MinimumPasswordLength><RequireSymbols>true</RequireSymbols><RequireNumbers>true</RequireNumbers><RequireUppercaseCharacters>true</RequireUppercaseCharacters><RequireLowercaseCharacters>true</RequireLowercaseCharacters><AllowUsersToChangePassword>true</AllowUsersToChangePassword><ExpirePasswords>false</ExpirePasswords><PasswordReusePrevention>24</PasswordReusePrevention></PasswordPolicy></GetAccountPasswordPolicyResult><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></GetAccountPasswordPolicyResponse>';
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    const body = req.url.includes("publicAccessBlock") ? publicAccessBlock : passwordPolicy;
    res.writeHead(200, { "content-type": "text/xml", "content-length": Buffer.byteLength(body), ...(close ? { connection: "close" } : {}) });
    res.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

/** Starts the server in its own process; resolves with it and its port. */
function startServer(connection: "keep-alive" | "close"): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["-e", SERVER, connection], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout?.once("data", (chunk: Buffer) => resolve({ child, port: Number(chunk.toString().trim()) }));
  });
}

/** Sends `calls` reads from CALLERS callers at once. */
async function send(client: IAMClient, calls: number): Promise<void> {
  let sent = 0;
  const caller = async () => {
    while (sent < calls) {
      sent++;
      await client.send(new GetAccountPasswordPolicyCommand({}));
    }
  };
  await Promise.all(Array.from({ length: CALLERS }, caller));
}

/** Sends `calls` reads one at a time, `rate` a second (each starts on its own schedule). */
async function sendPaced(client: IAMClient, calls: number, rate: number): Promise<void> {
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < calls; i++) {
    const due = started + (1000 * i) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(client.send(new GetAccountPasswordPolicyCommand({})));
  }
  await Promise.all(pending);
}

/** CPU microseconds (user + kernel, and kernel alone) per call that `send` spent on `calls` calls. */
interface CpuPerCall {
  perCall: number;
  kernel: number;
  calls: number;
}

/** Runs `send` and divides this process's CPU over it by `calls`. */
async function cpuPerCall(calls: number, send: () => Promise<void>): Promise<CpuPerCall> {
  const before = process.cpuUsage();
  await send();
  const used = process.cpuUsage(before);
  return { perCall: (used.user + used.system) / calls, kernel: used.system / calls, calls };
}

/**
 * This process's CPU microseconds per read against a server that keeps or closes connections,
 * back to back from CALLERS callers, or paced at `rate` a second.
 */
async function measure(connection: "keep-alive" | "close", rate?: number): Promise<CpuPerCall> {
  const { child, port } = await startServer(connection);
  try {
    const client = new IAMClient({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${port}`,
      credentials: { accessKeyId: "AKIDBENCH", secretAccessKey: "bench", sessionToken: "bench" },
      requestHandler: new NodeHttpHandler({ httpAgent: new http.Agent({ keepAlive: true, maxSockets: 50 }) }),
      cacheMiddleware: CACHE_MIDDLEWARE,
    });
    await send(client, WARM_UP_CALLS);
    const calls = rate === undefined ? CALLS : PACED_CALLS;
    const used = await cpuPerCall(calls, () =>
      rate === undefined ? send(client, calls) : sendPaced(client, calls, rate),
    );
    client.destroy();
    return used;
  } finally {
    child.kill();
  }
}

/** The session of the account the current call of the steady mix acts in. */
const accountScope = new AsyncLocalStorage<AwsCredentialIdentity>();

/** A session per member account, as AssumeRole hands them out (each its own signing key). */
const sessions = Array.from({ length: ACCOUNTS }, (_, i) => ({
  accountId: String(100_000_000_000 + i),
  credentials: {
    accessKeyId: `ASIABENCH${i}`,
    secretAccessKey: `bench-secret-${i}`,
    sessionToken: `bench-token-${i}`,
  },
}));

/**
 * The steady mix: `calls` reads, IAM and S3 Control in turn, account after account, `rate` a
 * second arriving in one burst at the start of each second, CALLERS at once.
 */
async function sendSteadyMix(
  iam: IAMClient,
  s3control: S3ControlClient,
  calls: number,
  rate: number,
): Promise<void> {
  const started = performance.now();
  let next = 0;
  for (let burst = 0; next < calls; burst++) {
    const wait = started + 1000 * burst - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const end = Math.min(calls, next + rate);
    const caller = async () => {
      while (next < end) {
        const call = next++;
        const account = sessions[Math.floor(call / 2) % sessions.length];
        if (!account) throw new Error(`no session for call ${call}`);
        await accountScope.run(account.credentials, () =>
          call % 2 === 0
            ? iam.send(new GetAccountPasswordPolicyCommand({}))
            : s3control.send(new GetPublicAccessBlockCommand({ AccountId: account.accountId })),
        );
      }
    };
    await Promise.all(Array.from({ length: CALLERS }, caller));
  }
}

/** This process's CPU microseconds per read of the steady mix (see the header). */
async function measureSteadyMix(rate: number): Promise<CpuPerCall> {
  const { child, port } = await startServer("keep-alive");
  try {
    const requestHandler = new NodeHttpHandler({
      httpAgent: new http.Agent({ keepAlive: true, maxSockets: 50, lookup: localhostAwareLookup }),
    });
    // Marked memoized, as orgguard's shared clients mark theirs, so the SDK asks at every signature.
    const credentials = Object.assign(
      async () => {
        const session = accountScope.getStore();
        if (!session) throw new Error("a steady-mix call outside an account's scope");
        return session;
      },
      { memoized: true as const },
    );
    const config = { region: "us-east-1", endpoint: `http://localhost:${port}`, credentials, requestHandler };
    const iam = new IAMClient(config);
    const s3control = new S3ControlClient(config);
    await sendSteadyMix(iam, s3control, WARM_UP_CALLS, WARM_UP_CALLS);
    const used = await cpuPerCall(PACED_CALLS, () => sendSteadyMix(iam, s3control, PACED_CALLS, rate));
    iam.destroy();
    s3control.destroy();
    requestHandler.destroy();
    return used;
  } finally {
    child.kill();
  }
}

/** The V8 and node flags this process runs with (the loaders tsx adds left out). */
const nodeFlags = process.execArgv.filter(
  (arg) => arg.startsWith("--") && !/^--(import|require|loader)\b/.test(arg),
);

const load = () =>
  `${CACHE_MIDDLEWARE ? "cacheMiddleware; " : ""}node flags: ${nodeFlags.join(" ") || "none"}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`;

for (const connection of ONLY_STEADY_MIX ? [] : (["keep-alive", "close"] as const)) {
  const { perCall, kernel } = await measure(connection);
  console.log(
    `AWS SDK read (IAM GetAccountPasswordPolicy), ${connection === "close" ? "a new connection per call (as moto answers)" : "kept-alive connection"}: ${perCall.toFixed(0)} us CPU per call, of which ${kernel.toFixed(0)} us in the kernel (${CALLS} calls, ${CALLERS} at once; ${load()})`,
  );
}
if (!ONLY_STEADY_MIX) {
  const { perCall, kernel, calls } = await measure("keep-alive", PACED_RATE);
  console.log(
    `AWS SDK read (IAM GetAccountPasswordPolicy), kept-alive connection, paced at ${PACED_RATE} a second: ${perCall.toFixed(0)} us CPU per call, of which ${kernel.toFixed(0)} us in the kernel (${calls} calls; ${load()})`,
  );
}
{
  const { perCall, kernel, calls } = await measureSteadyMix(PACED_RATE);
  console.log(
    `A steady controller's calls (IAM GetAccountPasswordPolicy and S3 Control GetPublicAccessBlock in turn, a session per account over ${ACCOUNTS} accounts, S3 Control's host per account), ${PACED_RATE} a second in one burst a second: ${perCall.toFixed(0)} us CPU per call, of which ${kernel.toFixed(0)} us in the kernel (${calls} calls, ${CALLERS} at once; ${load()})`,
  );
}
