import { execFile } from "node:child_process";
import { inject } from "vitest";
import { workerEnvironment } from "./environment.js";

/** What a kubectl run printed, and its exit code. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the provisioned kubectl against this worker's kube-apiserver (or `kubeconfig`'s), as cluster admin. */
export function kubectl(args: string[], stdin?: string, kubeconfig?: string): Promise<KubectlResult> {
  const { kubectl: binary } = inject("tools");
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      args,
      {
        env: { ...process.env, KUBECONFIG: kubeconfig ?? workerEnvironment().kubeconfigPath },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === "number" ? code : 1, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Runs kubectl and throws with its stderr when it fails. */
export async function kubectlOk(args: string[], stdin?: string, kubeconfig?: string): Promise<string> {
  const result = await kubectl(args, stdin, kubeconfig);
  if (result.code !== 0)
    throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}
