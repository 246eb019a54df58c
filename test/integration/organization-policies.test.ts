/**
 * ResourceControlPolicy, TagPolicy and AIServicesOptOutPolicy reconciled against moto by
 * `orgguard controller`, one table row per kind, the same cases for each: creation with ownership
 * tags and attachments to a root, an OU path and an account name; a spec change; out-of-band drift
 * of content and attachments repaired; a document that means the same written out of band (no
 * write); ObserveOnly; adoption refused without the annotation; the type disabled on the root;
 * both deletion policies. moto refuses nothing here (any content, attachments of a disabled type):
 * every refusal is orgguard's own. ServiceControlPolicy has its own file on the same engine.
 */

import { isDeepStrictEqual } from "node:util";
import {
  CreatePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  EnablePolicyTypeCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
  type PolicyType,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findCondition } from "../../src/runtime/conditions.js";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsClientConfig,
  awsEndpoint,
  createOrganization,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";
import { ControllerProcess, countWrites } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventMessages,
  eventReasons,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";
import { policyTags, policyTargets } from "../support/policies.js";

const POLL_MS = 3000;
/** Three RCPs per target here (RCPFullAWSAccess and two more), so the limit is reached quickly. */
const RCP_LIMIT = 3;
const kc = adminKubeConfig();
let org: OrganizationsClient;
let tree: TestOrganization;
let controller: ControllerProcess;
const uniqueName = uniqueNames();

interface PolicyKindCase {
  kind: string;
  awsType: PolicyType;
  /** How the Adopted event names one policy of the type. */
  noun: string;
  document: Record<string, unknown>;
  /** A different document (a spec change). */
  changed: Record<string, unknown>;
  /** `document` written another way that means the same: never an update. */
  sameMeaning: Record<string, unknown>;
  /** Why `sameMeaning` means the same. */
  why: string;
}

const denyS3FromOutside = (actions: string | string[], principal: unknown = "*") => ({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "EnforceOrgIdentities",
      Effect: "Deny",
      Principal: principal,
      Action: actions,
      Resource: "*",
      Condition: { StringNotEqualsIfExists: { "aws:PrincipalOrgID": "o-exampleorg1" } },
    },
  ],
});

const costCenter = (values: string[], key = "costcenter") => ({
  tags: { [key]: { tag_key: { "@@assign": "CostCenter" }, tag_value: { "@@assign": values } } },
});

const optOut = (services: string[]) => ({
  services: Object.fromEntries(services.map((s) => [s, { opt_out_policy: { "@@assign": "optOut" } }])),
});

const CASES: PolicyKindCase[] = [
  {
    kind: "ResourceControlPolicy",
    awsType: "RESOURCE_CONTROL_POLICY",
    noun: "RCP",
    document: denyS3FromOutside("s3:*"),
    changed: denyS3FromOutside(["s3:*", "sqs:*"]),
    sameMeaning: denyS3FromOutside(["s3:*"], { AWS: ["*"] }),
    why: 'Principal {"AWS": ["*"]} is "*", and a one-element Action list is its string',
  },
  {
    kind: "TagPolicy",
    awsType: "TAG_POLICY",
    noun: "tag policy",
    document: costCenter(["100", "200"]),
    changed: costCenter(["100", "200", "300"]),
    sameMeaning: costCenter(["200", "100"], "CostCenter"),
    why: "policy keys are matched without case, and the order of values does not count",
  },
  {
    kind: "AIServicesOptOutPolicy",
    awsType: "AISERVICES_OPT_OUT_POLICY",
    noun: "AI services opt-out policy",
    document: optOut(["default", "rekognition"]),
    changed: optOut(["default", "rekognition", "lex"]),
    sameMeaning: optOut(["rekognition", "default"]),
    why: "the order of keys does not count",
  },
];

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [
      { name: "Workloads", ous: [{ name: "Prod", accounts: ["prod-1"] }], accounts: ["dev-1"] },
      { name: "Sandbox", accounts: ["sandbox-1"] },
    ],
    accounts: ["limits-1"],
  });
  org = new OrganizationsClient(awsClientConfig());
  controller = new ControllerProcess([
    `--poll-interval=${POLL_MS}ms`,
    "--organizations-rate=50",
    "--organizations-burst=50",
    `--policy-per-target-limits=rcp=${RCP_LIMIT}`,
  ]);
  await controller.ready();
}, 120_000);

afterAll(async () => {
  await deleteEveryObject(
    CASES.map((c) => orgguardClient(kc, c.kind)),
    () => controller?.tail() ?? "",
  );
  await controller?.stop();
});

const targetsOf = (policyId: string) => policyTargets(policyId, org);
const tagsOf = (policyId: string) => policyTags(policyId, org);
const describePolicy = async (policyId: string) =>
  (await org.send(new DescribePolicyCommand({ PolicyId: policyId }))).Policy;
/** The content AWS holds, parsed (toEqual ignores key order: the apiserver may reorder keys). */
const contentOf = async (policyId: string) => JSON.parse((await describePolicy(policyId))?.Content ?? "null");
const policyIdOf = (o: ManagedObject) => o.status?.policyId as string;

describe.each(CASES)("$kind", (c) => {
  const client = orgguardClient(kc, c.kind);
  const ready = (name: string, timeoutMs?: number) =>
    waitForReadyReason(client, name, "Available", {
      context: () => controller.tail(),
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  const withSpec = async (name: string, spec: Record<string, unknown>) => {
    const current = (await client.get(name))!;
    await client.replace({ ...current, spec: { ...current.spec, ...spec } as ManagedObject["spec"] });
  };

  it("creates it tagged and attached to a root, an OU path and an account name, follows the spec and repairs drift", async () => {
    const name = uniqueName(c.kind.toLowerCase());
    await client.create(
      manifest(c.kind, name, {
        description: "kept by orgguard",
        document: c.document,
        targets: [{ root: true }, { ouPath: "Root/Workloads/Prod" }, { accountName: "sandbox-1" }],
        tags: { team: "platform" },
        deletionPolicy: "Delete",
      }),
    );
    const created = await ready(name);
    const policyId = policyIdOf(created);
    const described = await describePolicy(policyId);
    expect(described?.PolicySummary?.Type).toBe(c.awsType);
    // Sent minified: whitespace counts against the size limit.
    expect(described?.Content).not.toMatch(/\s/);
    expect(JSON.parse(described?.Content ?? "null")).toEqual(c.document);
    expect(created.status?.documentSize).toBe(described?.Content?.length);
    expect(await tagsOf(policyId)).toMatchObject({
      team: "platform",
      "orgguard.io/managed-by": "orgguard",
      "orgguard.io/name": name,
    });
    const prod = tree.ouIds.get("Root/Workloads/Prod")!;
    expect(await targetsOf(policyId)).toEqual([tree.rootId, prod, tree.accountIds.get("sandbox-1")!].sort());

    // A spec change: new content, the account dropped (only this policy is detached from it).
    await withSpec(name, {
      document: c.changed,
      targets: [{ root: true }, { ouPath: "Root/Workloads/Prod" }],
    });
    await waitUntil(async () => (await client.get(name))?.metadata.generation === 2, 5000, "generation 2");
    await ready(name);
    expect(await contentOf(policyId)).toEqual(c.changed);
    expect(await targetsOf(policyId)).toEqual([tree.rootId, prod].sort());

    // Console drift: content set back and the policy detached from the OU; both repaired.
    await org.send(new UpdatePolicyCommand({ PolicyId: policyId, Content: JSON.stringify(c.document) }));
    await org.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: prod }));
    const changedAt = Date.now();
    await waitUntil(
      async () =>
        (await targetsOf(policyId)).length === 2 && isDeepStrictEqual(await contentOf(policyId), c.changed),
      POLL_MS * 1.1 + 5000,
      "content and attachment drift to be repaired",
    );
    console.log(`${c.kind}: content and attachment drift repaired in ${Date.now() - changedAt} ms`);
    await waitUntil(
      async () => (await eventReasons(kc, name)).includes("DriftRepaired"),
      10_000,
      "a DriftRepaired event",
    );

    // deletionPolicy Delete: detached everywhere, then deleted.
    await client.delete(name);
    await waitUntil(async () => (await client.get(name)) === undefined, 20_000, "the object to be gone");
    const gone = await describePolicy(policyId).then(
      () => "exists",
      (e: Error) => e.name,
    );
    expect(gone).toBe("PolicyNotFoundException");
  });

  it(`a document that means the same is no drift (${c.why})`, async () => {
    const name = uniqueName(`${c.kind.toLowerCase()}-same`);
    await client.create(
      manifest(c.kind, name, { document: c.document, targets: [{ ouPath: "Root/Sandbox" }] }),
    );
    const policyId = policyIdOf(await ready(name));
    await org.send(new UpdatePolicyCommand({ PolicyId: policyId, Content: JSON.stringify(c.sameMeaning) }));
    const writesBefore = countWrites(await controller.awsCalls());
    await sleep(POLL_MS * 1.5);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    expect((await client.get(name))?.status?.plannedChanges).toEqual([]);
    expect(await contentOf(policyId)).toEqual(c.sameMeaning);
  });

  it("refuses a foreign policy of that name until the adopt annotation says to take it over", async () => {
    const policyName = uniqueName(`legacy-${c.kind.toLowerCase()}`);
    const legacy = await org.send(
      new CreatePolicyCommand({
        Name: policyName,
        Description: "made by hand",
        Type: c.awsType,
        Content: JSON.stringify(c.document),
      }),
    );
    const legacyId = legacy.Policy!.PolicySummary!.Id!;
    const name = uniqueName(`${c.kind.toLowerCase()}-adopt`);
    await client.create(
      manifest(c.kind, name, { policyName, description: "now in git", document: c.changed }),
    );
    const stalled = await waitForReadyReason(client, name, "NameTaken", {
      condition: "Stalled",
      context: () => controller.tail(),
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(legacyId);
    expect((await describePolicy(legacyId))?.PolicySummary?.Description).toBe("made by hand");
    expect(await contentOf(legacyId)).toEqual(c.document);

    const current = (await client.get(name))!;
    await client.replace({
      ...current,
      metadata: { ...current.metadata, annotations: { "orgguard.io/adopt": "true" } },
    });
    // The annotation does not change the generation: a spec touch ends the stall at once.
    await withSpec(name, { tags: { adopted: "yes" } });
    const adopted = await ready(name);
    expect(adopted.status?.policyId).toBe(legacyId);
    expect((await describePolicy(legacyId))?.PolicySummary?.Description).toBe("now in git");
    expect(await contentOf(legacyId)).toEqual(c.changed);
    expect(await tagsOf(legacyId)).toMatchObject({ "orgguard.io/managed-by": "orgguard", adopted: "yes" });
    expect(await eventMessages(kc, name)).toContain(
      `adopted ${c.noun} ${legacyId} (${policyName}), as the orgguard.io/adopt annotation says`,
    );
  });

  it("ObserveOnly reports drift in content and attachments without writing anything", async () => {
    const name = uniqueName(`${c.kind.toLowerCase()}-observe`);
    await org.send(
      new CreatePolicyCommand({
        Name: name,
        Description: "",
        Type: c.awsType,
        Content: JSON.stringify(c.changed),
        Tags: [
          { Key: "orgguard.io/managed-by", Value: "orgguard" },
          { Key: "orgguard.io/name", Value: name },
        ],
      }),
    );
    const writesBefore = countWrites(await controller.awsCalls());
    await client.create(
      manifest(c.kind, name, {
        document: c.document,
        managementPolicy: "ObserveOnly",
        targets: [{ ouPath: "Root/Sandbox" }],
      }),
    );
    const drifted = await waitForReadyReason(client, name, "Drifted", { context: () => controller.tail() });
    const paths = ((drifted.status?.plannedChanges ?? []) as Array<{ path: string }>).map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["document", `targets[${tree.ouIds.get("Root/Sandbox")}]`]));
    await sleep(POLL_MS);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    expect(await targetsOf(policyIdOf(drifted))).toEqual([]);
  });

  it("with its type disabled on the root, says why (moto would attach anyway) and recovers once enabled", async () => {
    await org.send(new DisablePolicyTypeCommand({ RootId: tree.rootId, PolicyType: c.awsType }));
    const name = uniqueName(`${c.kind.toLowerCase()}-type-off`);
    try {
      await client.create(
        manifest(c.kind, name, { document: c.document, targets: [{ ouPath: "Root/Sandbox" }] }),
      );
      const off = await waitForReadyReason(client, name, "PolicyTypeNotEnabled", {
        condition: "Synced",
        context: () => controller.tail(),
      });
      const message = findCondition(off.status?.conditions, "Synced")?.message ?? "";
      expect(message).toContain(c.awsType);
      expect(message).toMatch(/--enable-policy-types=(rcp|tag|ai-opt-out)/);
      // Nothing was created while the type was off.
      expect(off.status?.policyId).toBeUndefined();
    } finally {
      await org.send(new EnablePolicyTypeCommand({ RootId: tree.rootId, PolicyType: c.awsType }));
    }
    const enabled = await ready(name, 30_000);
    expect(await targetsOf(policyIdOf(enabled))).toEqual([tree.ouIds.get("Root/Sandbox")!]);
  });

  it("deletionPolicy Retain leaves the policy and its attachments", async () => {
    const name = uniqueName(`${c.kind.toLowerCase()}-retain`);
    await client.create(
      manifest(c.kind, name, { document: c.document, targets: [{ ouPath: "Root/Workloads" }] }),
    );
    const policyId = policyIdOf(await ready(name));
    await client.delete(name);
    await waitUntil(async () => (await client.get(name)) === undefined, 20_000, "the object to be gone");
    expect(await targetsOf(policyId)).toEqual([tree.ouIds.get("Root/Workloads")!]);
    expect(await contentOf(policyId)).toEqual(c.document);
  });
});

describe("ResourceControlPolicy limits", () => {
  const rcps = orgguardClient(kc, "ResourceControlPolicy");

  it("counts RCPFullAWSAccess against the per-target limit and never detaches it", async () => {
    const account = tree.accountIds.get("limits-1")!;
    const rcpNamesOn = async () =>
      (
        (
          await org.send(
            new ListPoliciesForTargetCommand({ TargetId: account, Filter: "RESOURCE_CONTROL_POLICY" }),
          )
        ).Policies ?? []
      )
        .map((p) => p.Name!)
        .sort();
    const [first, second, third] = ["rcp-first", "rcp-second", "rcp-third"].map(uniqueName) as [
      string,
      string,
      string,
    ];
    for (const [name, action] of [
      [first, "s3:*"],
      [second, "sqs:*"],
    ] as const) {
      await rcps.create(
        manifest("ResourceControlPolicy", name, {
          document: denyS3FromOutside(action),
          targets: [{ accountId: account }],
        }),
      );
      await waitForReadyReason(rcps, name, "Available", { context: () => controller.tail() });
    }
    await rcps.create(
      manifest("ResourceControlPolicy", third, {
        document: denyS3FromOutside("kms:*"),
        targets: [{ accountId: account }],
      }),
    );
    const blocked = await waitForReadyReason(rcps, third, "TooManyPolicies", {
      condition: "Stalled",
      context: () => controller.tail(),
    });
    expect(findCondition(blocked.status?.conditions, "Stalled")?.message).toContain(
      `it already has ${RCP_LIMIT} RCPs, the limit is ${RCP_LIMIT} (RCPFullAWSAccess counts)`,
    );
    expect(await rcpNamesOn()).toEqual(["RCPFullAWSAccess", first, second].sort());

    // The first no longer lists the account: it is detached (RCPs have no last-policy rule, the
    // AWS-managed one always stays), which makes room for the third at its next retry.
    const current = (await rcps.get(first))!;
    await rcps.replace({ ...current, spec: { ...current.spec, targets: [] } as ManagedObject["spec"] });
    await waitUntil(
      async () => (await rcpNamesOn()).includes(third),
      POLL_MS * 3 + 10_000,
      "the third RCP to attach once the first made room",
    );
    expect(await rcpNamesOn()).toEqual(["RCPFullAWSAccess", second, third].sort());
  });
});
