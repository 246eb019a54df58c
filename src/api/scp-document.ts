/**
 * The grammar and size of the authorization policies of AWS Organizations, SCPs and RCPs (the IAM
 * policy language, each with its own restrictions), checked in TypeScript because CEL cannot:
 * shared by `orgguard validate` and the controller, so a bad document never reaches AWS (moto
 * would accept it; AWS answers MalformedPolicyDocumentException or POLICY_CONTENT_LIMIT_EXCEEDED).
 */

import { type Problem, shown } from "./problems.js";
import { nearest } from "./suggest.js";

export type { Problem };

/** AWS raised the SCP size limit from 5,120 to 10,240 characters on 15 May 2026. */
export const DEFAULT_SCP_SIZE_LIMIT = 10_240;
/** The RCP size limit (AWS Organizations quotas: 5,120 characters). */
export const DEFAULT_RCP_SIZE_LIMIT = 5_120;
export const POLICY_VERSION = "2012-10-17";

/** What one authorization policy type allows of the IAM policy language. */
interface PolicyLanguage {
  /** "an SCP", "an RCP": how messages name the document. */
  name: string;
  statementKeys: ReadonlySet<string>;
  effects: readonly string[];
  /** Why an Effect outside `effects` is refused. */
  effectMessage: string;
  /** SCPs apply to the principals of the accounts (no Principal); RCPs to every principal ("*", required). */
  principal: "forbidden" | "everyone";
  defaultSizeLimit: number;
}

const SCP_LANGUAGE: PolicyLanguage = {
  name: "an SCP",
  statementKeys: new Set(["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Condition"]),
  effects: ["Allow", "Deny"],
  effectMessage: "Effect must be Allow or Deny",
  principal: "forbidden",
  defaultSizeLimit: DEFAULT_SCP_SIZE_LIMIT,
};

/**
 * RCPs, as AWS's RCP syntax page lists their elements: Version, Statement, Sid, Effect, Principal,
 * Action, Resource, NotResource, Condition (no NotAction, no NotPrincipal). Allow is only for the
 * AWS-managed RCPFullAWSAccess; Principal must be "*" (narrow it with conditions).
 */
const RCP_LANGUAGE: PolicyLanguage = {
  name: "an RCP",
  statementKeys: new Set(["Sid", "Effect", "Principal", "Action", "Resource", "NotResource", "Condition"]),
  effects: ["Deny"],
  effectMessage: "Effect must be Deny: AWS allows Allow only in its own RCPFullAWSAccess",
  principal: "everyone",
  defaultSizeLimit: DEFAULT_RCP_SIZE_LIMIT,
};
const ACTION_PATTERN = /^(\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;
const SID_PATTERN = /^[A-Za-z0-9]*$/;

/** The document as AWS stores and counts it: whitespace counts, so orgguard always sends it minified. */
export const minifyPolicyDocument = (document: unknown): string => JSON.stringify(document);

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const join = (base: string, key: string | number): string =>
  typeof key === "number" ? `${base}[${key}]` : base ? `${base}.${key}` : key;

export interface ScpDocumentOptions {
  /** The size limit in characters of the minified document. */
  sizeLimit?: number;
  /** Prefixed to every problem's path, for example `spec.document`. */
  basePath?: string;
}

/** Checks an SCP document's grammar and minified size; returns every problem found (none = valid). */
export const validateScpDocument = (document: unknown, options: ScpDocumentOptions = {}): Problem[] =>
  validatePolicy(SCP_LANGUAGE, document, options);

/** Checks an RCP document's grammar and minified size; returns every problem found (none = valid). */
export const validateRcpDocument = (document: unknown, options: ScpDocumentOptions = {}): Problem[] =>
  validatePolicy(RCP_LANGUAGE, document, options);

function validatePolicy(language: PolicyLanguage, document: unknown, options: ScpDocumentOptions): Problem[] {
  const base = options.basePath ?? "";
  const sizeLimit = options.sizeLimit ?? language.defaultSizeLimit;
  if (!isRecord(document)) return [{ path: base, message: "the policy document must be an object" }];
  const problems: Problem[] = [];
  for (const key of Object.keys(document)) {
    if (key !== "Version" && key !== "Statement") {
      problems.push({
        path: join(base, key),
        message: `unknown element ${shown(key)}: ${language.name} has only Version and Statement`,
      });
    }
  }
  if (document.Version !== POLICY_VERSION) {
    problems.push({ path: join(base, "Version"), message: `Version must be "${POLICY_VERSION}"` });
  }
  problems.push(...validateStatements(language, document.Statement, join(base, "Statement")));
  const size = minifyPolicyDocument(document).length;
  if (size > sizeLimit) {
    problems.push({
      path: base,
      message: `the minified document is ${size} characters; the ${language.name.replace(/^an? /, "")} limit is ${sizeLimit}`,
    });
  }
  return problems;
}

function validateStatements(language: PolicyLanguage, statement: unknown, path: string): Problem[] {
  if (statement === undefined) return [{ path, message: "Statement is required" }];
  const list = Array.isArray(statement) ? statement : [statement];
  if (list.length === 0) return [{ path, message: "Statement must not be empty" }];
  const problems: Problem[] = [];
  const sids = new Set<string>();
  list.forEach((s, i) => {
    const at = Array.isArray(statement) ? join(path, i) : path;
    if (!isRecord(s)) {
      problems.push({ path: at, message: "a statement must be an object" });
      return;
    }
    problems.push(...validateStatement(language, s, at));
    if (typeof s.Sid === "string" && s.Sid !== "") {
      if (sids.has(s.Sid)) problems.push({ path: join(at, "Sid"), message: `duplicate Sid ${shown(s.Sid)}` });
      sids.add(s.Sid);
    }
  });
  return problems;
}

function validateStatement(language: PolicyLanguage, s: Record<string, unknown>, at: string): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(s)) {
    if (language.statementKeys.has(key)) continue;
    problems.push({ path: join(at, key), message: unsupportedElement(language, key) });
  }
  if (typeof s.Effect !== "string" || !language.effects.includes(s.Effect)) {
    problems.push({ path: join(at, "Effect"), message: language.effectMessage });
  }
  if (language.principal === "everyone")
    problems.push(...validateEveryonePrincipal(s.Principal, join(at, "Principal")));
  problems.push(
    ...(language.statementKeys.has("NotAction")
      ? exactlyOne(s, at, "Action", "NotAction", ACTION_PATTERN, "service:Action or *")
      : exactlyOne(s, at, "Action", undefined, ACTION_PATTERN, "service:Action or *")),
  );
  problems.push(...exactlyOne(s, at, "Resource", "NotResource", /^(\*|arn:.+)$/, "an ARN or *"));
  if (s.Sid !== undefined && (typeof s.Sid !== "string" || !SID_PATTERN.test(s.Sid))) {
    problems.push({ path: join(at, "Sid"), message: "Sid may contain only letters and digits" });
  }
  if (s.Condition !== undefined) problems.push(...validateCondition(s.Condition, join(at, "Condition")));
  return problems;
}

/** Why an element is refused: unknown to the language, or known but not in this policy type. */
function unsupportedElement(language: PolicyLanguage, key: string): string {
  if (key === "Principal" || key === "NotPrincipal") {
    return language.principal === "forbidden"
      ? `${key} is not allowed in ${language.name}: it applies to every principal of the accounts it is attached to`
      : `${key} is not allowed in ${language.name}: use Principal "*" and narrow it with conditions`;
  }
  if (key === "NotAction") return `NotAction is not allowed in ${language.name}: list the actions it denies`;
  return `unknown element ${shown(key)} in a statement`;
}

/** An RCP's Principal: required, and everyone, in one of IAM's spellings of it. */
function validateEveryonePrincipal(principal: unknown, path: string): Problem[] {
  if (principal === undefined) return [{ path, message: 'Principal is required in an RCP: "*"' }];
  if (isEveryonePrincipal(principal)) return [];
  const message = Array.isArray(principal)
    ? 'Principal is "*" or a map such as {"AWS": "*"}, never a list (IAM\'s grammar): write "*"'
    : 'Principal must be "*" (or {"AWS": "*"}): an RCP applies to every principal; narrow it with conditions such as aws:PrincipalOrgID';
  return [{ path, message }];
}

/**
 * Whether a Principal is one of the ways IAM's grammar spells every principal: `"*"`, or the
 * principal map `{"AWS": "*"}` (its value a string or a one-element list). A bare list is no
 * Principal in IAM's grammar (`"*" | <principal_map>`).
 */
export function isEveryonePrincipal(principal: unknown): boolean {
  if (principal === "*") return true;
  if (!isRecord(principal) || Object.keys(principal).length !== 1) return false;
  const aws = principal.AWS;
  return aws === "*" || (Array.isArray(aws) && aws.length === 1 && aws[0] === "*");
}

/**
 * Whether a Principal means every principal, however it is written (the compare's view: `["*"]`,
 * which the grammar refuses, still means everyone if AWS ever holds it).
 */
export function isEveryone(principal: unknown): boolean {
  if (Array.isArray(principal)) return principal.length === 1 && principal[0] === "*";
  return isEveryonePrincipal(principal);
}

/**
 * `Action`/`NotAction` and `Resource`/`NotResource`: exactly one of the pair (or the one element
 * when the policy type has no negated form), each a string or list of strings.
 */
function exactlyOne(
  s: Record<string, unknown>,
  at: string,
  key: string,
  notKey: string | undefined,
  pattern: RegExp,
  expected: string,
): Problem[] {
  const present = [key, notKey].filter((k): k is string => k !== undefined && s[k] !== undefined);
  if (present.length !== 1) {
    return [
      {
        path: at,
        message: notKey ? `a statement needs exactly one of ${key} or ${notKey}` : `a statement needs ${key}`,
      },
    ];
  }
  const name = present[0]!;
  const value = s[name];
  const values = Array.isArray(value) ? value : [value];
  if (values.length === 0) return [{ path: join(at, name), message: `${name} must not be empty` }];
  const problems: Problem[] = [];
  values.forEach((v, i) => {
    const path = Array.isArray(value) ? join(join(at, name), i) : join(at, name);
    if (typeof v !== "string" || !pattern.test(v)) {
      problems.push({ path, message: `${shown(v)} is not ${expected}` });
    }
  });
  return problems;
}

/**
 * IAM's condition operators (IAM User Guide, "IAM JSON policy elements: Condition operators").
 * Each but Null may end in IfExists; each may start with ForAllValues: or ForAnyValue: (the set
 * operators, for keys with several values).
 */
const CONDITION_OPERATORS = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Null",
] as const;
const SET_OPERATOR_PREFIXES = ["ForAllValues:", "ForAnyValue:"] as const;
const IF_EXISTS = "IfExists";

/** Every condition operator name IAM accepts, prefixes and IfExists included. */
export const CONDITION_OPERATOR_NAMES: ReadonlySet<string> = new Set(
  ["", ...SET_OPERATOR_PREFIXES].flatMap((prefix) =>
    CONDITION_OPERATORS.flatMap((base) => [
      `${prefix}${base}`,
      ...(base === "Null" ? [] : [`${prefix}${base}${IF_EXISTS}`]),
    ]),
  ),
);

/** Why an operator name is not IAM's, with the nearest one that is. */
function conditionOperatorProblem(operator: string): string | undefined {
  if (CONDITION_OPERATOR_NAMES.has(operator)) return undefined;
  const suggestion = nearest(operator, [...CONDITION_OPERATOR_NAMES]);
  const hint = operator.endsWith(`Null${IF_EXISTS}`)
    ? "Null takes no IfExists (it tests whether the key exists)"
    : suggestion
      ? `did you mean ${suggestion}?`
      : "use one of IAM's operators (StringEquals, ArnLike, Bool, ...), optionally ending in IfExists and starting with ForAllValues: or ForAnyValue:";
  return `unknown condition operator ${shown(operator)}: ${hint}`;
}

function validateCondition(condition: unknown, at: string): Problem[] {
  if (!isRecord(condition)) return [{ path: at, message: "Condition must be an object of operators" }];
  const problems: Problem[] = [];
  for (const [operator, keys] of Object.entries(condition)) {
    const opPath = join(at, operator);
    const unknownOperator = conditionOperatorProblem(operator);
    if (unknownOperator) problems.push({ path: opPath, message: unknownOperator });
    if (!isRecord(keys) || Object.keys(keys).length === 0) {
      problems.push({
        path: opPath,
        message: `condition operator ${shown(operator)} must map condition keys to values`,
      });
      continue;
    }
    for (const [key, value] of Object.entries(keys)) {
      const values = Array.isArray(value) ? value : [value];
      const scalar = (v: unknown) => ["string", "number", "boolean"].includes(typeof v);
      if (values.length === 0 || !values.every(scalar)) {
        problems.push({
          path: join(opPath, key),
          message: "a condition value must be a string, number, boolean or a list of them",
        });
      }
    }
  }
  return problems;
}
