/**
 * Organization discovery against moto: the OU tree with paths, every account with its parent,
 * the management account, caching, and selection on the discovered view.
 */
import { MoveAccountCommand, OrganizationsClient } from "@aws-sdk/client-organizations";
import { beforeAll, describe, expect, it } from "vitest";
import {
  OrganizationDiscovery,
  readOrganization,
  sdkOrganizationReader,
} from "../../src/aws/organization-view.js";
import { accountSelector } from "../../src/kinds/account-baseline/api.js";
import { selectAccounts } from "../../src/kinds/account-baseline/selection.js";
import {
  awsClientConfig,
  awsEndpoint,
  createAccount,
  createOrganization,
  resetMoto,
  type TestOrganization,
} from "../support/aws.js";

let tree: TestOrganization;
let org: OrganizationsClient;
const id = (name: string) => tree.accountIds.get(name)!;

beforeAll(async () => {
  await resetMoto(awsEndpoint());
  tree = await createOrganization({
    ous: [
      {
        name: "Workloads",
        accounts: ["dev-1"],
        ous: [
          { name: "Prod", accounts: ["prod-1", "prod-2"], ous: [{ name: "Legacy", accounts: ["legacy-1"] }] },
        ],
      },
      { name: "Sandbox", accounts: ["sandbox-1"] },
    ],
    accounts: ["at-root"],
  });
  org = new OrganizationsClient(awsClientConfig());
});

describe("readOrganization", () => {
  it("reads every OU with its path and every account with its parent", async () => {
    const view = await readOrganization(sdkOrganizationReader(org));
    expect(view.managementAccountId).toBe(tree.managementAccountId);
    expect(view.rootId).toBe(tree.rootId);
    expect(view.ous.map((o) => o.path).sort()).toEqual([
      "Root/Sandbox",
      "Root/Workloads",
      "Root/Workloads/Prod",
      "Root/Workloads/Prod/Legacy",
    ]);
    const parentOf = (name: string) => view.accounts.find((a) => a.id === id(name))?.parentId;
    expect(parentOf("legacy-1")).toBe(tree.ouIds.get("Root/Workloads/Prod/Legacy"));
    expect(parentOf("at-root")).toBe(tree.rootId);
    expect(view.accounts.find((a) => a.id === tree.managementAccountId)?.parentId).toBe(tree.rootId);
  });

  it("selects on the discovered view: an OU path, recursively, minus an excluded OU", async () => {
    const view = await readOrganization(sdkOrganizationReader(org));
    const selector = accountSelector.parse({
      organizationalUnits: [{ path: "Root/Workloads" }],
      exclude: { organizationalUnits: [{ path: "Root/Workloads/Prod/Legacy" }] },
    });
    expect(selectAccounts(view, selector).accountIds).toEqual(
      [id("dev-1"), id("prod-1"), id("prod-2")].sort(),
    );
  });
});

describe("OrganizationDiscovery", () => {
  it("serves the cached view within the interval and sees new and moved accounts after it", async () => {
    let now = 1_000_000;
    const discovery = new OrganizationDiscovery(
      () => sdkOrganizationReader(org),
      () => now,
    );
    const first = await discovery.view(60_000);
    const newcomer = await createAccount(org, "newcomer");
    await org.send(
      new MoveAccountCommand({
        AccountId: newcomer,
        SourceParentId: tree.rootId,
        DestinationParentId: tree.ouIds.get("Root/Workloads/Prod")!,
      }),
    );
    await org.send(
      new MoveAccountCommand({
        AccountId: id("prod-1"),
        SourceParentId: tree.ouIds.get("Root/Workloads/Prod")!,
        DestinationParentId: tree.ouIds.get("Root/Sandbox")!,
      }),
    );
    now += 30_000;
    expect(await discovery.view(60_000)).toBe(first);
    now += 31_000;
    const refreshed = await discovery.view(60_000);
    const prod = selectAccounts(
      refreshed,
      accountSelector.parse({ organizationalUnits: [{ path: "Root/Workloads/Prod", recursive: false }] }),
    );
    expect(prod.accountIds).toEqual([id("prod-2"), newcomer].sort());
  });

  it("runs one refresh at a time for concurrent callers", async () => {
    const discovery = new OrganizationDiscovery(() => sdkOrganizationReader(org));
    const [a, b] = await Promise.all([discovery.view(0), discovery.view(0)]);
    expect(a).toBe(b);
  });
});
