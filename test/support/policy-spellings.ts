/**
 * The holdout of IAM-language policies a user could paste from AWS's documentation
 * (test/fixtures/aws-policies: one JSON file each, `scp-*` or `rcp-*`), and the other spelling of
 * each: AWS's grammar lets Statement be one statement or a list, Action, NotAction, Resource,
 * NotResource and condition values a string or a list, and an RCP's Principal "*" or
 * {"AWS": "*"}. The two spellings mean the same, so orgguard must accept both and never write
 * when AWS holds one and the spec says the other.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

export const AWS_POLICIES_DIR = "test/fixtures/aws-policies";

/** One pasted policy and the kind it is for. */
export interface HoldoutPolicy {
  /** The file name without `.json`. */
  name: string;
  kind: "ServiceControlPolicy" | "ResourceControlPolicy";
  document: Record<string, unknown>;
}

const KIND_BY_PREFIX = { scp: "ServiceControlPolicy", rcp: "ResourceControlPolicy" } as const;

/** Every policy of the holdout; throws on a file whose name does not say its kind. */
export async function holdoutPolicies(): Promise<HoldoutPolicy[]> {
  const files = (await readdir(AWS_POLICIES_DIR)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (file) => {
      const prefix = file.split("-")[0] as keyof typeof KIND_BY_PREFIX;
      const kind = KIND_BY_PREFIX[prefix];
      if (!kind) throw new Error(`${file}: name it scp-... or rcp-...`);
      const document = JSON.parse(await readFile(path.join(AWS_POLICIES_DIR, file), "utf8"));
      return { name: file.replace(/\.json$/, ""), kind, document };
    }),
  );
}

type Json = unknown;
const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** A string as a one-element list, a one-element list as its string, a longer list reversed. */
function flipList(value: Json): Json {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.length === 1 ? value[0] : [...value].reverse();
  return value;
}

/** "*" as {"AWS": "*"}, and every map spelling of everyone back to "*". */
const flipPrincipal = (principal: Json): Json => (principal === "*" ? { AWS: "*" } : "*");

/** The same keys, last first: key order never means anything in a policy. */
const reversedKeys = (o: Record<string, unknown>, map: (k: string, v: unknown) => unknown) =>
  Object.fromEntries(
    Object.keys(o)
      .reverse()
      .map((k) => [k, map(k, o[k])]),
  );

const LIST_ELEMENTS = new Set(["Action", "NotAction", "Resource", "NotResource"]);

function flipStatement(statement: Json): Json {
  if (!isRecord(statement)) return statement;
  return reversedKeys(statement, (key, value) => {
    if (LIST_ELEMENTS.has(key)) return flipList(value);
    if (key === "Principal") return flipPrincipal(value);
    if (key === "Condition" && isRecord(value)) {
      return reversedKeys(value, (_, keys) =>
        isRecord(keys) ? reversedKeys(keys, (__, v) => flipList(v)) : keys,
      );
    }
    return value;
  });
}

/**
 * The other spelling of `document`: every element that may be a string or a list written the
 * other way (a longer list in another order), an RCP's Principal in its other form, keys in
 * another order, and Statement an object where it was a one-element list and the reverse.
 */
export function otherSpelling(document: Record<string, unknown>): Record<string, unknown> {
  const statement = document.Statement;
  const statements = Array.isArray(statement) ? statement.map(flipStatement) : [flipStatement(statement)];
  const flipped =
    Array.isArray(statement) && statement.length === 1 ? statements[0] : [...statements].reverse();
  return { ...document, Statement: flipped };
}

/** The spellings a document uses, such as `Statement:object`, `Action:list`, `Principal:map`. */
export function spellingsOf(document: Record<string, unknown>): Set<string> {
  const forms = new Set<string>();
  const form = (v: unknown) => (Array.isArray(v) ? "list" : isRecord(v) ? "map" : "string");
  forms.add(`Statement:${Array.isArray(document.Statement) ? "list" : "object"}`);
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  for (const s of statements.filter(isRecord)) {
    for (const key of [...LIST_ELEMENTS, "Principal"])
      if (s[key] !== undefined) forms.add(`${key}:${form(s[key])}`);
    for (const keys of Object.values(isRecord(s.Condition) ? s.Condition : {})) {
      for (const v of Object.values(isRecord(keys) ? keys : {})) forms.add(`condition value:${form(v)}`);
    }
  }
  return forms;
}

/** Every spelling the holdout must show, in one policy or another, once both spellings are counted. */
export const SPELLINGS_TO_COVER = [
  "Statement:object",
  "Statement:list",
  ...[...LIST_ELEMENTS].flatMap((k) => [`${k}:string`, `${k}:list`]),
  "Principal:string",
  "Principal:map",
  "condition value:string",
  "condition value:list",
];

/** A manifest as a user writes it with a policy pasted from AWS's documentation: the JSON as is. */
export function pastedManifest(kind: string, name: string, document: Record<string, unknown>): string {
  const pasted = JSON.stringify(document, null, 2)
    .split("\n")
    .map((line, i) => (i === 0 ? line : `    ${line}`))
    .join("\n");
  return [
    "apiVersion: orgguard.io/v1alpha1",
    `kind: ${kind}`,
    "metadata:",
    `  name: ${name}`,
    "spec:",
    `  document: ${pasted}`,
    "",
  ].join("\n");
}
