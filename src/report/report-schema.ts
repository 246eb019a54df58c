/**
 * What `orgguard report --output json` prints, and what the HTML and Markdown reports are rendered
 * from: the organization's posture as a matrix of accounts (grouped by OU path) against the
 * account-level kinds (each with the CIS recommendations it covers), with roll-ups per OU, per
 * control and per CIS recommendation, and the organization-level objects as rows of their own.
 * A zod schema, so docs/schemas/report.schema.json is generated from it (`npm run generate`).
 */
import { z } from "zod";

/**
 * What one cell (one account-level object) says about its account, from best to worst:
 * - compliant: AWS equals the spec (Ready);
 * - pending: being created or updated, AWS still applying a change, or not reconciled yet;
 * - unmanaged: no object keeps this control in this account;
 * - paused: the object is paused (orgguard.io/paused): nobody vouches for AWS;
 * - drifted: AWS differs from the spec and orgguard does not change it (ObserveOnly), or, from a
 *   read-only pass over AWS, differs from the manifests;
 * - failing: an error, a refusal (Stalled), or a conflict with another object.
 */
export const CELL_STATES = ["compliant", "pending", "unmanaged", "paused", "drifted", "failing"] as const;
export type CellState = (typeof CELL_STATES)[number];

/** The worst of some states (an account's state is its worst cell's). */
export function worstState(states: Iterable<CellState>): CellState {
  let worst: CellState = "compliant";
  for (const s of states) if (CELL_STATES.indexOf(s) > CELL_STATES.indexOf(worst)) worst = s;
  return worst;
}

export const stateCounts = z
  .object(
    Object.fromEntries(CELL_STATES.map((s) => [s, z.number().int().min(0)])) as Record<
      CellState,
      z.ZodNumber
    >,
  )
  .describe("How many cells (or accounts, or objects) are in each state.");
export type StateCounts = z.infer<typeof stateCounts>;

/** Counts of nothing yet. */
export const noCounts = (): StateCounts => Object.fromEntries(CELL_STATES.map((s) => [s, 0])) as StateCounts;

const time = z.string().describe("RFC 3339.");

export const cell = z
  .object({
    state: z.enum(CELL_STATES),
    object: z.string().optional().describe("Kind/name of the object that keeps this control in the account."),
    baseline: z.string().optional().describe("The AccountBaseline the object belongs to, if any."),
    reason: z
      .string()
      .optional()
      .describe("The Ready condition's reason (Available, Drifted, AccessDenied...)."),
    message: z.string().optional().describe("Why, in a sentence."),
    changes: z
      .array(z.string())
      .optional()
      .describe("What differs from the spec (the fields of status.plannedChanges)."),
    lastSyncTime: time.optional().describe("When the object's status last changed."),
    lastRepairTime: time.optional().describe("When orgguard last repaired drift here."),
    cis: z
      .record(z.string(), z.boolean())
      .optional()
      .describe(
        "Per CIS recommendation the control covers: whether the account meets it, judged from what AWS has.",
      ),
    others: z
      .array(z.string())
      .optional()
      .describe("Other objects for the same account and control (they report Conflict)."),
  })
  .describe("One account and one control.");
export type Cell = z.infer<typeof cell>;

export const account = z
  .object({
    id: z.string(),
    name: z.string().optional().describe("The account's name in AWS Organizations, when read."),
    ouPath: z.string().describe("Root/Workloads/Prod; see ouPathFrom."),
    ouPathFrom: z
      .enum(["aws", "baseline", "unknown"])
      .describe(
        "aws: read from AWS Organizations; baseline: the OU a baseline selected the account by (the account is there or in an OU below); unknown: neither.",
      ),
    management: z.boolean().optional().describe("True for the organization's management account."),
    state: z.enum(CELL_STATES).describe("The worst state of its cells."),
    cells: z.record(z.string(), cell).describe("By control (the kind's name)."),
  })
  .describe("One account: a row of the matrix.");
export type Account = z.infer<typeof account>;

export const group = z
  .object({
    ouPath: z.string(),
    accounts: z.array(account),
    counts: stateCounts.describe("Its accounts by their worst state."),
    byControl: z.record(z.string(), stateCounts).describe("Its cells by control and state."),
  })
  .describe("The accounts of one OU path, with their roll-up.");
export type Group = z.infer<typeof group>;

export const cisRecommendation = z.object({
  id: z.string().describe('"CIS 1.8", in CIS AWS Foundations Benchmark v3.0 numbering.'),
  title: z.string(),
});

export const control = z
  .object({
    kind: z.string().describe("The account-level kind that keeps it: PasswordPolicy, PublicAccessBlock..."),
    cis: z.array(cisRecommendation).describe("The CIS recommendations it covers."),
    counts: stateCounts.describe("Its cells, over every account of the report."),
  })
  .describe("A column of the matrix, with its roll-up.");
export type Control = z.infer<typeof control>;

export const cisRollUp = z
  .object({
    id: z.string(),
    title: z.string(),
    kind: z.string().describe("The control that covers it."),
    meets: z.number().int().min(0).describe("Accounts that meet it, judged from what AWS has."),
    fails: z.number().int().min(0).describe("Accounts whose object was read and that do not meet it."),
    unknown: z
      .number()
      .int()
      .min(0)
      .describe(
        "Accounts not judged: no object, not read yet, or a report from plan (which keeps no reading).",
      ),
  })
  .describe("One CIS recommendation over every account of the report.");
export type CisRollUp = z.infer<typeof cisRollUp>;

export const organizationObject = z
  .object({
    kind: z.string(),
    name: z.string(),
    state: z.enum(CELL_STATES),
    reason: z.string().optional(),
    message: z.string().optional(),
    changes: z.array(z.string()).optional(),
    lastSyncTime: time.optional(),
    lastRepairTime: time.optional(),
    columns: z
      .record(z.string(), z.string())
      .describe("The kind's own kubectl get columns (Policy-ID, Targets, Matched...), by name."),
  })
  .describe("An object that keeps something of the organization as a whole: a row of its own.");
export type OrganizationObject = z.infer<typeof organizationObject>;

export const report = z
  .object({
    schemaVersion: z.literal(1).describe("Changes only when a field changes meaning or goes."),
    generatedAt: time,
    source: z
      .enum(["cluster", "aws"])
      .describe("cluster: the objects' status in the cluster; aws: a read-only pass over AWS for manifests."),
    organization: z
      .object({ id: z.string().optional(), managementAccountId: z.string().optional() })
      .describe("The organization, when read from AWS."),
    summary: z.object({
      accounts: stateCounts
        .extend({ total: z.number().int().min(0) })
        .describe("Accounts by their worst state."),
      cells: stateCounts.extend({ total: z.number().int().min(0) }),
      compliantShare: z.string().describe('Compliant cells of all cells: "83%" ("-" with none).'),
      organizationObjects: stateCounts.extend({ total: z.number().int().min(0) }),
    }),
    controls: z.array(control).describe("The columns: account-level kinds that have at least one object."),
    unusedControls: z
      .array(z.string())
      .describe("Account-level kinds no account has an object of (not in the matrix)."),
    cis: z.array(cisRollUp),
    groups: z.array(group).describe("The matrix, by OU path."),
    organizationObjects: z.array(organizationObject),
    notes: z
      .array(z.string())
      .describe("What the report could not see (a kind not installed, an unreadable organization)."),
  })
  .describe("The posture of an AWS Organization as orgguard keeps it.");
export type Report = z.infer<typeof report>;

/** The JSON Schema of the report (docs/schemas/report.schema.json). */
export function reportJsonSchema(): string {
  return `${JSON.stringify(
    { ...z.toJSONSchema(report, { target: "draft-2020-12" }), title: "orgguard report --output json" },
    null,
    2,
  )}\n`;
}
