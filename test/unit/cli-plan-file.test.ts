/**
 * `apply --plan`'s decisions, in-process: which saved files are plans, and when a plan no longer
 * matches what AWS shows (every difference refuses the whole apply; test/integration/apply-calls
 * runs it against moto).
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { type PlanFile, planDifferences, readPlanFile } from "../../src/cli/plan-file.js";
import type { PlanEntry } from "../../src/cli/plan-format.js";

const pw = (action: PlanEntry["action"], from?: number, extra: Partial<PlanEntry> = {}): PlanEntry => ({
  object: "AccountBaseline/cis",
  via: "PasswordPolicy of 111111111111",
  action,
  changes: from === undefined ? [] : [{ path: "minimumPasswordLength", ...(from ? { from } : {}), to: 14 }],
  ...extra,
});
const scp: PlanEntry = { object: "ServiceControlPolicy/deny-leave", action: "unchanged", changes: [] };
const context = { organizationId: "o-aaaaaaaaaa", account: "123456789012" };
const planOf = (entries: PlanEntry[], where = context): PlanFile => ({ ...where, entries });

describe("planDifferences", () => {
  const cases: Array<{ reason: string; plan: PlanFile; now: PlanEntry[]; differences: string[] }> = [
    {
      reason: "the same entries: nothing differs",
      plan: planOf([scp, pw("update", 8)]),
      now: [scp, pw("update", 8)],
      differences: [],
    },
    {
      reason: "other values than planned: AWS changed in between",
      plan: planOf([pw("update", 8)]),
      now: [pw("update", 9)],
      differences: [
        "AccountBaseline/cis (PasswordPolicy of 111111111111): minimumPasswordLength planned 8 -> 14, now 9 -> 14",
      ],
    },
    {
      reason: "planned unchanged, drifted since",
      plan: planOf([pw("unchanged")]),
      now: [pw("update", 8)],
      differences: [
        "AccountBaseline/cis (PasswordPolicy of 111111111111): planned unchanged, now update of minimumPasswordLength",
      ],
    },
    {
      reason: "planned a change someone made by hand since: the entry is unchanged now",
      plan: planOf([pw("update", 8)]),
      now: [pw("unchanged")],
      differences: [
        "AccountBaseline/cis (PasswordPolicy of 111111111111): planned update of minimumPasswordLength, now unchanged",
      ],
    },
    {
      reason: "an object gone from the manifests, or an account gone from the baseline's selection",
      plan: planOf([scp, pw("update", 8)]),
      now: [scp],
      differences: [
        "AccountBaseline/cis (PasswordPolicy of 111111111111): planned (update of minimumPasswordLength), but no longer among the objects",
      ],
    },
    {
      reason: "an entry the plan did not have (a new account the baseline selects)",
      plan: planOf([scp]),
      now: [scp, pw("create", 0)],
      differences: [
        "AccountBaseline/cis (PasswordPolicy of 111111111111): not in the plan, now create of minimumPasswordLength",
      ],
    },
    {
      reason: "an entry that fails now: its error is said",
      plan: planOf([pw("update", 8)]),
      now: [pw("error", undefined, { error: "cannot read the password policy: AccessDenied" })],
      differences: [
        "AccountBaseline/cis (PasswordPolicy of 111111111111): planned update of minimumPasswordLength, now error: cannot read the password policy: AccessDenied",
      ],
    },
    {
      reason: "a plan with an error or a conflict is never applied",
      plan: planOf([pw("conflict", undefined, { error: "PasswordPolicy/x keeps it" }), scp]),
      now: [pw("conflict", undefined, { error: "PasswordPolicy/x keeps it" }), scp],
      differences: [
        "AccountBaseline/cis (PasswordPolicy of 111111111111): the plan has a conflict: PasswordPolicy/x keeps it",
      ],
    },
    {
      reason:
        "a change AWS was still applying when planned, done now, is no difference (nothing to write either way)",
      plan: planOf([{ object: "ImageBlockPublicAccess/x", action: "progressing", changes: [] }]),
      now: [{ object: "ImageBlockPublicAccess/x", action: "unchanged", changes: [] }],
      differences: [],
    },
    {
      reason: "a plan of another organization, made as another account",
      plan: planOf([scp], { organizationId: "o-bbbbbbbbbb", account: "210987654321" }),
      now: [scp],
      differences: [
        "the plan is for organization o-bbbbbbbbbb; these credentials are in o-aaaaaaaaaa",
        "the plan was made as account 210987654321; these credentials are account 123456789012",
      ],
    },
    {
      reason: "a description is part of the change (a target's name, what deleting a VPC takes)",
      plan: planOf([
        {
          object: "ServiceControlPolicy/s",
          action: "update",
          changes: [{ path: "targets[ou-1]", to: "attached", description: "+ ou Root/A (ou-1)" }],
        },
      ]),
      now: [
        {
          object: "ServiceControlPolicy/s",
          action: "update",
          changes: [{ path: "targets[ou-1]", to: "attached", description: "+ ou Root/B (ou-1)" }],
        },
      ],
      differences: [
        "ServiceControlPolicy/s: targets[ou-1] planned + ou Root/A (ou-1), now + ou Root/B (ou-1)",
      ],
    },
  ];
  it.each(cases)("$reason", ({ plan, now, differences }) => {
    expect(planDifferences(plan, context, now)).toEqual(differences);
  });
});

describe("readPlanFile", () => {
  const cases = [
    {
      reason: "not JSON",
      content: "Plan: 1 to create",
      says: /is not JSON .*: give it what `orgguard plan --output json` printed/,
    },
    {
      reason: "JSON but not a plan",
      content: '{"summary": "x"}',
      says: /is not the output of `orgguard plan --output json`: entries:/,
    },
    {
      reason: "an entry of an action plan never prints",
      content: '{"entries": [{"object": "A/b", "action": "delete", "changes": []}]}',
      says: /entries\.0\.action:/,
    },
  ];
  it.each(cases)("refuses $reason", async ({ content, says }) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-plan-file-"));
    const file = path.join(dir, "plan.json");
    await writeFile(file, content);
    await expect(readPlanFile(file)).rejects.toThrow(says);
  });

  it("refuses a file that is not there, naming it", async () => {
    await expect(readPlanFile("/nonexistent/plan.json")).rejects.toThrow(
      /^cannot read the plan \/nonexistent\/plan\.json: ENOENT/,
    );
  });

  it("reads what plan --output json prints (its derived fields are ignored)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "orgguard-plan-file-"));
    const file = path.join(dir, "plan.json");
    const entry = { ...pw("update", 8), actual: { minimumPasswordLength: 8 }, desired: {}, patch: [] };
    await writeFile(file, JSON.stringify({ ...context, entries: [entry], summary: "Plan: ..." }));
    const plan = await readPlanFile(file);
    expect(plan.entries).toHaveLength(1);
    expect(planDifferences(plan, context, [pw("update", 8)])).toEqual([]);
  });
});
