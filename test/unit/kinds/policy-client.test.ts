/**
 * The Organizations policy engine (organization-policy/client.ts) in-process, against an in-memory
 * fake of its narrow PolicyApi (test/support/fake-policy-api.ts) and a fixed organization view:
 * how observe finds a policy and decides whether it may manage it, how targets resolve, what
 * create, update and delete send and in which order, and the limits AWS enforces that moto does
 * not. test/integration/organization-policies.test.ts and service-control-policy.test.ts run the
 * same engine against moto through the SDK implementation.
 */
import { describe, expect, it } from "vitest";
import { KeyedMutex } from "../../../src/aws/limiter.js";
import type { OrganizationView } from "../../../src/aws/organization-view.js";
import type { TargetView } from "../../../src/kinds/organization.js";
import type { PolicySpec, PolicyTarget } from "../../../src/kinds/organization-policy/api.js";
import { PolicyClient, type PolicyObject } from "../../../src/kinds/organization-policy/client.js";
import { ADOPT_ANNOTATION, ownershipTags, TAG_UID } from "../../../src/kinds/organization-policy/compare.js";
import type { PolicyType, PolicyTypeOptions } from "../../../src/kinds/organization-policy/policy-type.js";
import { serviceControlPolicies } from "../../../src/kinds/service-control-policy/index.js";
import { tagPolicies } from "../../../src/kinds/tag-policy/index.js";
import {
  AlreadyExistsError,
  BlockedError,
  RetryableError,
  TerminalError,
} from "../../../src/runtime/reconcile-errors.js";
import {
  awsError,
  FakeOrganizations,
  fixedTargetView,
  organizationView,
} from "../../support/fake-policy-api.js";

const UID = "uid-this";
const NAME = "deny-leave";
const DOCUMENT = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
};
const CONTENT = JSON.stringify(DOCUMENT);
const OURS = ownershipTags(NAME, UID);
const OPTIONS: PolicyTypeOptions = { enablePolicyType: false, perTargetLimit: 10, sizeLimit: 10_240 };
const VIEW = organizationView(
  [
    { id: "ou-root-prod0001", path: "Root/Prod" },
    { id: "ou-root-sand0001", path: "Root/Sandbox" },
  ],
  [
    { id: "111111111111", name: "prod-1" },
    { id: "222222222222", name: "twin" },
    { id: "333333333333", name: "twin" },
  ],
);

/** A policy object as the apiserver stores it (admission filled in the defaults). */
function policyObject(
  spec: Partial<PolicySpec> = {},
  meta: { policyId?: string; adopt?: boolean; deleting?: boolean; uid?: string | null } = {},
): PolicyObject {
  return {
    apiVersion: "orgguard.io/v1alpha1",
    kind: "ServiceControlPolicy",
    metadata: {
      name: NAME,
      ...(meta.uid === null ? {} : { uid: meta.uid ?? UID }),
      generation: 1,
      ...(meta.adopt ? { annotations: { [ADOPT_ANNOTATION]: "true" } } : {}),
      ...(meta.deleting ? { deletionTimestamp: "2026-01-02T00:00:00Z" } : {}),
    },
    spec: {
      description: "",
      document: DOCUMENT,
      targets: [{ root: true }],
      managementPolicy: "Enforce",
      deletionPolicy: "Delete",
      ...spec,
    },
    status: meta.policyId ? { policyId: meta.policyId } : {},
  };
}

function engine(
  aws: FakeOrganizations,
  extra: { type?: PolicyType; options?: Partial<PolicyTypeOptions>; view?: TargetView } = {},
): PolicyClient {
  return new PolicyClient(
    extra.type ?? serviceControlPolicies,
    aws,
    { ...OPTIONS, ...extra.options },
    new KeyedMutex(),
    extra.view ?? fixedTargetView(VIEW),
  );
}

/** Our own policy, as an earlier create left it: attached to the root. */
const seedOurs = (aws: FakeOrganizations, extra: { tags?: Record<string, string>; content?: string } = {}) =>
  aws.seed(
    { name: NAME, content: extra.content ?? CONTENT },
    { tags: extra.tags ?? OURS, targets: ["r-root"] },
  );

/** What a call rejected with: its class and reason, to compare in a table. */
async function failureOf(call: Promise<unknown>): Promise<{ type: string; reason?: string } | undefined> {
  try {
    await call;
    return undefined;
  } catch (err) {
    const reason = err instanceof TerminalError || err instanceof RetryableError ? err.reason : undefined;
    return { type: err instanceof Error ? err.name : typeof err, ...(reason ? { reason } : {}) };
  }
}

describe("observe: finding the policy and deciding whether it is this object's", () => {
  interface Case {
    reason: string;
    given: (aws: FakeOrganizations) => void;
    object: (aws: FakeOrganizations) => PolicyObject;
    options?: Partial<PolicyTypeOptions>;
    exists?: boolean;
    upToDate?: boolean;
    adopted?: RegExp;
    fails?: { type: string; reason?: string };
    /** The reads observe made to find the policy (root and policiesOn left out). */
    lookups?: string[];
  }
  const cases: Case[] = [
    {
      reason: "nothing in AWS: not there, looked up by name",
      given: () => undefined,
      object: () => policyObject(),
      exists: false,
      upToDate: false,
      lookups: [`findPolicyId SERVICE_CONTROL_POLICY ${NAME}`],
    },
    {
      reason: "found by its recorded id: one DescribePolicy, no listing, no adoption",
      given: (aws) => void seedOurs(aws),
      object: () => policyObject({}, { policyId: "p-fake0001" }),
      exists: true,
      upToDate: true,
      lookups: ["describePolicy p-fake0001", "tagsOf p-fake0001", "targetsOf p-fake0001"],
    },
    {
      reason: "the recorded id is gone (deleted out of band) and no policy has the name: re-created",
      given: () => undefined,
      object: () => policyObject({}, { policyId: "p-gone" }),
      exists: false,
      lookups: ["describePolicy p-gone", `findPolicyId SERVICE_CONTROL_POLICY ${NAME}`],
    },
    {
      reason: "the recorded id names a policy of another type: not ours, looked up by name",
      given: (aws) => void aws.seed({ name: NAME, type: "TAG_POLICY" }, { id: "p-tag" }),
      object: () => policyObject({}, { policyId: "p-tag" }),
      exists: false,
      lookups: ["describePolicy p-tag", `findPolicyId SERVICE_CONTROL_POLICY ${NAME}`],
    },
    {
      reason: "found by name with this object's tags and uid: a lost status write, not an adoption",
      given: (aws) => void seedOurs(aws),
      object: () => policyObject(),
      exists: true,
      upToDate: true,
      adopted: undefined,
    },
    {
      reason: "found by name with tags for this name and another uid: taken over (re-created from git)",
      given: (aws) => void seedOurs(aws, { tags: ownershipTags(NAME, "uid-before") }),
      object: () => policyObject(),
      exists: true,
      // The uid tag differs: the update writes this object's uid.
      upToDate: false,
      adopted: /took over SCP p-fake0001 \(deny-leave\): its orgguard.io ownership tags name this object/,
    },
    {
      reason: "found by name without our tags, and the object says to adopt it: adopted",
      given: (aws) => void aws.seed({ name: NAME, content: CONTENT }, { targets: ["r-root"] }),
      object: () => policyObject({}, { adopt: true }),
      exists: true,
      upToDate: false,
      adopted: /adopted SCP p-fake0001 \(deny-leave\), as the orgguard.io\/adopt annotation says/,
    },
    {
      reason: "found by name without our tags: NameTaken, blocked (never modified)",
      given: (aws) => void aws.seed({ name: NAME }, { tags: { owner: "terraform" } }),
      object: () => policyObject(),
      fails: { type: "BlockedError", reason: "NameTaken" },
    },
    {
      reason: "an AWS-managed policy of that name is never ours, even when told to adopt",
      given: (aws) => void aws.seed({ name: NAME, awsManaged: true }),
      object: () => policyObject({}, { adopt: true }),
      fails: { type: "BlockedError", reason: "NameTaken" },
    },
    {
      reason: "deleting, and the policy of that name was never ours: nothing of ours exists",
      given: (aws) => void aws.seed({ name: NAME }, { tags: { owner: "terraform" } }),
      object: () => policyObject({}, { deleting: true }),
      exists: false,
    },
    {
      reason: "the policy type is off and enablePolicyType is not set: PolicyTypeNotEnabled, retried",
      given: (aws) => {
        aws.rootRecord = { id: "r-root", enabledPolicyTypes: [] };
      },
      object: () => policyObject(),
      fails: { type: "RetryableError", reason: "PolicyTypeNotEnabled" },
    },
    {
      reason: "the policy type is off but the object is being deleted: deleting the policy still works",
      given: (aws) => {
        seedOurs(aws);
        aws.rootRecord = { id: "r-root", enabledPolicyTypes: [] };
      },
      object: () => policyObject({}, { deleting: true }),
      exists: true,
    },
    {
      reason: "the policy type is off and enablePolicyType is set: observe goes on (create enables it)",
      given: (aws) => {
        aws.rootRecord = { id: "r-root", enabledPolicyTypes: [] };
      },
      object: () => policyObject(),
      options: { enablePolicyType: true },
      exists: false,
    },
    {
      reason: "the caller is in no organization: NoOrganization, retried",
      given: (aws) => {
        aws.rootRecord = undefined;
      },
      object: () => policyObject(),
      fails: { type: "RetryableError", reason: "NoOrganization" },
    },
    {
      reason: "DescribePolicy denied: AWS's meaning (blocked), not 'gone'",
      given: (aws) => void aws.failNext("describePolicy", awsError("AccessDeniedException")),
      object: () => policyObject({}, { policyId: "p-fake0001" }),
      fails: { type: "BlockedError", reason: "AccessDenied" },
    },
    {
      reason: "the content differs from the spec: there, not up to date",
      given: (aws) => void seedOurs(aws, { content: JSON.stringify({ ...DOCUMENT, Statement: [] }) }),
      object: () => policyObject(),
      exists: true,
      upToDate: false,
    },
  ];

  it.each(cases)("$reason", async (c) => {
    const aws = new FakeOrganizations();
    c.given(aws);
    const observing = engine(aws, { options: c.options ?? {} }).observe(c.object(aws));
    if (c.fails) {
      expect(await failureOf(observing)).toEqual(c.fails);
      expect(aws.writes).toEqual([]);
      return;
    }
    const observation = await observing;
    expect(observation.exists).toBe(c.exists);
    if (c.upToDate !== undefined) expect(observation.upToDate).toBe(c.upToDate);
    if ("adopted" in c) {
      if (c.adopted) expect(observation.adopted).toMatch(c.adopted);
      else expect(observation.adopted).toBeUndefined();
    }
    if (c.lookups) {
      const lookups = aws.calls.filter((call) => !call.startsWith("root") && !call.startsWith("policiesOn"));
      expect(lookups).toEqual(c.lookups);
    }
    // Observe never writes.
    expect(aws.writes).toEqual([]);
  });

  it("reports the policy's id, ARN, attached targets by type and the minified document's size", async () => {
    const aws = new FakeOrganizations();
    const id = aws.seed(
      { name: NAME, content: CONTENT },
      { tags: OURS, targets: ["r-root", "ou-root-prod0001", "111111111111"] },
    );
    const observation = await engine(aws).observe(policyObject());
    expect(observation.status).toEqual({
      policyId: id,
      arn: aws.policy(id).record.arn,
      attachedTargets: [
        { type: "ROOT", id: "r-root" },
        { type: "ORGANIZATIONAL_UNIT", id: "ou-root-prod0001" },
        { type: "ACCOUNT", id: "111111111111" },
      ],
      // What kubectl's TARGETS column shows.
      attachedTo: "root, 1 OU, 1 account",
      documentSize: CONTENT.length,
    });
    expect(observation.observed).toEqual({ name: NAME, description: "", awsManaged: false });
    // Two targets the spec does not list: detaching them is the whole diff.
    expect(observation.diff?.map((d) => d.path)).toEqual([
      "targets[111111111111]",
      "targets[ou-root-prod0001]",
    ]);
  });
});

describe("observe: resolving targets", () => {
  const empty = organizationView();
  interface Case {
    reason: string;
    targets: PolicyTarget[];
    current?: OrganizationView;
    fresher?: OrganizationView;
    ids?: string[];
    missing?: string;
    reads: Array<"current" | "fresher">;
  }
  const cases: Case[] = [
    { reason: "the root needs no view", targets: [{ root: true }], ids: ["r-root"], reads: [] },
    {
      reason: "the OU path Root is the root, without a view",
      targets: [{ ouPath: "Root" }],
      ids: ["r-root"],
      reads: [],
    },
    {
      reason: "ids are taken as written (AWS says whether they exist when attaching)",
      targets: [{ ouId: "ou-root-else0001" }, { accountId: "999999999999" }],
      ids: ["999999999999", "ou-root-else0001"],
      reads: [],
    },
    {
      reason: "an OU path and an account name resolve in one read of the view",
      targets: [{ ouPath: "Root/Prod" }, { accountName: "prod-1" }],
      ids: ["111111111111", "ou-root-prod0001"],
      reads: ["current"],
    },
    {
      reason: "a target named twice (by id and by path) is attached once",
      targets: [{ ouPath: "Root/Prod" }, { ouId: "ou-root-prod0001" }],
      ids: ["ou-root-prod0001"],
      reads: ["current"],
    },
    {
      reason: "an OU the view does not know yet is looked up in a fresher view (it may be new)",
      targets: [{ ouPath: "Root/Prod" }],
      current: empty,
      fresher: VIEW,
      ids: ["ou-root-prod0001"],
      reads: ["current", "fresher"],
    },
    {
      reason: "an OU path no view knows: TargetNotFound, retried",
      targets: [{ ouPath: "Root/Nowhere" }],
      missing: "no OU at Root/Nowhere",
      reads: ["current", "fresher"],
    },
    {
      reason: "an account name no view knows: TargetNotFound",
      targets: [{ accountName: "ghost" }],
      missing: "no account is named ghost",
      reads: ["current", "fresher"],
    },
    {
      reason: "an account name two accounts have: TargetNotFound, asking for the id",
      targets: [{ accountName: "twin" }],
      missing: "2 accounts are named twin: use accountId",
      reads: ["current", "fresher"],
    },
  ];
  it.each(cases)("$reason", async (c) => {
    const aws = new FakeOrganizations();
    const view = fixedTargetView(c.current ?? VIEW, c.fresher ?? c.current ?? VIEW);
    const observing = engine(aws, { view }).observe(policyObject({ targets: c.targets }));
    if (c.missing) {
      const error = await observing.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(RetryableError);
      expect(error).toMatchObject({ reason: "TargetNotFound", message: c.missing });
    } else {
      const observation = await observing;
      expect(observation.handoff?.desired.targets.sort()).toEqual(c.ids);
    }
    expect(view.reads).toEqual(c.reads);
  });

  it("a plan names each target as the spec writes it", async () => {
    const aws = new FakeOrganizations();
    const observation = await engine(aws).observe(
      policyObject({ targets: [{ root: true }, { ouPath: "Root/Prod" }, { accountName: "prod-1" }] }),
    );
    expect(observation.diff?.flatMap((d) => (d.description ? [d.description] : []))).toEqual([
      "+ account prod-1 (111111111111)",
      "+ ou Root/Prod (ou-root-prod0001)",
      "+ root (r-root)",
    ]);
  });
});

/** Observes `object` and runs `step` with that observation, as the managed reconciler does. */
async function observeThen(
  client: PolicyClient,
  object: PolicyObject,
  step: "create" | "update" | "delete",
): Promise<unknown> {
  const observation = await client.observe(object);
  return client[step](object, observation);
}

describe("create", () => {
  it("creates with the ownership tags and the minified document, then attaches each target", async () => {
    const aws = new FakeOrganizations();
    const result = await observeThen(
      engine(aws),
      policyObject({
        description: "no leaving",
        tags: { team: "sec" },
        targets: [{ root: true }, { ouPath: "Root/Prod" }],
      }),
      "create",
    );
    expect(aws.writes).toEqual([
      `createPolicy ${NAME}`,
      "attach p-fake0001 ou-root-prod0001",
      "attach p-fake0001 r-root",
    ]);
    const created = aws.policy("p-fake0001");
    expect(created.record).toMatchObject({
      description: "no leaving",
      content: CONTENT,
      type: "SERVICE_CONTROL_POLICY",
    });
    expect(created.tags).toEqual({ team: "sec", ...OURS });
    expect(result).toEqual({
      status: { policyId: "p-fake0001", arn: created.record.arn, documentSize: CONTENT.length },
    });
  });

  const typeCases = [
    {
      reason: "the type already on: not enabled again",
      enabled: ["SERVICE_CONTROL_POLICY"],
      first: `createPolicy ${NAME}`,
    },
    {
      reason: "the type off with enablePolicyType: enabled on the root first",
      enabled: [],
      first: "enablePolicyType r-root SERVICE_CONTROL_POLICY",
    },
  ];
  it.each(typeCases)("$reason", async ({ enabled, first }) => {
    const aws = new FakeOrganizations(enabled);
    await observeThen(engine(aws, { options: { enablePolicyType: true } }), policyObject(), "create");
    expect(aws.writes[0]).toBe(first);
  });

  it("a lost create answer: AlreadyExists, and observing again finds its own policy (no adoption)", async () => {
    const aws = new FakeOrganizations();
    aws.loseNextAnswer("createPolicy", awsError("DuplicatePolicyException"));
    const client = engine(aws);
    const error = await observeThen(client, policyObject(), "create").catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AlreadyExistsError);
    const again = await client.observe(policyObject());
    expect(again).toMatchObject({ exists: true, status: { policyId: "p-fake0001" } });
    expect(again.adopted).toBeUndefined();
  });

  it("a name another's policy took meanwhile: AlreadyExists, and observing again says NameTaken", async () => {
    const aws = new FakeOrganizations();
    const client = engine(aws);
    const observation = await client.observe(policyObject());
    aws.seed({ name: NAME }, { tags: { owner: "someone" } });
    await expect(client.create(policyObject(), observation)).rejects.toBeInstanceOf(AlreadyExistsError);
    expect(await failureOf(client.observe(policyObject()))).toEqual({
      type: "BlockedError",
      reason: "NameTaken",
    });
  });
});

describe("update", () => {
  interface Case {
    reason: string;
    given: (aws: FakeOrganizations) => void;
    spec: Partial<PolicySpec>;
    type?: PolicyType;
    writes?: string[];
    fails?: { type: string; reason?: string };
  }
  const cases: Case[] = [
    {
      reason:
        "tags are written before the content (an IAM condition on the ownership tag allows the update), untags after",
      given: (aws) => void seedOurs(aws, { tags: { ...OURS, old: "x" }, content: "{}" }),
      spec: { tags: { team: "sec" } },
      writes: ["tag p-fake0001 team", "updatePolicy p-fake0001", "untag p-fake0001 old"],
    },
    {
      reason: "only a tag differs: no UpdatePolicy",
      given: (aws) => void seedOurs(aws),
      spec: { tags: { team: "sec" } },
      writes: ["tag p-fake0001 team"],
    },
    {
      reason: "only the document differs: one UpdatePolicy, no tag calls",
      given: (aws) => void seedOurs(aws, { content: "{}" }),
      spec: {},
      writes: ["updatePolicy p-fake0001"],
    },
    {
      reason: "a target replaced: the new one is attached before the old one is detached",
      given: (aws) => {
        const id = seedOurs(aws);
        aws.policy(id).targets.add("ou-root-sand0001");
        // FullAWSAccess stays on the OU: detaching ours does not leave it without an SCP.
        aws.seed({ name: "FullAWSAccess", awsManaged: true }, { targets: ["ou-root-sand0001"] });
      },
      spec: { targets: [{ root: true }, { ouPath: "Root/Prod" }] },
      writes: ["attach p-fake0001 ou-root-prod0001", "detach p-fake0001 ou-root-sand0001"],
    },
    {
      reason: "a rename onto a name another policy holds: NameTaken, blocked",
      given: (aws) => {
        seedOurs(aws);
        aws.seed({ name: "taken" });
      },
      spec: { policyName: "taken" },
      fails: { type: "BlockedError", reason: "NameTaken" },
    },
    {
      reason:
        "an UpdatePolicy refused for another reason keeps AWS's meaning (a malformed document: the spec must change)",
      given: (aws) => {
        seedOurs(aws, { content: "{}" });
        aws.failNext("updatePolicy", awsError("MalformedPolicyDocumentException"));
      },
      spec: {},
      fails: { type: "TerminalError", reason: "MalformedPolicyDocument" },
    },
    {
      reason: "the per-target limit is reached (FullAWSAccess counts): TooManyPolicies, nothing attached",
      given: (aws) => {
        seedOurs(aws);
        aws.seed({ name: "FullAWSAccess", awsManaged: true }, { targets: ["ou-root-prod0001"] });
        for (let i = 0; i < 9; i++) aws.seed({ name: `other-${i}` }, { targets: ["ou-root-prod0001"] });
      },
      spec: { targets: [{ root: true }, { ouPath: "Root/Prod" }] },
      fails: { type: "BlockedError", reason: "TooManyPolicies" },
      writes: [],
    },
    {
      reason: "the target's last SCP is never detached: LastPolicy, blocked",
      given: (aws) => {
        const id = seedOurs(aws);
        aws.policy(id).targets.add("ou-root-sand0001");
      },
      spec: { targets: [{ root: true }] },
      fails: { type: "BlockedError", reason: "LastPolicy" },
      writes: [],
    },
    {
      reason: "a tag policy may leave a target with none (only SCPs must keep one)",
      type: tagPolicies,
      given: (aws) =>
        void aws.seed(
          { name: NAME, type: "TAG_POLICY", content: JSON.stringify({ tags: {} }) },
          { tags: OURS, targets: ["r-root", "ou-root-sand0001"] },
        ),
      spec: { document: { tags: {} }, targets: [{ root: true }] },
      writes: ["detach p-fake0001 ou-root-sand0001"],
    },
    {
      reason: "attach answered 'already attached' (a lost earlier attempt): the goal is reached",
      given: (aws) => {
        seedOurs(aws);
        aws.failNext("attach", awsError("DuplicatePolicyAttachmentException"));
      },
      spec: { targets: [{ root: true }, { ouPath: "Root/Prod" }] },
      writes: ["attach p-fake0001 ou-root-prod0001"],
    },
    {
      reason: "detach answered 'not attached' (detached meanwhile): the goal is reached",
      given: (aws) => {
        const id = seedOurs(aws);
        aws.policy(id).targets.add("111111111111");
        aws.seed({ name: "FullAWSAccess", awsManaged: true }, { targets: ["111111111111"] });
        aws.failNext("detach", awsError("PolicyNotAttachedException"));
      },
      spec: {},
      writes: ["detach p-fake0001 111111111111"],
    },
    {
      reason: "an attach refused for another reason fails with AWS's meaning",
      given: (aws) => {
        seedOurs(aws);
        aws.failNext("attach", awsError("ConcurrentModificationException"));
      },
      spec: { targets: [{ root: true }, { ouPath: "Root/Prod" }] },
      fails: { type: "RetryableError", reason: "ConcurrentModification" },
    },
  ];
  it.each(cases)("$reason", async (c) => {
    const aws = new FakeOrganizations();
    c.given(aws);
    const updating = observeThen(
      engine(aws, { type: c.type ?? serviceControlPolicies }),
      policyObject(c.spec),
      "update",
    );
    expect(await failureOf(updating)).toEqual(c.fails);
    if (c.writes) expect(aws.writes).toEqual(c.writes);
  });

  it("an attach already in place (ListPoliciesForTarget shows it) sends no AttachPolicy", async () => {
    const aws = new FakeOrganizations();
    const id = seedOurs(aws, { content: "{}" });
    const client = engine(aws);
    const object = policyObject({ targets: [{ root: true }, { ouPath: "Root/Prod" }] });
    const observation = await client.observe(object);
    // Attached by a lost earlier attempt, after this observe read the targets.
    aws.policy(id).targets.add("ou-root-prod0001");
    await client.update(object, observation);
    expect(aws.writes).toEqual(["updatePolicy p-fake0001"]);
  });

  it("a detach already done (ListPoliciesForTarget no longer shows it) sends no DetachPolicy", async () => {
    const aws = new FakeOrganizations();
    const id = seedOurs(aws);
    aws.policy(id).targets.add("ou-root-sand0001");
    const client = engine(aws);
    const object = policyObject();
    const observation = await client.observe(object);
    aws.policy(id).targets.delete("ou-root-sand0001");
    await client.update(object, observation);
    expect(aws.writes).toEqual([]);
  });

  it("an adopted policy gets this object's ownership tags first", async () => {
    const aws = new FakeOrganizations();
    aws.seed({ name: NAME, content: CONTENT }, { tags: { team: "sec" }, targets: ["r-root"] });
    await observeThen(engine(aws), policyObject({ tags: { team: "sec" } }, { adopt: true }), "update");
    expect(aws.writes).toEqual([`tag p-fake0001 ${Object.keys(OURS).join(" ")}`]);
    expect(aws.policy("p-fake0001").tags).toEqual({ team: "sec", ...OURS });
  });

  it("a manifest without a uid (orgguard plan) leaves the creator's uid tag in place", async () => {
    const aws = new FakeOrganizations();
    seedOurs(aws, { content: "{}" });
    await observeThen(engine(aws), policyObject({}, { uid: null }), "update");
    expect(aws.policy("p-fake0001").tags[TAG_UID]).toBe(UID);
    expect(aws.writes).toEqual(["updatePolicy p-fake0001"]);
  });
});

describe("delete", () => {
  const cases: Array<{
    reason: string;
    given: (aws: FakeOrganizations) => void;
    deleting?: boolean;
    writes: string[];
    gone: boolean;
  }> = [
    {
      reason: "detaches from every target, then deletes",
      given: (aws) => {
        const id = seedOurs(aws);
        aws.policy(id).targets.add("ou-root-prod0001");
        aws.seed({ name: "FullAWSAccess", awsManaged: true }, { targets: ["r-root", "ou-root-prod0001"] });
      },
      writes: ["detach p-fake0001 r-root", "detach p-fake0001 ou-root-prod0001", "deletePolicy p-fake0001"],
      gone: true,
    },
    {
      reason: "a policy deleted meanwhile (PolicyNotFound on delete): done",
      given: (aws) => {
        seedOurs(aws);
        aws.seed({ name: "FullAWSAccess", awsManaged: true }, { targets: ["r-root"] });
        aws.loseNextAnswer("deletePolicy", awsError("PolicyNotFoundException"));
      },
      writes: ["detach p-fake0001 r-root", "deletePolicy p-fake0001"],
      gone: true,
    },
    {
      reason: "a policy of that name that was never ours: nothing is sent",
      given: (aws) => void aws.seed({ name: NAME, content: CONTENT }, { targets: ["r-root"] }),
      deleting: true,
      writes: [],
      gone: false,
    },
  ];
  it.each(cases)("$reason", async ({ given, deleting, writes, gone }) => {
    const aws = new FakeOrganizations();
    given(aws);
    await observeThen(engine(aws), policyObject({}, { deleting: deleting ?? true }), "delete");
    expect(aws.writes).toEqual(writes);
    expect(aws.policies.has("p-fake0001")).toBe(!gone);
  });

  it("a target the spec names that no longer exists does not hold the deletion up", async () => {
    const aws = new FakeOrganizations();
    seedOurs(aws);
    aws.seed({ name: "FullAWSAccess", awsManaged: true }, { targets: ["r-root"] });
    // The OU was deleted first (a common clean-up order); the object still names it.
    const view = fixedTargetView(organizationView());
    const object = policyObject(
      { targets: [{ root: true }, { ouPath: "Root/Deleted" }] },
      { deleting: true },
    );
    await observeThen(engine(aws, { view }), object, "delete");
    expect(aws.writes).toEqual(["detach p-fake0001 r-root", "deletePolicy p-fake0001"]);
    // Deleting needs what AWS has, not what the spec names: the view is not read.
    expect(view.reads).toEqual([]);
  });

  it("the target's last SCP: LastPolicy, and the policy is not deleted", async () => {
    const aws = new FakeOrganizations();
    seedOurs(aws);
    const error = await observeThen(engine(aws), policyObject({}, { deleting: true }), "delete").catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(BlockedError);
    expect(error).toMatchObject({ reason: "LastPolicy" });
    expect(aws.writes).toEqual([]);
  });
});
