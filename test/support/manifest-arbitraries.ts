/**
 * fast-check arbitraries of manifests for one kind, derived from what the apiserver itself judges
 * (the kind's generated CRD schema) and from the kind's examples: a manifest valid by the schema
 * or an example, then (mostly) one mutation a user or a tool could make: a wrong type, a missing or
 * unknown field, a boundary number, unicode, a huge string, deep nesting, or in the YAML text a
 * duplicate key, an anchor and alias, a merge key, a scalar YAML 1.1 reads otherwise, JSON.
 */
import fc from "fast-check";
import { Document, isMap, isScalar, isSeq, type Node, type Pair, visit, type YAMLMap } from "yaml";
import type { ApiDefinition } from "../../src/api/api-definition.js";
import { API_GROUP_VERSION } from "../../src/api/common.js";
import { crdFor, type SchemaNode } from "../../src/api/crd.js";

/** One generated manifest: its YAML text and what was done to make it. */
export interface ManifestCase {
  mutation: string;
  yaml: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type PathPart = string | number;

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const schemaChild = (node: SchemaNode | undefined, key: string): SchemaNode | undefined =>
  node?.[key] as SchemaNode | undefined;

/** The whole object's schema as the apiserver holds it (apiVersion, kind, metadata, spec, status). */
export const objectSchemaOf = (def: ApiDefinition): SchemaNode =>
  crdFor(def).spec.versions[0]!.schema.openAPIV3Schema;

/** The schema node at `path` under `schema`, walking properties, additionalProperties and items. */
export function schemaAt(schema: SchemaNode | undefined, path: readonly PathPart[]): SchemaNode | undefined {
  let node = schema;
  for (const part of path) {
    if (!node) return undefined;
    if (typeof part === "number") node = schemaChild(node, "items");
    else {
      const properties = schemaChild(node, "properties");
      node = (properties?.[part] as SchemaNode | undefined) ?? schemaChild(node, "additionalProperties");
    }
  }
  return node;
}

/** Values the examples hold at each schema path (`spec.targets[]`), for fields the schema leaves untyped. */
function samplesByPath(examples: readonly Json[]): Map<string, Json[]> {
  const samples = new Map<string, Json[]>();
  const walk = (value: Json, path: string) => {
    samples.set(path, [...(samples.get(path) ?? []), value]);
    if (Array.isArray(value)) for (const item of value) walk(item, `${path}[]`);
    else if (isObject(value)) for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
  };
  for (const example of examples) walk(example, "");
  return samples;
}

const MAX_GENERATED_ITEMS = 3;

/** Values the schema node admits by its types, bounds and patterns (CEL rules aside). */
function fromSchema(node: SchemaNode, path: string, samples: Map<string, Json[]>): fc.Arbitrary<Json> {
  const seen = samples.get(path) ?? [];
  const untyped = node.type === undefined;
  if (untyped)
    return seen.length > 0 ? fc.constantFrom(...seen) : fc.jsonValue({ maxDepth: 2 }).map((v) => v as Json);
  if (Array.isArray(node.enum)) return fc.constantFrom(...(node.enum as Json[]));
  switch (node.type) {
    case "boolean":
      return fc.boolean();
    case "integer": {
      const min = typeof node.minimum === "number" ? node.minimum : -1000;
      const max = typeof node.maximum === "number" ? node.maximum : 1000;
      return fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
    }
    case "number":
      return fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
    case "string":
      return stringFromSchema(node, seen);
    case "array": {
      const items = schemaChild(node, "items");
      if (!items) return fc.constant([]);
      const minLength = typeof node.minItems === "number" ? node.minItems : 0;
      const maxLength = Math.max(
        minLength,
        Math.min(typeof node.maxItems === "number" ? node.maxItems : 3, MAX_GENERATED_ITEMS),
      );
      const item = fromSchema(items, `${path}[]`, samples);
      return node["x-kubernetes-list-type"] === "set"
        ? fc.uniqueArray(item, { minLength, maxLength, selector: (v) => JSON.stringify(v) })
        : fc.array(item, { minLength, maxLength });
    }
    default:
      return objectFromSchema(node, path, samples);
  }
}

function stringFromSchema(node: SchemaNode, seen: Json[]): fc.Arbitrary<Json> {
  const minLength = typeof node.minLength === "number" ? node.minLength : 0;
  const maxLength = typeof node.maxLength === "number" ? node.maxLength : 64;
  const fits = (s: string) => [...s].length >= minLength && [...s].length <= maxLength;
  const made =
    typeof node.pattern === "string"
      ? fc.stringMatching(new RegExp(node.pattern)).filter(fits)
      : fc.string({ minLength, maxLength: Math.min(maxLength, 24) });
  const strings = seen.filter((s): s is string => typeof s === "string");
  return strings.length > 0 ? fc.oneof(fc.constantFrom(...strings), made) : made;
}

function objectFromSchema(node: SchemaNode, path: string, samples: Map<string, Json[]>): fc.Arbitrary<Json> {
  const properties = schemaChild(node, "properties");
  const additional = schemaChild(node, "additionalProperties");
  if (properties) {
    const shape = Object.fromEntries(
      Object.entries(properties).map(([k, v]) => [k, fromSchema(v as SchemaNode, `${path}.${k}`, samples)]),
    );
    const required = Array.isArray(node.required) ? (node.required as string[]) : [];
    return fc.record(shape, { requiredKeys: required }).map((v) => v as Json);
  }
  if (additional) {
    const keys = [...samples.keys()]
      .filter((k) => k.startsWith(`${path}.`) && !k.slice(path.length + 1).includes("."))
      .map((k) => k.slice(path.length + 1).replace(/\[\]$/, ""));
    const key =
      keys.length > 0
        ? fc.oneof(fc.constantFrom(...keys), fc.string({ minLength: 1, maxLength: 12 }))
        : fc.string({ minLength: 1, maxLength: 12 });
    return fc
      .dictionary(key, fromSchema(additional, `${path}.*`, samples), { maxKeys: 3 })
      .map((v) => v as Json);
  }
  const seen = samples.get(path) ?? [];
  return seen.length > 0 ? fc.constantFrom(...seen) : fc.constant({});
}

/** Every path in `value` (objects' keys, arrays' indexes), the root excluded. */
function pathsOf(value: Json, prefix: PathPart[] = []): PathPart[][] {
  const out: PathPart[][] = [];
  const children: Array<[PathPart, Json]> = Array.isArray(value)
    ? value.map((v, i) => [i, v])
    : isObject(value)
      ? Object.entries(value)
      : [];
  for (const [key, child] of children) {
    const path = [...prefix, key];
    out.push(path, ...pathsOf(child, path));
  }
  return out;
}

const get = (value: Json, path: readonly PathPart[]): Json =>
  path.reduce<Json>(
    (v, k) => (Array.isArray(v) ? (v[k as number] ?? null) : isObject(v) ? (v[k as string] ?? null) : null),
    value,
  );

/** A copy of `value` with the node at `path` replaced (or removed when `replacement` is undefined). */
function setAt(value: Json, path: readonly PathPart[], replacement: Json | undefined): Json {
  if (path.length === 0) return replacement ?? null;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (rest.length === 0 && replacement === undefined) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number] ?? null, rest, replacement);
    return copy;
  }
  const copy: Record<string, Json> = isObject(value) ? { ...value } : {};
  if (rest.length === 0 && replacement === undefined) delete copy[head as string];
  else copy[head as string] = setAt(copy[head as string] ?? null, rest, replacement);
  return copy;
}

const label = (path: readonly PathPart[]) =>
  path.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), "");

const jsonType = (v: Json) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** A mutation of the object: what it did, and the object it made. */
interface Mutated {
  mutation: string;
  object: Json;
  /** A change to make in the YAML text instead (applied when rendering). */
  yaml?: YamlEdit;
}

type YamlEdit =
  | { type: "duplicate-key"; map: number; pair: number }
  | { type: "alias"; source: number; target: number }
  | { type: "merge-key"; map: number; source: number }
  | { type: "plain-scalar"; path: PathPart[]; text: string }
  | { type: "json" };

const WRONG_TYPES: Json[] = ["text", 42, -1, 0, true, false, null, [], {}, ["a"], { a: 1 }, 1.5];
const UNKNOWN_KEYS = [
  "extra",
  "Statment",
  "spec",
  "metadata",
  "status",
  "x-y",
  "accountID",
  "region",
  "Targets",
];
/** Unicode a YAML file may carry: astral, combining, right-to-left, zero-width, whitespace regexes disagree on. */
const UNICODE = [
  "😀",
  "e\u0301",
  "\u202eevil",
  "a\u200bb",
  "\u00a0a@example.com",
  "a@example.com\u2028",
  "\u000ba@example.com",
  "Ω≈ç√",
  "\ufeffname",
  "tab\there",
  "line\nbreak",
  "a\u0000b",
  "\ud800",
  "ﬁ",
  "日本語",
];
/** Plain scalars YAML 1.1 (kubectl) and YAML 1.2 read differently, and some they read alike. */
const PLAIN_SCALARS = [
  "yes",
  "no",
  "on",
  "off",
  "y",
  "N",
  "True",
  "0777",
  "010",
  "0b101",
  "1_000",
  "0o17",
  "0x1F",
  "1e3",
  ".inf",
  "~",
  "2024-01-01",
  "16.0",
  "1e1",
  "-0",
  "99999999999999999999",
  ".NaN",
  "=",
  "<<",
];

/** Strings at and over a field's limit (in characters, and in astral characters, which JavaScript counts twice). */
const HUGE_STRINGS = [
  "maxLength",
  "maxLength+1",
  "astral maxLength",
  "astral maxLength+1",
  "10000",
  "100000",
] as const;

function hugeString(size: (typeof HUGE_STRINGS)[number], max: number): string {
  switch (size) {
    case "maxLength":
      return "x".repeat(max);
    case "maxLength+1":
      return "x".repeat(max + 1);
    case "astral maxLength":
      return "😀".repeat(max);
    case "astral maxLength+1":
      return "😀".repeat(max + 1);
    default:
      return "x".repeat(Number(size));
  }
}

function typoOf(key: string, n: number): string {
  if (key.length < 2) return `${key}x`;
  const i = n % (key.length - 1);
  switch (n % 3) {
    case 0:
      return key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
    case 1:
      return key.slice(0, i) + key.slice(i + 1);
    default:
      return key.toLowerCase() === key ? key.toUpperCase() : key.toLowerCase();
  }
}

function nested(depth: number, asList: boolean): Json {
  let value: Json = "deep";
  for (let i = 0; i < depth; i++) value = asList ? [value] : { a: value };
  return value;
}

/** The mutations of one object, as an arbitrary of mutated objects. */
function mutationsOf(object: Json, schema: SchemaNode): fc.Arbitrary<Mutated> {
  const paths = pathsOf(object);
  const objectPaths = [[], ...paths.filter((p) => isObject(get(object, p)))];
  const stringPaths = paths.filter((p) => typeof get(object, p) === "string");
  const numberPaths = paths.filter(
    (p) => schemaAt(schema, p)?.type === "integer" || typeof get(object, p) === "number",
  );
  const scalarPaths = paths.filter((p) => ["string", "number", "boolean"].includes(typeof get(object, p)));
  const anyPath = paths.length > 0 ? fc.constantFrom(...paths) : fc.constant<PathPart[]>(["spec"]);
  const keep: fc.Arbitrary<Mutated> = fc.constant({ mutation: "none", object });
  const choices: Array<{ arbitrary: fc.Arbitrary<Mutated>; weight: number }> = [
    { arbitrary: keep, weight: 3 },
    {
      weight: 2,
      arbitrary: fc
        .tuple(anyPath, fc.constantFrom(...WRONG_TYPES))
        .filter(([p, v]) => jsonType(get(object, p)) !== jsonType(v))
        .map(([p, v]) => ({
          mutation: `wrong type at ${label(p)}: ${JSON.stringify(v)}`,
          object: setAt(object, p, v),
        })),
    },
    {
      weight: 2,
      arbitrary: anyPath.map((p) => ({
        mutation: `missing ${label(p)}`,
        object: setAt(object, p, undefined),
      })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...objectPaths), fc.nat(), fc.constantFrom(...UNKNOWN_KEYS), fc.boolean())
        .map(([p, n, fallback, typo]) => {
          const siblings = Object.keys(get(object, p) as Record<string, Json>);
          const key = typo && siblings.length > 0 ? typoOf(siblings[n % siblings.length]!, n) : fallback;
          return {
            mutation: `unknown field ${label([...p, key])}`,
            object: setAt(object, [...p, key], "value"),
          };
        }),
    },
  ];
  if (numberPaths.length > 0) {
    choices.push({
      weight: 2,
      arbitrary: fc.constantFrom(...numberPaths).chain((p) => {
        const node = schemaAt(schema, p);
        const bounds = [node?.minimum, node?.maximum].filter((b): b is number => typeof b === "number");
        const values = [
          ...bounds.flatMap((b) => [b - 1, b, b + 1]),
          0,
          -1,
          2147483647,
          2147483648,
          2 ** 53 + 2,
          1.5,
          1e21,
          -0,
        ];
        return fc
          .constantFrom(...values)
          .map((v) => ({ mutation: `boundary number at ${label(p)}: ${v}`, object: setAt(object, p, v) }));
      }),
    });
  }
  if (stringPaths.length > 0) {
    const strings = fc.constantFrom(...stringPaths);
    choices.push(
      {
        weight: 2,
        arbitrary: fc
          .tuple(strings, fc.oneof(fc.constantFrom(...UNICODE), fc.string({ unit: "binary", maxLength: 20 })))
          .map(([p, v]) => ({
            mutation: `unicode at ${label(p)}: ${JSON.stringify(v)}`,
            object: setAt(object, p, v),
          })),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(strings, fc.constantFrom(...UNICODE), fc.boolean()).map(([p, v, atEnd]) => {
          const was = get(object, p) as string;
          return {
            mutation: `unicode ${atEnd ? "appended to" : "put before"} ${label(p)}: ${JSON.stringify(v)}`,
            object: setAt(object, p, atEnd ? `${was}${v}` : `${v}${was}`),
          };
        }),
      },
      {
        weight: 1,
        arbitrary: fc.tuple(strings, fc.constantFrom(...HUGE_STRINGS)).map(([p, size]) => {
          const max = Number(schemaAt(schema, p)?.maxLength ?? 64);
          const text = hugeString(size, max);
          return {
            mutation: `huge string at ${label(p)}: ${size} (maxLength ${max})`,
            object: setAt(object, p, text),
          };
        }),
      },
    );
  }
  choices.push({
    weight: 1,
    arbitrary: fc.tuple(anyPath, fc.integer({ min: 5, max: 60 }), fc.boolean()).map(([p, depth, asList]) => ({
      mutation: `deep nesting at ${label(p)}: ${depth} ${asList ? "lists" : "maps"}`,
      object: setAt(object, p, nested(depth, asList)),
    })),
  });
  const maps = countMaps(object);
  const nodes = countNodes(object);
  choices.push(
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat(maps - 1), fc.nat()).map(([map, pair]) => ({
        mutation: `duplicate key in map ${map}`,
        object,
        yaml: { type: "duplicate-key", map, pair },
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat(nodes - 1), fc.nat()).map(([source, target]) => ({
        mutation: `anchor on node ${source}, alias at pair ${target}`,
        object,
        yaml: { type: "alias", source, target },
      })),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.nat(maps - 1), fc.nat(maps - 1)).map(([map, source]) => ({
        mutation: `merge key (<<) of map ${source} into map ${map}`,
        object,
        yaml: { type: "merge-key", map, source },
      })),
    },
    {
      weight: 1,
      arbitrary: fc.constant({ mutation: "written as JSON", object, yaml: { type: "json" } as YamlEdit }),
    },
  );
  if (scalarPaths.length > 0) {
    choices.push({
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...scalarPaths), fc.constantFrom(...PLAIN_SCALARS))
        .map(([p, text]) => ({
          mutation: `plain scalar ${text} at ${label(p)}`,
          object,
          yaml: { type: "plain-scalar", path: p, text },
        })),
    });
  }
  return fc.oneof(...choices);
}

function countMaps(value: Json): number {
  if (Array.isArray(value)) return value.reduce<number>((n, v) => n + countMaps(v), 0);
  if (isObject(value)) return 1 + Object.values(value).reduce<number>((n, v) => n + countMaps(v), 0);
  return 0;
}

function countNodes(value: Json): number {
  if (Array.isArray(value)) return 1 + value.reduce<number>((n, v) => n + countNodes(v), 0);
  if (isObject(value)) return 1 + Object.values(value).reduce<number>((n, v) => n + countNodes(v), 0);
  return 1;
}

/** The maps, value nodes and pairs of a document, and the order each comes in the text. */
function collect(doc: Document): {
  maps: YAMLMap[];
  nodes: Node[];
  pairs: Pair[];
  order: Map<unknown, number>;
} {
  const maps: YAMLMap[] = [];
  const nodes: Node[] = [];
  const pairs: Pair[] = [];
  const order = new Map<unknown, number>();
  const seen = (item: unknown) => order.set(item, order.size);
  visit(doc, {
    Map(_, node) {
      seen(node);
      maps.push(node);
      nodes.push(node);
    },
    Seq(_, node) {
      seen(node);
      nodes.push(node);
    },
    Scalar(key, node) {
      seen(node);
      if (key !== "key") nodes.push(node);
    },
    Pair(_, pair) {
      seen(pair);
      pairs.push(pair);
    },
  });
  return { maps, nodes, pairs, order };
}

/** Whether `inner` is `outer` or inside it (an alias there would make a cycle). */
function contains(outer: Node, inner: unknown): boolean {
  if (outer === inner) return true;
  if (isMap(outer)) return outer.items.some((p) => contains(p.value as Node, inner) || p.value === inner);
  if (isSeq(outer)) return outer.items.some((i) => contains(i as Node, inner));
  return false;
}

const PLAIN_TOKEN = "zzplainzz";

/** The YAML text of a mutated object, with its YAML-level edit made. */
function render(m: Mutated): string {
  if (m.yaml?.type === "json") return `${JSON.stringify(m.object, null, 2)}\n`;
  let object = m.object;
  if (m.yaml?.type === "plain-scalar") object = setAt(object, m.yaml.path, PLAIN_TOKEN);
  const doc = new Document(object);
  const { maps, nodes, pairs, order } = collect(doc);
  const before = (a: unknown, b: unknown) => (order.get(a) ?? 0) < (order.get(b) ?? 0);
  const edit = m.yaml;
  if (edit?.type === "duplicate-key" && maps[edit.map] && maps[edit.map]!.items.length > 0) {
    const map = maps[edit.map]!;
    const pair = map.items[edit.pair % map.items.length]!;
    map.items.push(doc.createPair(isScalar(pair.key) ? pair.key.value : "key", "duplicate"));
  }
  if (edit?.type === "alias") {
    // An alias follows its anchor in the text, outside the anchored node.
    const source = nodes[edit.source];
    const candidates = pairs.filter(
      (p) => source && before(source, p) && !contains(source, p.value) && !contains(p.value as Node, source),
    );
    const target = candidates[edit.target % Math.max(1, candidates.length)];
    if (source && target) target.value = doc.createAlias(source as Parameters<Document["createAlias"]>[0]);
  }
  if (edit?.type === "merge-key") {
    const map = maps[edit.map];
    const source = maps[edit.source];
    if (map && source && before(source, map) && !contains(source, map)) {
      map.items.push(doc.createPair("<<", doc.createAlias(source)));
    }
  }
  const text = doc.toString({ lineWidth: 0 });
  return edit?.type === "plain-scalar" ? text.replace(PLAIN_TOKEN, edit.text) : text;
}

/**
 * Manifests of `def`'s kind: its examples or objects made from its schema, each mutated (or not)
 * and rendered as YAML.
 */
export function manifestCases(
  def: ApiDefinition,
  exampleObjects: readonly unknown[],
): fc.Arbitrary<ManifestCase> {
  // As JSON: what a manifest can hold (and a copy the mutations cannot reach back into).
  const examples = exampleObjects.map((o) => JSON.parse(JSON.stringify(o)) as Json);
  const schema = objectSchemaOf(def);
  const samples = samplesByPath(examples);
  const specSchema = schemaAt(schema, ["spec"])!;
  // Short names, names of any length Kubernetes allows (up to 253), and names near its limits.
  const names = fc.oneof(
    fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/),
    fc.stringMatching(/^[a-z0-9]([-a-z0-9.]{0,250}[a-z0-9])?$/),
    fc.integer({ min: 120, max: 260 }).map((n) => "a".repeat(n)),
  );
  const made = fc
    .record({ name: names, spec: fromSchema(specSchema, ".spec", samples) })
    .map(
      ({ name, spec }): Json => ({ apiVersion: API_GROUP_VERSION, kind: def.kind, metadata: { name }, spec }),
    );
  const base =
    examples.length > 0
      ? fc.oneof({ arbitrary: fc.constantFrom(...examples), weight: 3 }, { arbitrary: made, weight: 2 })
      : made;
  return base
    .chain((object) => mutationsOf(object, schema))
    .map((m) => ({ mutation: m.mutation, yaml: render(m) }));
}
