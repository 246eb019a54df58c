/**
 * The Helm chart against the real kube-apiserver: lint, a server-side dry-run of what it renders,
 * an install, and its RBAC proven with a TokenRequest token for the chart's ServiceAccount: the
 * controller runs with exactly that token (leader election included) and converges an object,
 * while the same token is refused what the role does not grant.
 */

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { clusterRoleRules } from "../../hack/artefacts.js";
import { API_GROUP, API_VERSION } from "../../src/api/common.js";
import { envName, OPTIONS } from "../../src/config.js";
import { KINDS } from "../../src/kinds/index.js";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { ResourceClient } from "../../src/runtime/resource-client.js";
import { waitUntil } from "../env/process.js";
import {
  awsEndpoint,
  createOrganization,
  EMULATOR_DEFAULT_REGIONS,
  MANAGEMENT_ENV,
  resetMoto,
} from "../support/aws.js";
import { workerEnvironment } from "../support/environment.js";
import { adminKubeConfig, kubeConfigWithToken, statusCodeOf } from "../support/kube.js";
import { kubectl, kubectlOk } from "../support/kubectl.js";

const NAMESPACE = "orgguard-system";
const RELEASE = "guard";
/** No image is published: every render names one (a local build's name). */
const IMAGE = ["--set", "image.repository=orgguard"];

function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { helm: binary } = inject("tools");
  return new Promise((resolve) => {
    execFile(
      binary,
      args,
      {
        env: {
          ...process.env,
          KUBECONFIG: workerEnvironment().kubeconfigPath,
          HELM_CACHE_HOME: os.tmpdir(),
          HELM_CONFIG_HOME: os.tmpdir(),
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const kc = adminKubeConfig();
let controller: import("node:child_process").ChildProcess | undefined;

beforeAll(async () => {
  await kubectl(["create", "namespace", NAMESPACE]);
  // Other files on this worker install the CRDs with kubectl; the chart must cope (as when a
  // cluster moves from kubectl-applied CRDs to the chart): --take-ownership adopts them.
  await kubectlOk(["apply", "--server-side", "-f", "crds/"]);
});

afterAll(async () => {
  controller?.kill("SIGTERM");
});

describe("the Helm chart", () => {
  it("passes helm lint", async () => {
    const result = await helm(["lint", "charts/orgguard", ...IMAGE]);
    expect(result.stdout + result.stderr).toContain("0 chart(s) failed");
    expect(result.code).toBe(0);
  });

  it("refuses values that break values.schema.json, naming the value", async () => {
    const cases = [
      { set: "controller.pollInterval=often", names: "/controller/pollInterval" },
      { set: "replicaCount=0", names: "/replicaCount" },
      { set: "aws.roleArnTemplate=arn:aws:iam::1:role/fixed", names: "/aws/roleArnTemplate" },
      { set: "controler.workers=3", names: "controler" },
      { set: "resources.requests.memory=256M", names: "/resources/requests/memory" },
      {
        set: "organizationPolicies.enablePolicyTypes={backup}",
        names: "/organizationPolicies/enablePolicyTypes",
      },
      { set: "metrics.prometheusRule.notReadyFor=soon", names: "/metrics/prometheusRule/notReadyFor" },
      { set: "metrics.grafanaDashboard.folder=Security", names: "folder" },
    ];
    for (const c of cases) {
      const result = await helm(["lint", "charts/orgguard", ...IMAGE, "--set", c.set]);
      expect(result.code, c.set).not.toBe(0);
      expect(result.stdout + result.stderr).toContain(c.names);
    }
  });

  it("refuses to render without an image repository, saying how to get one", async () => {
    for (const args of [[], ["--set", "image.repository="]]) {
      const result = await helm(["template", RELEASE, "charts/orgguard", ...args]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("image.repository is required: orgguard publishes no image yet");
      expect(result.stderr).toContain("make image");
    }
  });

  const renderCases = [
    {
      reason: "a proxy and other settings reach the container through extraEnv",
      set: ["extraEnv[0].name=HTTPS_PROXY", "extraEnv[0].value=http://proxy.internal:3128"],
      expect: ["- name: HTTPS_PROXY", "value: http://proxy.internal:3128"],
      absent: [],
    },
    {
      reason: "pod annotations, pod labels and a priority class land on the pod",
      set: [
        "podAnnotations.example\\.com/team=platform", // the dot escaped: one key
        "podLabels.cost-center=sec",
        "priorityClassName=critical",
      ],
      expect: ["example.com/team: platform", "cost-center: sec", "priorityClassName: critical"],
      absent: [],
    },
    {
      reason: "the grace period follows the shutdown timeout (plus 10 s for the exit)",
      set: ["controller.shutdownTimeout=2m"],
      expect: ["terminationGracePeriodSeconds: 130", 'name: ORGGUARD_SHUTDOWN_TIMEOUT, value: "2m"'],
      absent: [],
    },
    {
      reason: "default regions for regional settings reach the controller as one comma-separated value",
      set: ["aws.defaultRegions={us-east-1,eu-west-1}"],
      expect: ['name: ORGGUARD_DEFAULT_REGIONS, value: "us-east-1,eu-west-1"'],
      absent: [],
    },
    {
      reason: "Organizations policy types and limits reach the controller as its list and type=N values",
      set: [
        "organizationPolicies.enablePolicyTypes={scp,tag}",
        "organizationPolicies.perTargetLimits.tag=8",
        "organizationPolicies.perTargetLimits.scp=5",
        "organizationPolicies.sizeLimits.rcp=6000",
      ],
      expect: [
        'name: ORGGUARD_ENABLE_POLICY_TYPES, value: "scp,tag"',
        'name: ORGGUARD_POLICY_PER_TARGET_LIMITS, value: "scp=5,tag=8"',
        'name: ORGGUARD_POLICY_SIZE_LIMITS, value: "rcp=6000"',
      ],
      absent: [],
    },
    {
      reason: "the events queue reaches the controller, and its own sessions are named orgguard",
      set: ["events.queueUrl=https://sqs.us-east-1.amazonaws.com/111111111111/orgguard-events"],
      expect: [
        'name: ORGGUARD_EVENTS_QUEUE_URL, value: "https://sqs.us-east-1.amazonaws.com/111111111111/orgguard-events"',
        'name: AWS_ROLE_SESSION_NAME, value: "orgguard"',
      ],
      absent: [],
    },
    {
      reason: "the heap limit is 3/4 of the memory request (Mi or Gi)",
      set: ["resources.requests.memory=1Gi"],
      expect: ['name: NODE_OPTIONS, value: "--max-old-space-size=768"'],
      absent: [],
    },
    {
      reason: "the default request of 256Mi gives a 192 MiB heap",
      set: [],
      expect: ['name: NODE_OPTIONS, value: "--max-old-space-size=192"', "memory: 256Mi"],
      absent: [],
    },
    {
      reason: "the generated ClusterRole is rendered with every rule the kinds need",
      set: [],
      expect: clusterRoleRules(KINDS).map(
        (r) => `resources: [${r.resources.join(", ")}]\n    verbs: [${r.verbs.join(", ")}]`,
      ),
      absent: [],
    },
    {
      reason: "without leader election there is no Lease Role",
      set: [],
      expect: [],
      absent: ["leader-election", "leases"],
    },
    {
      reason: "with leader election the Lease Role names the controller's one Lease",
      set: ["leaderElection.enabled=true"],
      expect: [`resourceNames: [${RELEASE}-orgguard]`, "verbs: [get, update, patch]"],
      absent: [],
    },
  ];
  /** Controller options the chart does not pass as such, each with the reason. */
  const NOT_PASSED: Record<string, string> = {
    leaderElectionNamespace: "the controller defaults it to POD_NAMESPACE, which the chart sets from the pod",
    allowLongTermCredentials:
      "never set by the chart: a pod gets a role's session (IRSA, EKS Pod Identity), never a long-term key",
  };
  it("passes every controller option (from its values, or fixed), or says why not", async () => {
    const result = await helm(["template", RELEASE, "charts/orgguard", ...IMAGE]);
    expect(result.code, result.stderr).toBe(0);
    const passed = Object.entries(OPTIONS)
      .filter(([key]) => !(key in NOT_PASSED))
      .map(([, o]) => envName(o.flag));
    const missing = passed.filter((name) => !result.stdout.includes(`name: ${name},`));
    expect(missing).toEqual([]);
    expect(result.stdout).toContain("name: POD_NAMESPACE");
    // The chart's defaults are the controller's: a value that differs is a choice, said in values.yaml.
    const rendered = (name: string) => new RegExp(`name: ${name}, value: "([^"]*)"`).exec(result.stdout)?.[1];
    for (const key of [
      "pollInterval",
      "workers",
      "reconcileTimeout",
      "awsConnectTimeout",
      "awsRequestTimeout",
    ] as const)
      expect(rendered(envName(OPTIONS[key].flag)), key).toBe(OPTIONS[key].default);
  });

  it.each(renderCases)("renders: $reason", async ({ set, expect: present, absent }) => {
    const result = await helm([
      "template",
      RELEASE,
      "charts/orgguard",
      ...IMAGE,
      ...set.flatMap((v) => ["--set", v]),
    ]);
    expect(result.code, result.stderr).toBe(0);
    for (const text of present) expect(result.stdout).toContain(text);
    for (const text of absent) expect(result.stdout).not.toContain(text);
  });

  it("renders manifests the apiserver accepts (server-side dry-run), with 1 and with 3 replicas", async () => {
    for (const replicas of ["1", "3"]) {
      const rendered = await helm([
        "template",
        RELEASE,
        "charts/orgguard",
        "-n",
        NAMESPACE,
        ...IMAGE,
        "--set",
        `replicaCount=${replicas}`,
      ]);
      expect(rendered.code, rendered.stderr).toBe(0);
      // Every object names its namespace (the Events role lives in default, beside the events).
      const dryRun = await kubectl(["apply", "--dry-run=server", "-f", "-"], rendered.stdout);
      // kubectl may warn (for example about CRDs another file applied server-side); errors fail.
      expect(dryRun.stderr).not.toMatch(/error/i);
      expect(dryRun.code, dryRun.stderr).toBe(0);
      expect(rendered.stdout.includes("kind: PodDisruptionBudget")).toBe(replicas === "3");
      expect(rendered.stdout).toContain(`name: ORGGUARD_LEADER_ELECT, value: "${replicas === "3"}"`);
    }
  });

  it("on a cluster whose CRDs kubectl applied: refuses to take them silently, installs without them, or takes them over when told", async () => {
    const namespace = "orgguard-crds";
    await kubectl(["create", "namespace", namespace]);
    // Helm owns only what it created: the CRDs are named in the refusal, and nothing is installed.
    const refused = await helm(["install", "crds-exist", "charts/orgguard", "-n", namespace, ...IMAGE]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /CustomResourceDefinition "\w+\.orgguard\.io" in namespace "" exists and cannot be imported into the current release: invalid ownership metadata/,
    );
    expect((await kubectl(["get", "deployment", "-n", namespace, "-o", "name"])).stdout).toBe("");
    // Leaving the CRDs to whoever applied them.
    const without = await helm([
      "install",
      "crds-exist",
      "charts/orgguard",
      "-n",
      namespace,
      ...IMAGE,
      "--set",
      "crds.install=false",
    ]);
    expect(without.code, without.stderr).toBe(0);
    expect((await kubectl(["get", "deployment", "-n", namespace, "-o", "name"])).stdout.trim()).toBe(
      "deployment.apps/crds-exist-orgguard",
    );
    const uninstalled = await helm(["uninstall", "crds-exist", "-n", namespace]);
    expect(uninstalled.code, uninstalled.stderr).toBe(0);
    // The CRDs (and so every object) are still there: the chart never deletes them.
    expect((await kubectl(["get", "crd", "passwordpolicies.orgguard.io", "-o", "name"])).code).toBe(0);
    // Taking them over (--take-ownership) is the next test's install.
  });

  it("installs, and its ServiceAccount's token runs the controller while being refused anything else", async () => {
    const install = await helm([
      "install",
      RELEASE,
      "charts/orgguard",
      "-n",
      NAMESPACE,
      "--take-ownership",
      ...IMAGE,
      "--set",
      "leaderElection.enabled=true",
    ]);
    expect(install.code, install.stderr).toBe(0);
    await kubectlOk([
      "wait",
      "--for=condition=Established",
      "--timeout=60s",
      "crd/passwordpolicies.orgguard.io",
    ]);

    // A token for the chart's ServiceAccount, as the pod would get it.
    const core = kc.makeApiClient(CoreV1Api);
    const token = (
      await core.createNamespacedServiceAccountToken({
        name: `${RELEASE}-orgguard`,
        namespace: NAMESPACE,
        body: { spec: { audiences: [], expirationSeconds: 3600 } },
      })
    ).status!.token!;
    const asController = kubeConfigWithToken(kc, token);
    expect(
      await asController
        .makeApiClient(CoreV1Api)
        .listSecretForAllNamespaces()
        .then(() => 200, statusCodeOf),
    ).toBe(403);
    expect(
      await asController
        .makeApiClient(CoreV1Api)
        .listNamespacedConfigMap({ namespace: NAMESPACE })
        .then(() => 200, statusCodeOf),
    ).toBe(403);

    // The controller with exactly that identity, leader election on, converges a PasswordPolicy.
    await resetMoto(awsEndpoint());
    const org = await createOrganization({ accounts: ["rbac-1"] });
    const kubeconfigPath = path.join(os.tmpdir(), `orgguard-sa-${Date.now()}.kubeconfig`);
    const cluster = kc.getCurrentCluster()!;
    await writeFile(
      kubeconfigPath,
      stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [
          { name: "c", cluster: { server: cluster.server, "certificate-authority-data": cluster.caData } },
        ],
        users: [{ name: "sa", user: { token } }],
        contexts: [{ name: "sa", context: { cluster: "c", user: "sa" } }],
        "current-context": "sa",
      }),
    );
    const { spawn } = await import("node:child_process");
    const lines: string[] = [];
    controller = spawn(
      process.execPath,
      [
        "bin/orgguard.js",
        "controller",
        "--leader-elect",
        `--leader-election-namespace=${NAMESPACE}`,
        // What the chart's Deployment sets: the Lease the Role names.
        `--leader-election-id=${RELEASE}-orgguard`,
        "--poll-interval=3s",
        "--health-probe-bind-address=127.0.0.1:0",
        "--metrics-bind-address=127.0.0.1:0",
      ],
      {
        env: {
          ...process.env,
          KUBECONFIG: kubeconfigPath,
          AWS_ENDPOINT_URL: awsEndpoint(),
          AWS_REGION: "us-east-1",
          ORGGUARD_DEFAULT_REGIONS: EMULATOR_DEFAULT_REGIONS,
          ...MANAGEMENT_ENV,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    controller.stdout!.on("data", (c: Buffer) => lines.push(...c.toString().split("\n")));
    controller.stderr!.on("data", (c: Buffer) => lines.push(...c.toString().split("\n")));
    const policies = new ResourceClient<ManagedObject>(kc, {
      group: API_GROUP,
      version: API_VERSION,
      plural: "passwordpolicies",
      kind: "PasswordPolicy",
    });
    const name = `rbac-${Date.now().toString(36)}`;
    await policies.create({
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: "PasswordPolicy",
      metadata: { name },
      spec: { accountId: org.accountIds.get("rbac-1")!, deletionPolicy: "Delete" } as ManagedObject["spec"],
    });
    await waitUntil(
      async () => findCondition((await policies.get(name))?.status?.conditions, "Ready")?.status === "True",
      30_000,
      `Ready with the chart's RBAC (controller: ${lines
        .filter((l) => /warn|error|forbidden/i.test(l))
        .slice(-3)
        .join(" | ")})`,
    );
    // A refusal as the apiserver words it (reason Forbidden, HTTP 403), not any "403" in a line:
    // a uid or audit id in a logged 429 ("storage is (re)initializing") once matched that.
    const forbidden = lines.filter((l) => /forbidden|HTTP-Code: 403|\\"code\\":403/i.test(l));
    expect(forbidden).toEqual([]);
    expect(lines.some((l) => l.includes("became leader"))).toBe(true);
    await policies.delete(name);
    await waitUntil(
      async () => (await policies.get(name)) === undefined,
      20_000,
      "the object to be deleted with the chart's RBAC",
    );
  });
});
