/**
 * AccountBaseline's decisions in-process (account-baseline/reconciler.ts): what to do about each
 * account's child (childAction), what a child says about its account (childVerdict), the
 * baseline's conditions and transition events, and whole sync passes over in-memory child kinds
 * (test/support/fake-child-kinds.ts: a store, an informer cache and the real ClaimIndex) and a
 * fixed organization view: create, update, unpause, stale deletion, conflicts with a standalone
 * object and between two baselines, unresolved account ids. test/integration/account-baseline.test.ts
 * runs the same steps in the controller against a real kube-apiserver and moto.
 */
import { describe, expect, it } from "vitest";
import type { OrganizationView, OrganizationViews } from "../../../src/aws/organization-view.js";
import {
  BASELINE_LABEL,
  type BaselineObject,
  childManifests,
} from "../../../src/kinds/account-baseline/children.js";
import {
  AccountBaselineSteps,
  baselineConditions,
  childAction,
  childVerdict,
  type Failure,
  transitionEvents,
} from "../../../src/kinds/account-baseline/reconciler.js";
import { type Condition, findCondition } from "../../../src/runtime/conditions.js";
import type { Outcome, ReconcileContext } from "../../../src/runtime/lifecycle.js";
import { silentLogger } from "../../../src/runtime/logger.js";
import { type ManagedObject, PAUSED_ANNOTATION } from "../../../src/runtime/managed.js";
import { TerminalError } from "../../../src/runtime/reconcile-errors.js";
import { fakeChildKinds } from "../../support/fake-child-kinds.js";

const A1 = "111111111111";
const A2 = "222222222222";
const A3 = "333333333333";
const PAB = "PublicAccessBlock";
const PWD = "PasswordPolicy";
const KINDS = [PWD, PAB];
const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-02T00:00:00Z";
const T2 = "2026-01-03T00:00:00Z";

/** Root: mgmt; Prod: A1, A2; Sandbox: A3. */
const VIEW: OrganizationView = {
  organizationId: "o-fake",
  managementAccountId: "000000000000",
  rootId: "r-root",
  enabledPolicyTypes: [],
  ous: [
    { id: "ou-root-prod0001", name: "Prod", parentId: "r-root", path: "Root/Prod" },
    { id: "ou-root-sand0001", name: "Sandbox", parentId: "r-root", path: "Root/Sandbox" },
  ],
  accounts: [
    { id: "000000000000", name: "mgmt", status: "ACTIVE", parentId: "r-root" },
    { id: A1, name: "prod-1", status: "ACTIVE", parentId: "ou-root-prod0001" },
    { id: A2, name: "prod-2", status: "ACTIVE", parentId: "ou-root-prod0001" },
    { id: A3, name: "sandbox-1", status: "ACTIVE", parentId: "ou-root-sand0001" },
  ],
};

const condition = (type: string, status: Condition["status"], reason: string, message = ""): Condition => ({
  type,
  status,
  reason,
  message,
  lastTransitionTime: T0,
  observedGeneration: 1,
});

function baseline(
  name: string,
  spec: Record<string, unknown> = {
    accounts: { organizationalUnits: [{ path: "Root/Prod" }] },
    publicAccessBlock: {},
  },
  extra: { since?: string; specChanged?: boolean } = {},
): BaselineObject {
  return {
    apiVersion: "orgguard.io/v1alpha1",
    kind: "AccountBaseline",
    metadata: { name, uid: `uid-${name}`, generation: 2, creationTimestamp: extra.since ?? T0 },
    spec,
    status: { observedGeneration: extra.specChanged ? 1 : 2 },
  };
}

type ChildState = "ready" | "progressing" | "drifted" | "failing";

const CHILD_STATUS: Record<ChildState, ManagedObject["status"]> = {
  ready: {
    observedGeneration: 1,
    conditions: [condition("Ready", "True", "Available"), condition("Synced", "True", "ReconcileSuccess")],
  },
  progressing: { observedGeneration: 1, conditions: [condition("Ready", "False", "Creating")] },
  drifted: {
    observedGeneration: 1,
    conditions: [condition("Ready", "False", "Drifted"), condition("Synced", "True", "ReconcileSuccess")],
  },
  failing: {
    observedGeneration: 1,
    conditions: [
      condition("Ready", "False", "Creating"),
      condition("Synced", "False", "AccessDenied", "cannot put: denied"),
    ],
  },
};

/** The child `owner` would make for `accountId` of `kind`, as the apiserver has it after a while. */
function childOf(
  owner: BaselineObject,
  accountId: string,
  extra: {
    kind?: string;
    state?: ChildState;
    since?: string;
    paused?: boolean;
    spec?: Record<string, unknown>;
  } = {},
): ManagedObject {
  const kind = extra.kind ?? PAB;
  const manifest = childManifests(owner, [accountId]).find((c) => c.kind === kind) ?? {
    // A kind the baseline no longer names: made as it once was (the label and owner are what count).
    ...childManifests(baseline(owner.metadata.name, { accounts: { ids: [accountId] }, passwordPolicy: {} }), [
      accountId,
    ])[0]!,
  };
  return {
    ...manifest,
    metadata: {
      ...manifest.metadata,
      creationTimestamp: extra.since ?? T1,
      generation: 1,
      ...(extra.paused ? { annotations: { [PAUSED_ANNOTATION]: "true" } } : {}),
    },
    spec: { ...manifest.spec, ...extra.spec },
    status: CHILD_STATUS[extra.state ?? "ready"],
  };
}

/** A PublicAccessBlock written directly (no baseline owns it). */
const standalone = (
  name: string,
  accountId: string,
  extra: { since?: string; deleting?: boolean } = {},
): ManagedObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: PAB,
  metadata: {
    name,
    creationTimestamp: extra.since ?? T2,
    ...(extra.deleting ? { deletionTimestamp: T2 } : {}),
  },
  spec: { accountId },
});

/** A discovery that always serves VIEW and notes the max age each read allowed. */
function fixedDiscovery(): OrganizationViews & { asked: number[] } {
  const asked: number[] = [];
  return {
    asked,
    view: async (maxAgeMs) => {
      asked.push(maxAgeMs);
      return VIEW;
    },
  };
}

const context: ReconcileContext = {
  log: silentLogger,
  signal: new AbortController().signal,
  record: async () => undefined,
};

const DISCOVERY_INTERVAL = 300_000;

async function sync(
  object: BaselineObject,
  existing: ManagedObject[] = [],
  options: { notCached?: string[] } = {},
): Promise<{ outcome: Outcome; writes: string[]; asked: number[] }> {
  const { children, writes } = fakeChildKinds(KINDS, existing, options);
  const discovery = fixedDiscovery();
  const steps = new AccountBaselineSteps(children, discovery, { discoveryIntervalMs: DISCOVERY_INTERVAL });
  const outcome = await steps.sync(object, context);
  return { outcome, writes, asked: discovery.asked };
}

const readyOf = (outcome: Outcome) => {
  const ready = outcome.conditions.find((c) => c.type === "Ready");
  return `${ready?.status}/${ready?.reason}`;
};

describe("AccountBaselineSteps.sync", () => {
  const base = baseline("base");
  interface Case {
    reason: string;
    object?: BaselineObject;
    existing: ManagedObject[];
    notCached?: string[];
    writes: string[];
    ready: string;
    conflict?: string;
    events: string[];
    fields?: Record<string, unknown>;
  }
  const cases: Case[] = [
    {
      reason: "a new baseline: one child per selected account, Progressing, the accounts announced",
      existing: [],
      writes: [`create ${PAB}/base-${A1}`, `create ${PAB}/base-${A2}`],
      ready: "False/Progressing",
      events: ["Normal/AccountsAdded"],
      fields: { matchedAccounts: 2, readyAccounts: 0, failingAccounts: 0, failures: [] },
    },
    {
      reason: "every child up to date and Ready: Ready, with the event that marks it",
      existing: [childOf(base, A1), childOf(base, A2)],
      writes: [],
      ready: "True/Available",
      events: ["Normal/Ready"],
      fields: { matchedAccounts: 2, readyAccounts: 2 },
    },
    {
      reason: "a child whose spec differs from the baseline's: replaced with the desired spec",
      existing: [childOf(base, A1, { spec: { blockPublicAcls: false } }), childOf(base, A2)],
      writes: [`replace ${PAB}/base-${A1}`],
      ready: "False/Progressing",
      events: [],
    },
    {
      reason: "a child left paused by a baseline that is no longer paused: unpaused",
      existing: [childOf(base, A1, { paused: true }), childOf(base, A2)],
      writes: [`patch ${PAB}/base-${A1} remove /metadata/annotations/orgguard.io~1paused`],
      ready: "False/Progressing",
      events: [],
    },
    {
      reason: "an account that left the selection: its child is deleted, the drop announced",
      existing: [childOf(base, A1), childOf(base, A2), childOf(base, A3)],
      writes: [`delete ${PAB}/base-${A3}`],
      ready: "True/Available",
      events: ["Normal/AccountsDropped", "Normal/Ready"],
    },
    {
      reason: "a setting the baseline no longer names: its children are deleted",
      existing: [childOf(base, A1), childOf(base, A2), childOf(base, A1, { kind: PWD })],
      writes: [`delete ${PWD}/base-${A1}`],
      ready: "True/Available",
      events: ["Normal/AccountsDropped", "Normal/Ready"],
    },
    {
      reason: "a standalone object keeps an account: Conflict there, no child made for it",
      existing: [standalone("direct", A1), childOf(base, A2)],
      writes: [],
      ready: "False/Conflict",
      conflict: `True/ManagedElsewhere/${PAB} of ${A1} is managed by ${PAB}/direct`,
      events: ["Warning/Conflict"],
      fields: { matchedAccounts: 2, readyAccounts: 1, failingAccounts: 1 },
    },
    {
      reason: "a standalone object made after the baseline's child still takes the account: the child goes",
      existing: [
        childOf(base, A1, { since: T0 }),
        standalone("direct", A1, { since: T2 }),
        childOf(base, A2),
      ],
      writes: [`delete ${PAB}/base-${A1}`],
      ready: "False/Conflict",
      conflict: `True/ManagedElsewhere/${PAB} of ${A1} is managed by ${PAB}/direct`,
      events: ["Normal/AccountsDropped", "Warning/Conflict"],
    },
    {
      reason: "a standalone object being deleted gives way at once: the child is made",
      existing: [standalone("direct", A1, { deleting: true }), childOf(base, A2)],
      writes: [`create ${PAB}/base-${A1}`],
      ready: "False/Progressing",
      conflict: "False/NoConflict/",
      events: ["Normal/AccountsAdded"],
    },
    {
      reason: "between two baselines, the one whose child claimed the account first keeps it",
      existing: [childOf(baseline("older"), A1, { since: T0 }), childOf(base, A2)],
      writes: [],
      ready: "False/Conflict",
      conflict: `True/ManagedElsewhere/${PAB} of ${A1} is managed by AccountBaseline/older`,
      events: ["Warning/Conflict"],
    },
    {
      reason: "this baseline's child claimed first: it keeps the account, whoever else selects it",
      existing: [
        childOf(base, A1, { since: T0 }),
        childOf(baseline("younger"), A1, { since: T2 }),
        childOf(base, A2),
      ],
      writes: [],
      ready: "True/Available",
      conflict: "False/NoConflict/",
      events: ["Normal/Ready"],
    },
    {
      reason: "an account id not in the organization: a NotFound failure, never Ready, said in a Warning",
      object: baseline("base", { accounts: { ids: [A1, "999999999999"] }, publicAccessBlock: {} }),
      existing: [childOf(base, A1)],
      writes: [],
      ready: "False/SelectorNotFound",
      events: ["Warning/SelectorNotFound"],
      fields: {
        matchedAccounts: 1,
        readyAccounts: 1,
        failingAccounts: 1,
        failures: [
          {
            accountId: "999999999999",
            reason: "NotFound",
            message: "999999999999 is not in the organization",
          },
        ],
      },
    },
    {
      reason: "a child made a moment ago that the cache does not show yet: the 409 is done, not announced",
      existing: [childOf(base, A1), childOf(base, A2)],
      notCached: [`base-${A1}`],
      writes: [`create ${PAB}/base-${A1}`],
      ready: "False/Progressing",
      events: [],
    },
    {
      reason: "children of ObserveOnly settings reporting drift: Drifted, settled, not progressing",
      existing: [childOf(base, A1, { state: "drifted" }), childOf(base, A2)],
      writes: [],
      ready: "False/Drifted",
      events: [],
      fields: { driftedAccounts: 1, readyAccounts: 1 },
    },
    {
      reason: "a child failing: ChildrenFailing, with the child's reason in failures",
      existing: [childOf(base, A1, { state: "failing" }), childOf(base, A2)],
      writes: [],
      ready: "False/ChildrenFailing",
      events: [],
      fields: {
        failingAccounts: 1,
        failures: [{ accountId: A1, setting: PAB, reason: "AccessDenied", message: "cannot put: denied" }],
      },
    },
  ];

  it.each(cases)("$reason", async (c) => {
    const { outcome, writes } = await sync(c.object ?? base, c.existing, { notCached: c.notCached ?? [] });
    expect(writes).toEqual(c.writes);
    expect(readyOf(outcome)).toBe(c.ready);
    if (c.conflict) {
      const conflict = outcome.conditions.find((x) => x.type === "Conflict");
      expect(`${conflict?.status}/${conflict?.reason}/${conflict?.message}`).toBe(c.conflict);
    }
    expect(outcome.events.map((e) => `${e.type}/${e.reason}`)).toEqual(c.events);
    if (c.fields) expect(outcome.fields).toMatchObject(c.fields);
    // The children wake the baseline; the poll follows the organization.
    expect(outcome.action).toEqual({ poll: true });
  });

  it("the child it creates is the manifest: owned and labelled by the baseline, for the account", async () => {
    const { children } = fakeChildKinds(KINDS);
    await new AccountBaselineSteps(children, fixedDiscovery(), { discoveryIntervalMs: 1 }).sync(
      base,
      context,
    );
    const created = children.get(PAB)?.client;
    const listed = await created?.list(`${BASELINE_LABEL}=base`);
    expect(listed?.items.map((o) => o.spec)).toEqual([
      { ...childManifests(base, [A1])[0]?.spec },
      { ...childManifests(base, [A2])[0]?.spec },
    ]);
    expect(listed?.items[0]?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "AccountBaseline", name: "base", uid: "uid-base", controller: true }),
    ]);
  });

  const freshness = [
    { reason: "the spec changed: the organization is read afresh", specChanged: true, maxAge: 0 },
    {
      reason: "the spec is as last seen: a view as old as the discovery interval will do",
      specChanged: false,
      maxAge: DISCOVERY_INTERVAL,
    },
  ];
  it.each(freshness)("$reason", async ({ specChanged, maxAge }) => {
    const { asked } = await sync(baseline("base", undefined, { specChanged }));
    expect(asked).toEqual([maxAge]);
  });

  it("an invalid spec stalls before the organization is read", async () => {
    const discovery = fixedDiscovery();
    const { children, writes } = fakeChildKinds(KINDS);
    const steps = new AccountBaselineSteps(children, discovery, { discoveryIntervalMs: 1 });
    const error = await steps.sync(baseline("bad", { accounts: {} }), context).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TerminalError);
    expect(error).toMatchObject({ reason: "InvalidSpec" });
    expect(discovery.asked).toEqual([]);
    expect(writes).toEqual([]);
  });
});

describe("AccountBaselineSteps.pause and finalize", () => {
  const base = baseline("base");

  it("pause pauses every child not paused yet, and only this baseline's", async () => {
    const { children, writes } = fakeChildKinds(KINDS, [
      childOf(base, A1),
      childOf(base, A2, { paused: true }),
      childOf(baseline("other"), A3),
    ]);
    await new AccountBaselineSteps(children, fixedDiscovery(), { discoveryIntervalMs: 1 }).pause?.(
      base,
      context,
    );
    expect(writes).toEqual([`patch ${PAB}/base-${A1} add /metadata/annotations`]);
  });

  it("finalize deletes the children and waits; done once none is left", async () => {
    const { children, writes, stores } = fakeChildKinds(KINDS, [
      childOf(base, A1),
      childOf(base, A2, { kind: PWD }),
      childOf(baseline("other"), A3),
    ]);
    const steps = new AccountBaselineSteps(children, fixedDiscovery(), { discoveryIntervalMs: 1 });
    expect(await steps.finalize(base, context)).toEqual({ requeueAfterMs: 30_000, trigger: "verify" });
    expect(writes).toEqual([`delete ${PWD}/base-${A2}`, `delete ${PAB}/base-${A1}`]);
    expect(await steps.finalize(base, context)).toBe("done");
    expect([...(stores.get(PAB)?.keys() ?? [])]).toEqual([`other-${A3}`]);
  });
});

describe("childAction", () => {
  const base = baseline("base");
  const desired = childManifests(base, [A1])[0]!;
  const cases: Array<{ reason: string; child?: ManagedObject; rival?: ManagedObject; action: string }> = [
    { reason: "no child yet: create it", action: "create" },
    {
      reason: "a rival keeps the account: conflict, whatever the child",
      child: childOf(base, A1),
      rival: standalone("direct", A1),
      action: "conflict",
    },
    {
      reason: "a rival keeps it and no child exists: conflict, nothing made",
      rival: standalone("direct", A1),
      action: "conflict",
    },
    {
      reason: "a paused child: unpause it first",
      child: childOf(base, A1, { paused: true, spec: { blockPublicAcls: false } }),
      action: "unpause",
    },
    {
      reason: "a child whose spec differs: update it",
      child: childOf(base, A1, { spec: { blockPublicAcls: false } }),
      action: "update",
    },
    { reason: "a child as desired: report what it says", child: childOf(base, A1), action: "report" },
  ];
  it.each(cases)("$reason", ({ child, rival, action }) =>
    expect(childAction(PAB, A1, desired, child, rival).type).toBe(action),
  );

  it("a conflict names the setting, the account and who keeps it", () => {
    const rival = childOf(baseline("older"), A1);
    expect(childAction(PAB, A1, desired, undefined, rival)).toEqual({
      type: "conflict",
      failure: {
        accountId: A1,
        setting: PAB,
        reason: "Conflict",
        message: `${PAB} of ${A1} is managed by AccountBaseline/older`,
      },
    });
  });
});

describe("childVerdict", () => {
  const withStatus = (status: ManagedObject["status"], generation = 1): ManagedObject => ({
    apiVersion: "orgguard.io/v1alpha1",
    kind: PAB,
    metadata: { name: "c", generation },
    spec: {},
    ...(status ? { status } : {}),
  });
  const cases: Array<{
    reason: string;
    child: ManagedObject;
    ready: boolean;
    drifted: boolean;
    failure?: string;
  }> = [
    {
      reason: "Ready for this generation: ready",
      child: withStatus(CHILD_STATUS.ready),
      ready: true,
      drifted: false,
    },
    {
      reason: "Ready for an older generation: not yet",
      child: withStatus(CHILD_STATUS.ready, 2),
      ready: false,
      drifted: false,
    },
    {
      reason: "Ready but Stalled: not ready",
      child: withStatus({
        observedGeneration: 1,
        conditions: [condition("Ready", "True", "Available"), condition("Stalled", "True", "AccessDenied")],
      }),
      ready: false,
      drifted: false,
    },
    {
      reason: "ObserveOnly reporting a difference: drifted",
      child: withStatus(CHILD_STATUS.drifted),
      ready: false,
      drifted: true,
    },
    {
      reason: "ObserveOnly reporting nothing set: drifted",
      child: withStatus({ observedGeneration: 1, conditions: [condition("Ready", "False", "NotFound")] }),
      ready: false,
      drifted: true,
    },
    {
      reason: "a drift of an older generation is not settled",
      child: withStatus(CHILD_STATUS.drifted, 2),
      ready: false,
      drifted: false,
    },
    {
      reason: "still Ready but its last read failed: counts as ready, listed as failing",
      child: withStatus({
        observedGeneration: 1,
        conditions: [
          condition("Ready", "True", "Available"),
          condition("Synced", "False", "Throttled", "slow down"),
        ],
      }),
      ready: true,
      drifted: false,
      failure: "Throttled: slow down",
    },
    {
      reason: "not reconciled yet (no status): not ready",
      child: withStatus(undefined),
      ready: false,
      drifted: false,
    },
  ];
  it.each(cases)("$reason", ({ child, ready, drifted, failure }) => {
    const verdict = childVerdict(child);
    expect({ ready: verdict.ready, drifted: verdict.drifted }).toEqual({ ready, drifted });
    expect(verdict.failure ? `${verdict.failure.reason}: ${verdict.failure.message}` : undefined).toBe(
      failure,
    );
  });
});

const failure = (n: number, reason = "Conflict"): Failure => ({
  accountId: String(n).padStart(12, "0"),
  reason,
  message: `m${n}`,
});

describe("baselineConditions", () => {
  const tally = {
    allReady: false,
    readyCount: 1,
    matched: 3,
    conflicts: [],
    failures: [],
    onlyDrift: false,
    drifted: 0,
    unresolved: [],
  };
  const cases: Array<{
    reason: string;
    tally: Parameters<typeof baselineConditions>[0];
    ready: string;
    message: RegExp;
    conflict: string;
  }> = [
    {
      reason: "every account ready: Available",
      tally: { ...tally, allReady: true, readyCount: 3 },
      ready: "True/Available",
      message: /^3 account\(s\) ready$/,
      conflict: "False/NoConflict",
    },
    {
      reason: "accounts on their way: Progressing",
      tally,
      ready: "False/Progressing",
      message: /^1 of 3 account\(s\) ready$/,
      conflict: "False/NoConflict",
    },
    {
      reason: "a conflict outranks failures and drift",
      tally: { ...tally, conflicts: [failure(1)], failures: [failure(2, "AccessDenied")], onlyDrift: true },
      ready: "False/Conflict",
      message: /^1 of 3/,
      conflict: "True/ManagedElsewhere",
    },
    {
      reason: "a selector naming no OU or account outranks failing children: it names them",
      tally: { ...tally, unresolved: ["Root/Nope", "111111111111"], failures: [failure(2, "AccessDenied")] },
      ready: "False/SelectorNotFound",
      message:
        /^selects what the organization does not have: Root\/Nope, 111111111111 \(no such OU, or no ACTIVE account of that id\)$/,
      conflict: "False/NoConflict",
    },
    {
      reason: "a conflict outranks a selector naming nothing",
      tally: { ...tally, unresolved: ["Root/Nope"], conflicts: [failure(1)] },
      ready: "False/Conflict",
      message: /^1 of 3/,
      conflict: "True/ManagedElsewhere",
    },
    {
      reason: "a failing child outranks drift",
      tally: { ...tally, failures: [failure(2, "AccessDenied")], onlyDrift: true },
      ready: "False/ChildrenFailing",
      message: /^1 of 3/,
      conflict: "False/NoConflict",
    },
    {
      reason: "only ObserveOnly drift keeps accounts from Ready: Drifted, saying nothing was changed",
      tally: { ...tally, onlyDrift: true, drifted: 2 },
      ready: "False/Drifted",
      message: /^1 of 3 account\(s\) ready; 2 with ObserveOnly settings that differ from the spec/,
      conflict: "False/NoConflict",
    },
  ];
  it.each(cases)("$reason", ({ tally: t, ready, message, conflict }) => {
    const conditions = baselineConditions(t).map((c) => ({ ...c, lastTransitionTime: T0 }));
    const readyCondition = findCondition(conditions, "Ready");
    expect(`${readyCondition?.status}/${readyCondition?.reason}`).toBe(ready);
    expect(readyCondition?.message).toMatch(message);
    const conflictCondition = findCondition(conditions, "Conflict");
    expect(`${conflictCondition?.status}/${conflictCondition?.reason}`).toBe(conflict);
    // The baseline itself synced: failures are its children's.
    expect(findCondition(conditions, "Synced")?.status).toBe("True");
  });

  it("the Conflict message names at most 10 conflicts", () => {
    const conflicts = Array.from({ length: 12 }, (_, i) => failure(i));
    const conflict = baselineConditions({ ...tally, conflicts }).find((c) => c.type === "Conflict");
    expect(conflict?.message.split("; ")).toEqual(conflicts.slice(0, 10).map((c) => c.message));
  });
});

describe("transitionEvents", () => {
  const quiet = {
    added: new Set<string>(),
    dropped: new Set<string>(),
    allReady: false,
    readyCount: 0,
    conflicts: [],
    unresolved: [],
  };
  const ids = (n: number) => new Set(Array.from({ length: n }, (_, i) => String(i + 1).padStart(12, "0")));
  const cases: Array<{ reason: string; change: Parameters<typeof transitionEvents>[0]; events: string[] }> = [
    { reason: "a quiet pass: no event", change: quiet, events: [] },
    {
      reason: "accounts added: listed, always recorded (done in this reconcile)",
      change: { ...quiet, added: ids(2) },
      events: ["Normal/AccountsAdded/-: now applies to 2 more account(s): 000000000001, 000000000002"],
    },
    {
      reason: "more than five accounts dropped: five named, the rest counted",
      change: { ...quiet, dropped: ids(7) },
      events: [
        "Normal/AccountsDropped/-: no longer applies to 7 account(s): 000000000001, 000000000002, 000000000003, 000000000004, 000000000005 and 2 more",
      ],
    },
    {
      reason: "all ready: an event that marks Ready (recorded only when Ready turns)",
      change: { ...quiet, allReady: true, readyCount: 4 },
      events: ["Normal/Ready/Ready: all 4 account(s) ready"],
    },
    {
      reason:
        "a selector naming nothing: a warning that marks Ready (once, not every poll), naming at most five",
      change: { ...quiet, unresolved: ["Root/A", "Root/B", "Root/C", "Root/D", "Root/E", "Root/F"] },
      events: [
        "Warning/SelectorNotFound/Ready: selects what the organization does not have: Root/A, Root/B, Root/C, Root/D, Root/E and 1 more (no such OU, or no ACTIVE account of that id)",
      ],
    },
    {
      reason: "conflicts: a warning that marks Conflict, naming at most five",
      change: { ...quiet, conflicts: Array.from({ length: 6 }, (_, i) => failure(i)) },
      events: ["Warning/Conflict/Conflict: m0; m1; m2; m3; m4"],
    },
  ];
  it.each(cases)("$reason", ({ change, events }) =>
    expect(
      transitionEvents(change).map((e) => `${e.type}/${e.reason}/${e.marks ?? "-"}: ${e.message}`),
    ).toEqual(events),
  );
});
