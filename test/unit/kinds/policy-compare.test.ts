/**
 * The pure decisions of every Organizations policy kind (organization-policy/compare.ts), as tables
 * with a reason per case: which policy found by name may be managed, which attachments and tags
 * change, how a target is named in a plan, and every difference between a spec and AWS.
 */
import { describe, expect, it } from "vitest";
import {
  attachmentPlan,
  creationChanges,
  type DesiredPolicy,
  diffPolicy,
  mayManage,
  type ObservedPolicy,
  ownershipTags,
  TAG_MANAGED_BY,
  TAG_NAME,
  TAG_UID,
  tagPlan,
  targetLabel,
} from "../../../src/kinds/organization-policy/compare.js";
import { serviceControlPolicies } from "../../../src/kinds/service-control-policy/index.js";

const OURS = { [TAG_MANAGED_BY]: "orgguard", [TAG_NAME]: "deny-leave" };

describe("ownershipTags", () => {
  const cases = [
    {
      reason: "a cluster object proves ownership by name and uid",
      uid: "uid-1",
      tags: { [TAG_MANAGED_BY]: "orgguard", [TAG_NAME]: "deny-leave", [TAG_UID]: "uid-1" },
    },
    {
      reason: "a manifest (orgguard plan) has no uid: the uid tag is not asked for",
      uid: undefined,
      tags: { [TAG_MANAGED_BY]: "orgguard", [TAG_NAME]: "deny-leave" },
    },
  ];
  it.each(cases)("$reason", ({ uid, tags }) => expect(ownershipTags("deny-leave", uid)).toEqual(tags));
});

describe("mayManage", () => {
  const cases: Array<{
    reason: string;
    observed: Pick<ObservedPolicy, "awsManaged" | "tags">;
    adopt: boolean;
    may: boolean;
  }> = [
    {
      reason: "our tags for this object's name",
      observed: { awsManaged: false, tags: OURS },
      adopt: false,
      may: true,
    },
    {
      reason: "our tags with another uid: the object was re-created from git, still ours",
      observed: { awsManaged: false, tags: { ...OURS, [TAG_UID]: "old-uid" } },
      adopt: false,
      may: true,
    },
    {
      reason: "our tags naming another object: that object's policy, not this one's",
      observed: { awsManaged: false, tags: { ...OURS, [TAG_NAME]: "other" } },
      adopt: false,
      may: false,
    },
    {
      reason: "a name tag without the managed-by tag proves nothing",
      observed: { awsManaged: false, tags: { [TAG_NAME]: "deny-leave" } },
      adopt: false,
      may: false,
    },
    {
      reason: "managed by another tool",
      observed: { awsManaged: false, tags: { [TAG_MANAGED_BY]: "terraform", [TAG_NAME]: "deny-leave" } },
      adopt: false,
      may: false,
    },
    { reason: "an untagged policy", observed: { awsManaged: false, tags: {} }, adopt: false, may: false },
    {
      reason: "an untagged policy the object says to adopt",
      observed: { awsManaged: false, tags: {} },
      adopt: true,
      may: true,
    },
    {
      reason: "AWS-managed (FullAWSAccess) is never ours, even with the adopt annotation",
      observed: { awsManaged: true, tags: {} },
      adopt: true,
      may: false,
    },
    {
      reason: "AWS-managed is never ours, even with our tags",
      observed: { awsManaged: true, tags: OURS },
      adopt: false,
      may: false,
    },
  ];
  it.each(cases)("$reason -> $may", ({ observed, adopt, may }) =>
    expect(mayManage(observed, "deny-leave", adopt)).toBe(may),
  );
});

describe("attachmentPlan", () => {
  const cases = [
    {
      reason: "nothing attached yet: attach every target",
      desired: ["ou-b", "r-1"],
      attached: [],
      attach: ["ou-b", "r-1"],
      detach: [],
    },
    { reason: "as desired: nothing to do", desired: ["r-1"], attached: ["r-1"], attach: [], detach: [] },
    {
      reason: "a target left the spec: detach it, keep the rest",
      desired: ["r-1"],
      attached: ["r-1", "111111111111"],
      attach: [],
      detach: ["111111111111"],
    },
    {
      reason: "a target replaced: one attach, one detach",
      desired: ["ou-new"],
      attached: ["ou-old"],
      attach: ["ou-new"],
      detach: ["ou-old"],
    },
    {
      reason: "a target named twice in the spec is attached once",
      desired: ["ou-a", "ou-a"],
      attached: [],
      attach: ["ou-a"],
      detach: [],
    },
    {
      reason: "no targets: detach everything",
      desired: [],
      attached: ["ou-b", "ou-a"],
      attach: [],
      detach: ["ou-a", "ou-b"],
    },
  ];
  it.each(cases)("$reason", ({ desired, attached, attach, detach }) =>
    expect(attachmentPlan(desired, attached)).toEqual({ attach, detach }),
  );
});

describe("tagPlan", () => {
  const cases: Array<{
    reason: string;
    desired: Record<string, string>;
    observed: Record<string, string>;
    set: Record<string, string>;
    remove: string[];
  }> = [
    { reason: "equal: nothing", desired: { a: "1" }, observed: { a: "1" }, set: {}, remove: [] },
    {
      reason: "a new tag is set",
      desired: { a: "1", b: "2" },
      observed: { a: "1" },
      set: { b: "2" },
      remove: [],
    },
    {
      reason: "a changed value is set",
      desired: { a: "2" },
      observed: { a: "1" },
      set: { a: "2" },
      remove: [],
    },
    {
      reason: "a tag no longer in the spec is removed",
      desired: {},
      observed: { a: "1" },
      set: {},
      remove: ["a"],
    },
    {
      reason: "the uid tag is never removed (a manifest plan has no uid; AWS keeps the creator's)",
      desired: {},
      observed: { [TAG_UID]: "u" },
      set: {},
      remove: [],
    },
    {
      reason: "the uid tag is set when the object has another uid (re-created from git)",
      desired: { [TAG_UID]: "new" },
      observed: { [TAG_UID]: "old" },
      set: { [TAG_UID]: "new" },
      remove: [],
    },
  ];
  it.each(cases)("$reason", ({ desired, observed, set, remove }) =>
    expect(tagPlan(desired, observed)).toEqual({ set, remove }),
  );
});

describe("targetLabel", () => {
  const cases = [
    { reason: "the root", target: { root: true as const }, id: "r-ab12", label: "root (r-ab12)" },
    {
      reason: "an OU by path shows the path",
      target: { ouPath: "Root/Prod" },
      id: "ou-1",
      label: "ou Root/Prod (ou-1)",
    },
    {
      reason: "an account by name shows the name",
      target: { accountName: "prod" },
      id: "111111111111",
      label: "account prod (111111111111)",
    },
    { reason: "an OU by id is its id", target: { ouId: "ou-1" }, id: "ou-1", label: "ou ou-1" },
    {
      reason: "an account by id is its id",
      target: { accountId: "111111111111" },
      id: "111111111111",
      label: "account 111111111111",
    },
  ];
  it.each(cases)("$reason", ({ target, id, label }) => expect(targetLabel(target, id)).toBe(label));
});

const DOCUMENT = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Action: ["organizations:LeaveOrganization"], Resource: "*" }],
};

const desired = (extra: Partial<DesiredPolicy> = {}): DesiredPolicy => ({
  name: "deny-leave",
  description: "no leaving",
  document: DOCUMENT,
  tags: OURS,
  targets: ["r-1"],
  ...extra,
});

const observed = (extra: Partial<ObservedPolicy> = {}): ObservedPolicy => ({
  id: "p-1",
  arn: "arn:aws:organizations::000000000000:policy/o-1/service_control_policy/p-1",
  name: "deny-leave",
  description: "no leaving",
  content: JSON.stringify(DOCUMENT),
  awsManaged: false,
  tags: OURS,
  targets: ["r-1"],
  ...extra,
});

describe("creationChanges", () => {
  const cases: Array<{ reason: string; desired: DesiredPolicy; paths: string[] }> = [
    {
      reason: "name, description, document and each target",
      desired: desired({ targets: ["r-1", "ou-1"] }),
      paths: ["policyName", "description", "document", "targets[ou-1]", "targets[r-1]"],
    },
    {
      reason: "an empty description is not a change",
      desired: desired({ description: "", targets: [] }),
      paths: ["policyName", "document"],
    },
  ];
  it.each(cases)("$reason", ({ desired: d, paths }) =>
    expect(creationChanges(d).map((c) => c.path)).toEqual(paths),
  );

  it("shows the document as written and each target as the spec names it", () => {
    const changes = creationChanges(desired({ targetLabels: { "r-1": "root (r-1)" } }));
    expect(changes.find((c) => c.path === "document")?.to).toBe(DOCUMENT);
    expect(changes.find((c) => c.path === "targets[r-1]")).toEqual({
      path: "targets[r-1]",
      to: "attached",
      description: "+ root (r-1)",
    });
  });
});

describe("diffPolicy", () => {
  const canonical = serviceControlPolicies.canonical;
  const cases: Array<{ reason: string; desired: DesiredPolicy; observed: ObservedPolicy; paths: string[] }> =
    [
      { reason: "equal: no change", desired: desired(), observed: observed(), paths: [] },
      {
        reason: "the same meaning written differently (a one-element list, keys in another order) is equal",
        desired: desired(),
        observed: observed({
          content:
            '{"Statement":{"Resource":"*","Action":"organizations:LeaveOrganization","Effect":"Deny"},"Version":"2012-10-17"}',
        }),
        paths: [],
      },
      {
        reason: "another action is a document change",
        desired: desired(),
        observed: observed({
          content: JSON.stringify({ ...DOCUMENT, Statement: [{ ...DOCUMENT.Statement[0], Action: "s3:*" }] }),
        }),
        paths: ["document"],
      },
      {
        reason: "content AWS holds that is not JSON differs, and is shown as it is",
        desired: desired(),
        observed: observed({ content: "not json" }),
        paths: ["document"],
      },
      {
        reason: "a rename",
        desired: desired({ name: "new-name" }),
        observed: observed(),
        paths: ["policyName"],
      },
      {
        reason: "a new description",
        desired: desired({ description: "x" }),
        observed: observed(),
        paths: ["description"],
      },
      {
        reason: "a tag added and a tag removed",
        desired: desired({ tags: { ...OURS, team: "sec" } }),
        observed: observed({ tags: { ...OURS, old: "1" } }),
        paths: ["tags[team]", "tags[old]"],
      },
      {
        reason: "the uid tag AWS has and the spec does not ask for is no change",
        desired: desired(),
        observed: observed({ tags: { ...OURS, [TAG_UID]: "u" } }),
        paths: [],
      },
      {
        reason: "a target to attach and one to detach",
        desired: desired({ targets: ["ou-1"] }),
        observed: observed({ targets: ["r-1"] }),
        paths: ["targets[ou-1]", "targets[r-1]"],
      },
    ];
  it.each(cases)("$reason", ({ desired: d, observed: o, paths }) =>
    expect(diffPolicy(d, o, canonical).map((c) => c.path)).toEqual(paths),
  );

  it("says from and to: a changed tag has both, a new one only `to`, a removed one only `from`", () => {
    const changes = diffPolicy(
      desired({ tags: { ...OURS, team: "sec", env: "prod" } }),
      observed({ tags: { ...OURS, team: "ops", old: "1" } }),
      canonical,
    );
    expect(changes).toEqual([
      { path: "tags[team]", from: "ops", to: "sec" },
      { path: "tags[env]", to: "prod" },
      { path: "tags[old]", from: "1" },
    ]);
  });

  it("names a target no longer in the spec by the kind its id shows (sorted by id)", () => {
    const changes = diffPolicy(
      desired({ targets: [] }),
      observed({ targets: ["r-1", "ou-2", "111111111111"] }),
      canonical,
    );
    expect(changes.map((c) => c.description)).toEqual(["- account 111111111111", "- ou ou-2", "- root r-1"]);
  });
});
