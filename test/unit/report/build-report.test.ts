/**
 * The report from objects' states: which accounts get rows and where, which kinds get columns or
 * rows (from the kinds' definitions alone, so a new kind appears without touching the report),
 * conflicts, CIS roll-ups, and what each renderer makes of it.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { accountBaselineKind } from "../../../src/kinds/account-baseline/index.js";
import { findKind, KINDS } from "../../../src/kinds/index.js";
import type { Kind } from "../../../src/kinds/kind-definition.js";
import { buildReport, type ReportInput, UNKNOWN_OU } from "../../../src/report/build-report.js";
import { type ObjectState, stateOfObject } from "../../../src/report/object-state.js";
import { renderHtml } from "../../../src/report/render-html.js";
import { MARKDOWN_ATTENTION_LIMIT, renderMarkdown } from "../../../src/report/render-markdown.js";
import { report as reportSchema } from "../../../src/report/report-schema.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";
import { syntheticPosture } from "../../support/synthetic-posture.js";

const state = (s: Partial<ObjectState> & Pick<ObjectState, "kind" | "name">): ObjectState => ({
  state: "compliant",
  reason: "Available",
  columns: {},
  ...s,
});
const input = (states: ObjectState[], extra: Partial<ReportInput> = {}): ReportInput => ({
  source: "cluster",
  generatedAt: new Date("2026-05-01T10:00:00Z"),
  kinds: KINDS,
  states,
  baselines: [],
  notes: [],
  ...extra,
});
const baseline = (name: string, accounts: Record<string, unknown>): ManagedObject => ({
  apiVersion: "orgguard.io/v1alpha1",
  kind: "AccountBaseline",
  metadata: { name },
  spec: { accounts, passwordPolicy: {} },
});

describe("buildReport", () => {
  it("gives every ACTIVE account of the organization a row, in its OU, unmanaged where nothing keeps it", () => {
    const { organization } = syntheticPosture(5);
    organization.accounts.push({
      id: "999999999999",
      name: "closed",
      status: "SUSPENDED",
      parentId: "r-root",
    });
    const report = buildReport(
      input([state({ kind: "PasswordPolicy", name: "p", accountId: "200000000001" })], { organization }),
    );
    const rows = report.groups.flatMap((g) => g.accounts.map((a) => `${g.ouPath} ${a.name} ${a.state}`));
    // The suspended account has no row; the one with an object is compliant, the others are not managed.
    expect(rows).toEqual([
      "Root management unmanaged",
      "Root/Workloads/Dev dev-4 unmanaged",
      "Root/Workloads/Prod prod-0 unmanaged",
      "Root/Workloads/Prod prod-1 compliant",
      "Root/Workloads/Prod prod-2 unmanaged",
      "Root/Workloads/Prod prod-3 unmanaged",
    ]);
    expect(report.groups[0]?.accounts[0]?.management).toBe(true);
    expect(report.controls.map((c) => c.kind)).toEqual(["PasswordPolicy"]);
    expect(report.unusedControls).toContain("PublicAccessBlock");
  });

  const placeCases = [
    {
      reason: "one OU selector by path: the baseline's OU (the account is in it or below)",
      accounts: { organizationalUnits: [{ path: "Root/Workloads" }] },
      ouPath: "Root/Workloads",
      from: "baseline",
    },
    {
      reason: "two OU selectors: which one is not known",
      accounts: { organizationalUnits: [{ path: "Root/A" }, { path: "Root/B" }] },
      ouPath: UNKNOWN_OU,
      from: "unknown",
    },
    {
      reason: "selected by id: no OU known",
      accounts: { ids: ["111111111111"] },
      ouPath: UNKNOWN_OU,
      from: "unknown",
    },
  ];
  it.each(placeCases)("without the organization's tree: $reason", ({ accounts, ouPath, from }) => {
    const report = buildReport(
      input(
        [
          state({
            kind: "PasswordPolicy",
            name: "wl-111111111111",
            accountId: "111111111111",
            baseline: "wl",
          }),
        ],
        {
          baselines: [baseline("wl", accounts)],
        },
      ),
    );
    expect(report.groups.map((g) => g.ouPath)).toEqual([ouPath]);
    expect(report.groups[0]?.accounts[0]?.ouPathFrom).toBe(from);
  });

  it("shows the object that keeps a contested setting, and names the others", () => {
    const report = buildReport(
      input([
        state({
          kind: "PasswordPolicy",
          name: "b-loser",
          accountId: "111111111111",
          state: "failing",
          reason: "Conflict",
        }),
        state({ kind: "PasswordPolicy", name: "z-keeper", accountId: "111111111111" }),
      ]),
    );
    const cell = report.groups[0]?.accounts[0]?.cells.PasswordPolicy;
    expect(cell).toMatchObject({
      state: "compliant",
      object: "PasswordPolicy/z-keeper",
      others: ["PasswordPolicy/b-loser"],
    });
  });

  it("rolls up per OU, per control and per CIS recommendation, and keeps the worst cell as the account's state", () => {
    const report = buildReport(
      input([
        state({
          kind: "PasswordPolicy",
          name: "a",
          accountId: "111111111111",
          cis: { "CIS 1.8": true, "CIS 1.9": false },
        }),
        state({
          kind: "PublicAccessBlock",
          name: "a",
          accountId: "111111111111",
          state: "drifted",
          reason: "Drifted",
        }),
        state({
          kind: "PasswordPolicy",
          name: "b",
          accountId: "222222222222",
          state: "failing",
          reason: "AccessDenied",
        }),
      ]),
    );
    expect(report.summary.accounts).toMatchObject({ total: 2, drifted: 1, failing: 1 });
    // b has no PublicAccessBlock: not managed there.
    expect(report.summary.cells).toMatchObject({
      total: 4,
      compliant: 1,
      drifted: 1,
      failing: 1,
      unmanaged: 1,
    });
    expect(report.summary.compliantShare).toBe("25%");
    expect(report.controls.find((c) => c.kind === "PasswordPolicy")?.counts).toMatchObject({
      compliant: 1,
      failing: 1,
    });
    expect(report.cis.filter((c) => c.kind === "PasswordPolicy")).toEqual([
      { id: "CIS 1.8", title: expect.any(String), kind: "PasswordPolicy", meets: 1, fails: 0, unknown: 1 },
      { id: "CIS 1.9", title: expect.any(String), kind: "PasswordPolicy", meets: 0, fails: 1, unknown: 1 },
    ]);
    expect(report.groups[0]?.byControl.PublicAccessBlock).toMatchObject({ drifted: 1, unmanaged: 1 });
  });

  it("notes an object that names no account and was never reconciled, instead of guessing", () => {
    const report = buildReport(input([state({ kind: "PasswordPolicy", name: "own", state: "pending" })]));
    expect(report.groups).toEqual([]);
    expect(report.notes).toEqual([
      "PasswordPolicy/own names no account and has not been reconciled yet: it is not in the matrix",
    ]);
  });

  it("shows a new kind from its definition alone: an account-level one as a column, an organization-level one as a row", () => {
    const api = { ...accountBaselineKind.api, printerColumns: [] };
    const backupVaults: Kind = {
      ...accountBaselineKind,
      api: { ...api, kind: "BackupVaultLock", plural: "backupvaultlocks" },
      posture: {
        scope: "account",
        controls: [
          { id: "CIS 9.9", title: "vaults are locked", holds: (o) => o.status?.atProvider === "locked" },
        ],
      },
    };
    const trail: Kind = {
      ...accountBaselineKind,
      api: { ...api, kind: "OrganizationTrail" },
      posture: { scope: "organization" },
    };
    const kinds = [...KINDS, backupVaults, trail];
    const objects: ManagedObject[] = [
      {
        apiVersion: "orgguard.io/v1alpha1",
        kind: "BackupVaultLock",
        metadata: { name: "v", generation: 1 },
        spec: { accountId: "111111111111" },
        status: { observedGeneration: 1, atProvider: "locked", conditions: [] },
      },
      {
        apiVersion: "orgguard.io/v1alpha1",
        kind: "OrganizationTrail",
        metadata: { name: "org-trail", generation: 1 },
        spec: {},
      },
    ];
    const kindOf = (name: string) => kinds.find((k) => k.api.kind === name)!;
    const report = buildReport(
      input(
        objects.map((o) => stateOfObject(kindOf(o.kind), o)),
        { kinds },
      ),
    );
    expect(report.controls.map((c) => c.kind)).toEqual(["BackupVaultLock"]);
    expect(report.cis).toEqual([
      { id: "CIS 9.9", title: "vaults are locked", kind: "BackupVaultLock", meets: 1, fails: 0, unknown: 0 },
    ]);
    expect(report.organizationObjects.map((o) => `${o.kind}/${o.name} ${o.state}`)).toEqual([
      "OrganizationTrail/org-trail pending",
    ]);
    expect(renderHtml(report)).toContain("BackupVaultLock<small>CIS 9.9</small>");
  });

  it("matches its documented schema (docs/schemas/report.schema.json is generated from it)", () => {
    const { organization, objects } = syntheticPosture(40);
    const report = buildReport(
      input(
        objects.map((o) => stateOfObject(findKind(o.kind)!, o)),
        { organization, baselines: objects.filter((o) => o.kind === "AccountBaseline") },
      ),
    );
    expect(() => reportSchema.parse(report)).not.toThrow();
    expect(report.summary.accounts.total).toBe(41);
  });
});

describe("the renderers", () => {
  const hostile = buildReport(
    input([
      state({
        kind: "PasswordPolicy",
        name: "x",
        accountId: "111111111111",
        state: "failing",
        reason: "InvalidSpec",
        message: '<script>alert(1)</script> | "quoted"\nsecond line',
      }),
    ]),
  );

  it("HTML: self-contained (nothing loaded from elsewhere), and escapes what objects say", () => {
    const html = renderHtml(hostile);
    expect(html).not.toMatch(/\b(src|href)\s*=/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html).not.toContain("<script>alert(1)</script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it("Markdown: one table row per cell needing attention, whatever the message holds", () => {
    const md = renderMarkdown(hostile);
    const row = md.split("\n").find((l) => l.startsWith("| 111111111111 "));
    expect(row).toBe(
      '| 111111111111 | (OU not known) | PasswordPolicy | failing | failing: InvalidSpec: <script>alert(1)</script> \\| "quoted"; second line |',
    );
  });

  it(`Markdown: lists at most ${MARKDOWN_ATTENTION_LIMIT} cells needing attention, worst first, and says how many more`, () => {
    const states = Array.from({ length: MARKDOWN_ATTENTION_LIMIT + 5 }, (_, i) =>
      state({
        kind: "PasswordPolicy",
        name: `p${i}`,
        accountId: String(100000000000 + i),
        state: i === 0 ? "drifted" : "failing",
      }),
    );
    const md = renderMarkdown(buildReport(input(states)));
    const rows = md.split("\n").filter((l) => /^\| \d{12} /.test(l));
    expect(rows).toHaveLength(MARKDOWN_ATTENTION_LIMIT);
    expect(rows.every((r) => r.includes("| failing |"))).toBe(true);
    expect(md).toContain("…and 5 more: see the HTML or JSON report.");
  });

  it("JSON Schema: generated from the schema the report is checked against", () => {
    expect(z.toJSONSchema(reportSchema).properties).toHaveProperty("groups");
  });
});
