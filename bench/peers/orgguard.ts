/**
 * orgguard in bench/peers.ts: `orgguard apply` of one AccountBaseline (the password policy and S3
 * Block Public Access in every account of Root/Workloads) and two ServiceControlPolicy objects on
 * Root/Workloads, as a pipeline would run it. ORGGUARD_BIN measures another build instead;
 * ORGGUARD_BEFORE_BIN adds one as `orgguard-before` (a before/after in one table); ORGGUARD_ARGS
 * adds options to apply (`--parallelism 4`).
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { stringify } from "yaml";
import { launcherNodeFlags } from "../node-flags.js";
import { AWS_ENV, PASSWORD_POLICY, type PeerTool, SCPS } from "./tool.js";

/** The IAM API's PasswordPolicy fields as the AccountBaseline spells them. */
const passwordPolicy = {
  minimumPasswordLength: PASSWORD_POLICY.MinimumPasswordLength,
  requireSymbols: PASSWORD_POLICY.RequireSymbols,
  requireNumbers: PASSWORD_POLICY.RequireNumbers,
  requireUppercaseCharacters: PASSWORD_POLICY.RequireUppercaseCharacters,
  requireLowercaseCharacters: PASSWORD_POLICY.RequireLowercaseCharacters,
  allowUsersToChangePassword: PASSWORD_POLICY.AllowUsersToChangePassword,
  maxPasswordAge: PASSWORD_POLICY.MaxPasswordAge,
  passwordReusePrevention: PASSWORD_POLICY.PasswordReusePrevention,
  hardExpiry: PASSWORD_POLICY.HardExpiry,
};

/** More options for `orgguard apply` (ORGGUARD_ARGS, e.g. `--parallelism 4`), for every orgguard build. */
const EXTRA_ARGS = (process.env.ORGGUARD_ARGS ?? "").split(" ").filter((a) => a !== "");

/** orgguard as built at `bin` (this worktree's build by default), named `name` in the table. */
export const orgguardAt = (name: string, bin: string): PeerTool => ({
  name,
  limits: [],
  install: async () => undefined,
  prepare: async ({ dir, endpoint }) => {
    const documents = [
      {
        apiVersion: "orgguard.io/v1alpha1",
        kind: "AccountBaseline",
        metadata: { name: "peers" },
        spec: {
          accounts: { organizationalUnits: [{ path: "Root/Workloads" }] },
          passwordPolicy,
          publicAccessBlock: {},
        },
      },
      ...SCPS.map((scp) => ({
        apiVersion: "orgguard.io/v1alpha1",
        kind: "ServiceControlPolicy",
        metadata: { name: scp.name },
        spec: {
          description: scp.description,
          targets: [{ ouPath: "Root/Workloads" }],
          document: scp.document,
        },
      })),
    ];
    const manifests = path.join(dir, "manifests");
    const { mkdir } = await import("node:fs/promises");
    await mkdir(manifests);
    await writeFile(path.join(manifests, "baseline.yaml"), documents.map((d) => stringify(d)).join("---\n"));
    return {
      command: process.execPath,
      args: () => [
        ...launcherNodeFlags(bin),
        path.resolve(bin),
        "apply",
        "--output",
        "json",
        ...EXTRA_ARGS,
        manifests,
      ],
      env: { ...process.env, ...AWS_ENV, AWS_ENDPOINT_URL: endpoint },
      // apply's JSON names the baseline's setting it changed, and its account.
      foundDrift: (stdout, _stderr, accountId) => {
        const entries = (JSON.parse(stdout) as { entries: Array<{ via?: string; action: string }> }).entries;
        return entries.some((e) => e.via === `PasswordPolicy of ${accountId}` && e.action === "update");
      },
      cannot: [],
    };
  },
});

/** This build, or ORGGUARD_BIN's. */
export const orgguard = orgguardAt("orgguard", process.env.ORGGUARD_BIN ?? "bin/orgguard.js");
