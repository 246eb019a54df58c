/**
 * hack/provision.sh must fail loudly, naming what is missing and how to provide it, rather than
 * letting a test run skip the real components.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, writeFile } from "node:fs/promises";
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

  it.each([
    {
      component: "chromium",
      says: /no chromium \(the report's browser test\): install your distribution's chromium package, or set ORGGUARD_CHROMIUM/,
    },
    {
      component: "zsh",
      says: /no zsh \(the zsh completion test\): install your distribution's zsh package, or set ORGGUARD_ZSH/,
    },
  ])(
    "$component: without it and without apt-get, says what to install or which variable to set",
    async ({ component, says }) => {
      const cache = await mkdtemp(path.join(os.tmpdir(), "orgguard-provision-"));
      // Only the tools the script needs: no chromium, no zsh, no apt-get.
      const tools = path.join(cache, "tools");
      await mkdir(tools);
      for (const t of ["bash", "mkdir", "flock", "id"]) {
        await writeFile(path.join(tools, t), `#!/bin/sh\nexec /usr/bin/${t} "$@"\n`);
        await chmod(path.join(tools, t), 0o755);
      }
      const result = await run([component], { PATH: tools, ORGGUARD_CACHE_DIR: cache });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(says);
      expect(result.stdout).toBe("");
    },
  );

  it.each([
    { variable: "ORGGUARD_CHROMIUM", component: "chromium", line: "CHROMIUM=/opt/chrome/chrome\n" },
    { variable: "ORGGUARD_PROMTOOL", component: "promtool", line: "PROMTOOL=/opt/chrome/chrome\n" },
  ])(
    "$component: $variable names one, nothing is installed or built",
    async ({ variable, component, line }) => {
      const cache = await mkdtemp(path.join(os.tmpdir(), "orgguard-provision-"));
      const result = await run([component], {
        PATH: "/usr/bin:/bin",
        ORGGUARD_CACHE_DIR: cache,
        [variable]: "/opt/chrome/chrome",
      });
      expect(result).toMatchObject({ code: 0, stdout: line });
    },
  );

  it("an external moto endpoint means no venv is installed", async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), "orgguard-provision-"));
    const result = await run(["moto"], {
      PATH: "/usr/bin:/bin",
      ORGGUARD_CACHE_DIR: cache,
      ORGGUARD_TEST_AWS_ENDPOINT: "http://localhost:5000",
    });
    expect(result).toMatchObject({ code: 0, stdout: "MOTO_SERVER=\n" });
  });

  /** A folder holding a `node` that reports `major` as its version, as provision.sh asks it. */
  async function fakeNode(dir: string, major: number): Promise<string> {
    await mkdir(dir, { recursive: true });
    const node = path.join(dir, "node");
    await writeFile(node, `#!/bin/sh\necho ${major}\n`);
    await chmod(node, 0o755);
    return node;
  }

  const nodeCases = [
    {
      reason: "a system Node >= 22 is used as it is",
      systemMajor: 24,
      cachedMajor: undefined,
      expect: "system",
    },
    {
      reason: "a system Node older than 22 gives way to Node 24 cached from an earlier run",
      systemMajor: 20,
      cachedMajor: 24,
      expect: "cached",
    },
  ] as const;
  it.each(nodeCases)("node: $reason", async ({ systemMajor, cachedMajor, expect: which }) => {
    const cache = await mkdtemp(path.join(os.tmpdir(), "orgguard-provision-"));
    const system = await fakeNode(path.join(cache, "system-bin"), systemMajor);
    const cached =
      cachedMajor === undefined
        ? undefined
        : await fakeNode(path.join(cache, `node-v${process.versions.node}-x64`, "bin"), cachedMajor);
    const result = await run(["node"], {
      PATH: `${path.dirname(system)}:/usr/bin:/bin`,
      ORGGUARD_CACHE_DIR: cache,
      ORGGUARD_NODE_VERSION: process.versions.node,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`NODE=${which === "system" ? system : cached}\n`);
  });

  it("node: with an old Node and no npm to fetch a new one, says to install Node >= 22", async () => {
    const cache = await mkdtemp(path.join(os.tmpdir(), "orgguard-provision-"));
    const system = await fakeNode(path.join(cache, "system-bin"), 20);
    // Only the old node and the tools the script needs; no npm.
    const tools = path.join(cache, "tools");
    await mkdir(tools);
    for (const t of ["bash", "uname", "mkdir", "flock", "dirname", "env"]) {
      await writeFile(path.join(tools, t), `#!/bin/sh\nexec /usr/bin/${t} "$@"\n`);
      await chmod(path.join(tools, t), 0o755);
    }
    const result = await run(["node"], {
      PATH: `${path.dirname(system)}:${tools}`,
      ORGGUARD_CACHE_DIR: cache,
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/Node\.js >= 22 is needed and there is no npm/);
    expect(result.stdout).toBe("");
  });
});
