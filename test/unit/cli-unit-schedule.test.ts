/**
 * What `orgguard plan` and `apply` run at once: the stages and lanes of the apply order
 * (src/cli/unit-schedule.ts), with work that takes a set time on vitest's fake clock; and where the
 * real kinds' objects go (placementOf over the kinds' list), so the order between kinds is kept
 * where it matters while accounts run in parallel.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UsageError } from "../../src/cli/command.js";
import {
  DEFAULT_PARALLELISM,
  MAX_PARALLELISM,
  ordered,
  parseParallelism,
  placementOf,
} from "../../src/cli/plan.js";
import { InOrder, type Placement, runScheduled } from "../../src/cli/unit-schedule.js";
import type { ManagedObject } from "../../src/runtime/managed.js";

interface Item extends Placement {
  /** How long its work takes, in fake milliseconds. */
  takes: number;
}

/** Runs `items` with fake work; returns when each started (fake ms), and the most at once. */
async function schedule(items: Item[], parallelism: number) {
  const started: number[] = [];
  let running = 0;
  let most = 0;
  const done = runScheduled(items, parallelism, async (index) => {
    started[index] = Date.now();
    running += 1;
    most = Math.max(most, running);
    await new Promise((resolve) => setTimeout(resolve, items[index]!.takes));
    running -= 1;
  });
  await vi.advanceTimersByTimeAsync(10_000);
  await done;
  return { started, most };
}

describe("runScheduled", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const cases: Array<{
    reason: string;
    items: Item[];
    parallelism: number;
    started: number[];
    most: number;
  }> = [
    {
      reason: "items of one stage without lanes run at once, up to the parallelism",
      items: [0, 1, 2, 3].map(() => ({ stage: "settings", takes: 10 })),
      parallelism: 2,
      started: [0, 0, 10, 10],
      most: 2,
    },
    {
      reason: "a stage starts only when every item of the stage before it has ended",
      items: [
        { stage: "ou#2", takes: 30 },
        { stage: "ou#2", takes: 10 },
        { stage: "ou#3", takes: 10 },
        { stage: "policies", takes: 5 },
      ],
      parallelism: 4,
      started: [0, 0, 30, 40],
      most: 2,
    },
    {
      reason:
        "items of one lane (one account) run one after the other, in their order; other lanes meanwhile",
      items: [
        { stage: "settings", lane: "account 1", takes: 10 },
        { stage: "settings", lane: "account 1", takes: 10 },
        { stage: "settings", lane: "account 2", takes: 10 },
        { stage: "settings", lane: "account 1", takes: 10 },
      ],
      parallelism: 4,
      started: [0, 10, 0, 20],
      most: 2,
    },
    {
      reason: "a lane takes one place of the parallelism while it runs",
      items: [
        { stage: "settings", lane: "account 1", takes: 10 },
        { stage: "settings", lane: "account 1", takes: 10 },
        { stage: "settings", lane: "account 2", takes: 5 },
        { stage: "settings", lane: "account 3", takes: 5 },
      ],
      parallelism: 2,
      started: [0, 10, 0, 5],
      most: 2,
    },
    {
      reason: "a kind applied one object at a time is one lane: in order, alone",
      items: [0, 1, 2].map(() => ({ stage: "Account#0", lane: "one at a time", takes: 10 })),
      parallelism: 16,
      started: [0, 10, 20],
      most: 1,
    },
    {
      reason: "parallelism 1 runs everything in the apply order",
      items: [
        { stage: "settings", lane: "account 1", takes: 10 },
        { stage: "settings", lane: "account 2", takes: 10 },
        { stage: "settings", takes: 10 },
      ],
      parallelism: 1,
      started: [0, 10, 20],
      most: 1,
    },
    {
      reason: "a stage split by another is two stages, in the order given",
      items: [
        { stage: "a", takes: 10 },
        { stage: "b", takes: 10 },
        { stage: "a", takes: 10 },
      ],
      parallelism: 4,
      started: [0, 10, 20],
      most: 1,
    },
  ];
  it.each(cases)("$reason", async ({ items, parallelism, started, most }) => {
    const run = await schedule(items, parallelism);
    expect(run.started).toEqual(started);
    expect(run.most).toBe(most);
  });

  it("a failing item does not stop the others, and its error is thrown once all have run", async () => {
    vi.useRealTimers();
    const ran: number[] = [];
    const placements: Placement[] = [{ stage: "a" }, { stage: "a" }, { stage: "b" }];
    const outcome = runScheduled(placements, 2, async (index) => {
      ran.push(index);
      if (index === 0) throw new Error("first failed");
    });
    await expect(outcome).rejects.toThrow("first failed");
    expect(ran.sort()).toEqual([0, 1, 2]);
  });
});

describe("InOrder", () => {
  const cases = [
    {
      reason: "results done in order are delivered at once",
      doneOrder: [0, 1, 2],
      delivered: [[0], [1], [2]],
    },
    {
      reason: "a result waits for every one before it, then they all go in order",
      doneOrder: [2, 0, 1],
      delivered: [[], [0], [1, 2]],
    },
  ];
  it.each(cases)("$reason", ({ doneOrder, delivered }) => {
    const out: number[] = [];
    const inOrder = new InOrder<number>((r) => out.push(r));
    const after: number[][] = [];
    for (const index of doneOrder) {
      const before = out.length;
      inOrder.done(index, index);
      after.push(out.slice(before));
    }
    expect(after).toEqual(delivered);
  });
});

const object = (kind: string, name: string, spec: Record<string, unknown> = {}): ManagedObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind,
  metadata: { name },
  spec: spec as ManagedObject["spec"],
});

describe("where plan and apply run the kinds' objects", () => {
  it("keeps the order between kinds where it matters and runs accounts in parallel", () => {
    // Given in an order that is none of these, as a folder of manifests would be.
    const objects = [
      object("AccountBaseline", "cis", { accounts: { ids: ["111111111111"] }, passwordPolicy: {} }),
      object("PublicAccessBlock", "pab-1", { accountId: "111111111111" }),
      object("PasswordPolicy", "pw-2", { accountId: "222222222222" }),
      object("ServiceControlPolicy", "deny-leave"),
      object("PasswordPolicy", "pw-1", { accountId: "111111111111" }),
      object("OrganizationalUnit", "prod", { path: "Root/Workloads/Prod" }),
      object("Account", "sandbox", { accountId: "333333333333" }),
      object("OrganizationalUnit", "workloads", { path: "Root/Workloads" }),
      object("TagPolicy", "tags"),
      object("Organization", "organization"),
    ];
    const { direct, composites } = ordered(objects);
    // The claim each setting object makes: its account (as the setting kinds claim).
    const claims: Record<string, string> = {
      "pw-1": "account 111111111111",
      "pw-2": "account 222222222222",
      "pab-1": "account 111111111111",
    };
    const placed = direct.map((o) => {
      const p = placementOf(o, claims[o.metadata.name]);
      return `${o.kind}/${o.metadata.name}: ${p.stage}${p.lane ? ` [${p.lane}]` : ""}`;
    });
    expect(placed).toEqual([
      // The organization first, alone.
      "Organization/organization: Organization#0 [one at a time]",
      // An OU after its parent: a stage per depth; accounts after the OUs they go in.
      "OrganizationalUnit/workloads: OrganizationalUnit#2 [one at a time]",
      "OrganizationalUnit/prod: OrganizationalUnit#3 [one at a time]",
      "Account/sandbox: Account#0 [one at a time]",
      // Policies of every type at once, before any setting.
      "ServiceControlPolicy/deny-leave: Organizations policies#0",
      "TagPolicy/tags: Organizations policies#0",
      // Settings of every kind at once; one account's in the settings' order (one lane).
      "PasswordPolicy/pw-2: account settings#0 [account 222222222222]",
      "PasswordPolicy/pw-1: account settings#0 [account 111111111111]",
      "PublicAccessBlock/pab-1: account settings#0 [account 111111111111]",
    ]);
    // Baselines last, after everything else (their settings are planned in a run of their own).
    expect(composites.map((o) => o.metadata.name)).toEqual(["cis"]);
  });
});

describe("--parallelism", () => {
  const cases = [
    { reason: "absent: the default", value: undefined, gives: DEFAULT_PARALLELISM },
    { reason: "one: everything in the apply order", value: "1", gives: 1 },
    { reason: "the most allowed", value: String(MAX_PARALLELISM), gives: MAX_PARALLELISM },
  ];
  it.each(cases)("$reason", ({ value, gives }) => {
    expect(parseParallelism(value)).toBe(gives);
  });

  const refused = [
    { reason: "zero would run nothing", value: "0" },
    { reason: "beyond one endpoint's connections", value: String(MAX_PARALLELISM + 1) },
    { reason: "not a whole number", value: "2.5" },
    { reason: "not a number", value: "many" },
    { reason: "negative", value: "-4" },
  ];
  it.each(refused)("refuses $value: $reason", ({ value }) => {
    expect(() => parseParallelism(value)).toThrow(
      new UsageError(`--parallelism must be a whole number from 1 to ${MAX_PARALLELISM}, not '${value}'`),
    );
  });
});
