/**
 * org-formation in bench/peers.ts, its documented way: `org-formation init` writes the
 * organization's template and its state (an S3 bucket in the management account: setup, not
 * measured); the bench adds a PasswordPolicy resource referenced by every account and the two
 * SCPs on the Workloads OU (org-formation's own resource types), and each run is
 * `org-formation update organization.yml`.
 *
 * Installed from npm into the cache (pinned). It uses the AWS SDK v3, which reads
 * AWS_ENDPOINT_URL: the same credentials and endpoint as the others.
 */
import { execFile } from "node:child_process";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { AWS_ENV, PASSWORD_POLICY, type PeerTool, SCPS } from "./tool.js";

const run = promisify(execFile);

const VERSION = "1.0.17";

const dirOf = (cache: string) => path.join(cache, `org-formation-${VERSION}`);
const binOf = (cache: string) => path.join(dirOf(cache), "node_modules", ".bin", "org-formation");

/**
 * Preloaded into org-formation's node: names under `localhost` resolve to loopback (RFC 6761), as
 * they do for orgguard (src/aws/clients.ts). The SDK addresses the state bucket virtual-hosted
 * (`organization-formation-<account>.localhost`), which the system resolver does not resolve.
 */
const LOCALHOST_PRELOAD = `const dns = require("node:dns");
const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  return lookup.call(this, typeof host === "string" && host.endsWith(".localhost") ? "127.0.0.1" : host, ...rest);
};
`;

/** Logical ids of the resources the bench adds to the template. */
const scpId = (name: string) =>
  `${name
    .split("-")
    .map((w) => w[0]?.toUpperCase() + w.slice(1))
    .join("")}Scp`;

/** The bench's resources, in the template's Organization section (two spaces in). */
function addedResources(): string {
  const lines = ["", "  PasswordPolicy:", "    Type: OC::ORG::PasswordPolicy", "    Properties:"];
  // org-formation has no HardExpiry attribute; false is IAM's default, so the policies are equal.
  for (const [key, value] of Object.entries(PASSWORD_POLICY))
    if (key !== "HardExpiry") lines.push(`      ${key}: ${value}`);
  for (const scp of SCPS) {
    lines.push(
      "",
      `  ${scpId(scp.name)}:`,
      "    Type: OC::ORG::ServiceControlPolicy",
      "    Properties:",
      `      PolicyName: ${scp.name}`,
      `      Description: ${JSON.stringify(scp.description)}`,
      `      PolicyDocument: ${JSON.stringify(scp.document)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** init's template with the password policy on every account and the SCPs on the Workloads OU. */
export function withBenchResources(template: string): string {
  const accounts = /( {4}Type: OC::ORG::Account\n {4}Properties:\n)/g;
  const workloads = /( {2}WorkloadsOU:\n {4}Type: OC::ORG::OrganizationalUnit\n {4}Properties:\n)/;
  if (!workloads.test(template)) throw new Error("org-formation init wrote no WorkloadsOU");
  const scps = SCPS.map((s) => `        - !Ref ${scpId(s.name)}\n`).join("");
  const edited = template
    .replace(accounts, "$1      PasswordPolicy: !Ref PasswordPolicy\n")
    .replace(workloads, `$1      ServiceControlPolicies:\n${scps}`)
    .trimEnd();
  return `${edited}\n${addedResources()}`;
}

export const orgFormation: PeerTool = {
  name: "org-formation",
  limits: [
    "S3 Block Public Access: no org-formation resource type sets it (it would take a CloudFormation stack per account, and CloudFormation has no resource for the account-level setting)",
    "drift: `update` compares the template with its own state in S3, not with AWS; a change made by hand is not seen",
    "moto has no AWS Support API; the proxy answers DescribeSeverityLevels (read for every account) as AWS does for an account on Basic support: SubscriptionRequiredException",
    "names under localhost resolve to loopback through a preload (the SDK addresses the state bucket virtual-hosted), as orgguard does in its own client",
  ],
  install: async (cache) => {
    const ready = await access(binOf(cache)).then(
      () => true,
      () => false,
    );
    if (ready) return;
    await mkdir(dirOf(cache), { recursive: true });
    await run("npm", [
      "install",
      "--no-audit",
      "--no-fund",
      "--prefix",
      dirOf(cache),
      `aws-organization-formation@${VERSION}`,
    ]);
  },
  prepare: async ({ dir, endpoint, cache }) => {
    const preload = path.join(dir, "localhost.cjs");
    await writeFile(preload, LOCALHOST_PRELOAD);
    const env = {
      ...process.env,
      ...AWS_ENV,
      AWS_ENDPOINT_URL: endpoint,
      NODE_OPTIONS: `-r ${preload}`,
    };
    const template = path.join(dir, "organization.yml");
    const init = await run(binOf(cache), ["init", template, "--region", "us-east-1"], {
      env,
      cwd: dir,
    }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(`org-formation init: ${(err.stderr || err.stdout || err.message).trim()}`);
    });
    if (!init.stdout.includes("template is written")) throw new Error(`org-formation init: ${init.stdout}`);
    await writeFile(template, withBenchResources(await readFile(template, "utf8")));
    return {
      command: binOf(cache),
      args: () => ["update", template],
      env,
      // update prints a row per task it ran; an account's password policy is an Update of the
      // account, by logical id (the drift run changes nothing else, so any account's Update is it).
      foundDrift: (stdout, stderr) => /OC::ORG::Account\s*\|\s*\S+\s*\|\s*Update/.test(stdout + stderr),
      cannot: ["S3 Block Public Access"],
    };
  },
};
