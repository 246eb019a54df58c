/**
 * Every kind declares the AWS operations it calls (src/kinds/index.ts): the IAM policies, plan's
 * read-only guard, the events rule and the docs are derived from those declarations, so a
 * declaration that omits a call breaks a user's permissions, and one that names a call never
 * made grants more than is needed. This reads the sources: the SDK commands and paginators each
 * kind's own folder and the engine it runs on construct, by service, must equal what it declares.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { KINDS } from "../../src/kinds/index.js";
import type { Kind } from "../../src/kinds/kind-definition.js";
import { filesUnder, operationsIn } from "../support/sdk-operations.js";

/** The folder under src/kinds that defines `kind` (where its names are written). */
function folderOf(kind: Kind): string {
  const root = "src/kinds";
  for (const entry of readdirSync(root)) {
    const dir = path.join(root, entry);
    if (!statSync(dir).isDirectory() || ["setting", "organization-policy"].includes(entry)) continue;
    if (filesUnder(dir).some((f) => readFileSync(f, "utf8").includes(`kind: "${kind.api.kind}"`))) return dir;
  }
  throw new Error(`no folder under src/kinds names the kind ${kind.api.kind}`);
}

/** The sources of a kind: its folder, the engine its type runs on, and the shared readers it uses. */
function sourcesOf(kind: Kind): string[] {
  const own = filesUnder(folderOf(kind));
  const text = own.map((f) => readFileSync(f, "utf8")).join("\n");
  // A policy type runs on the policy engine, an account setting on the setting engine.
  const engines = [
    ...(/:\s*PolicyType\s*=/.test(text) ? filesUnder("src/kinds/organization-policy") : []),
    ...(/:\s*AccountSetting</.test(text) ? filesUnder("src/kinds/setting") : []),
  ];
  const all = [...own, ...engines];
  const joined = all.map((f) => readFileSync(f, "utf8")).join("\n");
  return [
    ...all,
    // Shared readers, used through a kind's or an engine's import.
    ...(/organization(Reader)?Of\(/.test(joined) ? ["src/aws/organization-view.ts"] : []),
    // A regional setting reads the account's regions (the setting engine does it for it), as does
    // a kind that asks the region directory itself.
    ...(text.includes('scope: "regional"') || /regions\.enabledIn\(/.test(text)
      ? ["src/aws/regions.ts"]
      : []),
    // An organization-wide service checks its trusted access and delegated administrators.
    ...(/sdkServiceIntegration\(/.test(joined) ? ["src/aws/service-integration.ts"] : []),
  ];
}

describe("each kind's declared AWS operations are exactly the ones its code calls", () => {
  it.each(KINDS.map((kind) => ({ kind: kind.api.kind, definition: kind })))("$kind", ({ definition }) => {
    const called = new Set(sourcesOf(definition).flatMap((f) => operationsIn(readFileSync(f, "utf8"))));
    const declared = new Set(definition.operations.map((op) => `${op.service}:${op.name}`));
    expect([...declared].sort()).toEqual([...called].sort());
  });

  it.each([
    {
      case: "static imports: commands constructed and paginators run, by their package's service",
      source: [
        'import { ListRootsCommand, type Root, paginateListPolicies } from "@aws-sdk/client-organizations";',
        "await org.send(new ListRootsCommand({}));",
        "for await (const p of paginateListPolicies({ client }, {})) {}",
      ],
      calls: ["organizations:ListPolicies", "organizations:ListRoots"],
    },
    {
      case: "a command imported but never constructed is no call",
      source: [
        'import { GetAccountPasswordPolicyCommand } from "@aws-sdk/client-iam";',
        "// GetAccountPasswordPolicyCommand imported but never constructed: not a call",
      ],
      calls: [],
    },
    {
      case: "the EC2 SDK, loaded on first use",
      source: [
        "const { DescribeVpcsCommand } = await ec2Sdk();",
        "await ec2.send(new DescribeVpcsCommand({}));",
      ],
      calls: ["ec2:DescribeVpcs"],
    },
    {
      case: "another loader of clients.ts, its destructuring over several lines (as Biome writes it)",
      source: [
        "const {",
        "  GetDetectorCommand,",
        "  paginateListDetectors,",
        "} = await guardDutySdk();",
        "await gd.send(new GetDetectorCommand({ DetectorId: id }));",
        "for await (const p of paginateListDetectors({ client }, {})) {}",
      ],
      calls: ["guardduty:GetDetector", "guardduty:ListDetectors"],
    },
    {
      case: "loaders of two services in one file keep their services apart",
      source: [
        "const { GetUserIdCommand } = await identityStoreSdk();",
        "const { DescribePermissionSetCommand } = await ssoAdminSdk();",
        "await ids.send(new GetUserIdCommand(input));",
        "await sso.send(new DescribePermissionSetCommand(input));",
      ],
      calls: ["identitystore:GetUserId", "ssoadmin:DescribePermissionSet"],
    },
  ])("reads commands the way kinds write them: $case", ({ source, calls }) => {
    expect(operationsIn(source.join("\n")).sort()).toEqual(calls);
  });

  it("refuses a loader it does not know rather than miss its calls", () => {
    expect(() => operationsIn("const { XCommand } = await madeUpSdk();")).toThrow(/madeUpSdk/);
  });
});
