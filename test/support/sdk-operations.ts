/**
 * The AWS operations source code calls, read from the source itself: the SDK commands it
 * constructs and the paginators it runs, by service (what the kinds must declare).
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";

const SERVICE_OF_PACKAGE: Record<string, string> = {
  "client-organizations": "organizations",
  "client-iam": "iam",
  "client-s3-control": "s3control",
  "client-ec2": "ec2",
  "client-account": "account",
  "client-config-service": "config",
  "client-sts": "sts",
  "client-sqs": "sqs",
  "client-cloudtrail": "cloudtrail",
  "client-guardduty": "guardduty",
  "client-sso-admin": "ssoadmin",
  "client-identitystore": "identitystore",
  "client-securityhub": "securityhub",
};

export const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : full.endsWith(".ts") ? [full] : [];
  });

/** `service:Operation` of every SDK command or paginator a source file constructs. */
export function operationsIn(source: string): string[] {
  const serviceOf = new Map<string, string>();
  for (const m of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"@aws-sdk\/([a-z0-9-]+)"/g)) {
    const service = SERVICE_OF_PACKAGE[m[2] ?? ""];
    if (!service) continue;
    for (const name of (m[1] ?? "").split(",").map((n) => n.replace(/^\s*type\s+/, "").trim()))
      serviceOf.set(name, service);
  }
  // The EC2 SDK is loaded on first use: `const { XCommand } = await ec2Sdk()`.
  for (const m of source.matchAll(/const\s*\{([^}]*)\}\s*=\s*await\s+ec2Sdk\(\)/g)) {
    for (const name of (m[1] ?? "").split(",").map((n) => n.trim())) serviceOf.set(name, "ec2");
  }
  const used = [
    ...[...source.matchAll(/new\s+(\w+Command)\s*\(/g)].map((m) => m[1] ?? ""),
    ...[...source.matchAll(/\b(paginate\w+)\s*\(/g)].map((m) => m[1] ?? ""),
  ];
  return used.flatMap((name) => {
    const service = serviceOf.get(name);
    if (!service) return [];
    const operation = name.replace(/Command$/, "").replace(/^paginate/, "");
    return [`${service}:${operation}`];
  });
}
