/**
 * YAML that the kube-apiserver, kubectl, Helm and Argo CD (all reading YAML 1.1 with the Go
 * library sigs.k8s.io/yaml, strictly when field validation is strict) read otherwise than
 * orgguard's YAML 1.2 parser, or refuse: found by the agreement test between validate and
 * admission (test/integration/validate-admission-agreement.test.ts). Each is a problem at the
 * field it concerns, saying how to write it so every tool reads the same.
 */
import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  type LineCounter,
  type Node,
  Scalar,
  visit,
  type YAMLMap,
} from "yaml";
import { shown } from "../api/problems.js";

/** A problem found while reading a document, before any schema: at a field, or the document (""). */
export interface ReadProblem {
  path: string;
  line: number;
  message: string;
}

/**
 * Plain scalars YAML 1.1 and YAML 1.2 read differently. kubectl, Helm, Argo CD and the
 * kube-apiserver read YAML 1.1 (the Go library sigs.k8s.io/yaml): `yes` is true and `024` is 20;
 * YAML 1.2 tools, this file's parser among them, read the string "yes" and 24. Such a value means
 * what the tool that applies it decides: orgguard refuses it and says how to write it.
 */
function yaml11Reading(source: string): string | undefined {
  if (/^(y|Y|yes|Yes|YES|on|On|ON)$/.test(source)) return "true";
  if (/^(n|N|no|No|NO|off|Off|OFF)$/.test(source)) return "false";
  const digits = source.replace(/^[-+]/, "");
  const sign = source.startsWith("-") ? -1 : 1;
  if (/^0[0-7_]*[1-7][0-7_]*$/.test(digits))
    return String(sign * Number.parseInt(digits.replaceAll("_", ""), 8));
  if (/^0b[01_]+$/.test(digits))
    return String(sign * Number.parseInt(digits.slice(2).replaceAll("_", ""), 2));
  const plain = source.replaceAll("_", "");
  const prefixed = prefixedInteger(plain);
  // YAML 1.2 reads an unsigned 0x or 0o (lowercase, no `_`) as the same number; nothing else.
  if (prefixed !== undefined && (plain !== source || !/^0[xo]/.test(source))) return prefixed;
  if (source.includes("_")) return underscoredNumber(plain);
  return undefined;
}

/**
 * What Go's strconv.ParseInt(s, 0, 64) reads from a sign and a base prefix, as go-yaml does with
 * a plain scalar once its `_` are dropped: 0x, 0o and 0b in either case (`0_Xd` is 13, `-0x1f`
 * is -31), where YAML 1.2 reads a string.
 */
function prefixedInteger(plain: string): string | undefined {
  const match = /^([-+]?)0(?:[xX]([0-9a-fA-F]+)|[oO]([0-7]+)|[bB]([01]+))$/.exec(plain);
  if (!match) return undefined;
  const [, sign, hex, octal, binary] = match;
  const value = hex
    ? Number.parseInt(hex, 16)
    : octal
      ? Number.parseInt(octal, 8)
      : Number.parseInt(binary ?? "", 2);
  return String(sign === "-" ? -value : value);
}

/**
 * YAML 1.1 (go-yaml) drops every `_` from a plain scalar and reads what is left as a decimal
 * integer or a float (`7_.` is 7); YAML 1.2 reads any scalar with a `_` as a string.
 */
function underscoredNumber(plain: string): string | undefined {
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return String(Number(plain));
  return undefined;
}

/** The advice for a scalar YAML 1.1 reads as `reading`. */
function yaml11Problem(source: string, reading: string, asKey: boolean): string {
  const quoted = JSON.stringify(source);
  const what = asKey ? "this key" : "this value";
  const as12 = /^(true|false)$/.test(reading) ? `the string ${quoted}` : "another value";
  return `${what} is written ${shown(source)}, which YAML 1.1 (kubectl, the kube-apiserver) reads as ${reading} and YAML 1.2 as ${as12}: write ${reading} or ${quoted} in quotes`;
}

/** A lone UTF-16 surrogate (a "\\ud800" escape): no Unicode character, refused by the kube-apiserver. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What a document's YAML says that the kube-apiserver reads otherwise or refuses, at the field
 * it concerns: plain scalars YAML 1.1 reads otherwise, escapes that are no Unicode, numbers JSON
 * cannot carry (.inf, .nan), and keys a merge key (<<) sets a second time.
 */
export function writtenProblems(doc: Document, text: string, lineCounter: LineCounter): ReadProblem[] {
  const problems: ReadProblem[] = [];
  const lineOfNode = (node: Node) => (node.range ? lineCounter.linePos(node.range[0]).line : 1);
  visit(doc, {
    Scalar(key, node, ancestors) {
      // The path costs a walk up the document: made only for a problem (10,000 statements have none).
      const at = () => ({
        path: pathOfNode(ancestors, key === "key" ? undefined : node),
        line: lineOfNode(node),
      });
      const written = node.range ? text.slice(node.range[0], node.range[1]) : "";
      const separator = /[\u0085\u2028\u2029]/.exec(written);
      if (separator) {
        const code = `U+${separator[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
        problems.push({
          ...at(),
          message: `holds a raw ${code}, which YAML 1.1 (kubectl, the kube-apiserver) reads as a line break and YAML 1.2 as a character: write it as an escape in double quotes`,
        });
      }
      if (
        (node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED) &&
        blockScalarTab(written, parentColumn(ancestors, lineCounter))
      ) {
        problems.push({
          ...at(),
          message:
            "a line of this block scalar (| or >) has a tab where its indentation is: the YAML parser of kubectl and the kube-apiserver refuses it; quote the value instead",
        });
      }
      if (typeof node.value === "string" && LONE_SURROGATE.test(node.value)) {
        problems.push({
          ...at(),
          message:
            "holds an escape that is no Unicode character (a lone surrogate such as \\ud800): the kube-apiserver refuses it",
        });
      }
      if (typeof node.value === "number" && !Number.isFinite(node.value)) {
        problems.push({
          ...at(),
          message: `${shown(node.source ?? String(node.value))} is no number JSON can carry: the kube-apiserver refuses it; quote it if it is text`,
        });
      }
      if (node.type !== Scalar.PLAIN || node.source === undefined) return;
      const reading = yaml11Reading(node.source);
      if (reading !== undefined)
        problems.push({ ...at(), message: yaml11Problem(node.source, reading, key === "key") });
    },
    Map(_, map, ancestors) {
      const twice = keysMergedTwice(doc, map);
      if (twice.length > 0) {
        problems.push({
          path: pathOfNode(ancestors, map),
          line: lineOfNode(map),
          message: `${twice.map((k) => shown(k)).join(", ")} set both here and by a merge key (<<): the kube-apiserver's strict decoding refuses a key set twice`,
        });
      }
    },
  });
  return problems;
}

/**
 * Whether a block scalar's text (header line first) has a tab where the YAML 1.1 parser of
 * kubectl and the kube-apiserver reads indentation (its words: "found a tab character where an
 * indentation space is expected"): after a line's leading spaces while the indentation is not yet
 * known, or before the indentation column. An indentation indicator (`|2`) sets that column, from
 * `parent`, the column of the collection the scalar is in.
 */
function blockScalarTab(written: string, parent: number): boolean {
  const [header, ...lines] = written.split("\n");
  const indicator = /^[|>][+-]?(\d)|^[|>](\d)/.exec(header ?? "");
  const digit = indicator ? Number(indicator[1] ?? indicator[2]) : 0;
  let indent = digit > 0 ? parent + digit : 0;
  for (const line of lines) {
    const spaces = /^ */.exec(line)![0].length;
    if ((indent === 0 || spaces < indent) && line[spaces] === "\t") return true;
    if (indent === 0 && spaces < line.length) indent = spaces;
  }
  return false;
}

/** The column (0-based) of the mapping key or sequence a scalar is the value of: its parent's indentation. */
function parentColumn(ancestors: readonly unknown[], lineCounter: LineCounter): number {
  const parent = ancestors.at(-1);
  const at =
    isPair(parent) && isScalar(parent.key) ? parent.key.range : isSeq(parent) ? parent.range : undefined;
  return at ? lineCounter.linePos(at[0]).col - 1 : 0;
}

/** Whether a key is the merge key `<<` (the yaml library, merging, holds it as a symbol). */
const isMergeKey = (key: unknown): boolean =>
  isScalar(key) && (key.value === "<<" || typeof key.value === "symbol");

/** The keys of `map` that a merge key (<<) sets as well as the map itself, or two merges set. */
function keysMergedTwice(doc: Document, map: YAMLMap): string[] {
  const own = map.items.filter((p) => !isMergeKey(p.key));
  const merged = map.items
    .filter((p) => isMergeKey(p.key))
    .flatMap((p) => (isSeq(p.value) ? p.value.items : [p.value]))
    .map((source) => (isAlias(source) ? source.resolve(doc) : source))
    .filter(isMap);
  const counts = new Map<string, number>();
  for (const pair of [...own, ...merged.flatMap((m) => m.items)]) {
    if (!isScalar(pair.key)) continue;
    const key = String(pair.key.value);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return merged.length === 0 ? [] : [...counts].filter(([, n]) => n > 1).map(([k]) => k);
}

/** The field path (`spec.targets[0].ouId`) of a node from the visitor's ancestors. */
function pathOfNode(ancestors: readonly unknown[], node: Node | undefined): string {
  let out = "";
  for (let i = 0; i < ancestors.length; i++) {
    const here = ancestors[i];
    const next = i + 1 < ancestors.length ? ancestors[i + 1] : node;
    if (isPair(here) && isScalar(here.key)) {
      const key = String(here.key.value);
      out = out ? `${out}.${key}` : key;
    } else if (isSeq(here) && next !== undefined) {
      out = `${out}[${here.items.indexOf(next as Node)}]`;
    }
  }
  return out;
}
