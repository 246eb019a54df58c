/**
 * `orgguard validate <files or folders>`: checks every manifest without a cluster, with the same
 * schemas the CRDs are generated from plus the SCP grammar. One line per problem; exit 1 if any.
 */
import { parseArgs } from "node:util";
import { type LintOptions, lintObject } from "../api/lint.js";
import { DEFAULT_SCP_SIZE_LIMIT } from "../api/scp-document.js";
import { validateObject } from "../api/validate.js";
import { accountClaim } from "../aws/clients.js";
import {
  type BaselineObject,
  childManifest,
  SETTING_KINDS,
  settingsOf,
} from "../kinds/account-baseline/children.js";
import { type Claimant, claimantOf, winningRival } from "../runtime/claims.js";
import type { ManagedObject } from "../runtime/managed.js";
import { loadManifests, type ManifestDocument } from "./manifests.js";

/** One problem, located: `file:line: Kind/name: path: message`. */
export interface LocatedProblem {
  file: string;
  line: number;
  object: string;
  path: string;
  message: string;
}

const describeObject = (object: unknown): string => {
  const o = (object ?? {}) as { kind?: unknown; metadata?: { name?: unknown } };
  const kind = typeof o.kind === "string" ? o.kind : "<no kind>";
  const name = typeof o.metadata?.name === "string" ? o.metadata.name : "<no name>";
  return `${kind}/${name}`;
};

/** Validates parsed manifest documents; parse failures are problems too. */
export function validateDocuments(documents: ManifestDocument[], scpSizeLimit: number): LocatedProblem[] {
  return documents.flatMap((doc): LocatedProblem[] => {
    if (doc.parseError !== undefined) {
      return [
        {
          file: doc.file,
          line: doc.line,
          object: "<unparsable>",
          path: "",
          message: `cannot parse YAML: ${doc.parseError}`,
        },
      ];
    }
    return validateObject(doc.object, { scpSizeLimit }).map((p) => ({
      file: doc.file,
      line: doc.line,
      object: describeObject(doc.object),
      ...p,
    }));
  });
}

/** Lint warnings for the documents that parsed and validated. */
export function lintDocuments(documents: ManifestDocument[], options: LintOptions): LocatedProblem[] {
  return documents.flatMap((doc) =>
    doc.parseError !== undefined || validateObject(doc.object).length > 0
      ? []
      : lintObject(doc.object, options).map((w) => ({
          file: doc.file,
          line: doc.line,
          object: describeObject(doc.object),
          ...w,
        })),
  );
}

/** One object's claim on an account setting, as validate can see it offline. */
interface OfflineClaim {
  doc: ManifestDocument;
  /** Where in the manifest the claim is made (spec.accountId, spec.accounts.ids[2]). */
  path: string;
  /** `Kind/name` of the manifest. */
  owner: string;
  setting: string;
  key: string;
  claimant: Claimant;
}

/** The account-setting claims of one valid document: its own, or a baseline's explicit ids. */
function offlineClaims(doc: ManifestDocument, ownAccountId: string | undefined): OfflineClaim[] {
  const object = doc.object as ManagedObject;
  const owner = describeObject(object);
  if ((SETTING_KINDS as readonly string[]).includes(object.kind)) {
    const accountId = (object.spec as { accountId?: string }).accountId;
    const key = `${object.kind}|${accountClaim(accountId, ownAccountId)}`;
    return [{ doc, path: "spec.accountId", owner, setting: object.kind, key, claimant: claimantOf(object) }];
  }
  if (object.kind !== "AccountBaseline") return [];
  const baseline = object as unknown as BaselineObject;
  const settings = settingsOf(baseline);
  const excluded = new Set(settings.accounts.exclude?.ids ?? []);
  return (settings.accounts.ids ?? []).flatMap((accountId, i) =>
    excluded.has(accountId)
      ? []
      : SETTING_KINDS.filter((k) => settings.templates[k]).map((setting) => ({
          doc,
          path: `spec.accounts.ids[${i}]`,
          owner,
          setting,
          key: `${setting}|${accountClaim(accountId, ownAccountId)}`,
          claimant: claimantOf(childManifest(baseline, settings, setting, accountId)),
        })),
  );
}

/**
 * Conflicts validate can see without AWS: two objects for the same account and setting (an
 * account id spelled out, or none: the controller's own account, which `ownAccountId` names when
 * given), baselines' explicit account ids included. Each loser under the controller's rule
 * (runtime/claims.ts) gets a warning. Baselines that select by OU or `all` need the organization:
 * `orgguard plan` reports those.
 */
export function conflictWarnings(documents: ManifestDocument[], ownAccountId?: string): LocatedProblem[] {
  const valid = documents.filter((d) => d.parseError === undefined && validateObject(d.object).length === 0);
  const byKey = new Map<string, OfflineClaim[]>();
  for (const claim of valid.flatMap((d) => offlineClaims(d, ownAccountId))) {
    byKey.set(claim.key, [...(byKey.get(claim.key) ?? []), claim]);
  }
  const warnings: LocatedProblem[] = [];
  for (const claims of byKey.values()) {
    for (const claim of claims) {
      const others = claims.filter((c) => c.owner !== claim.owner);
      const keeper = winningRival(claim.claimant, others, (c) => c.claimant);
      if (!keeper) continue;
      const account = claim.key.slice(claim.key.indexOf("|") + 1);
      warnings.push({
        file: claim.doc.file,
        line: claim.doc.line,
        object: claim.owner,
        path: claim.path,
        message: `the ${claim.setting} of ${account} is also managed by ${keeper.owner} (${keeper.doc.file}:${keeper.doc.line}), which keeps it: this object would change nothing there`,
      });
    }
  }
  return warnings;
}

export const formatProblem = (p: LocatedProblem): string =>
  `${p.file}:${p.line}: ${p.object}: ${p.path ? `${p.path}: ` : ""}${p.message}`;

export async function runValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      "scp-size-limit": { type: "string", default: String(DEFAULT_SCP_SIZE_LIMIT) },
      strict: { type: "boolean", default: false },
      "management-account-id": { type: "string" },
    },
  });
  const limit = Number(values["scp-size-limit"]);
  if (!Number.isInteger(limit) || limit <= 0) {
    console.error(
      `orgguard validate: --scp-size-limit must be a positive integer, not '${values["scp-size-limit"]}'`,
    );
    return 1;
  }
  if (positionals.length === 0) {
    console.error(
      "usage: orgguard validate [--strict] [--management-account-id ID] [--scp-size-limit N] <files or folders>...",
    );
    return 1;
  }
  let documents: ManifestDocument[];
  try {
    documents = await loadManifests(positionals);
  } catch (err) {
    console.error(`orgguard validate: ${(err as Error).message}`);
    return 1;
  }
  const problems = validateDocuments(documents, limit);
  const managementAccountId = values["management-account-id"];
  const warnings = [
    ...lintDocuments(documents, { managementAccountId }),
    // The controller usually runs in the management account: an absent accountId means it.
    ...conflictWarnings(documents, managementAccountId),
  ];
  for (const p of problems) console.log(formatProblem(p));
  for (const w of warnings) console.log(formatProblem({ ...w, message: `warning: ${w.message}` }));
  const files = new Set(documents.map((d) => d.file)).size;
  console.error(
    `checked ${documents.length} object(s) in ${files} file(s): ${problems.length} problem(s), ${warnings.length} warning(s)`,
  );
  return problems.length > 0 || (values.strict && warnings.length > 0) ? 1 : 0;
}
