/**
 * Which kinds look again at once when an object they may wait for turns Ready (ManagedKind.waitsFor),
 * instead of when their backoff (up to 5 minutes) ends. The behaviour itself, against a real
 * kube-apiserver: test/integration/runtime-behaviour.test.ts (an account Ready within a second of
 * its OU) and test/integration/demo.test.ts (GuardDuty's administrator account made by an Account
 * object in the same apply).
 */
import { describe, expect, it } from "vitest";
import { awsClientsFor, kindContextFor } from "../../../src/cli/aws-context.js";
import { loadConfig } from "../../../src/config.js";
import { managedKinds, TREE_KINDS } from "../../../src/kinds/index.js";

const config = loadConfig([], {});
const kinds = managedKinds({ ...kindContextFor(config, awsClientsFor(config)), treeKinds: TREE_KINDS });
const waitsFor = (kind: string) =>
  (kinds.find((k) => k.ref.kind === kind)?.waitsFor ?? []).map((r) => r.kind).sort();

const ORGANIZATION_PREREQUISITES = ["Account", "Organization", "OrganizationalUnit"];

describe("waitsFor", () => {
  it.each([
    [
      "GuardDutyOrganization",
      ORGANIZATION_PREREQUISITES,
      "its administrator account, and GuardDuty's trusted access",
    ],
    [
      "SecurityHubOrganization",
      ORGANIZATION_PREREQUISITES,
      "its administrator account, and Security Hub's trusted access",
    ],
    ["ConfigAggregator", ORGANIZATION_PREREQUISITES, "the account it lives in, and Config's trusted access"],
    ["OrganizationTrail", ORGANIZATION_PREREQUISITES, "CloudTrail's trusted access"],
    [
      "ServiceControlPolicy",
      ORGANIZATION_PREREQUISITES,
      "its targets, and the policy type the Organization enables",
    ],
    ["Account", ["Account", "OrganizationalUnit"], "the OU it goes in"],
    ["PasswordPolicy", [], "an account setting names an account by id and reads it: nothing to wait for"],
  ])("%s waits for %j: %s", (kind, expected) => {
    expect(waitsFor(kind)).toEqual(expected);
  });
});
