/**
 * The grammar of AWS Organizations' management policies (tag policies and AI services opt-out
 * policies here), checked before any write, and their comparison by meaning.
 *
 * Management policies share one JSON grammar with inheritance operators (AWS: "Management policy
 * syntax and inheritance"): `@@assign` sets a value (for a list, replaces the inherited one),
 * `@@append` and `@@remove` add to or take from an inherited list (lists only), and
 * `@@operators_allowed_for_child_policies` says which of them child policies may use (`@@all`,
 * the default, `@@none` to lock the value, or a subset). Each type then fixes which keys exist:
 * - tag policy: `{"tags": {"<key>": {"tag_key": {"@@assign": "CostCenter"}, "tag_value": {...},
 *   "enforced_for": {...}}}}`; a policy key is matched without case and names its tag_key;
 * - AI services opt-out: `{"services": {"default" | "<service>": {"opt_out_policy":
 *   {"@@assign": "optOut" | "optIn"}}}}`.
 * moto accepts any content, so these checks are orgguard's own.
 */
import { type Problem, shown } from "./problems.js";

/** The tag policy size limit (AWS Organizations policy types table: 10,000 characters). */
export const DEFAULT_TAG_POLICY_SIZE_LIMIT = 10_000;
/** The AI services opt-out policy size limit (AWS Organizations policy types table: 2,500 characters). */
export const DEFAULT_AI_OPT_OUT_SIZE_LIMIT = 2_500;

const ASSIGN = "@@assign";
const APPEND = "@@append";
const REMOVE = "@@remove";
const CHILD_OPERATORS = "@@operators_allowed_for_child_policies";
const VALUE_OPERATORS = [ASSIGN, APPEND, REMOVE] as const;
const OPERATORS = new Set<string>([...VALUE_OPERATORS, CHILD_OPERATORS]);
/** What @@operators_allowed_for_child_policies may list. */
const CHILD_OPERATOR_VALUES = new Set(["@@all", "@@none", ...VALUE_OPERATORS]);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const join = (base: string, key: string | number): string =>
  typeof key === "number" ? `${base}[${key}]` : base ? `${base}.${key}` : key;

/** What a leaf (a value set with operators) may hold. */
interface Leaf {
  /** "a string", "a list", or both: what @@assign takes. */
  assign: "string" | "list";
  /** Whether @@append and @@remove apply (lists only). */
  listOperators: boolean;
  /** Checks one value (a string of the list, or the string). */
  value?: (v: string) => string | undefined;
}

/** Problems of a key that looks like an operator: an unknown @@ spelling, with the right one. */
function operatorProblem(key: string, path: string): Problem | undefined {
  if (!key.startsWith("@@") || OPERATORS.has(key)) return undefined;
  const near = [...OPERATORS].find((o) => o.toLowerCase() === key.toLowerCase());
  return {
    path: join(path, key),
    message: near
      ? `unknown operator ${shown(key)}: operators are spelled in lower case, '${near}'`
      : `unknown operator ${shown(key)}: use one of ${[...OPERATORS].join(", ")}`,
  };
}

/** @@operators_allowed_for_child_policies: a list of operators, or @@all / @@none alone. */
function childOperatorsProblems(value: unknown, path: string): Problem[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === "string")) {
    return [
      { path, message: `${CHILD_OPERATORS} must be a non-empty list such as ["@@none"] or ["@@append"]` },
    ];
  }
  const unknown = value.filter((v) => !CHILD_OPERATOR_VALUES.has(v));
  if (unknown.length > 0) {
    return [
      {
        path,
        message: `unknown value(s) ${unknown.join(", ")}: use @@all, @@none or @@assign, @@append, @@remove`,
      },
    ];
  }
  if (value.length > 1 && (value.includes("@@all") || value.includes("@@none"))) {
    return [{ path, message: "@@all and @@none stand alone in the list" }];
  }
  return [];
}

/** A value set with operators: `{"@@assign": ...}` and friends, nothing else. */
function leafProblems(node: unknown, path: string, leaf: Leaf): Problem[] {
  if (!isRecord(node))
    return [{ path, message: `must be an object of operators, such as {"${ASSIGN}": ...}` }];
  const problems: Problem[] = [];
  const valueOperators = Object.keys(node).filter((k) => (VALUE_OPERATORS as readonly string[]).includes(k));
  for (const key of Object.keys(node)) {
    const operator = operatorProblem(key, path);
    if (operator) problems.push(operator);
    else if (!OPERATORS.has(key))
      problems.push({ path: join(path, key), message: `unknown key ${shown(key)}: only operators go here` });
  }
  if (valueOperators.length === 0 && node[CHILD_OPERATORS] === undefined) {
    problems.push({
      path,
      message: `sets nothing: give it ${leaf.listOperators ? "@@assign, @@append or @@remove" : "@@assign"}`,
    });
  }
  if (node[ASSIGN] !== undefined && (node[APPEND] !== undefined || node[REMOVE] !== undefined)) {
    problems.push({
      path,
      message: "@@assign replaces the value: it cannot be combined with @@append or @@remove",
    });
  }
  for (const operator of valueOperators) {
    const at = join(path, operator);
    const value = node[operator];
    if (operator !== ASSIGN && !leaf.listOperators) {
      problems.push({
        path: at,
        message: `${operator} applies to lists only; this value is a single string: use @@assign`,
      });
      continue;
    }
    const expectsList = operator !== ASSIGN || leaf.assign === "list";
    if (expectsList) {
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
        problems.push({ path: at, message: `${operator} takes a list of strings` });
        continue;
      }
      value.forEach((v, i) => {
        const bad = leaf.value?.(v);
        if (bad) problems.push({ path: join(at, i), message: bad });
      });
    } else if (typeof value !== "string") {
      problems.push({ path: at, message: `${operator} takes a string here` });
    } else {
      const bad = leaf.value?.(value);
      if (bad) problems.push({ path: at, message: bad });
    }
  }
  if (node[CHILD_OPERATORS] !== undefined)
    problems.push(...childOperatorsProblems(node[CHILD_OPERATORS], join(path, CHILD_OPERATORS)));
  return problems;
}

/** The keys of an object node: each known key's own check, operators at that level, nothing else. */
function objectProblems(
  node: unknown,
  path: string,
  children: Record<string, (value: unknown, path: string) => Problem[]>,
  what: string,
): Problem[] {
  if (!isRecord(node)) return [{ path, message: `${what} must be an object` }];
  const problems: Problem[] = [];
  for (const [key, value] of Object.entries(node)) {
    const at = join(path, key);
    const check = children[key];
    if (check) problems.push(...check(value, at));
    else if (key === CHILD_OPERATORS) problems.push(...childOperatorsProblems(value, at));
    else
      problems.push(
        operatorProblem(key, path) ?? {
          path: at,
          message: `unknown key ${shown(key)} in ${what}: use ${Object.keys(children).join(", ")}`,
        },
      );
  }
  return problems;
}

/** The whole document: an object with `root` alone, within `sizeLimit` characters minified. */
function documentProblems(
  document: unknown,
  base: string,
  root: string,
  sizeLimit: number,
  body: (value: unknown, path: string) => Problem[],
  type: string,
): Problem[] {
  if (!isRecord(document)) return [{ path: base, message: `${type} must be an object` }];
  const problems: Problem[] = [];
  for (const key of Object.keys(document)) {
    if (key !== root)
      problems.push({
        path: join(base, key),
        message: `unknown key ${shown(key)}: ${type} has only '${root}'`,
      });
  }
  if (document[root] === undefined)
    problems.push({ path: join(base, root), message: `'${root}' is required` });
  else problems.push(...body(document[root], join(base, root)));
  const size = JSON.stringify(document).length;
  if (size > sizeLimit)
    problems.push({
      path: base,
      message: `the minified document is ${size} characters; the limit is ${sizeLimit}`,
    });
  return problems;
}

export interface ManagementPolicyOptions {
  /** Prefixed to every problem's path, for example `spec.document`. */
  basePath?: string;
  sizeLimit?: number;
}

const TAG_KEY_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const tagKey = (v: string) =>
  TAG_KEY_PATTERN.test(v) ? undefined : "a tag key is 1 to 128 letters, digits, spaces and _ . : / = + - @";
const tagValue = (v: string) => (v.length <= 256 ? undefined : "a tag value is at most 256 characters");
const resourceType = (v: string) =>
  /^[a-z0-9-]+:([A-Za-z0-9-]+|ALL_SUPPORTED)$/.test(v)
    ? undefined
    : `${shown(v)} is not a resource type such as ec2:instance or s3:ALL_SUPPORTED`;

/** One tag of a tag policy, under its policy key (which must name its tag_key, without case). */
function tagProblems(key: string, node: unknown, path: string): Problem[] {
  const problems = objectProblems(
    node,
    path,
    {
      tag_key: (v, at) => leafProblems(v, at, { assign: "string", listOperators: false, value: tagKey }),
      tag_value: (v, at) => leafProblems(v, at, { assign: "list", listOperators: true, value: tagValue }),
      enforced_for: (v, at) =>
        leafProblems(v, at, { assign: "list", listOperators: true, value: resourceType }),
    },
    `the tag ${shown(key)}`,
  );
  if (isRecord(node)) {
    const assigned = isRecord(node.tag_key) ? node.tag_key[ASSIGN] : undefined;
    if (node.tag_key === undefined) {
      problems.push({
        path: join(path, "tag_key"),
        message: `tag_key is required: {"@@assign": "${key}"} with the tag key's capitalization`,
      });
    } else if (typeof assigned === "string" && assigned.toLowerCase() !== key.toLowerCase()) {
      problems.push({
        path: join(join(path, "tag_key"), ASSIGN),
        message: `${shown(assigned)} is not the tag ${shown(key)}: the policy key and tag_key name the same tag (case aside)`,
      });
    }
  }
  return problems;
}

/** Checks a tag policy's grammar and size; returns every problem found (none = valid). */
export function validateTagPolicy(document: unknown, options: ManagementPolicyOptions = {}): Problem[] {
  return documentProblems(
    document,
    options.basePath ?? "",
    "tags",
    options.sizeLimit ?? DEFAULT_TAG_POLICY_SIZE_LIMIT,
    (tags, path) => {
      if (!isRecord(tags)) return [{ path, message: "tags must be an object of tag policy keys" }];
      const problems: Problem[] = [];
      const seen = new Map<string, string>();
      for (const [key, node] of Object.entries(tags)) {
        const at = join(path, key);
        const op = operatorProblem(key, path);
        if (key === CHILD_OPERATORS) problems.push(...childOperatorsProblems(node, at));
        else if (op) problems.push(op);
        else {
          const other = seen.get(key.toLowerCase());
          if (other !== undefined)
            problems.push({
              path: at,
              message: `${shown(key)} and ${shown(other)} are the same tag: policy keys are matched without case`,
            });
          seen.set(key.toLowerCase(), key);
          problems.push(...tagProblems(key, node, at));
        }
      }
      return problems;
    },
    "a tag policy",
  );
}

const AI_SERVICE_PATTERN = /^[a-z0-9-]+$/;
const optOutValue = (v: string) =>
  v === "optOut" || v === "optIn" ? undefined : `${shown(v)} is neither optOut nor optIn (spelled so)`;

/** Checks an AI services opt-out policy's grammar and size; returns every problem found (none = valid). */
export function validateAiOptOutPolicy(document: unknown, options: ManagementPolicyOptions = {}): Problem[] {
  return documentProblems(
    document,
    options.basePath ?? "",
    "services",
    options.sizeLimit ?? DEFAULT_AI_OPT_OUT_SIZE_LIMIT,
    (services, path) => {
      if (!isRecord(services))
        return [{ path, message: "services must be an object of service names (or default)" }];
      const problems: Problem[] = [];
      for (const [service, node] of Object.entries(services)) {
        const at = join(path, service);
        const op = operatorProblem(service, path);
        if (service === CHILD_OPERATORS) problems.push(...childOperatorsProblems(node, at));
        else if (op) problems.push(op);
        else if (!AI_SERVICE_PATTERN.test(service)) {
          problems.push({
            path: at,
            message: `${shown(service)} is not a service name: lower case, such as default, rekognition or lex`,
          });
        } else {
          problems.push(
            ...objectProblems(
              node,
              at,
              {
                opt_out_policy: (v, p) =>
                  leafProblems(v, p, { assign: "string", listOperators: false, value: optOutValue }),
              },
              `the service ${shown(service)}`,
            ),
          );
          if (isRecord(node) && node.opt_out_policy === undefined && node[CHILD_OPERATORS] === undefined) {
            problems.push({
              path: join(at, "opt_out_policy"),
              message: 'opt_out_policy is required: {"@@assign": "optOut"}',
            });
          }
        }
      }
      return problems;
    },
    "an AI services opt-out policy",
  );
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The canonical form of a management policy: keys sorted; tag policy keys (matched without case)
 * in lower case; lists under an operator treated as sets (sorted, without duplicates), as AWS
 * evaluates them. Two documents with the same canonical form mean the same.
 */
export function canonicalManagementPolicy(document: unknown): Json {
  const doc = typeof document === "string" ? (JSON.parse(document) as unknown) : document;
  return canonical(doc, []);
}

function canonical(value: unknown, path: readonly string[]): Json {
  if (Array.isArray(value)) {
    const items = value.map((v) => canonical(v, path));
    // Lists are operator values (tag values, resource types, child operators): sets.
    return [...new Set(items.map((v) => JSON.stringify(v)))].sort().map((s) => JSON.parse(s) as Json);
  }
  if (isRecord(value)) {
    const underTags = path.length === 1 && path[0] === "tags";
    const entries = Object.keys(value).map((k) => {
      const key = underTags && !k.startsWith("@@") ? k.toLowerCase() : k;
      return [key, canonical(value[k], [...path, key])] as const;
    });
    return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  if (value === null || ["string", "number", "boolean"].includes(typeof value)) return value as Json;
  return null;
}

/** Whether two management policies mean the same. */
export const sameManagementPolicy = (a: unknown, b: unknown): boolean =>
  JSON.stringify(canonicalManagementPolicy(a)) === JSON.stringify(canonicalManagementPolicy(b));
