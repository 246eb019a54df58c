import { describe, expect, it } from "vitest";
import { accountSelector } from "../../../src/kinds/account-baseline/api.js";
import { type OrganizationView, selectAccounts } from "../../../src/kinds/account-baseline/selection.js";

/**
 * Root (mgmt 000000000000, root-1)
 *   Workloads (prod-legacy below Prod)
 *     Prod: prod-1, prod-2 (SUSPENDED)
 *       Legacy: legacy-1
 *     dev-1
 *   Sandbox: sandbox-1
 */
const view: OrganizationView = {
  organizationId: "o-test",
  managementAccountId: "000000000000",
  rootId: "r-root",
  enabledPolicyTypes: ["SERVICE_CONTROL_POLICY"],
  ous: [
    { id: "ou-root-work0001", name: "Workloads", parentId: "r-root", path: "Root/Workloads" },
    { id: "ou-root-prod0001", name: "Prod", parentId: "ou-root-work0001", path: "Root/Workloads/Prod" },
    {
      id: "ou-root-lega0001",
      name: "Legacy",
      parentId: "ou-root-prod0001",
      path: "Root/Workloads/Prod/Legacy",
    },
    { id: "ou-root-sand0001", name: "Sandbox", parentId: "r-root", path: "Root/Sandbox" },
  ],
  accounts: [
    { id: "000000000000", name: "mgmt", status: "ACTIVE", parentId: "r-root" },
    { id: "111111111111", name: "root-1", status: "ACTIVE", parentId: "r-root" },
    { id: "222222222222", name: "dev-1", status: "ACTIVE", parentId: "ou-root-work0001" },
    { id: "333333333333", name: "prod-1", status: "ACTIVE", parentId: "ou-root-prod0001" },
    { id: "444444444444", name: "prod-2", status: "SUSPENDED", parentId: "ou-root-prod0001" },
    { id: "555555555555", name: "legacy-1", status: "ACTIVE", parentId: "ou-root-lega0001" },
    { id: "666666666666", name: "sandbox-1", status: "ACTIVE", parentId: "ou-root-sand0001" },
  ],
};

const select = (selector: Record<string, unknown>) => selectAccounts(view, accountSelector.parse(selector));

describe("selectAccounts", () => {
  const cases = [
    {
      reason: "all: every ACTIVE account but the management account",
      selector: { all: true },
      ids: ["111111111111", "222222222222", "333333333333", "555555555555", "666666666666"],
    },
    {
      reason: "an OU by path is recursive by default",
      selector: { organizationalUnits: [{ path: "Root/Workloads" }] },
      ids: ["222222222222", "333333333333", "555555555555"],
    },
    {
      reason: "recursive: false takes only the OU's own accounts",
      selector: { organizationalUnits: [{ path: "Root/Workloads", recursive: false }] },
      ids: ["222222222222"],
    },
    {
      reason: "an OU by id; suspended accounts are never selected",
      selector: { organizationalUnits: [{ id: "ou-root-prod0001" }] },
      ids: ["333333333333", "555555555555"],
    },
    {
      reason: "the management account only when named by id",
      selector: { ids: ["000000000000"], organizationalUnits: [{ path: "Root" }] },
      ids: ["000000000000", "111111111111", "222222222222", "333333333333", "555555555555", "666666666666"],
    },
    {
      reason: "exclusions win, OUs recursively",
      selector: {
        all: true,
        exclude: { ids: ["666666666666"], organizationalUnits: [{ path: "Root/Workloads/Prod" }] },
      },
      ids: ["111111111111", "222222222222"],
    },
  ];
  it.each(cases)("$reason", ({ selector, ids }) => {
    expect(select(selector)).toEqual({ accountIds: ids, unresolved: [] });
  });

  it("reports selectors that name nothing, and still selects the rest", () => {
    expect(
      select({ ids: ["999999999999", "222222222222"], organizationalUnits: [{ path: "Root/Nope" }] }),
    ).toEqual({
      accountIds: ["222222222222"],
      unresolved: ["Root/Nope", "999999999999"],
    });
  });
});
