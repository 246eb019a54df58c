/** Whether a baseline's child needs its spec rewritten: by value, whatever order the apiserver keeps keys in. */
import { describe, expect, it } from "vitest";
import { childManifests, childUpToDate } from "../../../src/kinds/account-baseline/children.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";

const object = (spec: Record<string, unknown>): ManagedObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "AlternateContacts",
  metadata: { name: "b-111111111111" },
  spec,
});
const contact = { name: "Sec", title: "CISO", emailAddress: "s@example.org", phoneNumber: "+1 555 0100" };
const sorted = { emailAddress: "s@example.org", name: "Sec", phoneNumber: "+1 555 0100", title: "CISO" };

describe("childUpToDate", () => {
  const cases: Array<{
    reason: string;
    have: Record<string, unknown>;
    want: Record<string, unknown>;
    upToDate: boolean;
  }> = [
    {
      reason: "nested keys in the apiserver's sorted order are the same spec",
      have: { accountId: "111111111111", security: sorted },
      want: { accountId: "111111111111", security: contact },
      upToDate: true,
    },
    {
      reason: "a nested value that differs is a change",
      have: { security: { ...sorted, phoneNumber: "+1 555 0199" } },
      want: { security: contact },
      upToDate: false,
    },
    {
      reason: "a field the desired spec no longer has is a change",
      have: { security: sorted, operations: sorted },
      want: { security: contact },
      upToDate: false,
    },
    {
      reason: "regions in another order are another list (the order written is kept)",
      have: { regions: ["eu-west-1", "us-east-1"] },
      want: { regions: ["us-east-1", "eu-west-1"] },
      upToDate: false,
    },
  ];
  it.each(cases)("$reason", ({ have, want, upToDate }) =>
    expect(childUpToDate(object(have), object(want))).toBe(upToDate),
  );
});

describe("the managementPolicy a child gets", () => {
  const baseline = (spec: Record<string, unknown>): ManagedObject => ({
    apiVersion: "orgguard.io/v1alpha1",
    kind: "AccountBaseline",
    metadata: { name: "b", uid: "u-1" },
    spec: { accounts: { ids: ["111111111111"] }, ...spec },
  });
  const cases = [
    {
      reason: "a setting without a default of its own takes the baseline's",
      spec: { managementPolicy: "Enforce", passwordPolicy: {} },
      kind: "PasswordPolicy",
      policy: "Enforce",
    },
    {
      reason:
        "IamCredentials is ObserveOnly when its field says nothing, whatever the baseline's (its writes deactivate keys)",
      spec: { managementPolicy: "Enforce", iamCredentials: {} },
      kind: "IamCredentials",
      policy: "ObserveOnly",
    },
    {
      reason: "IamCredentials enforces when its field says so",
      spec: { iamCredentials: { managementPolicy: "Enforce" } },
      kind: "IamCredentials",
      policy: "Enforce",
    },
  ];
  it.each(cases)("$reason", ({ spec, kind, policy }) => {
    const child = childManifests(baseline(spec), ["111111111111"]).find((c) => c.kind === kind);
    expect(child?.spec.managementPolicy).toBe(policy);
  });
});
