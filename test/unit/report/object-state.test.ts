/** What one object says about the posture: its state from its conditions, or from plan's entry. */
import { describe, expect, it } from "vitest";
import type { PlanEntry } from "../../../src/cli/plan-format.js";
import { findKind } from "../../../src/kinds/index.js";
import { stateOfObject, stateOfPlanEntry, stateOfStatus } from "../../../src/report/object-state.js";
import type { Condition } from "../../../src/runtime/conditions.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";

const condition = (type: string, status: Condition["status"], reason: string, message = ""): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: "2026-01-01T00:00:00Z",
});
const object = (
  conditions: Condition[] | undefined,
  extra: { generation?: number; observed?: number; status?: Record<string, unknown> } = {},
): ManagedObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "PasswordPolicy",
  metadata: { name: "p", generation: extra.generation ?? 2 },
  spec: { accountId: "111111111111" },
  ...(conditions
    ? { status: { observedGeneration: extra.observed ?? 2, conditions, ...extra.status } }
    : { status: extra.status ?? {} }),
});
const SYNCED = condition("Synced", "True", "ReconcileSuccess");

describe("stateOfStatus", () => {
  const cases = [
    {
      reason: "Ready: compliant",
      object: object([condition("Ready", "True", "Available"), SYNCED]),
      state: "compliant",
    },
    {
      reason: "no condition yet: pending, not reconciled",
      object: object(undefined),
      state: "pending",
      why: "NotReconciled",
    },
    {
      reason: "Ready for an older generation: pending (the new spec is not reconciled)",
      object: object([condition("Ready", "True", "Available"), SYNCED], { observed: 1 }),
      state: "pending",
      why: "SpecChanged",
    },
    {
      reason: "Ready, but the last check failed: still compliant as far as known, saying so",
      object: object([
        condition("Ready", "True", "Available"),
        condition("Synced", "False", "Throttled", "slow down"),
      ]),
      state: "compliant",
      message: "last check failed: slow down",
    },
    {
      reason: "ObserveOnly drift",
      object: object([condition("Ready", "False", "Drifted"), SYNCED]),
      state: "drifted",
    },
    {
      reason: "ObserveOnly, missing in AWS",
      object: object([condition("Ready", "False", "NotFound"), SYNCED]),
      state: "drifted",
    },
    {
      reason: "an update confirming",
      object: object([condition("Ready", "False", "Updating"), SYNCED]),
      state: "pending",
    },
    {
      reason: "AWS still applying",
      object: object([condition("Ready", "False", "Progressing"), SYNCED]),
      state: "pending",
    },
    {
      reason: "stalled on a refusal",
      object: object([
        condition("Ready", "False", "AccessDenied", "denied"),
        condition("Synced", "False", "AccessDenied"),
        condition("Stalled", "True", "AccessDenied"),
      ]),
      state: "failing",
      why: "AccessDenied",
      message: "denied",
    },
    {
      reason: "an error retried with backoff is failing too",
      object: object([
        condition("Ready", "False", "ReconcileError"),
        condition("Synced", "False", "ReconcileError"),
      ]),
      state: "failing",
    },
    {
      reason: "a rival keeps the setting",
      object: object([condition("Ready", "False", "Conflict"), condition("Stalled", "True", "Conflict")]),
      state: "failing",
      why: "Conflict",
    },
    {
      reason: "paused: nobody vouches for AWS, whatever the generation",
      object: object([condition("Ready", "Unknown", "ReconcilePaused")], { observed: 1 }),
      state: "paused",
    },
  ];
  it.each(cases)("$reason", ({ object: o, state, why, message }) => {
    const said = stateOfStatus(o);
    expect(said.state).toBe(state);
    if (why) expect(said.reason).toBe(why);
    if (message) expect(said.message).toBe(message);
  });
});

describe("stateOfObject", () => {
  const passwordPolicy = findKind("PasswordPolicy")!;
  const cases = [
    {
      reason: "judged from what AWS has: a reading of 8 characters fails CIS 1.8 though Ready",
      object: object([condition("Ready", "True", "Available"), SYNCED], {
        status: { atProvider: { minimumPasswordLength: 8, passwordReusePrevention: 24 } },
      }),
      cis: { "CIS 1.8": false, "CIS 1.9": true },
    },
    {
      reason: "read and nothing set: the account does not comply",
      object: object([condition("Ready", "False", "NotFound"), SYNCED]),
      cis: { "CIS 1.8": false, "CIS 1.9": false },
    },
    {
      reason: "reads refused: nothing judged",
      object: object([
        condition("Ready", "False", "AccessDenied"),
        condition("Synced", "False", "AccessDenied"),
      ]),
      cis: undefined,
    },
    { reason: "never reconciled: nothing judged", object: object(undefined), cis: undefined },
  ];
  it.each(cases)("$reason", ({ object: o, cis }) => {
    const state = stateOfObject(passwordPolicy, o);
    expect(state.accountId).toBe("111111111111");
    expect(state.cis).toEqual(cis);
  });

  it("takes the account from status when the spec leaves it to the controller's own", () => {
    const o = object([condition("Ready", "True", "Available"), SYNCED], {
      status: { accountId: "123456789012" },
    });
    o.spec = {};
    expect(stateOfObject(passwordPolicy, o).accountId).toBe("123456789012");
  });

  it("gives an organization-level object its kind's plain printer columns, and no account", () => {
    const scp = findKind("ServiceControlPolicy")!;
    const state = stateOfObject(scp, {
      ...object([condition("Ready", "True", "Available"), SYNCED], {
        status: { policyId: "p-abc", attachedTo: "root, 2 OUs", documentSize: 120 },
      }),
      kind: "ServiceControlPolicy",
    });
    expect(state.columns).toEqual({ "Policy-ID": "p-abc", Targets: "root, 2 OUs", Size: "120" });
    expect(state.accountId).toBeUndefined();
  });
});

describe("stateOfPlanEntry", () => {
  const manifests = new Map<string, ManagedObject>([
    [
      "PasswordPolicy/own",
      { apiVersion: "orgguard.io/v1alpha1", kind: "PasswordPolicy", metadata: { name: "own" }, spec: {} },
    ],
    [
      "PasswordPolicy/named",
      {
        apiVersion: "orgguard.io/v1alpha1",
        kind: "PasswordPolicy",
        metadata: { name: "named" },
        spec: { accountId: "222222222222" },
      },
    ],
  ]);
  const entry = (e: Partial<PlanEntry>): PlanEntry => ({
    object: "PasswordPolicy/named",
    action: "unchanged",
    changes: [],
    ...e,
  });
  const cases = [
    {
      reason: "unchanged: compliant",
      entry: entry({}),
      state: "compliant",
      account: "222222222222",
      name: "named",
    },
    {
      reason: "an update: AWS differs from the manifest",
      entry: entry({ action: "update", changes: [{ path: "minimumPasswordLength", from: 8, to: 14 }] }),
      state: "drifted",
      account: "222222222222",
      name: "named",
    },
    {
      reason: "a create: missing in AWS",
      entry: entry({ action: "create" }),
      state: "drifted",
      account: "222222222222",
      name: "named",
    },
    {
      reason: "an error: failing with AWS's words",
      entry: entry({ action: "error", error: "AccessDenied" }),
      state: "failing",
      account: "222222222222",
      name: "named",
    },
    {
      reason: "no accountId: the caller's own account",
      entry: entry({ object: "PasswordPolicy/own" }),
      state: "compliant",
      account: "123456789012",
      name: "own",
    },
    {
      reason: "a baseline's setting for one account: that account, named as its child would be",
      entry: entry({ object: "AccountBaseline/workloads", via: "PasswordPolicy of 333333333333" }),
      state: "compliant",
      account: "333333333333",
      name: "workloads-333333333333",
    },
  ];
  it.each(cases)("$reason", ({ entry: e, state, account, name }) => {
    const s = stateOfPlanEntry(e, manifests, findKind, "2026-01-01T00:00:00.000Z", "123456789012");
    expect(s?.state).toBe(state);
    expect(s?.accountId).toBe(account);
    expect(s?.name).toBe(name);
    expect(s?.kind).toBe("PasswordPolicy");
    expect(s?.cis).toBeUndefined();
  });
});
