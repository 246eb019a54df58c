/**
 * Cloud Custodian in bench/peers.ts, its documented way for an organization:
 * - the two SCPs: `custodian run` in the management account, a policy on `aws.org-unit` (the OU
 *   Workloads) whose `set-policy` action creates each SCP and attaches it when the OU has none of
 *   that name (c7n's own example, "create-and-attach-scp");
 * - the password policy and S3 Block Public Access in every account: `c7n-org run` with an
 *   accounts file (each account's OrganizationAccountAccessRole, as c7n-org's organizations
 *   import writes it), policies on `aws.account` that match an account whose setting differs
 *   (`password-policy` and `s3-public-block` filters) and set it (`set-password-policy`,
 *   `set-s3-public-block`). c7n-org's parallelism is its default (C7N_ORG_PARALLEL: 4 per CPU).
 *
 * Installed from PyPI into a venv under the cache (c7n and c7n-org, pinned), with the system's
 * python3. Same credentials and endpoint as the others: boto3 reads AWS_ENDPOINT_URL.
 */
import { execFile } from "node:child_process";
import { access, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { AWS_ENV, PASSWORD_POLICY, type PeerTool, SCPS } from "./tool.js";

const run = promisify(execFile);

const C7N_VERSION = "0.9.53";
const C7N_ORG_VERSION = "0.6.52";

const venvOf = (cache: string) => path.join(cache, `custodian-${C7N_VERSION}`);

/**
 * A sitecustomize for the custodian processes: names under `localhost` resolve to loopback (RFC
 * 6761), as they do for orgguard (src/aws/clients.ts). boto3 puts the account id in front of S3
 * Control's host (`123456789012.localhost`), which glibc does not resolve.
 */
const SITECUSTOMIZE = `import socket

_getaddrinfo = socket.getaddrinfo


def _loopback_localhost(host, *args, **kwargs):
    if isinstance(host, str) and host.endswith(".localhost"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_localhost
`;

/** The filters that match an account whose password policy is not the bench's. */
const passwordPolicyDiffers = {
  or: [
    { type: "password-policy", key: "PasswordPolicyConfigured", value: false },
    ...Object.entries(PASSWORD_POLICY).map(([key, value]) => ({
      type: "password-policy",
      key,
      value,
      op: "ne",
    })),
  ],
};

const BLOCK_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
] as const;

/** Per-account policies, run by c7n-org in every account. */
const accountPolicies = {
  policies: [
    {
      name: "password-policy",
      resource: "aws.account",
      filters: [passwordPolicyDiffers],
      actions: [{ type: "set-password-policy", policy: PASSWORD_POLICY }],
    },
    {
      name: "s3-public-block",
      resource: "aws.account",
      filters: [
        {
          or: BLOCK_FLAGS.map((key) => ({ type: "s3-public-block", key, value: true, op: "ne" })),
        },
      ],
      actions: [{ type: "set-s3-public-block", ...Object.fromEntries(BLOCK_FLAGS.map((k) => [k, true])) }],
    },
  ],
};

/** The SCPs, created and attached to Root/Workloads by the management account's custodian run. */
const scpPolicies = {
  policies: SCPS.map((scp) => ({
    name: `scp-${scp.name}`,
    resource: "aws.org-unit",
    filters: [
      { Name: "Workloads" },
      { type: "policy", "policy-type": "SERVICE_CONTROL_POLICY", count: 0, attrs: [{ Name: scp.name }] },
    ],
    actions: [
      {
        type: "set-policy",
        "policy-type": "SERVICE_CONTROL_POLICY",
        name: scp.name,
        description: scp.description,
        contents: scp.document,
      },
    ],
  })),
};

export const custodian: PeerTool = {
  name: "custodian",
  limits: [
    "an SCP whose document changed is not updated: set-policy finds it by name and attaches it as it is (c7n 0.9.53: 'todo: perhaps modify/compare to match')",
    "two runs per pass: `custodian run` for the SCPs in the management account, then `c7n-org run` for the accounts (one shell, measured as one process tree), both with `--cache-period 0` (no resource cache kept between runs)",
    "names under localhost resolve to loopback through a sitecustomize (boto3 prefixes S3 Control's host with the account id), as orgguard does in its own client",
  ],
  install: async (cache) => {
    const venv = venvOf(cache);
    const ready = await access(path.join(venv, "bin", "c7n-org")).then(
      () => true,
      () => false,
    );
    if (ready) return;
    await run("python3", ["-m", "venv", venv]);
    await run(path.join(venv, "bin", "pip"), [
      "install",
      "--quiet",
      `c7n==${C7N_VERSION}`,
      `c7n-org==${C7N_ORG_VERSION}`,
    ]);
  },
  prepare: async ({ dir, org, endpoint, cache }) => {
    const venv = venvOf(cache);
    const site = path.join(dir, "site");
    await mkdir(site);
    await writeFile(path.join(site, "sitecustomize.py"), SITECUSTOMIZE);
    // JSON, which c7n reads as YAML: PyYAML (YAML 1.1) would read an unquoted 2012-10-17 as a date.
    await writeFile(
      path.join(dir, "accounts.json"),
      JSON.stringify({
        accounts: org.accountIds.map((id) => ({
          account_id: id,
          name: id,
          regions: ["us-east-1"],
          role: `arn:aws:iam::${id}:role/OrganizationAccountAccessRole`,
        })),
      }),
    );
    await writeFile(path.join(dir, "accounts-policy.json"), JSON.stringify(accountPolicies));
    await writeFile(path.join(dir, "scp-policy.json"), JSON.stringify(scpPolicies));
    const bin = (name: string) => path.join(venv, "bin", name);
    // No resource cache (c7n keeps one for 15 minutes by default): each run reads AWS as it is
    // now, as orgguard does. Both runs always run; the exit code is the worse of the two.
    const script = [
      `${bin("custodian")} run --cache-period 0 --region us-east-1 -s out-scp scp-policy.json; scp=$?`,
      `${bin("c7n-org")} run --cache-period 0 -c accounts.json -s out-accounts -u accounts-policy.json; accounts=$?`,
      `exit $((scp > accounts ? scp : accounts))`,
    ].join("; ");
    return {
      command: "sh",
      args: () => ["-c", script],
      env: {
        ...process.env,
        ...AWS_ENV,
        AWS_ENDPOINT_URL: endpoint,
        PYTHONPATH: site,
        // c7n's aws.account resource reads the account id from STS; no metadata lookups.
        AWS_EC2_METADATA_DISABLED: "true",
      },
      // c7n-org logs each policy that matched in an account: "Ran account:<name> ... policy:password-policy matched:1".
      foundDrift: (stdout, stderr, accountId) =>
        new RegExp(
          `account:${accountId} region:\\S+ policy:password-policy (matched:[1-9]|provisioned)`,
        ).test(stdout + stderr),
      cannot: [],
    };
  },
};
