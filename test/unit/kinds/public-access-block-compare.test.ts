/**
 * The public access block compare (public-access-block/compare.ts): what S3 Control reports, read
 * as four flags, and the flags that differ from the spec.
 */
import { describe, expect, it } from "vitest";
import {
  ALL_OFF,
  desiredPublicAccessBlock,
  diffPublicAccessBlock,
  type NormalizedPublicAccessBlock,
  normalizeObserved,
  toConfiguration,
} from "../../../src/kinds/public-access-block/compare.js";

const ALL_ON: NormalizedPublicAccessBlock = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

describe("normalizeObserved", () => {
  const cases = [
    { reason: "an empty configuration has every flag off", reported: {}, flags: ALL_OFF },
    {
      reason: "a flag S3 does not report is off, the others as reported",
      reported: { BlockPublicAcls: true, RestrictPublicBuckets: false },
      flags: { ...ALL_OFF, blockPublicAcls: true },
    },
    {
      reason: "every flag reported on",
      reported: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
      flags: ALL_ON,
    },
  ];
  it.each(cases)("$reason", ({ reported, flags }) => expect(normalizeObserved(reported)).toEqual(flags));
});

describe("diffPublicAccessBlock", () => {
  const cases: Array<{
    reason: string;
    desired: NormalizedPublicAccessBlock;
    observed: NormalizedPublicAccessBlock | undefined;
    paths: string[];
  }> = [
    { reason: "as desired: no change", desired: ALL_ON, observed: ALL_ON, paths: [] },
    {
      reason: "no configuration at all is every flag off: all four differ from all on",
      desired: ALL_ON,
      observed: undefined,
      paths: ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"],
    },
    {
      reason: "no configuration meets a spec with every flag off",
      desired: ALL_OFF,
      observed: undefined,
      paths: [],
    },
    {
      reason: "one flag turned off out of band",
      desired: ALL_ON,
      observed: { ...ALL_ON, blockPublicPolicy: false },
      paths: ["blockPublicPolicy"],
    },
    {
      reason: "a flag on in AWS that the spec turns off is a change too",
      desired: { ...ALL_ON, restrictPublicBuckets: false },
      observed: ALL_ON,
      paths: ["restrictPublicBuckets"],
    },
  ];
  it.each(cases)("$reason", ({ desired, observed, paths }) =>
    expect(diffPublicAccessBlock(desired, observed).map((c) => c.path)).toEqual(paths),
  );

  it("says from what AWS has to what the spec wants", () => {
    expect(diffPublicAccessBlock(ALL_ON, { ...ALL_ON, ignorePublicAcls: false })).toEqual([
      { path: "ignorePublicAcls", from: false, to: true },
    ]);
  });
});

describe("desiredPublicAccessBlock and toConfiguration", () => {
  it("takes the four flags of the spec and sends each under S3 Control's name", () => {
    const desired = desiredPublicAccessBlock({ ...ALL_ON, ignorePublicAcls: false });
    expect(toConfiguration(desired)).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    expect(normalizeObserved(toConfiguration(desired))).toEqual(desired);
  });
});
