/**
 * `orgguard report`: the organization's posture at a glance, as one self-contained HTML file,
 * Markdown or JSON. From the objects' status in the cluster (KUBECONFIG), or, with --from-aws,
 * from a read-only pass over AWS for the manifests given (as plan makes it), for pipelines that
 * have no cluster.
 */
import { writeFile } from "node:fs/promises";
import type { OrganizationView } from "../aws/organization-view.js";
import { readOrganization, sdkOrganizationReader } from "../aws/organization-view.js";
import { type ControllerConfig, loadConfig } from "../config.js";
import { accountBaselineApi } from "../kinds/account-baseline/api.js";
import { findKind, KINDS, READ_OPERATIONS } from "../kinds/index.js";
import { organizationOf } from "../kinds/organization.js";
import { buildReport } from "../report/build-report.js";
import { type ObjectState, stateOfObject, stateOfPlanEntry } from "../report/object-state.js";
import { renderHtml } from "../report/render-html.js";
import { renderMarkdown } from "../report/render-markdown.js";
import { CELL_STATES, type CellState, type Report } from "../report/report-schema.js";
import type { ManagedObject } from "../runtime/managed.js";
import { errorMessage } from "../runtime/reconcile-errors.js";
import { awsClientsFor } from "./aws-context.js";
import { type Command, type CommandOption, type ParsedValues, UsageError } from "./command.js";
import { loadManifests } from "./manifests.js";
import { reconcileObjects } from "./plan.js";
import { checkManifests, formatProblem } from "./validate.js";

const REPORT_OPTIONS = {
  output: {
    type: "string",
    short: "o",
    valueName: "FORMAT",
    description:
      "html (one self-contained file), markdown (a pull request, a ticket) or json (docs/report.md)",
    default: "html",
    choices: ["html", "markdown", "json"],
  },
  write: {
    type: "string",
    valueName: "FILE",
    description: "write the report to FILE instead of printing it",
    completes: "file",
  },
  "from-aws": {
    type: "boolean",
    description:
      "no cluster: read the manifests given and compare them with AWS, read-only (as plan does); the organization's tree comes with it",
  },
  "read-organization": {
    type: "boolean",
    description:
      "with the cluster: also read the organization's accounts and OUs from AWS (read-only), so every account has a row, a name and its OU path",
  },
  "fail-on": {
    type: "string",
    valueName: "STATES",
    description: `exit 2 when a cell or organization-level object is in one of these states, comma-separated (${CELL_STATES.join(", ")})`,
  },
} satisfies Record<string, CommandOption>;

type Values = ParsedValues<typeof REPORT_OPTIONS>;

/** The states --fail-on names; refuses one that is not a state. */
function failStates(text: string | undefined): Set<CellState> {
  const names = (text ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const states = new Set<CellState>();
  for (const name of names) {
    const state = CELL_STATES.find((s) => s === name);
    if (!state) throw new UsageError(`--fail-on: '${name}' is not a state (${CELL_STATES.join(", ")})`);
    states.add(state);
  }
  return states;
}

/** AWS settings as plan reads them (ORGGUARD_* variables), with a one-line error. */
function awsConfig(): ControllerConfig {
  try {
    return loadConfig([], process.env);
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
}

/** The report's inputs from the cluster's objects (and the organization's tree when asked). */
async function fromCluster(values: Values, positionals: string[]) {
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}' (manifests are read with --from-aws)`);
  }
  // Loaded here: the Kubernetes client is about 80 MiB of resident memory that --from-aws never needs.
  const { KubeConfig } = await import("@kubernetes/client-node");
  const { readClusterObjects } = await import("../report/read-cluster.js");
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const cluster = await readClusterObjects(kc, KINDS);
  let organization: OrganizationView | undefined;
  if (values["read-organization"]) {
    const aws = awsClientsFor(awsConfig(), { readOnly: READ_OPERATIONS });
    organization = await readOrganization(sdkOrganizationReader(aws.organizations()));
  }
  return {
    source: "cluster" as const,
    states: cluster.objects.map(({ kind, object }) => stateOfObject(kind, object)),
    baselines: cluster.objects.filter(({ kind }) => kind.api === accountBaselineApi).map((o) => o.object),
    ...(organization ? { organization } : {}),
    notes: cluster.notes,
  };
}

/** The report's inputs from a read-only pass over AWS for the manifests given (plan's own). */
async function fromAws(positionals: string[]) {
  if (positionals.length === 0)
    throw new UsageError("--from-aws: name the files or folders with the manifests");
  const config = awsConfig();
  let documents: Awaited<ReturnType<typeof loadManifests>>;
  try {
    documents = await loadManifests(positionals);
  } catch (err) {
    throw new UsageError(errorMessage(err));
  }
  const checked = checkManifests(documents, {
    sizeLimits: Object.fromEntries(config.policySizeLimits),
    inputs: positionals,
  });
  for (const note of checked.notes) console.error(note);
  if (checked.problems.length > 0) {
    for (const p of checked.problems) console.error(formatProblem(p));
    throw new UsageError("fix the manifests first (orgguard validate shows the same problems)");
  }
  const objects = checked.orgguard.map((d) => d.object as ManagedObject);
  // A write, or any call no kind declares as a read, is refused before it is sent.
  const aws = awsClientsFor(config, { readOnly: READ_OPERATIONS });
  const readAt = new Date().toISOString();
  const entries = await reconcileObjects(objects, aws, config, false);
  const notes: string[] = [];
  // The same view the pass just read (one per AwsClients): no call more.
  const organization = await organizationOf({ aws })
    .view(60_000)
    .catch((err: unknown) => {
      notes.push(`cannot read the organization's accounts and OUs: ${errorMessage(err)}`);
      return undefined;
    });
  const ownAccountId = await aws.ownAccountId().catch(() => undefined);
  const manifests = new Map(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o] as const));
  const states = entries.flatMap((e): ObjectState[] => {
    const state = stateOfPlanEntry(e, manifests, findKind, readAt, ownAccountId);
    return state ? [state] : [];
  });
  return {
    source: "aws" as const,
    states,
    baselines: objects.filter((o) => o.kind === accountBaselineApi.kind),
    ...(organization ? { organization } : {}),
    notes,
  };
}

/** The report as the format asks. */
export function renderReport(report: Report, format: string): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  if (format === "markdown") return renderMarkdown(report);
  return renderHtml(report);
}

/** Whether the report has a cell or organization-level object in one of `states`. */
export function hasState(report: Report, states: ReadonlySet<CellState>): boolean {
  return (
    report.groups.some((g) =>
      g.accounts.some((a) => Object.values(a.cells).some((c) => states.has(c.state))),
    ) || report.organizationObjects.some((o) => states.has(o.state))
  );
}

/** `orgguard report`. */
export const reportCommand: Command<typeof REPORT_OPTIONS> = {
  name: "report",
  summary:
    "Shows the organization's posture at a glance: accounts by OU against controls and the CIS recommendations they cover, with roll-ups, as one self-contained HTML file, Markdown or JSON.",
  details:
    "Reads every orgguard object in the cluster (KUBECONFIG), or, with --from-aws, compares the manifests given with AWS read-only, as plan does (AWS settings from the ORGGUARD_* variables, credentials from the SDK's default chain).",
  arguments: "[<files or folders>...]",
  options: REPORT_OPTIONS,
  examples: [
    "orgguard report --write posture.html",
    "orgguard report --read-organization --output markdown > posture.md",
    "orgguard report --from-aws --output json --fail-on failing,drifted manifests/ > posture.json",
  ],
  exitCodes: {
    0: "written",
    1: "an error (the cluster or AWS cannot be read, manifests, arguments)",
    2: "written, and a cell is in a state --fail-on names",
  },
  run: async (values, positionals) => {
    const format = values.output ?? "html";
    if (!["html", "markdown", "json"].includes(format)) {
      throw new UsageError(`--output must be html, markdown or json, not '${format}'`);
    }
    const failOn = failStates(values["fail-on"]);
    const generatedAt = new Date();
    let input: Awaited<ReturnType<typeof fromCluster>> | Awaited<ReturnType<typeof fromAws>>;
    try {
      input = values["from-aws"] ? await fromAws(positionals) : await fromCluster(values, positionals);
    } catch (err) {
      if (err instanceof UsageError) throw err;
      console.error(`orgguard report: ${errorMessage(err)}`);
      return 1;
    }
    const report = buildReport({ ...input, generatedAt, kinds: KINDS });
    const text = renderReport(report, format);
    if (values.write) {
      await writeFile(values.write, text);
      const a = report.summary.accounts;
      console.error(
        `wrote ${values.write}: ${a.total} account(s), ${a.compliant} compliant, ${a.drifted} drifted, ${a.failing} failing; ${report.summary.compliantShare} of account controls compliant`,
      );
    } else process.stdout.write(text);
    return hasState(report, failOn) ? 2 : 0;
  },
};
