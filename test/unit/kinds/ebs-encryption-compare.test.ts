import { describe, expect, it } from "vitest";
import {
  desiredEbsEncryption,
  diffEbsEncryption,
  type ObservedEbsEncryption,
} from "../../../src/kinds/ebs-encryption-by-default/compare.js";

const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const OTHER = "arn:aws:kms:eu-west-1:111122223333:key/99999999-12ab-34cd-56ef-1234567890ab";

describe("diffEbsEncryption", () => {
  const cases: Array<{
    reason: string;
    keys?: Record<string, string>;
    region: string;
    observed: ObservedEbsEncryption | undefined;
    paths: string[];
  }> = [
    {
      reason: "off (read as nothing set): turn it on",
      region: "us-east-1",
      observed: undefined,
      paths: ["enabled"],
    },
    {
      reason: "on, no key in the spec: in sync",
      region: "us-east-1",
      observed: { enabled: true },
      paths: [],
    },
    {
      reason: "on with any key, the spec names none for this region: the key is not its business",
      keys: { "eu-west-1": KEY },
      region: "us-east-1",
      observed: { enabled: true, defaultKmsKeyId: OTHER },
      paths: [],
    },
    {
      reason: "on with the spec's key: in sync",
      keys: { "eu-west-1": KEY },
      region: "eu-west-1",
      observed: { enabled: true, defaultKmsKeyId: KEY },
      paths: [],
    },
    {
      reason: "on with another key: the key differs",
      keys: { "eu-west-1": KEY },
      region: "eu-west-1",
      observed: { enabled: true, defaultKmsKeyId: OTHER },
      paths: ["defaultKmsKeyId"],
    },
    {
      reason: "off, with a key in the spec: both differ",
      keys: { "eu-west-1": KEY },
      region: "eu-west-1",
      observed: undefined,
      paths: ["enabled", "defaultKmsKeyId"],
    },
  ];
  it.each(cases)("$reason", ({ keys, region, observed, paths }) => {
    const desired = desiredEbsEncryption({ ...(keys ? { defaultKmsKeyIds: keys } : {}) }, region);
    expect(diffEbsEncryption(desired, observed).map((c) => c.path)).toEqual(paths);
  });

  it("says what changes, from what AWS has to what the spec wants", () => {
    const desired = desiredEbsEncryption({ defaultKmsKeyIds: { "eu-west-1": KEY } }, "eu-west-1");
    expect(diffEbsEncryption(desired, { enabled: true, defaultKmsKeyId: OTHER })).toEqual([
      { path: "defaultKmsKeyId", from: OTHER, to: KEY },
    ]);
  });
});
