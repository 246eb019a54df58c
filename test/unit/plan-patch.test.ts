/**
 * `plan --output json`'s patches: applying each entry's RFC 6902 patch to its `actual` gives its
 * `desired`, for the change shapes every kind makes; paths become JSON Pointers a policy engine
 * can match.
 */
import fastJsonPatch from "fast-json-patch";
import { describe, expect, it } from "vitest";
import { patchOf, pathSegments } from "../../src/cli/plan-patch.js";
import type { Change } from "../../src/runtime/managed.js";

describe("pathSegments", () => {
  it.each([
    { reason: "a field", path: "document", segments: ["document"] },
    {
      reason: "a region's field",
      path: "regions[eu-west-1].enabled",
      segments: ["regions", "eu-west-1", "enabled"],
    },
    { reason: "a target", path: "targets[ou-ab12-cd34ef56]", segments: ["targets", "ou-ab12-cd34ef56"] },
    {
      reason: "a tag key with dots and a slash",
      path: "tags[orgguard.io/managed-by]",
      segments: ["tags", "orgguard.io/managed-by"],
    },
    { reason: "nested fields", path: "deliveryChannel.bucket", segments: ["deliveryChannel", "bucket"] },
    {
      reason: "a group's rules in a region",
      path: "regions[us-east-1].groups[sg-1].rules",
      segments: ["regions", "us-east-1", "groups", "sg-1", "rules"],
    },
    { reason: "the whole resource", path: "", segments: ["resource"] },
  ])("$reason", ({ path, segments }) => expect(pathSegments(path)).toEqual(segments));
});

describe("patchOf round-trips: the patch turns actual into desired", () => {
  const cases: Array<{ reason: string; changes: Change[] }> = [
    { reason: "a create (nothing in AWS)", changes: [{ path: "", to: "created" }] },
    {
      reason: "a policy's document and a target to attach and one to detach",
      changes: [
        {
          path: "document",
          from: { Version: "2012-10-17", Statement: [] },
          to: { Version: "2012-10-17", Statement: [{ Effect: "Deny" }] },
        },
        { path: "targets[ou-ab12-cd34ef56]", to: "attached", description: "+ ou Root/Workloads" },
        { path: "targets[111111111111]", from: "attached", description: "- account 111111111111" },
      ],
    },
    {
      reason: "a regional setting off in two regions",
      changes: [
        { path: "regions[us-east-1].enabled", from: false, to: true },
        { path: "regions[eu-west-1].enabled", from: false, to: true },
      ],
    },
    {
      reason: "a move, a tag, a rename",
      changes: [
        { path: "ouPath", from: "Root/Sandbox", to: "Root/Security" },
        { path: "tags[orgguard.io/managed-by]", to: "orgguard" },
        { path: "name", from: "Production", to: "Prod" },
      ],
    },
    {
      reason: "a value removed (Delete back to AWS's default)",
      changes: [{ path: "maxPasswordAge", from: 90 }],
    },
  ];
  it.each(cases)("$reason", ({ changes }) => {
    const { actual, desired, patch } = patchOf(changes);
    const result = fastJsonPatch.applyPatch(structuredClone(actual), patch, true, false).newDocument;
    expect(result).toEqual(desired);
  });

  it("names the change in a pointer a policy engine can match", () => {
    const { patch } = patchOf([{ path: "regions[eu-west-1].enabled", from: false, to: true }]);
    expect(patch).toEqual([{ op: "replace", path: "/regions/eu-west-1/enabled", value: true }]);
  });
});
