/**
 * The holdout of policies pasted from AWS's documentation (test/fixtures/aws-policies) against
 * the real kube-apiserver and moto, with `orgguard controller`: each is admitted in both of its
 * spellings (Statement an object or a list, every element a string or a list, an RCP's Principal
 * "*" or {"AWS": "*"}), and once AWS holds the policy in one spelling, an object saying the other
 * costs no write. The unit side (validate, the kind's checks, the compare):
 * test/unit/api/policy-spellings.test.ts.
 */
import { DescribePolicyCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ManagedObject } from "../../src/runtime/managed.js";
import { sleep, waitUntil } from "../env/process.js";
import { awsClientConfig, awsEndpoint, createOrganization, resetMoto } from "../support/aws.js";
import { ControllerProcess, countWrites } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";
import { holdoutPolicies, otherSpelling } from "../support/policy-spellings.js";

const POLL_MS = 2000;
const kc = adminKubeConfig();
const holdout = await holdoutPolicies();
const uniqueName = uniqueNames();
let controller: ControllerProcess;
let org: OrganizationsClient;

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  await createOrganization({ ous: [{ name: "Sandbox", accounts: ["sandbox-1"] }] });
  org = new OrganizationsClient(awsClientConfig());
  controller = new ControllerProcess([
    `--poll-interval=${POLL_MS}ms`,
    "--organizations-rate=50",
    "--organizations-burst=50",
  ]);
  await controller.ready();
}, 120_000);

afterAll(async () => {
  await deleteEveryObject(
    ["ServiceControlPolicy", "ResourceControlPolicy"].map((k) => orgguardClient(kc, k)),
    () => controller?.tail() ?? "",
  );
  await controller?.stop();
});

/** One object: created in one spelling (what AWS then holds), changed to the other. */
interface Case {
  name: string;
  kind: string;
  first: Record<string, unknown>;
  other: Record<string, unknown>;
}

const cases: Case[] = holdout.flatMap((p) => [
  { name: uniqueName(`${p.name}-a`), kind: p.kind, first: p.document, other: otherSpelling(p.document) },
  { name: uniqueName(`${p.name}-b`), kind: p.kind, first: otherSpelling(p.document), other: p.document },
]);

const ready = (c: Case) =>
  waitForReadyReason(orgguardClient(kc, c.kind), c.name, "Available", { context: () => controller.tail() });

describe("pasted AWS policies in either spelling", () => {
  it("are admitted in both spellings, and AWS holding the other spelling costs no write", async () => {
    // Every object created in its first spelling: the controller creates each policy in AWS so.
    await Promise.all(
      cases.map((c) => orgguardClient(kc, c.kind).create(manifest(c.kind, c.name, { document: c.first }))),
    );
    const policyIds = new Map<string, string>();
    for (const c of cases) policyIds.set(c.name, (await ready(c)).status?.policyId as string);
    const writesBefore = countWrites(await controller.awsCalls());

    // The spec now says the other spelling: admitted, reconciled (Ready at the new generation), no write.
    for (const c of cases) {
      const client = orgguardClient(kc, c.kind);
      const current = (await client.get(c.name))!;
      await client.replace({
        ...current,
        spec: { ...current.spec, document: c.other } as ManagedObject["spec"],
      });
    }
    for (const c of cases) {
      await waitUntil(
        async () => (await orgguardClient(kc, c.kind).get(c.name))?.metadata.generation === 2,
        5000,
        `${c.name} at generation 2`,
      );
      const after = await ready(c);
      expect(after.status?.plannedChanges ?? [], c.name).toEqual([]);
    }
    // And one poll more of each, comparing again with AWS.
    await sleep(POLL_MS * 1.5);
    expect(countWrites(await controller.awsCalls())).toBe(writesBefore);

    // AWS still holds the first spelling (toEqual tells an object from a list, a string from a list).
    for (const c of cases) {
      const described = await org.send(new DescribePolicyCommand({ PolicyId: policyIds.get(c.name)! }));
      const held = JSON.parse(described.Policy?.Content ?? "null");
      expect(held, c.name).toEqual(c.first);
      expect(held, c.name).not.toEqual(c.other);
    }
    console.log(
      `${cases.length} objects (${holdout.length} pasted policies, each way): 0 writes after the spelling changed`,
    );
  });
});
