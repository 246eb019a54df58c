/**
 * ServiceControlPolicy reconciled against moto by `orgguard controller`: creation with ownership
 * tags and attachments resolved from a root, an OU path and an account name; spec changes that
 * move attachments; console drift repaired; ObserveOnly; adoption by tag or annotation and
 * refusal of a foreign policy; deletion (also when an OU the spec names was renamed meanwhile).
 * FullAWSAccess is never touched.
 */
import {
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  DisablePolicyTypeCommand,
  EnablePolicyTypeCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
  UpdateOrganizationalUnitCommand,
  UpdatePolicyCommand,
} from "@aws-sdk/client-organizations";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_GROUP, API_VERSION } from "../../src/api/common.js";
import { samePolicy } from "../../src/aws/policy-document.js";
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
import { installOrgguardCrds, orgguardClient, uniqueNames } from "../support/orgguard.js";
import { policyTags, policyTargets } from "../support/policies.js";

const POLL_MS = 3000;
const kc = adminKubeConfig();
const scps = orgguardClient(kc, "ServiceControlPolicy");
let org: OrganizationsClient;
let tree: TestOrganization;
let controller: ControllerProcess;
const uniqueName = uniqueNames();

const denyLeave = {
  Version: "2012-10-17",
  Statement: [{ Sid: "DenyLeave", Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
};

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [
      { name: "Workloads", ous: [{ name: "Prod", accounts: ["prod-1"] }], accounts: ["dev-1"] },
      { name: "Sandbox", accounts: ["sandbox-1"] },
    ],
  });
  org = new OrganizationsClient(awsClientConfig());
  // Several SCPs poll every 3 s here: a faster Organizations pace than production's default.
  controller = new ControllerProcess([
    `--poll-interval=${POLL_MS}ms`,
    "--organizations-rate=50",
    "--organizations-burst=50",
  ]);
  await controller.ready();
}, 120_000);

afterAll(async () => {
  for (const o of (await scps.list()).items) await scps.delete(o.metadata.name);
  await waitUntil(
    async () => (await scps.list()).items.length === 0,
    30_000,
    `SCP objects to be deleted (${controller?.tail()})`,
  );
  await controller?.stop();
});

const manifest = (
  name: string,
  spec: Record<string, unknown>,
  annotations?: Record<string, string>,
): ManagedObject => ({
  apiVersion: `${API_GROUP}/${API_VERSION}`,
  kind: "ServiceControlPolicy",
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec,
});

async function waitFor(
  name: string,
  predicate: (o: ManagedObject) => boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<ManagedObject> {
  let last: ManagedObject | undefined;
  await waitUntil(
    async () => {
      last = await scps.get(name);
      return last !== undefined && predicate(last);
    },
    timeoutMs,
    () => `${name}: ${what} (status: ${JSON.stringify(last?.status)}; controller: ${controller.tail()})`,
  );
  return last!;
}
const readyAtGeneration = (o: ManagedObject) =>
  findCondition(o.status?.conditions, "Ready")?.status === "True" &&
  o.status?.observedGeneration === o.metadata.generation;
const reason = (r: string) => (o: ManagedObject) =>
  findCondition(o.status?.conditions, "Ready")?.reason === r ||
  findCondition(o.status?.conditions, "Stalled")?.reason === r;

async function eventsOf(name: string): Promise<Array<{ reason: string; message: string }>> {
  const list = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: "default" });
  return list.items
    .filter((e) => e.involvedObject.name === name)
    .map((e) => ({ reason: e.reason ?? "", message: e.message ?? "" }));
}

const targetsOf = (policyId: string) => policyTargets(policyId, org);
const tagsOf = (policyId: string) => policyTags(policyId, org);

describe("ServiceControlPolicy", () => {
  it("creates the policy with ownership tags, attaches it where listed, follows spec changes and repairs drift", async () => {
    const name = uniqueName("scp");
    await scps.create(
      manifest(name, {
        description: "deny leaving",
        document: denyLeave,
        targets: [{ root: true }, { ouPath: "Root/Workloads/Prod" }, { accountName: "sandbox-1" }],
        tags: { team: "platform" },
        deletionPolicy: "Delete",
      }),
    );
    const ready = await waitFor(name, readyAtGeneration, "Ready");
    const policyId = ready.status?.policyId as string;
    expect(policyId).toMatch(/^p-/);
    const expectedTargets = [
      tree.rootId,
      tree.ouIds.get("Root/Workloads/Prod")!,
      tree.accountIds.get("sandbox-1")!,
    ].sort();
    expect(await targetsOf(policyId)).toEqual(expectedTargets);
    expect(await tagsOf(policyId)).toMatchObject({
      team: "platform",
      "orgguard.io/managed-by": "orgguard",
      "orgguard.io/name": name,
    });
    const described = await org.send(new DescribePolicyCommand({ PolicyId: policyId }));
    // Sent minified (whitespace counts against the size limit); the apiserver may reorder keys.
    expect(described.Policy?.Content).not.toMatch(/\s/);
    expect(samePolicy(described.Policy?.Content, denyLeave)).toBe(true);
    expect(ready.status?.documentSize).toBe(described.Policy?.Content?.length);
    // FullAWSAccess stays attached to the root.
    const onRoot = (
      await org.send(
        new ListPoliciesForTargetCommand({ TargetId: tree.rootId, Filter: "SERVICE_CONTROL_POLICY" }),
      )
    ).Policies;
    expect(onRoot?.map((p) => p.Id)).toContain("p-FullAWSAccess");

    // Spec change: new content, one target dropped (only this policy is detached from it).
    const current = (await scps.get(name))!;
    const moreDenies = {
      ...denyLeave,
      Statement: [...denyLeave.Statement, { Effect: "Deny", Action: "account:CloseAccount", Resource: "*" }],
    };
    await scps.replace({
      ...current,
      spec: {
        ...current.spec,
        document: moreDenies,
        targets: [{ root: true }, { ouPath: "Root/Workloads/Prod" }],
      } as ManagedObject["spec"],
    });
    await waitFor(name, (o) => readyAtGeneration(o) && o.metadata.generation === 2, "Ready at generation 2");
    expect(await targetsOf(policyId)).toEqual([tree.rootId, tree.ouIds.get("Root/Workloads/Prod")!].sort());
    expect(
      samePolicy(
        (await org.send(new DescribePolicyCommand({ PolicyId: policyId }))).Policy?.Content,
        moreDenies,
      ),
    ).toBe(true);

    // Console drift: content edited and the policy detached from the OU; both repaired in one poll.
    await org.send(new UpdatePolicyCommand({ PolicyId: policyId, Content: JSON.stringify(denyLeave) }));
    await org.send(
      new DetachPolicyCommand({ PolicyId: policyId, TargetId: tree.ouIds.get("Root/Workloads/Prod")! }),
    );
    const changedAt = Date.now();
    await waitUntil(
      async () =>
        (await targetsOf(policyId)).length === 2 &&
        samePolicy(
          (await org.send(new DescribePolicyCommand({ PolicyId: policyId }))).Policy?.Content,
          moreDenies,
        ),
      POLL_MS * 1.1 + 5000,
      "drift to be repaired",
    );
    expect(Date.now() - changedAt).toBeLessThan(POLL_MS * 1.1 + 3000);
    await waitUntil(
      async () => {
        const events = await kc.makeApiClient(CoreV1Api).listNamespacedEvent({ namespace: "default" });
        return events.items.some((e) => e.involvedObject.name === name && e.reason === "DriftRepaired");
      },
      10_000,
      "a DriftRepaired event",
    );

    // deletionPolicy Delete: detached everywhere, then deleted.
    await scps.delete(name);
    await waitUntil(async () => (await scps.get(name)) === undefined, 20_000, "the object to be gone");
    const gone = await org.send(new DescribePolicyCommand({ PolicyId: policyId })).then(
      () => "exists",
      (e: Error) => e.name,
    );
    expect(gone).toBe("PolicyNotFoundException");
  });

  it("JSON that means the same is not drift: no update for reordered keys or a single value vs a list", async () => {
    const name = uniqueName("scp-canon");
    await scps.create(manifest(name, { document: denyLeave, targets: [{ ouPath: "Root/Sandbox" }] }));
    const ready = await waitFor(name, readyAtGeneration, "Ready");
    const policyId = ready.status?.policyId as string;
    // The same policy, keys reordered and Action as a list: what another tool might write.
    const same = {
      Statement: [
        { Resource: ["*"], Action: ["organizations:LeaveOrganization"], Effect: "Deny", Sid: "DenyLeave" },
      ],
      Version: "2012-10-17",
    };
    await org.send(new UpdatePolicyCommand({ PolicyId: policyId, Content: JSON.stringify(same) }));
    const writesBefore = countWrites(await controller.awsCalls());
    await sleep(POLL_MS * 1.5);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
    expect((await scps.get(name))?.status?.plannedChanges).toEqual([]);
  });

  it("refuses a foreign policy with the same name until the adopt annotation says to take it over", async () => {
    const legacy = await org.send(
      new CreatePolicyCommand({
        Name: "legacy-guardrail",
        Description: "made by hand",
        Type: "SERVICE_CONTROL_POLICY",
        Content: JSON.stringify(denyLeave),
      }),
    );
    const legacyId = legacy.Policy!.PolicySummary!.Id!;
    const name = uniqueName("scp-adopt");
    await scps.create(
      manifest(name, { policyName: "legacy-guardrail", description: "now in git", document: denyLeave }),
    );
    const stalled = await waitFor(name, reason("NameTaken"), "Stalled/NameTaken");
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(legacyId);
    expect(
      (await org.send(new DescribePolicyCommand({ PolicyId: legacyId }))).Policy?.PolicySummary?.Description,
    ).toBe("made by hand");

    const current = (await scps.get(name))!;
    await scps.replace({
      ...current,
      metadata: { ...current.metadata, annotations: { "orgguard.io/adopt": "true" } },
    });
    // The annotation does not change the generation: a spec touch makes the stall end.
    const again = (await scps.get(name))!;
    await scps.replace({
      ...again,
      spec: { ...again.spec, tags: { adopted: "yes" } } as ManagedObject["spec"],
    });
    const adopted = await waitFor(name, readyAtGeneration, "Ready after adoption");
    expect(adopted.status?.policyId).toBe(legacyId);
    expect(
      (await org.send(new DescribePolicyCommand({ PolicyId: legacyId }))).Policy?.PolicySummary?.Description,
    ).toBe("now in git");
    expect(await tagsOf(legacyId)).toMatchObject({ "orgguard.io/managed-by": "orgguard", adopted: "yes" });
    const adoptedEvents = (await eventsOf(name)).filter((e) => e.reason === "Adopted");
    expect(adoptedEvents.map((e) => e.message)).toEqual([
      `adopted SCP ${legacyId} (legacy-guardrail), as the orgguard.io/adopt annotation says`,
    ]);
  });

  it("re-creates a policy deleted out of band, as drift repaired (not a new creation)", async () => {
    const name = uniqueName("scp-deleted");
    await scps.create(manifest(name, { document: denyLeave, targets: [{ ouPath: "Root/Sandbox" }] }));
    const ready = await waitFor(name, readyAtGeneration, "Ready");
    const oldId = ready.status?.policyId as string;
    await org.send(new DetachPolicyCommand({ PolicyId: oldId, TargetId: tree.ouIds.get("Root/Sandbox")! }));
    await org.send(new DeletePolicyCommand({ PolicyId: oldId }));
    const again = await waitFor(
      name,
      (o) => readyAtGeneration(o) && o.status?.policyId !== oldId,
      "Ready with a new policy",
      POLL_MS * 5,
    );
    expect(await targetsOf(again.status?.policyId as string)).toEqual([tree.ouIds.get("Root/Sandbox")!]);
    const reasons = (await eventsOf(name)).map((e) => e.reason);
    expect(reasons.filter((r) => r === "Created")).toHaveLength(1);
    expect(reasons).toContain("DriftRepaired");
  });

  it("takes over a policy its own tags prove it created (a lost create), without the annotation", async () => {
    const name = uniqueName("scp-lost");
    const lost = await org.send(
      new CreatePolicyCommand({
        Name: name,
        Description: "",
        Type: "SERVICE_CONTROL_POLICY",
        Content: JSON.stringify(denyLeave),
        Tags: [
          { Key: "orgguard.io/managed-by", Value: "orgguard" },
          { Key: "orgguard.io/name", Value: name },
        ],
      }),
    );
    await scps.create(manifest(name, { document: denyLeave }));
    const ready = await waitFor(name, readyAtGeneration, "Ready");
    const lostId = lost.Policy!.PolicySummary!.Id;
    expect(ready.status?.policyId).toBe(lostId);
    expect((await eventsOf(name)).filter((e) => e.reason === "Adopted").map((e) => e.message)).toEqual([
      `took over SCP ${lostId} (${name}): its orgguard.io ownership tags name this object`,
    ]);
  });

  it("ObserveOnly reports a missing policy and drift without writing anything", async () => {
    const writesBefore = countWrites(await controller.awsCalls());
    const missing = uniqueName("scp-observe-missing");
    await scps.create(
      manifest(missing, { document: denyLeave, managementPolicy: "ObserveOnly", targets: [{ root: true }] }),
    );
    await waitFor(missing, reason("NotFound"), "NotFound");

    const name = uniqueName("scp-observe");
    await org.send(
      new CreatePolicyCommand({
        Name: name,
        Description: "",
        Type: "SERVICE_CONTROL_POLICY",
        Content: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*" }],
        }),
        Tags: [
          { Key: "orgguard.io/managed-by", Value: "orgguard" },
          { Key: "orgguard.io/name", Value: name },
        ],
      }),
    );
    await scps.create(
      manifest(name, {
        document: denyLeave,
        managementPolicy: "ObserveOnly",
        targets: [{ ouPath: "Root/Sandbox" }],
      }),
    );
    const drifted = await waitFor(name, reason("Drifted"), "Drifted");
    const paths = ((drifted.status?.plannedChanges ?? []) as Array<{ path: string }>).map((c) => c.path);
    expect(paths).toEqual(expect.arrayContaining(["document", `targets[${tree.ouIds.get("Root/Sandbox")}]`]));
    await sleep(POLL_MS);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);
  });

  it("with the SCP type disabled on the root, says why nothing attaches and recovers once it is enabled", async () => {
    await org.send(
      new DisablePolicyTypeCommand({ RootId: tree.rootId, PolicyType: "SERVICE_CONTROL_POLICY" }),
    );
    const name = uniqueName("scp-type-off");
    await scps.create(manifest(name, { document: denyLeave, targets: [{ ouPath: "Root/Sandbox" }] }));
    const o = await waitFor(
      name,
      (x) => findCondition(x.status?.conditions, "Synced")?.reason === "PolicyTypeNotEnabled",
      "Synced=False/PolicyTypeNotEnabled",
    );
    expect(findCondition(o.status?.conditions, "Synced")?.message).toContain("--enable-policy-types=scp");
    expect(findCondition(o.status?.conditions, "Stalled")).toBeUndefined();
    await org.send(
      new EnablePolicyTypeCommand({ RootId: tree.rootId, PolicyType: "SERVICE_CONTROL_POLICY" }),
    );
    await waitFor(name, readyAtGeneration, "Ready once SCPs are enabled", 30_000);
  });

  it("deletes a policy whose spec names an OU that was renamed meanwhile: deleting resolves no target", async () => {
    const ouName = uniqueName("temp");
    const created = await org.send(
      new CreateOrganizationalUnitCommand({ ParentId: tree.rootId, Name: ouName }),
    );
    const ouId = created.OrganizationalUnit?.Id as string;
    const name = uniqueName("scp-renamed-ou");
    await scps.create(
      manifest(name, {
        document: denyLeave,
        targets: [{ ouPath: `Root/${ouName}` }],
        deletionPolicy: "Delete",
      }),
    );
    const ready = await waitFor(name, readyAtGeneration, "Ready");
    const policyId = ready.status?.policyId as string;
    await org.send(
      new UpdateOrganizationalUnitCommand({ OrganizationalUnitId: ouId, Name: `${ouName}-renamed` }),
    );
    // Make the controller's organization view current: a target no view knows re-reads it, once
    // the view is 5 s old. From then on, the view no longer knows Root/<ouName>.
    await sleep(5_500);
    const probe = uniqueName("scp-probe");
    await scps.create(manifest(probe, { document: denyLeave, targets: [{ ouPath: "Root/NoSuchOu" }] }));
    await waitFor(
      probe,
      (o) => findCondition(o.status?.conditions, "Synced")?.reason === "TargetNotFound",
      "TargetNotFound",
    );

    await scps.delete(name);
    await waitUntil(
      async () => (await scps.get(name)) === undefined,
      20_000,
      () => `the object to be gone (controller: ${controller.tail()})`,
    );
    await expect(org.send(new DescribePolicyCommand({ PolicyId: policyId }))).rejects.toMatchObject({
      name: "PolicyNotFoundException",
    });
    await scps.delete(probe);
  });

  it("deletionPolicy Retain leaves the policy and its attachments", async () => {
    const name = uniqueName("scp-retain");
    await scps.create(manifest(name, { document: denyLeave, targets: [{ ouPath: "Root/Workloads" }] }));
    const ready = await waitFor(name, readyAtGeneration, "Ready");
    await scps.delete(name);
    await waitUntil(async () => (await scps.get(name)) === undefined, 20_000, "the object to be gone");
    expect(await targetsOf(ready.status?.policyId as string)).toEqual([tree.ouIds.get("Root/Workloads")!]);
  });
});
