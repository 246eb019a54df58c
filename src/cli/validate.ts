/**
 * `orgguard validate <files or folders>`: checks every manifest without a cluster, with the same
 * schemas the CRDs are generated from plus the SCP grammar. One line per problem; exit 1 if any.
 */

import type { CheckOptions } from "../api/api-definition.js";
import { type LintOptions, lintObject } from "../api/lint.js";
import { cut } from "../api/problems.js";
import { asAdmitted, isOrgguardManifest, validateObject } from "../api/validate.js";
import { accountClaim } from "../aws/clients.js";
import { OPTIONS } from "../config.js";
import { childManifest, settingsOf } from "../kinds/account-baseline/children.js";
import {
  ENTRY_MESSAGE,
  type NamedObject,
  organizationDesignations,
} from "../kinds/guardduty-organization/one-place.js";
import { API_DEFINITIONS, findKind } from "../kinds/index.js";
import { SETTINGS } from "../kinds/settings.js";
import { type Claimant, claimantOf, winningRival } from "../runtime/claims.js";
import type { ManagedObject } from "../runtime/managed.js";
import { type Command, type CommandOption, UsageError } from "./command.js";
import { loadManifests, type ManifestDocument } from "./manifests.js";
import type { ValidateOutput, ValidateProblem } from "./validate-output.js";

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

/** What the checks of a set of manifests found. */
export interface ManifestCheck {
  /** The orgguard documents (parsed, whatever their problems). */
  orgguard: ManifestDocument[];
  /** Problems, each at the line of its field. */
  problems: LocatedProblem[];
  /** One line per document skipped because it is not orgguard's (a ConfigMap, a Kustomization). */
  notes: string[];
  /** The same documents, located (`v1/ConfigMap settings` at its file and line). */
  skipped: Array<{ file: string; line: number; object: string }>;
}

/** How a set of manifests is checked: the API's checks (size limits), and what the set may hold. */
export interface ManifestCheckOptions extends CheckOptions {
  /** Documents of other kinds are errors rather than skipped with a note. */
  strictKinds?: boolean;
  /** No orgguard manifest at all is fine (otherwise an error: a CI step that checks nothing must not pass). */
  allowEmpty?: boolean;
  /** The paths given, for the message when nothing is found. */
  inputs?: string[];
}

const locate = (
  doc: ManifestDocument,
  object: string,
  p: { path: string; message: string },
): LocatedProblem => ({
  file: doc.file,
  line: p.path ? (doc.lineOf?.(p.path) ?? doc.line) : doc.line,
  object,
  ...p,
});

/**
 * Checks parsed manifest documents: parse failures and schema problems of orgguard's objects, other
 * Kubernetes kinds skipped (or refused), two objects of one kind and name, and an empty set
 * refused unless allowed.
 */
export function checkManifests(documents: ManifestDocument[], options: ManifestCheckOptions): ManifestCheck {
  const result: ManifestCheck = { orgguard: [], problems: [], notes: [], skipped: [] };
  for (const doc of documents) {
    if (doc.skipped !== undefined) {
      result.notes.push(`${doc.file}:${doc.line}: note: skipping the file: ${doc.skipped}`);
      continue;
    }
    if (doc.parseError !== undefined) {
      result.problems.push(locate(doc, "<unparsable>", { path: "", message: doc.parseError }));
      continue;
    }
    if (!isOrgguardManifest(doc.object, API_DEFINITIONS)) {
      const what = describeForeign(doc.object);
      if (options.strictKinds) {
        result.problems.push(
          locate(doc, what, { path: "", message: "not an orgguard kind (--strict-kinds)" }),
        );
      } else {
        result.notes.push(`${doc.file}:${doc.line}: note: skipping ${what}: not an orgguard kind`);
        result.skipped.push({ file: doc.file, line: doc.line, object: what });
      }
      continue;
    }
    const admitted = { ...doc, object: asAdmitted(doc.object, API_DEFINITIONS) };
    result.orgguard.push(admitted);
    result.problems.push(...documentProblems(admitted, options));
  }
  result.problems.push(...duplicateNames(result.orgguard), ...duplicateKeeps(result.orgguard));
  result.problems.push(...guardDutyDesignatedTwice(result.orgguard));
  // A document that does not parse may be the orgguard manifest: its problem says enough.
  const unparsed = documents.some((d) => d.parseError !== undefined);
  if (result.orgguard.length === 0 && !options.allowEmpty && !unparsed) {
    result.problems.push({
      file: (options.inputs ?? []).join(" ") || "(no input)",
      line: 1,
      object: "<none>",
      path: "",
      message: "no orgguard manifest found (pass --allow-empty if that is expected)",
    });
  }
  result.problems.sort(byPlace(documents));
  return result;
}

/** Orders problems as an editor would go through them: by file (in the order read), then line. */
function byPlace(documents: ManifestDocument[]): (a: LocatedProblem, b: LocatedProblem) => number {
  const order = new Map(documents.map((d, i) => [d.file, i] as const));
  return (a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.line - b.line;
}

/** One orgguard document's problems: how its YAML is written, then its schema and checks. */
function documentProblems(doc: ManifestDocument, options: CheckOptions): LocatedProblem[] {
  const object = describeObject(doc.object);
  const written = (doc.readProblems ?? []).map((p) => ({ file: doc.file, object, ...p }));
  const checked = validateObject(doc.object, API_DEFINITIONS, { sizeLimits: options.sizeLimits ?? {} }).map(
    (p) => locate(doc, object, { path: p.path, message: withQuotingHint(doc, p) }),
  );
  // A field whose YAML is ambiguous is reported once, for how it is written.
  const said = new Set(written.map((p) => p.path));
  return [...written, ...checked.filter((p) => !said.has(p.path))];
}

/**
 * A number where a string belongs, written as a plain scalar (an account id without quotes):
 * the message says to quote it, with the digits as written (YAML drops leading zeros).
 */
function withQuotingHint(doc: ManifestDocument, p: { path: string; message: string }): string {
  if (!/expected string, received number/.test(p.message)) return p.message;
  const source = doc.plainSourceOf?.(p.path);
  if (source === undefined) return p.message;
  const digits = /^\d+$/.test(source) && source.startsWith("0") ? ", keeping its leading zero" : "";
  return `${p.message}: write ${JSON.stringify(source)} in quotes${digits}; unquoted, YAML reads a number`;
}

/**
 * GuardDuty's delegated administrator is designated in one place only (a GuardDutyOrganization's
 * spec.administrator): an Organization in the same manifests that names guardduty.amazonaws.com
 * under delegatedAdministrators is an error at that entry (the controller stalls the
 * GuardDutyOrganization the same way).
 */
function guardDutyDesignatedTwice(documents: ManifestDocument[]): LocatedProblem[] {
  const objects = documents.map((d) => d.object as NamedObject);
  if (!objects.some((o) => o.kind === "GuardDutyOrganization")) return [];
  return organizationDesignations(objects).flatMap((designation) => {
    const doc = documents.find((d) => describeObject(d.object) === designation.object);
    if (!doc) return [];
    return [
      locate(doc, designation.object, {
        path: `${designation.path}.servicePrincipal`,
        message: ENTRY_MESSAGE,
      }),
    ];
  });
}

/**
 * Two documents of one kind and name: kubectl apply, Argo CD and orgguard apply would keep one
 * and silently lose the other (an SCP's attachments, say). Each repeat is an error at its name.
 */
function duplicateNames(documents: ManifestDocument[]): LocatedProblem[] {
  const first = new Map<string, ManifestDocument>();
  const problems: LocatedProblem[] = [];
  for (const doc of documents) {
    const o = doc.object as { kind?: unknown; metadata?: { name?: unknown } };
    if (typeof o.kind !== "string" || typeof o.metadata?.name !== "string") continue;
    const key = `${o.kind}/${o.metadata.name}`;
    const earlier = first.get(key);
    if (!earlier) {
      first.set(key, doc);
      continue;
    }
    problems.push(
      locate(doc, key, {
        path: "metadata.name",
        message: `${key} is also defined at ${earlier.file}:${earlier.line}: one object per kind and name (applying both would overwrite one with the other)`,
      }),
    );
  }
  return problems;
}

/**
 * Two documents keeping one thing that no AWS call is needed to tell (an OU path, an account, the
 * organization: Kind.exclusive): the controller keeps the earlier and reports Conflict on the
 * other, which then changes nothing. Each repeat is an error at the field naming it.
 */
function duplicateKeeps(documents: ManifestDocument[]): LocatedProblem[] {
  const first = new Map<string, { doc: ManifestDocument; name: string }>();
  const problems: LocatedProblem[] = [];
  for (const doc of documents) {
    if (doc.parseError !== undefined || validateObject(doc.object, API_DEFINITIONS).length > 0) continue;
    const object = doc.object as ManagedObject;
    const kept = findKind(object.kind)?.exclusive?.(object);
    if (!kept) continue;
    const name = `${object.kind}/${object.metadata.name}`;
    const earlier = first.get(kept.key);
    if (!earlier) {
      first.set(kept.key, { doc, name });
      continue;
    }
    problems.push(
      locate(doc, name, {
        path: kept.field,
        message: `${kept.key} is also kept by ${earlier.name} (${earlier.doc.file}:${earlier.doc.line}): one object each (the controller would keep the earlier and report Conflict on this one)`,
      }),
    );
  }
  return problems;
}

/** How a document that is not orgguard's is named in a note: `v1/ConfigMap settings`. */
function describeForeign(object: unknown): string {
  const o = (object ?? {}) as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } };
  if (typeof o.kind !== "string") return "a document without a kind";
  const name = typeof o.metadata?.name === "string" ? ` ${o.metadata.name}` : "";
  return `${typeof o.apiVersion === "string" ? `${o.apiVersion}/` : ""}${o.kind}${name}`;
}

/** Lint warnings for the orgguard documents that are valid. */
export function lintDocuments(documents: ManifestDocument[], options: LintOptions): LocatedProblem[] {
  return documents.flatMap((doc) =>
    doc.parseError !== undefined || validateObject(doc.object, API_DEFINITIONS).length > 0
      ? []
      : lintObject(doc.object, API_DEFINITIONS, options).map((w) =>
          locate(doc, describeObject(doc.object), w),
        ),
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

const SETTING_KINDS = new Set(SETTINGS.map((setting) => setting.names.kind));

/** The account-setting claims of one valid document: its own, or a baseline's explicit ids. */
function offlineClaims(doc: ManifestDocument, ownAccountId: string | undefined): OfflineClaim[] {
  const object = doc.object as ManagedObject;
  const owner = describeObject(object);
  if (SETTING_KINDS.has(object.kind)) {
    const accountId = typeof object.spec.accountId === "string" ? object.spec.accountId : undefined;
    const key = `${object.kind}|${accountClaim(accountId, ownAccountId)}`;
    return [{ doc, path: "spec.accountId", owner, setting: object.kind, key, claimant: claimantOf(object) }];
  }
  if (object.kind !== "AccountBaseline") return [];
  const settings = settingsOf(object);
  const excluded = new Set(settings.accounts.exclude?.ids ?? []);
  return (settings.accounts.ids ?? []).flatMap((accountId, i) =>
    excluded.has(accountId)
      ? []
      : settings.templates.map((template) => ({
          doc,
          path: `spec.accounts.ids[${i}]`,
          owner,
          setting: template.setting.names.kind,
          key: `${template.setting.names.kind}|${accountClaim(accountId, ownAccountId)}`,
          claimant: claimantOf(childManifest(object, settings, template, accountId)),
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
  const valid = documents.filter(
    (d) => d.parseError === undefined && validateObject(d.object, API_DEFINITIONS).length === 0,
  );
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
        line: claim.doc.lineOf?.(claim.path) ?? claim.doc.line,
        object: claim.owner,
        path: claim.path,
        message: `the ${claim.setting} of ${account} is also managed by ${keeper.owner} (${keeper.doc.file}:${keeper.doc.line}), which keeps it: this object would change nothing there`,
      });
    }
  }
  return warnings;
}

/**
 * One problem as one line: `file:line: Kind/name: path: message`, each part cut short, so a
 * pasted megabyte never reaches the terminal.
 */
export const formatProblem = (p: LocatedProblem): string =>
  `${p.file}:${p.line}: ${cut(p.object, 300)}: ${p.path ? `${cut(p.path, 200)}: ` : ""}${cut(p.message, 1000)}`;

/** A located problem as --output json gives it. */
const jsonProblem = (p: LocatedProblem, severity: ValidateProblem["severity"]): ValidateProblem => ({
  severity,
  file: p.file,
  line: p.line,
  object: p.object,
  field: p.path,
  message: p.message,
});

/** What `validate --output json` prints (docs/validate-json.md; its schema: validate-output.ts). */
export function validateJson(
  checked: ManifestCheck,
  warnings: LocatedProblem[],
  counts: { files: number; valid: boolean },
): ValidateOutput {
  return {
    valid: counts.valid,
    summary: {
      objects: checked.orgguard.length,
      files: counts.files,
      errors: checked.problems.length,
      warnings: warnings.length,
      skipped: checked.skipped.length,
    },
    problems: [
      ...checked.problems.map((p) => jsonProblem(p, "error")),
      ...warnings.map((w) => jsonProblem(w, "warning")),
    ],
    skipped: checked.skipped.map((s) => ({ ...s, message: "not an orgguard kind" })),
  };
}

const VALIDATE_OPTIONS = {
  output: {
    type: "string",
    short: "o",
    valueName: "FORMAT",
    description:
      "text (one line per problem) or json (for scripts and policy engines: docs/validate-json.md)",
    default: "text",
    choices: ["text", "json"],
  },
  strict: { type: "boolean", description: "exit 1 on warnings too (lock-outs, conflicts, weak policies)" },
  "strict-kinds": {
    type: "boolean",
    description: "treat documents of other kinds as errors instead of skipping them",
  },
  "allow-empty": { type: "boolean", description: "succeed when no orgguard manifest is found" },
  "management-account-id": {
    type: "string",
    valueName: "ID",
    description: "the organization's management account (for warnings about SCPs aimed at it and conflicts)",
  },
  "policy-size-limits": {
    type: "string",
    valueName: "TYPE=N,...",
    description: `characters allowed in a minified policy document, by type (AWS's: ${OPTIONS.policySizeLimits.default})`,
  },
} satisfies Record<string, CommandOption>;

/** `orgguard validate`. */
export const validateCommand: Command<typeof VALIDATE_OPTIONS> = {
  name: "validate",
  summary:
    "Checks manifests without a cluster: the schemas (the same rules the apiserver's schema and CEL apply), each policy type's grammar and size, and warnings for what is valid but likely wrong. Other Kubernetes kinds in the inputs are skipped with a note.",
  arguments: "<files or folders>...",
  options: VALIDATE_OPTIONS,
  examples: [
    "orgguard validate manifests/",
    "orgguard validate --strict --management-account-id 123456789012 examples/",
    "orgguard validate --output json manifests/ | conftest test --policy policy/ -",
  ],
  exitCodes: {
    0: "every manifest is valid (warnings allowed unless --strict)",
    1: "problems, bad arguments, or no manifest",
  },
  run: async (values, positionals) => {
    const output = values.output ?? "text";
    if (output !== "text" && output !== "json")
      throw new UsageError(`--output must be text or json, not '${output}'`);
    const limits = OPTIONS.policySizeLimits.schema.safeParse(values["policy-size-limits"] ?? "");
    if (!limits.success) {
      throw new UsageError(`--policy-size-limits: ${limits.error.issues.map((i) => i.message).join("; ")}`);
    }
    if (positionals.length === 0) throw new UsageError("name the files or folders to check");
    let documents: ManifestDocument[];
    try {
      documents = await loadManifests(positionals);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const checked = checkManifests(documents, {
      sizeLimits: Object.fromEntries(limits.data),
      strictKinds: values["strict-kinds"] === true,
      allowEmpty: values["allow-empty"] === true,
      inputs: positionals,
    });
    const managementAccountId = values["management-account-id"];
    const warnings = [
      ...lintDocuments(checked.orgguard, { managementAccountId }),
      // The controller usually runs in the management account: an absent accountId means it.
      ...conflictWarnings(checked.orgguard, managementAccountId),
    ].sort(byPlace(documents));
    const files = new Set(documents.map((d) => d.file)).size;
    const valid = checked.problems.length === 0 && !(values.strict === true && warnings.length > 0);
    if (output === "json") {
      console.log(JSON.stringify(validateJson(checked, warnings, { files, valid }), null, 2));
    } else {
      for (const n of checked.notes) console.log(n);
      for (const p of checked.problems) console.log(formatProblem(p));
      for (const w of warnings) console.log(formatProblem({ ...w, message: `warning: ${w.message}` }));
    }
    console.error(
      `checked ${checked.orgguard.length} object(s) in ${files} file(s): ${checked.problems.length} problem(s), ${warnings.length} warning(s), ${checked.notes.length} skipped`,
    );
    return valid ? 0 : 1;
  },
};
