/**
 * The AWS calls `orgguard apply` makes, counted by the proxy between the CLI and moto: one read
 * and one write per changed account setting (S3 Block Public Access reads its write back once:
 * S3 is eventually consistent), one AssumeRole per account, nothing written when nothing
 * differs; and `apply --plan FILE`, which applies exactly a saved plan from the very readings it
 * compared with it, and refuses, writing nothing, when AWS changed after the plan was made.
 */
import { execFile } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import {
  GetAccountPasswordPolicyCommand,
  IAMClient,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ENV,
  memberCredentials,
  resetMoto,
} from "../support/aws.js";
import { FaultProxy, type SeenRequest } from "../support/fault-proxy.js";

const ACCOUNTS = ["calls-1", "calls-2", "calls-3"];
let accountIds: string[];
let proxy: FaultProxy;
let seen: SeenRequest[] = [];
let dir: string;
let manifests: string;

beforeAll(async () => {
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ACCOUNTS }] });
  accountIds = ACCOUNTS.map((name) => org.accountIds.get(name)!);
  proxy = await FaultProxy.start({ target: awsEndpoint(), seed: 1, rate: 0, onRequest: (r) => seen.push(r) });
  dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-apply-calls-"));
  manifests = path.join(dir, "baseline.yaml");
  await writeFile(
    manifests,
    [
      "apiVersion: orgguard.io/v1alpha1",
      "kind: AccountBaseline",
      "metadata: { name: calls }",
      "spec:",
      "  accounts: { organizationalUnits: [{ path: Root/Workloads }] }",
      "  passwordPolicy: { minimumPasswordLength: 14 }",
      "  publicAccessBlock: {}",
      "",
    ].join("\n"),
  );
});

afterAll(async () => {
  await proxy.stop();
});

beforeEach(() => {
  seen = [];
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["bin/orgguard.js", ...args],
      {
        env: { ...process.env, AWS_ENDPOINT_URL: proxy.endpoint, AWS_REGION: "us-east-1", ...MANAGEMENT_ENV },
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The calls the proxy saw of the settings' services and STS, by `service/Operation`. */
function accountCalls(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of seen.filter((x) => x.service !== "organizations")) {
    const key = `${r.service}/${r.operation}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

const iamOf = async (accountId: string) => new IAMClient(awsClientConfig(await memberCredentials(accountId)));
const passwordLength = async (accountId: string) =>
  (await (await iamOf(accountId)).send(new GetAccountPasswordPolicyCommand({}))).PasswordPolicy
    ?.MinimumPasswordLength;
const weaken = async (accountId: string, length: number) =>
  (await iamOf(accountId)).send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: length }));

describe("AWS calls of apply", () => {
  it("converging: one read and one write per changed setting, a read-back for S3 only, one AssumeRole per account", async () => {
    const applied = await cli(["apply", manifests]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain("Applied: 6 created, 0 updated");
    expect(accountCalls()).toEqual({
      "sts/GetCallerIdentity": 1,
      "sts/AssumeRole": 3,
      "iam/GetAccountPasswordPolicy": 3,
      "iam/UpdateAccountPasswordPolicy": 3,
      // The read before, the put, and one read-back: S3 is eventually consistent.
      "s3control/GetPublicAccessBlock": 6,
      "s3control/PutPublicAccessBlock": 3,
    });
  });

  it("nothing to do: one read per setting, no write", async () => {
    const applied = await cli(["apply", manifests]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain("Applied: 0 created, 0 updated, 6 unchanged");
    expect(accountCalls()).toEqual({
      "sts/GetCallerIdentity": 1,
      "sts/AssumeRole": 3,
      "iam/GetAccountPasswordPolicy": 3,
      "s3control/GetPublicAccessBlock": 3,
    });
  });
});

describe("apply --plan FILE", () => {
  it("applies exactly the saved plan, from the readings it compared: one read and one write for the changed setting", async () => {
    await weaken(accountIds[0]!, 8);
    const planned = await cli(["plan", "--output", "json", manifests]);
    expect(planned.code, planned.stderr).toBe(2);
    const planFile = path.join(dir, "plan.json");
    await writeFile(planFile, planned.stdout);
    seen = [];
    const applied = await cli(["apply", "--plan", planFile, manifests]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`~ AccountBaseline/calls (PasswordPolicy of ${accountIds[0]}): update`);
    expect(applied.stdout).toContain("Applied: 0 created, 1 updated, 5 unchanged");
    // Each setting read once (the check against the plan), the changed one written from that reading.
    expect(accountCalls()).toEqual({
      "sts/GetCallerIdentity": 1,
      "sts/AssumeRole": 3,
      "iam/GetAccountPasswordPolicy": 3,
      "iam/UpdateAccountPasswordPolicy": 1,
      "s3control/GetPublicAccessBlock": 3,
    });
    expect(await passwordLength(accountIds[0]!)).toBe(14);
  });

  it("refuses, writing nothing, when AWS changed after the plan was made", async () => {
    await weaken(accountIds[0]!, 8);
    const planned = await cli(["plan", "--output", "json", manifests]);
    const planFile = path.join(dir, "stale-plan.json");
    await writeFile(planFile, planned.stdout);
    // After the plan: someone weakens another account's policy, and changes the planned one again
    // (only its values differ from the plan's: the difference says which).
    await weaken(accountIds[1]!, 10);
    await weaken(accountIds[0]!, 9);
    seen = [];
    const applied = await cli(["apply", "--plan", planFile, manifests]);
    expect(applied.code).toBe(1);
    expect(applied.stdout).toBe("");
    expect(applied.stderr.split("\n")).toEqual(
      expect.arrayContaining([
        `orgguard apply: AWS or the manifests no longer match the plan ${planFile}; nothing was changed:`,
        `  AccountBaseline/calls (PasswordPolicy of ${accountIds[0]}): minimumPasswordLength planned 8 -> 14, now 9 -> 14`,
        // A policy set by hand with only a length: IAM resets the other fields too.
        `  AccountBaseline/calls (PasswordPolicy of ${accountIds[1]}): planned unchanged, now update of minimumPasswordLength, requireSymbols, requireNumbers, requireUppercaseCharacters and 2 more`,
      ]),
    );
    expect(seen.filter((r) => !/^(Get|List|Describe)/.test(r.operation) && r.service !== "sts")).toEqual([]);
    expect([await passwordLength(accountIds[0]!), await passwordLength(accountIds[1]!)]).toEqual([9, 10]);
    // A fresh plan applies.
    const fresh = await cli(["plan", "--output", "json", manifests]);
    await writeFile(planFile, fresh.stdout);
    expect((await cli(["apply", "--plan", planFile, manifests])).code).toBe(0);
    expect([await passwordLength(accountIds[0]!), await passwordLength(accountIds[1]!)]).toEqual([14, 14]);
  });

  it("refuses a file that is not a plan before calling AWS", async () => {
    const notAPlan = path.join(dir, "not-a-plan.json");
    await writeFile(
      notAPlan,
      JSON.stringify({ entries: [{ object: "X/y", action: "rename", changes: [] }] }),
    );
    const applied = await cli(["apply", "--plan", notAPlan, manifests]);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toContain(
      `orgguard apply: the plan ${notAPlan} is not the output of \`orgguard plan --output json\`: entries.0.action:`,
    );
    expect(seen).toEqual([]);
  });
});
