/**
 * Pure comparison of a region's account-level IMDS defaults with the spec. Only the fields the spec
 * sets are compared, written and reset; the others are neither read into status nor changed.
 * GetInstanceMetadataDefaults leaves out a field that has no account-level default; to clear one,
 * ModifyInstanceMetadataDefaults takes `no-preference` (`-1` for the hop limit), and a field it is
 * not sent is left unchanged (EC2 API reference).
 */
import type { z } from "zod";
import type { Change } from "../../runtime/managed.js";
import { DECLARATIVE_POLICY_NOTE, underDeclarativePolicy } from "../setting/declarative-policy.js";
import type { InstanceMetadataDefaultsFields, observedInstanceMetadataDefaults } from "./schema.js";

/** The four defaults, by their names in the spec, in status and (capitalized) in the API. */
export const IMDS_FIELDS = [
  "httpTokens",
  "httpPutResponseHopLimit",
  "httpEndpoint",
  "instanceMetadataTags",
] as const;
export type ImdsField = (typeof IMDS_FIELDS)[number];

/** What one region should have: httpTokens always, the others where the spec sets them. */
export interface DesiredInstanceMetadataDefaults {
  httpTokens: "required" | "optional";
  httpPutResponseHopLimit?: number;
  httpEndpoint?: "enabled" | "disabled";
  instanceMetadataTags?: "enabled" | "disabled";
}

export type ObservedInstanceMetadataDefaults = z.output<typeof observedInstanceMetadataDefaults>;

/** What ModifyInstanceMetadataDefaults is sent (its parameters, capitalized). */
export interface ImdsModification {
  HttpTokens?: "required" | "optional" | "no-preference";
  HttpPutResponseHopLimit?: number;
  HttpEndpoint?: "enabled" | "disabled" | "no-preference";
  InstanceMetadataTags?: "enabled" | "disabled" | "no-preference";
}

/** The desired defaults of any region (they are the same everywhere). */
export function desiredInstanceMetadataDefaults(
  fields: InstanceMetadataDefaultsFields,
): DesiredInstanceMetadataDefaults {
  return {
    httpTokens: fields.httpTokens,
    ...(fields.httpPutResponseHopLimit !== undefined
      ? { httpPutResponseHopLimit: fields.httpPutResponseHopLimit }
      : {}),
    ...(fields.httpEndpoint !== undefined ? { httpEndpoint: fields.httpEndpoint } : {}),
    ...(fields.instanceMetadataTags !== undefined
      ? { instanceMetadataTags: fields.instanceMetadataTags }
      : {}),
  };
}

/** The fields the spec manages, in the API's order. */
export const managedFields = (desired: DesiredInstanceMetadataDefaults): ImdsField[] =>
  IMDS_FIELDS.filter((f) => desired[f] !== undefined);

/** One change per managed field that differs; absent in `observed`: no account-level default. */
export function diffInstanceMetadataDefaults(
  desired: DesiredInstanceMetadataDefaults,
  observed: ObservedInstanceMetadataDefaults | undefined,
): Change[] {
  const declarative = underDeclarativePolicy(observed?.managedBy);
  return managedFields(desired).flatMap((field): Change[] => {
    const have = observed?.[field];
    if (have === desired[field]) return [];
    return [
      {
        path: field,
        ...(have !== undefined ? { from: have } : {}),
        to: desired[field],
        ...(declarative ? { description: `${field}: ${DECLARATIVE_POLICY_NOTE}` } : {}),
      },
    ];
  });
}

const capitalized = (field: ImdsField) =>
  `${field[0]!.toUpperCase()}${field.slice(1)}` as keyof ImdsModification;

/** What a write sends: the managed fields that differ (the others are left as they are). */
export function imdsModification(
  desired: DesiredInstanceMetadataDefaults,
  observed: ObservedInstanceMetadataDefaults | undefined,
): ImdsModification {
  return Object.fromEntries(
    managedFields(desired)
      .filter((f) => observed?.[f] !== desired[f])
      .map((f) => [capitalized(f), desired[f]]),
  ) as ImdsModification;
}

/** What Delete sends: no preference for every field the spec manages (and only those). */
export function imdsReset(desired: DesiredInstanceMetadataDefaults): ImdsModification {
  return Object.fromEntries(
    managedFields(desired).map((f) => [
      capitalized(f),
      f === "httpPutResponseHopLimit" ? -1 : "no-preference",
    ]),
  ) as ImdsModification;
}

/**
 * A reading of the managed fields (and who keeps them), or undefined when none of them has an
 * account-level default and no declarative policy keeps them: nothing set.
 */
export function imdsReading(
  desired: DesiredInstanceMetadataDefaults,
  accountLevel: {
    HttpTokens?: string;
    HttpPutResponseHopLimit?: number;
    HttpEndpoint?: string;
    InstanceMetadataTags?: string;
    ManagedBy?: string;
    ManagedExceptionMessage?: string;
  },
): ObservedInstanceMetadataDefaults | undefined {
  const fields = Object.fromEntries(
    managedFields(desired).flatMap((f) => {
      const value = accountLevel[capitalized(f)];
      return value === undefined ? [] : [[f, value]];
    }),
  );
  const declarative = underDeclarativePolicy(accountLevel.ManagedBy);
  if (Object.keys(fields).length === 0 && !declarative) return undefined;
  return {
    ...fields,
    ...(accountLevel.ManagedBy ? { managedBy: accountLevel.ManagedBy } : {}),
    ...(accountLevel.ManagedExceptionMessage
      ? { managedExceptionMessage: accountLevel.ManagedExceptionMessage.slice(0, 1024) }
      : {}),
  };
}

/** Whether new instances of a region require IMDSv2 by default (the account side of CIS 5.6). */
export const imdsV2Required = (observed: ObservedInstanceMetadataDefaults | undefined): boolean =>
  observed?.httpTokens === "required";
