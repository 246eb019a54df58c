/**
 * The SDKs of services only some kinds call are loaded when one of those kinds first calls them
 * (src/aws/clients.ts: ec2Sdk, guardDutySdk...): importing the kinds, or the whole command, must not
 * load them, or every controller pays their memory whatever objects it holds. A static value import
 * of one of them anywhere on those paths fails this. Seen from outside: a Node process imports the
 * TypeScript sources through tsx with a module hook that reports every SDK package it loads
 * (test/support/report-sdk-loads.mjs, also what test/integration/sdk-loading.test.ts runs a
 * controller with).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
/** The kinds' list (what the controller is made from) and the command's entry (every subcommand). */
const ENTRY_POINTS = ["./src/kinds/index.ts", "./src/cli/main.ts"];

/** The SDK packages (`client-iam`...) a fresh Node process loads importing `modules`. */
async function sdksLoadedBy(modules: readonly string[]): Promise<Set<string>> {
  const script = modules.map((m) => `await import(${JSON.stringify(m)});`).join("\n");
  const { stderr } = await promisify(execFile)(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      "./test/support/report-sdk-loads.mjs",
      "--input-type=module",
      "-e",
      script,
    ],
    { cwd: ROOT },
  );
  return new Set([...stderr.matchAll(/^sdk loaded: (\S+)$/gm)].map((m) => m[1] ?? ""));
}

let loaded: Set<string>;
beforeAll(async () => {
  loaded = await sdksLoadedBy(ENTRY_POINTS);
}, 60_000);

describe("the commands that never run a controller do not load the Kubernetes client", () => {
  let planning: Set<string>;
  beforeAll(async () => {
    planning = await sdksLoadedBy([
      "./src/cli/main.ts",
      "./src/cli/plan.ts",
      "./src/cli/validate.ts",
      "./src/cli/report.ts",
    ]);
  }, 60_000);

  it.each([
    {
      sdk: "client-node",
      loaded: false,
      reason:
        "@kubernetes/client-node is about 80 MiB resident: plan, apply and validate never talk to a cluster, and report loads it only to read one; controller-run.ts loads it when the controller runs",
    },
    {
      sdk: "client-organizations",
      loaded: true,
      reason: "plan and apply call Organizations (the hook sees it)",
    },
  ])("$sdk: $reason", ({ sdk, loaded: expected }) => {
    expect(planning.has(sdk), `loaded: ${[...planning].sort().join(", ")}`).toBe(expected);
  });
});

describe("importing the kinds and the command loads an SDK only if every controller needs it", () => {
  // Resident memory of each, measured on top of client-organizations after a GC.
  it.each([
    { sdk: "client-ec2", loaded: false, reason: "about 63 MiB, for the EC2 kinds only" },
    { sdk: "client-securityhub", loaded: false, reason: "4.9 MiB, for SecurityHubOrganization only" },
    { sdk: "client-guardduty", loaded: false, reason: "3.2 MiB, for GuardDutyOrganization only" },
    {
      sdk: "client-config-service",
      loaded: false,
      reason: "1.6 MiB, for ConfigRecorder and ConfigAggregator",
    },
    { sdk: "client-cloudtrail", loaded: false, reason: "0.8 MiB, for OrganizationTrail only" },
    { sdk: "client-identitystore", loaded: false, reason: "0.5 MiB, for TemporaryAccess only" },
    {
      sdk: "client-sso-admin",
      loaded: false,
      reason: "0.4 MiB, for IdentityCenterSessionLength and TemporaryAccess",
    },
    {
      sdk: "client-organizations",
      loaded: true,
      reason:
        "every controller calls Organizations: the hook sees static imports (one seeing none would pass every case)",
    },
  ])("$sdk: $reason", ({ sdk, loaded: expected }) => {
    expect(loaded.has(sdk), `SDKs loaded: ${[...loaded].sort().join(", ")}`).toBe(expected);
  });
});
