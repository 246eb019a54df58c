import { type ChildProcess, spawn } from "node:child_process";
import { openSync } from "node:fs";
import net from "node:net";

/** A background process of the test environment. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** Stops the process: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  /** Detach from this process (for `make env-up`, whose processes outlive the command). */
  detached?: boolean;
}

/** Starts a process whose output goes to a log file, so a failure can be diagnosed afterwards. */
export function startProcess(options: StartOptions): ManagedProcess {
  const log = openSync(options.logFile, "a");
  const child = spawn(options.command, options.args, {
    stdio: ["ignore", log, log],
    env: options.env ?? process.env,
    detached: options.detached ?? false,
  });
  if (child.pid === undefined) throw new Error(`cannot start ${options.name} (${options.command})`);
  if (options.detached) child.unref();
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return {
    name: options.name,
    pid: child.pid,
    stop: (graceMs = 5000) => stopChild(child, exited, graceMs),
  };
}

async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Stops a process known only by pid (a detached one from an earlier command). */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) process.kill(pid, "SIGKILL");
  while (isAlive(pid)) await sleep(50);
}

/** Whether a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === "object") resolve(address.port);
        else reject(new Error("cannot allocate a free port"));
      });
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns true or `timeoutMs` passes; `describe` names what was awaited
 * so that a timeout says what never became ready and where its log is (a function is called at
 * the timeout, so it can show the last state the probe saw).
 */
export async function waitUntil(
  probe: () => Promise<boolean>,
  timeoutMs: number,
  describe: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(100);
  }
  const cause = lastError instanceof Error ? `: ${lastError.message}` : "";
  const what = typeof describe === "function" ? describe() : describe;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
}
