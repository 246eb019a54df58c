/**
 * The AWS operations source code calls, read from the source itself: the SDK commands it
 * constructs and the paginators it runs, by service (what the kinds must declare).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
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

/**
 * The service of each SDK loader src/aws/clients.ts exports, by the loader's name
 * (`export const guardDutySdk = () => import("@aws-sdk/client-guardduty")`): read from the source,
 * so a new loader is understood without being listed here too.
 */
const SERVICE_OF_LOADER: ReadonlyMap<string, string> = new Map(
  [
    ...readFileSync(new URL("../../src/aws/clients.ts", import.meta.url), "utf8").matchAll(
      /export\s+const\s+(\w+Sdk)\s*=\s*\(\)\s*=>\s*import\("@aws-sdk\/([a-z0-9-]+)"\)/g,
    ),
  ].flatMap((m) => {
    const service = SERVICE_OF_PACKAGE[m[2] ?? ""];
    return m[1] && service ? [[m[1], service] as const] : [];
  }),
);

/** The service of an SDK loader's name; an unknown loader is an error, not a call left uncounted. */
function serviceOfLoader(loader: string): string {
  const service = SERVICE_OF_LOADER.get(loader);
  if (!service) throw new Error(`${loader}() is no SDK loader of src/aws/clients.ts this reader knows`);
  return service;
}

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
  // SDKs loaded on first use: `const { XCommand } = await guardDutySdk()` (src/aws/clients.ts).
  for (const m of source.matchAll(/const\s*\{([^}]*)\}\s*=\s*await\s+(\w+Sdk)\(\)/g)) {
    const service = serviceOfLoader(m[2] ?? "");
    for (const name of (m[1] ?? "").split(",").map((n) => n.trim())) serviceOf.set(name, service);
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
