/**
 * A steady state costs nothing but reads: once every object is Ready, polling every 2 s for a
 * window of several polls makes no AWS write and no kube-apiserver write (no status, no Event, no
 * patch), as the apiserver's own /metrics counts them; orgguard_oldest_check_age_seconds still
 * shows every kind being checked within the poll interval.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KINDS } from "../../src/kinds/index.js";
import { sleep } from "../env/process.js";
import { awsEndpoint, createOrganization, resetMoto } from "../support/aws.js";
import { ControllerProcess, countWrites } from "../support/controller-process.js";
import { adminKubeConfig } from "../support/kube.js";
import { kubectlOk } from "../support/kubectl.js";
import {
  deleteEveryObject,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 2000;
const WINDOW_MS = 6 * POLL_MS;
const kc = adminKubeConfig();
const uniqueName = uniqueNames();
let controller: ControllerProcess;
let account: string;

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const tree = await createOrganization({ ous: [{ name: "Workloads", accounts: ["steady-1", "steady-2"] }] });
  account = tree.accountIds.get("steady-1")!;
  controller = new ControllerProcess([`--poll-interval=${POLL_MS}ms`, "--discovery-interval=2s"]);
  await controller.ready();
}, 120_000);

afterAll(async () => {
  await deleteEveryObject(
    // Baselines first: their children go with them.
    [...KINDS].reverse().map((k) => orgguardClient(kc, k.api.kind)),
    () => controller?.tail() ?? "",
  );
  await controller?.stop();
});

/** Write requests the kube-apiserver served, by resource (its own apiserver_request_total). */
async function apiserverWrites(): Promise<Map<string, number>> {
  const text = await kubectlOk(["get", "--raw", "/metrics"]);
  const writes = new Map<string, number>();
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (!["POST", "PUT", "PATCH", "DELETE"].includes(labels.verb ?? "")) continue;
    // Leases are leader election's renewals (off here) and the apiserver's own heartbeats.
    if (labels.resource === "leases") continue;
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ""}`;
    writes.set(key, (writes.get(key) ?? 0) + Number(m[2]));
  }
  return writes;
}

/** What grew between two counts (keys with no change left out). */
function grown(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  return Object.fromEntries(
    [...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)] as const).filter(([, d]) => d > 0),
  );
}

describe("steady state", () => {
  it("makes no AWS write and no kube-apiserver write while every object stays in sync", async () => {
    const objects = [
      manifest("Organization", uniqueName("steady-org"), {
        policyTypes: ["scp", "tag"],
        trustedAccess: ["guardduty.amazonaws.com", "config-multiaccountsetup.amazonaws.com"],
        delegatedAdministrators: [
          { servicePrincipal: "guardduty.amazonaws.com", accountId: account },
          { servicePrincipal: "config-multiaccountsetup.amazonaws.com", accountName: "steady-2" },
        ],
      }),
      manifest("ServiceControlPolicy", uniqueName("steady-scp"), {
        document: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Action: "organizations:LeaveOrganization", Resource: "*" }],
        },
        targets: [{ ouPath: "Root/Workloads" }],
      }),
      manifest("TagPolicy", uniqueName("steady-tag"), {
        document: { tags: { costcenter: { tag_key: { "@@assign": "CostCenter" } } } },
        targets: [{ root: true }],
      }),
      manifest("ResourceControlPolicy", uniqueName("steady-rcp"), {
        document: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }],
        },
        targets: [{ accountId: account }],
      }),
      manifest("AIServicesOptOutPolicy", uniqueName("steady-ai"), {
        document: { services: { default: { opt_out_policy: { "@@assign": "optOut" } } } },
        targets: [{ root: true }],
      }),
      manifest("PasswordPolicy", uniqueName("steady-pw"), { accountId: account }),
      manifest("EbsEncryptionByDefault", uniqueName("steady-ebs"), { accountId: account }),
      manifest("DefaultSecurityGroups", uniqueName("steady-dsg"), {
        accountId: account,
        regions: ["eu-west-1"],
      }),
      manifest("AlternateContacts", uniqueName("steady-contacts"), {
        accountId: account,
        security: {
          name: "Security",
          title: "Security",
          emailAddress: "security@example.com",
          phoneNumber: "+1 206 555 0100",
        },
      }),
      manifest("ConfigRecorder", uniqueName("steady-config"), {
        accountId: account,
        regions: ["eu-west-1"],
        globalResourcesRegion: "eu-west-1",
        deliveryBucket: { name: "org-config-logs" },
      }),
      manifest("AccountBaseline", uniqueName("steady-baseline"), {
        accounts: { organizationalUnits: [{ path: "Root/Workloads" }], exclude: { ids: [account] } },
        publicAccessBlock: {},
      }),
    ];
    for (const o of objects) await orgguardClient(kc, o.kind).create(o);
    for (const o of objects) {
      await waitForReadyReason(orgguardClient(kc, o.kind), o.metadata.name, "Available", {
        timeoutMs: 60_000,
        context: () => controller.tail(),
      });
    }
    // Let the verifications after create settle, then count over several polls.
    await sleep(2 * POLL_MS);
    const before = { apiserver: await apiserverWrites(), aws: countWrites(await controller.awsCalls()) };
    const reads = [...(await controller.awsCalls()).values()].reduce((a, b) => a + b, 0);
    await sleep(WINDOW_MS);
    const after = { apiserver: await apiserverWrites(), aws: countWrites(await controller.awsCalls()) };
    const readsAfter = [...(await controller.awsCalls()).values()].reduce((a, b) => a + b, 0);
    console.log(
      `steady window of ${WINDOW_MS / 1000} s at a ${POLL_MS / 1000} s poll: ${readsAfter - reads} AWS calls, ${after.aws - before.aws} AWS writes, apiserver writes ${JSON.stringify(grown(before.apiserver, after.apiserver))}`,
    );
    // Polling went on: AWS was read throughout the window.
    expect(readsAfter - reads).toBeGreaterThan(objects.length * 3);
    expect(after.aws - before.aws).toBe(0);
    expect(grown(before.apiserver, after.apiserver)).toEqual({});
    const metrics = await (await fetch(`${controller.url()}/metrics`)).text();
    for (const kind of [
      "ServiceControlPolicy",
      "TagPolicy",
      "PasswordPolicy",
      "EbsEncryptionByDefault",
      "AccountBaseline",
    ]) {
      const age = Number(
        new RegExp(`^orgguard_oldest_check_age_seconds\\{kind="${kind}"\\} ([\\d.e+-]+)$`, "m").exec(
          metrics,
        )?.[1],
      );
      expect(age, kind).toBeLessThan((POLL_MS * 1.1 * 2) / 1000 + 1);
    }
  });
});
