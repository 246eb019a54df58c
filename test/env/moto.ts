import path from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, type ManagedProcess, startProcess, waitUntil } from "./process.js";

/** A running moto server (the AWS API emulator). */
export interface MotoServer {
  process: ManagedProcess;
  endpoint: string;
}

/**
 * moto_server with the EC2 account attributes moto lacks, answered as the EC2 API reference says
 * (moto_ec2_account_attributes.py: IMDS defaults, snapshot and AMI block public access),
 * GuardDuty's organization configuration and members (moto_guardduty_organization.py), and the two
 * AWS managed policies IncidentRoles attaches in every account (moto_iam_managed_policies.py).
 */
const LAUNCHER = fileURLToPath(new URL("./moto-server.py", import.meta.url));
/** The same, with an index of the access keys moto issued (see the file's docstring). */
const INDEXED_KEYS_LAUNCHER = fileURLToPath(new URL("./moto-indexed-keys.py", import.meta.url));

/**
 * Starts `moto_server` on a free loopback port, through moto-server.py (or, with `indexedKeys`,
 * moto-indexed-keys.py) with the venv's python; resolves when it answers HTTP.
 */
export async function startMoto(
  binary: string,
  dir: string,
  name: string,
  { detached = false, indexedKeys = false }: { detached?: boolean; indexedKeys?: boolean } = {},
): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const logFile = path.join(dir, `${name}.log`);
  const env = { ...process.env };
  // MOTO_ACCOUNT_ID would force one account for the whole server; tests need many.
  delete env.MOTO_ACCOUNT_ID;
  const motoProcess = startProcess({
    name,
    command: path.join(path.dirname(binary), "python"),
    args: [indexedKeys ? INDEXED_KEYS_LAUNCHER : LAUNCHER, "-H", "127.0.0.1", "-p", String(port)],
    logFile,
    env,
    detached,
  });
  await waitUntil(
    async () => (await fetch(`${endpoint}/moto-api/data.json`)).ok,
    60_000,
    `moto server to answer (log: ${logFile})`,
  );
  return { process: motoProcess, endpoint };
}

/** Wipes all emulated AWS state, so a test starts from an empty set of accounts. */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`cannot reset moto at ${endpoint}: HTTP ${res.status}`);
}
