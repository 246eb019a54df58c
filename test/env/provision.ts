import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** A component hack/provision.sh can provide. */
export type Component =
  | "kube-apiserver"
  | "kubectl"
  | "etcd"
  | "helm"
  | "promtool"
  | "moto"
  | "lua"
  | "chromium"
  | "zsh";

/** Paths of provisioned binaries; `motoServer` is empty when an external moto endpoint is used. */
export interface Binaries {
  kubeApiserver?: string;
  kubectl?: string;
  lua?: string;
  etcd?: string;
  helm?: string;
  promtool?: string;
  motoServer?: string;
  chromium?: string;
  zsh?: string;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const KEYS: Record<string, keyof Binaries> = {
  KUBE_APISERVER: "kubeApiserver",
  KUBECTL: "kubectl",
  LUA: "lua",
  ETCD: "etcd",
  HELM: "helm",
  PROMTOOL: "promtool",
  MOTO_SERVER: "motoServer",
  CHROMIUM: "chromium",
  ZSH: "zsh",
};

/**
 * Builds or finds the binaries the test environment needs (cached outside the repository).
 * Fails with the provisioner's own message when something cannot be provided.
 */
export async function provision(components: Component[]): Promise<Binaries> {
  const script = path.join(repoRoot, "hack/provision.sh");
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync(script, components, { maxBuffer: 16 * 1024 * 1024 }));
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    const lastLines = stderr.trim().split("\n").slice(-15).join("\n");
    throw new Error(`cannot provision the test environment (${components.join(", ")}):\n${lastLines}`);
  }
  return parseProvisionOutput(stdout);
}

/** Parses the `NAME=PATH` lines hack/provision.sh prints. */
export function parseProvisionOutput(stdout: string): Binaries {
  const binaries: Binaries = {};
  for (const line of stdout.split("\n")) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    const key = match && KEYS[match[1]!];
    if (key) binaries[key] = match[2]!;
  }
  return binaries;
}
