/** Pure comparison of a PublicAccessBlock spec with what S3 Control reports. */
import type { PublicAccessBlockConfiguration } from "@aws-sdk/client-s3-control";
import type { Change } from "../../runtime/managed.js";
import type { PublicAccessBlockFields } from "./schema.js";

export interface NormalizedPublicAccessBlock {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

const FIELDS: Array<keyof NormalizedPublicAccessBlock> = [
  "blockPublicAcls",
  "ignorePublicAcls",
  "blockPublicPolicy",
  "restrictPublicBuckets",
];

export const desiredPublicAccessBlock = (spec: PublicAccessBlockFields): NormalizedPublicAccessBlock => ({
  blockPublicAcls: spec.blockPublicAcls,
  ignorePublicAcls: spec.ignorePublicAcls,
  blockPublicPolicy: spec.blockPublicPolicy,
  restrictPublicBuckets: spec.restrictPublicBuckets,
});

/** A flag S3 does not report is off. */
export const normalizeObserved = (c: PublicAccessBlockConfiguration): NormalizedPublicAccessBlock => ({
  blockPublicAcls: c.BlockPublicAcls ?? false,
  ignorePublicAcls: c.IgnorePublicAcls ?? false,
  blockPublicPolicy: c.BlockPublicPolicy ?? false,
  restrictPublicBuckets: c.RestrictPublicBuckets ?? false,
});

/** With no configuration at all, every flag is off. */
export const ALL_OFF: NormalizedPublicAccessBlock = normalizeObserved({});

/** The flags that differ; no configuration at all means every flag is off. */
export const diffPublicAccessBlock = (
  d: NormalizedPublicAccessBlock,
  observed: NormalizedPublicAccessBlock | undefined,
): Change[] => {
  const o = observed ?? ALL_OFF;
  return FIELDS.filter((f) => d[f] !== o[f]).map((f) => ({ path: f, from: o[f], to: d[f] }));
};

export const toConfiguration = (d: NormalizedPublicAccessBlock): PublicAccessBlockConfiguration => ({
  BlockPublicAcls: d.blockPublicAcls,
  IgnorePublicAcls: d.ignorePublicAcls,
  BlockPublicPolicy: d.blockPublicPolicy,
  RestrictPublicBuckets: d.restrictPublicBuckets,
});
