/**
 * hack/provision.sh must fail loudly, naming what is missing and how to provide it, rather than
 * letting a test run skip the real components.
 */
import { execFile } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

const script = path.resolve("hack/provision.sh");

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(script, args, { env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("hack/provision.sh", () => {
  const cases = [
    {
      reason: "no Go toolchain and nothing cached: says to install Go or use KUBEBUILDER_ASSETS",
      args: ["etcd"],
      env: {},
      stderr: /Go is not installed.*KUBEBUILDER_ASSETS/,
    },
    {
      reason: "KUBEBUILDER_ASSETS without the binaries is an error, not a silent build",
      args: ["kube-apiserver"],
      env: { KUBEBUILDER_ASSETS: "/nonexistent" },
      stderr: /KUBEBUILDER_ASSETS=\/nonexistent has no executable kube-apiserver/,
    },
    {
      reason: "an unknown component is named in the error",
      args: ["kubelet"],
      env: {},
      stderr: /unknown component 'kubelet'/,
    },
  ];
  it.each(cases)("$reason", async ({ args, env, stderr }) => {
    const cache = await mkdtemp(path.join(os.tmpdir(), "orgguard-provision-"));
    // PATH without Go (only the basic system tools), and an empty cache.
    const result = await run(args, { PATH: "/usr/bin:/bin", HOME: cache, ORGGUARD_CACHE_DIR: cache, ...env });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(stderr);
    expect(result.stdout).toBe("");
  });

  it("an external moto endpoint means no venv is installed", async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), "orgguard-provision-"));
    const result = await run(["moto"], {
      PATH: "/usr/bin:/bin",
      ORGGUARD_CACHE_DIR: cache,
      ORGGUARD_TEST_AWS_ENDPOINT: "http://localhost:5000",
    });
    expect(result).toMatchObject({ code: 0, stdout: "MOTO_SERVER=\n" });
  });
});
