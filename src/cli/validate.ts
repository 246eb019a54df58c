/**
 * `orgguard validate <files or folders>`: checks every manifest without a cluster, with the same
 * schemas the CRDs are generated from plus the SCP grammar. One line per problem; exit 1 if any.
 */
import { parseArgs } from "node:util";
import { type LintOptions, lintObject } from "../api/lint.js";
import { DEFAULT_SCP_SIZE_LIMIT } from "../api/scp-document.js";
import { validateObject } from "../api/validate.js";
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
  const warnings = lintDocuments(documents, { managementAccountId: values["management-account-id"] });
  for (const p of problems) console.log(formatProblem(p));
  for (const w of warnings) console.log(formatProblem({ ...w, message: `warning: ${w.message}` }));
  const files = new Set(documents.map((d) => d.file)).size;
  console.error(
    `checked ${documents.length} object(s) in ${files} file(s): ${problems.length} problem(s), ${warnings.length} warning(s)`,
  );
  return problems.length > 0 || (values.strict && warnings.length > 0) ? 1 : 0;
}
