/** Pure comparison of a PublicAccessBlock spec with what S3 Control reports. */
import type { PublicAccessBlockConfiguration } from "@aws-sdk/client-s3-control";
import type { PublicAccessBlockSpec } from "../../api/public-access-block.js";
import type { Change } from "../../runtime/managed.js";

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

export const desiredPublicAccessBlock = (spec: PublicAccessBlockSpec): NormalizedPublicAccessBlock => ({
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

export const diffPublicAccessBlock = (
  d: NormalizedPublicAccessBlock,
  o: NormalizedPublicAccessBlock,
): Change[] => FIELDS.filter((f) => d[f] !== o[f]).map((f) => ({ path: f, from: o[f], to: d[f] }));

export const toConfiguration = (d: NormalizedPublicAccessBlock): PublicAccessBlockConfiguration => ({
  BlockPublicAcls: d.blockPublicAcls,
  IgnorePublicAcls: d.ignorePublicAcls,
  BlockPublicPolicy: d.blockPublicPolicy,
  RestrictPublicBuckets: d.restrictPublicBuckets,
});
