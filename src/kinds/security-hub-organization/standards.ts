/**
 * Security Hub standards by name and version, and controls by id: what a spec names, resolved
 * against what Security Hub offers in a region (DescribeStandards, ListSecurityControlDefinitions).
 * Users never type an ARN: a name or version Security Hub does not offer, or a control in none of
 * the spec's standards, is refused before any write, with what is valid listed.
 */
import { nearest } from "../../api/suggest.js";
import type { DisabledControlSpec, StandardSpec } from "./api.js";
import type { StandardDefinition } from "./security-hub-api.js";

/** A standard's name and version, as its ARN spells them. */
export interface StandardId {
  name: string;
  version: string;
}

/** A standard of the spec with its ARN in one region. */
export interface ResolvedStandard extends StandardId {
  arn: string;
  /** AWS's display name. */
  title: string;
}

/**
 * The name and version in a standards ARN:
 * `arn:aws:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/5.0.0`, or the older
 * region-less `arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0`.
 */
export function standardIdOf(arn: string): StandardId | undefined {
  const match = /:(?:standards|ruleset)\/([^/]+)\/v\/([^/]+)$/.exec(arn);
  return match?.[1] && match[2] ? { name: match[1], version: match[2] } : undefined;
}

/** How a standard is named in status, plans and messages: `cis-aws-foundations-benchmark 5.0.0`. */
export const standardLabel = (s: StandardId): string => `${s.name} ${s.version}`;

/** A standards ARN as status shows it: its label when it parses, else the ARN. */
export const labelOfArn = (arn: string): string => {
  const id = standardIdOf(arn);
  return id ? standardLabel(id) : arn;
};

/** At most this many valid values are listed in a refusal (the count is exact). */
const MAX_LISTED = 60;

const listed = (values: readonly string[]): string =>
  values.length <= MAX_LISTED
    ? values.join(", ")
    : `${values.slice(0, MAX_LISTED).join(", ")} and ${values.length - MAX_LISTED} more`;

/** The catalogue of a region by name: versions (sorted) and each one's definition. */
function catalogueByName(
  catalogue: readonly StandardDefinition[],
): Map<string, Map<string, StandardDefinition>> {
  const byName = new Map<string, Map<string, StandardDefinition>>();
  for (const definition of catalogue) {
    const id = standardIdOf(definition.arn);
    if (!id) continue;
    const versions = byName.get(id.name) ?? new Map<string, StandardDefinition>();
    versions.set(id.version, definition);
    byName.set(id.name, versions);
  }
  return byName;
}

/** What a region offers, as a refusal lists it: `cis-aws-foundations-benchmark 1.2.0, 5.0.0; pci-dss ...`. */
function offered(byName: Map<string, Map<string, StandardDefinition>>): string {
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, versions]) => `${name} ${[...versions.keys()].sort().join(", ")}`)
    .join("; ");
}

/**
 * The spec's standards with their ARNs in `region`, or every problem (each naming its field and
 * what the region offers instead).
 */
export function resolveStandards(
  standards: readonly StandardSpec[],
  catalogue: readonly StandardDefinition[],
  region: string,
): { resolved: ResolvedStandard[] } | { problems: string[] } {
  const byName = catalogueByName(catalogue);
  const resolved: ResolvedStandard[] = [];
  const problems: string[] = [];
  standards.forEach((s, i) => {
    const at = `spec.standards[${i}]`;
    const versions = byName.get(s.name);
    if (!versions) {
      const guess = nearest(s.name, [...byName.keys()]);
      problems.push(
        `${at}.name: Security Hub offers no standard named ${s.name} in ${region}${guess ? ` (did you mean ${guess}?)` : ""}; it offers: ${offered(byName)}`,
      );
      return;
    }
    const definition = versions.get(s.version);
    if (!definition) {
      problems.push(
        `${at}.version: ${s.name} has no version ${s.version} in ${region}; its versions: ${[...versions.keys()].sort().join(", ")}`,
      );
      return;
    }
    resolved.push({ ...s, arn: definition.arn, title: definition.name });
  });
  return problems.length > 0 ? { problems } : { resolved };
}

/**
 * The disabled controls that are in none of the spec's standards (`controlsOf`: the security
 * control ids of each resolved standard), each a problem that lists the valid ids.
 */
export function unknownControls(
  disabled: readonly DisabledControlSpec[],
  controlsOf: ReadonlyMap<string, ReadonlySet<string>>,
  region: string,
): string[] {
  const valid = [...new Set([...controlsOf.values()].flatMap((ids) => [...ids]))].sort(compareControls);
  const standards = [...controlsOf.keys()];
  return disabled.flatMap((d, i) => {
    if (valid.includes(d.control)) return [];
    const guess = nearest(d.control, valid);
    const where =
      standards.length === 0 ? "the spec enables no standard" : `none of ${standards.join(", ")} has it`;
    return [
      `spec.disabledControls[${i}].control: ${d.control} is not a control of the spec's standards in ${region}: ${where}${guess ? ` (did you mean ${guess}?)` : ""}; their ${valid.length} controls: ${listed(valid)}`,
    ];
  });
}

/** IAM.2 before IAM.10: by service, then by number. */
export function compareControls(a: string, b: string): number {
  const [sa = "", na = "0"] = a.split(".");
  const [sb = "", nb = "0"] = b.split(".");
  return sa.localeCompare(sb) || Number(na) - Number(nb);
}
