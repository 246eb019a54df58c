/**
 * CentralizedRootAccess, with the controller in-process on the real kube-apiserver. The
 * organization, its accounts and trusted access as Organizations lists it are moto's; moto has none
 * of IAM's organization features, no sts:AssumeRoot, and refuses trusted access for
 * iam.amazonaws.com, so those are SDK-level stubs on the controller's own clients, answering as
 * the IAM and STS API references document (each named "stub:" below):
 * - against moto alone: trusted access for iam.amazonaws.com is off, and the object says how to turn
 *   it on (the Organization kind's spec.trustedAccess), writing nothing;
 * - stub: trusted access on, ListOrganizationsFeatures / EnableOrganizationsRoot* answered, AssumeRoot
 *   answered and the member's root user (a password and an access key) listed: both features are
 *   enabled, the member is reported, its root key is not deleted without
 *   deleteMemberRootCredentials; with it, the key and password are deleted (and another member's
 *   nothing); then the steady state reads only, and the calls per reconcile are printed.
 */
import { NoSuchEntityException } from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AwsClients, DEFAULT_ROLE_ARN_TEMPLATE } from "../../src/aws/clients.js";
import { RegionDirectory, sdkRegionLister } from "../../src/aws/regions.js";
import { centralizedRootAccessKind } from "../../src/kinds/centralized-root-access/index.js";
import { findCondition } from "../../src/runtime/conditions.js";
import { managedController } from "../../src/runtime/controller.js";
import { KubeEventRecorder } from "../../src/runtime/event-recorder.js";
import { createLogger } from "../../src/runtime/logger.js";
import type { ManagedKind } from "../../src/runtime/managed.js";
import type { Runnable } from "../../src/runtime/manager.js";
import { Metrics } from "../../src/runtime/metrics.js";
import { sleep, waitUntil } from "../env/process.js";
import {
  awsEndpoint,
  createOrganization,
  MANAGEMENT_ACCOUNT_ID,
  MANAGEMENT_CREDENTIALS,
  resetMoto,
} from "../support/aws.js";
import { awsException, type Fault, injectFaults } from "../support/aws-faults.js";
import { type RunningControllers, runControllers } from "../support/controllers.js";
import { adminKubeConfig } from "../support/kube.js";
import {
  deleteEveryObject,
  eventMessages,
  installOrgguardCrds,
  manifest,
  orgguardClient,
  uniqueNames,
  waitForReadyReason,
} from "../support/orgguard.js";

const POLL_MS = 1500;
const kc = adminKubeConfig();
const objects = orgguardClient(kc, "CentralizedRootAccess");
const uniqueName = uniqueNames();
const logLines: string[] = [];
const calls: string[] = [];
const metrics = new Metrics();
let running: RunningControllers<Runnable> | undefined;
let aws: AwsClients;
let withRoot: string;
let clean: string;
const ROOT_KEY = "AKIAROOTKEYSTUB00001";

/** The member's root user as the stubbed root session lists it (deleted by the stubbed deletes). */
const rootUser = { password: true, keys: [ROOT_KEY] };
/** IAM's organization features as the stubs keep them. */
const features = new Set<string>();

beforeAll(async () => {
  await installOrgguardCrds();
  await resetMoto(awsEndpoint());
  const org = await createOrganization({ ous: [{ name: "Workloads", accounts: ["root-1", "root-2"] }] });
  withRoot = org.accountIds.get("root-1")!;
  clean = org.accountIds.get("root-2")!;
  aws = new AwsClients({
    region: "us-east-1",
    endpoint: awsEndpoint(),
    roleArnTemplate: DEFAULT_ROLE_ARN_TEMPLATE,
    maxAttempts: 1,
    credentials: MANAGEMENT_CREDENTIALS,
    observeCall: (service, operation) => calls.push(`${service}:${operation}`),
  });
  await aws.ownAccountId();
  const context = {
    aws,
    policies: {},
    regions: new RegionDirectory(sdkRegionLister(aws), { defaultRegions: [] }),
  };
  const logger = createLogger("debug", {}, (line) => logLines.push(line));
  const kind = centralizedRootAccessKind.runtime;
  if (kind.type !== "managed") throw new Error("CentralizedRootAccess is a managed kind");
  running = await runControllers(
    kc,
    {
      workers: 1,
      pollIntervalMs: POLL_MS,
      verifyAfterMs: 300,
      progressRecheckMs: 500,
      backoffBaseMs: 300,
      backoffMaxMs: 3000,
    },
    (runtime) => [managedController(runtime, kind.managed(context) satisfies ManagedKind)],
    { logger, metrics, events: new KubeEventRecorder(kc, "orgguard-test", logger) },
  );
}, 120_000);

afterAll(async () => {
  await deleteEveryObject([objects]);
  await running?.stop();
});

/** The stubs, installed once moto's own answer (trusted access off) has been seen. */
async function installStubs(): Promise<void> {
  const own = { accountId: MANAGEMENT_ACCOUNT_ID };
  // stub: trusted access for iam.amazonaws.com, which moto refuses to enable.
  injectFaults(aws.organizations(), [
    {
      operation: "ListAWSServiceAccessForOrganization",
      times: Infinity,
      amend: (out) => ({
        ...out,
        EnabledServicePrincipals: [
          ...((out.EnabledServicePrincipals as unknown[] | undefined) ?? []),
          { ServicePrincipal: "iam.amazonaws.com", DateEnabled: new Date() },
        ],
      }),
    },
  ]);
  // stub: IAM's organization features (ListOrganizationsFeatures, EnableOrganizationsRoot*).
  injectFaults(await aws.forAccount("iam", own), [
    {
      operation: "ListOrganizationsFeatures",
      times: Infinity,
      respond: () => ({ OrganizationId: "o-stub", EnabledFeatures: [...features] }),
    },
    ...["RootCredentialsManagement", "RootSessions"].map(
      (feature): Fault => ({
        operation: `EnableOrganizations${feature}`,
        times: Infinity,
        respond: () => {
          features.add(feature);
          return { OrganizationId: "o-stub", EnabledFeatures: [...features] };
        },
      }),
    ),
  ]);
  // stub: sts:AssumeRoot, answered with a session for the task (moto has no AssumeRoot).
  injectFaults(await aws.forAccount("sts", own), [
    {
      operation: "AssumeRoot",
      times: Infinity,
      respond: (input) => ({
        Credentials: {
          AccessKeyId: `ASIAROOT${String(input.TargetPrincipal).slice(0, 12)}`,
          SecretAccessKey: "stub",
          SessionToken: "stub",
          Expiration: new Date(Date.now() + 900_000),
        },
      }),
    },
  ]);
  // stub: IAM as each member's root user (GetLoginProfile, List*, the deletes).
  const session = { accessKeyId: "ASIASTUB", secretAccessKey: "stub", sessionToken: "stub" };
  const rootIam = (credentials: { password: boolean; keys: string[] }): Fault[] => [
    {
      operation: "GetLoginProfile",
      times: Infinity,
      respond: () => {
        if (!credentials.password)
          throw awsException(NoSuchEntityException, "Login Profile for root user cannot be found.");
        return { LoginProfile: { CreateDate: new Date("2020-01-01T00:00:00Z") } };
      },
    },
    {
      operation: "ListAccessKeys",
      times: Infinity,
      respond: () => ({
        AccessKeyMetadata: credentials.keys.map((AccessKeyId) => ({
          AccessKeyId,
          Status: "Active",
          CreateDate: new Date("2020-01-01T00:00:00Z"),
        })),
      }),
    },
    { operation: "ListMFADevices", times: Infinity, respond: () => ({ MFADevices: [] }) },
    { operation: "ListSigningCertificates", times: Infinity, respond: () => ({ Certificates: [] }) },
    {
      operation: "DeleteAccessKey",
      times: Infinity,
      respond: (input) => {
        credentials.keys = credentials.keys.filter((k) => k !== input.AccessKeyId);
        return {};
      },
    },
    {
      operation: "DeleteLoginProfile",
      times: Infinity,
      respond: () => {
        credentials.password = false;
        return {};
      },
    },
  ];
  injectFaults(aws.rootIam(withRoot, session), rootIam(rootUser));
  injectFaults(aws.rootIam(clean, session), rootIam({ password: false, keys: [] }));
}

const reconciles = async () => {
  const text = await metrics.registry.getSingleMetricAsString("orgguard_reconcile_total");
  return [...text.matchAll(/kind="CentralizedRootAccess"[^}]*\} (\d+)/g)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
};

describe("CentralizedRootAccess", () => {
  const name = uniqueName("root-access");

  it("against moto: trusted access for iam.amazonaws.com is off, so it stalls naming the Organization kind's field, and writes nothing", async () => {
    await objects.create(manifest("CentralizedRootAccess", name, {}));
    const stalled = await waitForReadyReason(objects, name, "TrustedAccessDisabled", {
      condition: "Stalled",
      timeoutMs: 30_000,
    });
    expect(findCondition(stalled.status?.conditions, "Stalled")?.message).toContain(
      "Organization kind's spec.trustedAccess (add iam.amazonaws.com)",
    );
    expect(stalled.status?.atProvider).toMatchObject({ trustedAccess: false });
    expect(calls.filter((c) => c.startsWith("iam:") || c.startsWith("sts:AssumeRoot"))).toEqual([]);
  });

  it("stub: with trusted access on, enables both features, reports the member's root credentials, and does not delete them by default", async () => {
    await installStubs();
    // Blocked errors are checked again every poll: it resumes by itself.
    const ready = await waitForReadyReason(objects, name, "Available", { timeoutMs: 30_000 });
    expect([...features].sort()).toEqual(["RootCredentialsManagement", "RootSessions"]);
    expect(ready.status?.atProvider).toMatchObject({
      trustedAccess: true,
      rootCredentialsManagement: true,
      rootSessions: true,
      memberAccounts: 2,
      membersAudited: 2,
      membersWithRootCredentials: 1,
      membersWithRootCredentialsList: [
        { accountId: withRoot, accountName: "root-1", password: true, accessKeys: 1 },
      ],
    });
    expect(calls).toContain("sts:AssumeRoot");
    expect(calls).not.toContain("iam:DeleteAccessKey");
    expect(rootUser.keys).toEqual([ROOT_KEY]);
    const scraped = await metrics.registry.getSingleMetricAsString("orgguard_findings");
    expect(scraped).toContain(`finding="members_with_root_credentials"} 1`);
  });

  it("stub: deleteMemberRootCredentials: true deletes the member's root key and password, and only that member's", async () => {
    const current = await objects.get(name);
    await objects.replace({ ...current!, spec: { ...current!.spec, deleteMemberRootCredentials: true } });
    await waitUntil(
      async () => rootUser.keys.length === 0 && !rootUser.password,
      30_000,
      "the root key to be deleted",
    );
    const ready = await waitForReadyReason(objects, name, "Available", { timeoutMs: 30_000 });
    expect(ready.status?.atProvider).toMatchObject({ membersWithRootCredentials: 0, membersAudited: 2 });
    // The Updated event names the change (status's plannedChanges is empty again once in sync).
    expect(await eventMessages(kc, name)).toContain(`applied members[${withRoot}].rootCredentials`);
    expect(calls.filter((c) => c === "iam:DeleteAccessKey")).toHaveLength(1);
    expect(calls.filter((c) => c === "iam:DeleteLoginProfile")).toHaveLength(1);
    const written = [JSON.stringify(ready), ...(await eventMessages(kc, name)), ...logLines].join("\n");
    expect(written).not.toContain(ROOT_KEY);
  });

  it("stub: steady, it reads trusted access and the features only (audits are kept an hour), and writes nothing", async () => {
    const before = { calls: calls.length, reconciles: await reconciles() };
    await sleep(3 * POLL_MS + 500);
    const since = calls.slice(before.calls);
    const count = (await reconciles()) - before.reconciles;
    const byOperation = Object.fromEntries(
      [...new Set(since)].map((c) => [c, since.filter((x) => x === c).length]),
    );
    console.log(
      `CentralizedRootAccess: ${since.length} AWS calls in ${count} steady reconcile(s): ${JSON.stringify(byOperation)}`,
    );
    expect(count).toBeGreaterThanOrEqual(2);
    expect(since.filter((c) => /Delete|Deactivate|Enable/.test(c))).toEqual([]);
    expect(since.filter((c) => c === "sts:AssumeRoot")).toEqual([]);
  });
});
