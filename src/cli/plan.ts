/**
 * `orgguard plan` and `orgguard apply`: the controller's reconcile without a cluster. Both read
 * manifests, validate them, and observe AWS with the same ExternalClients the controller uses;
 * plan runs with a read-only AWS client (a write is refused before it is sent) and prints what
 * apply would change; apply makes the changes, in the controller's order (SCPs, then account
 * settings, then baselines' per-account settings), and confirms each by observing again.
 */
import { parseArgs } from "node:util";
import { API_GROUP_VERSION } from "../api/common.js";
import { validateObject } from "../api/validate.js";
import { AwsClients, endpointsFromEnvironment } from "../aws/clients.js";
import { type ControllerConfig, loadConfig } from "../config.js";
import {
  type BaselineObject,
  childManifest,
  SETTING_KINDS,
  settingsOf,
} from "../kinds/account-baseline/children.js";
import { OrganizationDiscovery } from "../kinds/account-baseline/discovery.js";
import { selectAccounts } from "../kinds/account-baseline/selection.js";
import { controllerKinds } from "../kinds/index.js";
import { claimantOf, winningRival } from "../runtime/claims.js";
import { errorMessage } from "../runtime/errors.js";
import type { Change, ManagedKind, ManagedObject } from "../runtime/managed.js";
import { loadManifests } from "./manifests.js";

export type PlanAction = "create" | "update" | "unchanged" | "drift-ignored" | "conflict" | "error";

/** What plan found (or apply did) for one object, or one account of a baseline. */
export interface PlanEntry {
  object: string;
  /** For a baseline: the account and setting this entry is about. */
  via?: string;
  action: PlanAction;
  changes: Change[];
  error?: string;
}

const ORDER = ["ServiceControlPolicy", "PasswordPolicy", "PublicAccessBlock", "AccountBaseline"];

function awsFor(config: ControllerConfig, readOnly: boolean): AwsClients {
  return new AwsClients({
    region: config.awsRegion,
    ...endpointsFromEnvironment(process.env),
    roleArnTemplate: config.roleArnTemplate,
    ...(config.externalId ? { externalId: config.externalId } : {}),
    maxAttempts: config.awsMaxAttempts,
    organizationsRate: { perSecond: config.organizationsRate, burst: config.organizationsBurst },
    readOnly,
  });
}

/** One thing to plan: a manifest's object, or a baseline's setting for one account. */
interface Unit {
  kind: ManagedKind;
  object: ManagedObject;
  /** `Kind/name` of the manifest it comes from. */
  name: string;
  via?: string;
}

/** Plans (or applies) every object; errors are per entry, never thrown. */
export async function reconcileObjects(
  objects: ManagedObject[],
  aws: AwsClients,
  config: ControllerConfig,
  apply: boolean,
  onEntry: (entry: PlanEntry) => void = () => undefined,
): Promise<PlanEntry[]> {
  const kinds = controllerKinds({
    aws,
    scp: {
      enablePolicyType: config.enableScpPolicyType,
      perTargetLimit: config.scpPerTargetLimit,
      sizeLimit: config.scpSizeLimit,
    },
  });
  const entries: PlanEntry[] = [];
  const record = (entry: PlanEntry) => {
    entries.push(entry);
    onEntry(entry);
  };
  // Settings without an accountId mean the caller's own account: learn it before comparing claims.
  await aws.ownAccountId().catch(() => undefined);
  const units = await unitsOf(objects, kinds, aws, record);
  const keepers = keepersByUnit(units);
  for (const unit of units) {
    const keeper = keepers.get(unit);
    if (keeper) {
      record({
        object: unit.name,
        ...(unit.via ? { via: unit.via } : {}),
        action: "conflict",
        changes: [],
        error: `${describeUnit(keeper)} manages the same ${unit.kind.claim?.(unit.object)} and keeps it: not changed`,
      });
      continue;
    }
    record(await reconcileOne(unit.kind, unit.object, unit.name, unit.via, apply));
  }
  return entries;
}

/**
 * The units to plan, in the controller's order (SCPs, account settings, then baselines'
 * per-account settings). A baseline whose accounts cannot be read becomes an error entry.
 */
async function unitsOf(
  objects: ManagedObject[],
  kinds: ManagedKind[],
  aws: AwsClients,
  record: (entry: PlanEntry) => void,
): Promise<Unit[]> {
  const kindOf = (name: string) => kinds.find((k) => k.ref.kind === name)!;
  const discovery = new OrganizationDiscovery(() => aws.organizations());
  const sorted = [...objects].sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
  const units: Unit[] = [];
  for (const object of sorted) {
    const name = `${object.kind}/${object.metadata.name}`;
    if (object.kind !== "AccountBaseline") {
      units.push({ kind: kindOf(object.kind), object, name });
      continue;
    }
    try {
      const baseline = object as unknown as BaselineObject;
      const view = await discovery.view(60_000);
      // The parsed spec: a manifest has no schema defaults (an OU selector is recursive by default).
      const settings = settingsOf(baseline);
      const selection = selectAccounts(view, settings.accounts);
      for (const setting of SETTING_KINDS) {
        if (!settings.templates[setting]) continue;
        for (const accountId of selection.accountIds) {
          const child = childManifest(baseline, settings, setting, accountId);
          units.push({ kind: kindOf(setting), object: child, name, via: `${setting} of ${accountId}` });
        }
      }
    } catch (err) {
      record({ object: name, action: "error", changes: [], error: errorMessage(err) });
    }
  }
  return units;
}

/**
 * For each unit a rival keeps the claim from, that rival: the controller's rule (runtime/claims.ts)
 * applied to manifests, which have no creation times, so the name breaks ties of the same rank.
 */
function keepersByUnit(units: Unit[]): Map<Unit, Unit> {
  const byClaim = new Map<string, Unit[]>();
  for (const unit of units) {
    const claim = unit.kind.claim?.(unit.object);
    if (claim === undefined) continue;
    const key = `${unit.kind.ref.kind}|${claim}`;
    byClaim.set(key, [...(byClaim.get(key) ?? []), unit]);
  }
  const keepers = new Map<Unit, Unit>();
  for (const rivals of byClaim.values()) {
    for (const unit of rivals) {
      const others = rivals.filter((r) => r !== unit);
      const keeper = winningRival(claimantOf(unit.object), others, (r) => claimantOf(r.object));
      if (keeper) keepers.set(unit, keeper);
    }
  }
  return keepers;
}

const describeUnit = (unit: Unit): string => (unit.via ? `${unit.name} (${unit.via})` : unit.name);

async function reconcileOne(
  kind: ManagedKind,
  object: ManagedObject,
  name: string,
  via: string | undefined,
  apply: boolean,
): Promise<PlanEntry> {
  const base = { object: name, ...(via ? { via } : {}) };
  try {
    const problems = kind.validate?.(object) ?? [];
    if (problems.length > 0)
      return { ...base, action: "error", changes: [], error: `invalid spec: ${problems.join("; ")}` };
    const external = await kind.connect(object);
    const observation = await external.observe(object);
    const changes = observation.diff ?? [];
    if (observation.exists && observation.upToDate) return { ...base, action: "unchanged", changes: [] };
    if (object.spec.managementPolicy === "ObserveOnly") return { ...base, action: "drift-ignored", changes };
    const action: PlanAction = observation.exists ? "update" : "create";
    if (apply) {
      if (observation.exists) await external.update(object, observation);
      else await external.create(object);
      const after = await external.observe(object);
      if (!after.exists || !after.upToDate) {
        return {
          ...base,
          action: "error",
          changes: after.diff ?? [],
          error: "applied, but AWS does not show the change yet",
        };
      }
    }
    return { ...base, action, changes };
  } catch (err) {
    return { ...base, action: "error", changes: [], error: errorMessage(err) };
  }
}

const SYMBOL: Record<PlanAction, string> = {
  create: "+",
  update: "~",
  unchanged: "=",
  "drift-ignored": "!",
  conflict: "#",
  error: "x",
};
const COLOR: Record<PlanAction, string> = {
  create: "32",
  update: "33",
  unchanged: "90",
  "drift-ignored": "35",
  conflict: "35",
  error: "31",
};
const value = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

/** Plan entries as readable text; coloured when `color`. */
export function formatText(entries: PlanEntry[], color: boolean, applied: boolean): string {
  const paint = (action: PlanAction, text: string) =>
    color ? `\u001b[${COLOR[action]}m${text}\u001b[0m` : text;
  const lines: string[] = [];
  for (const e of entries) {
    const verb = e.action === "drift-ignored" ? "drift (ObserveOnly: not changed)" : e.action;
    lines.push(
      paint(
        e.action,
        `${SYMBOL[e.action]} ${e.object}${e.via ? ` (${e.via})` : ""}: ${verb}${e.error ? `: ${e.error}` : ""}`,
      ),
    );
    for (const c of e.changes)
      lines.push(`    ${c.path || "(whole resource)"}: ${value(c.from)} -> ${value(c.to)}`);
  }
  lines.push("", summary(entries, applied));
  return lines.join("\n");
}

export function summary(entries: PlanEntry[], applied: boolean): string {
  const n = (a: PlanAction) => entries.filter((e) => e.action === a).length;
  const verb = applied ? ["created", "updated"] : ["to create", "to update"];
  return `${applied ? "Applied" : "Plan"}: ${n("create")} ${verb[0]}, ${n("update")} ${verb[1]}, ${n("unchanged")} unchanged, ${n("drift-ignored")} drifted (ObserveOnly), ${n("conflict")} conflict(s), ${n("error")} error(s).`;
}

/** Plan entries as a Markdown table, for a pull-request comment. */
export function formatMarkdown(entries: PlanEntry[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const rows = entries
    .filter((e) => e.action !== "unchanged")
    .map((e) => {
      const changes =
        e.error ??
        e.changes
          .map((c) => `\`${c.path || "(whole)"}\`: ${cell(value(c.from))} → ${cell(value(c.to))}`)
          .join("<br>");
      return `| ${SYMBOL[e.action]} ${e.action} | \`${e.object}\`${e.via ? ` (${e.via})` : ""} | ${cell(changes)} |`;
    });
  const table =
    rows.length > 0 ? ["| action | object | changes |", "|---|---|---|", ...rows].join("\n") : "No changes.";
  return `### orgguard plan\n\n${table}\n\n${summary(entries, false)}\n`;
}

async function run(args: string[], apply: boolean): Promise<number> {
  const command = apply ? "apply" : "plan";
  let values: { output?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { output: { type: "string", short: "o", default: "text" } },
    }));
  } catch (err) {
    console.error(`orgguard ${command}: ${errorMessage(err)}`);
    return 1;
  }
  const output = values.output ?? "text";
  if (!["text", "json", "markdown"].includes(output) || (apply && output === "markdown")) {
    console.error(`orgguard ${command}: --output must be text${apply ? " or json" : ", json or markdown"}`);
    return 1;
  }
  if (positionals.length === 0) {
    console.error(
      `usage: orgguard ${command} [--output text|json${apply ? "" : "|markdown"}] <files or folders>...`,
    );
    return 1;
  }
  let config: ControllerConfig;
  let objects: ManagedObject[];
  try {
    config = loadConfig([], process.env);
    const documents = await loadManifests(positionals);
    const problems = documents.flatMap((d) =>
      d.parseError
        ? [`${d.file}:${d.line}: cannot parse YAML: ${d.parseError}`]
        : validateObject(d.object, { scpSizeLimit: config.scpSizeLimit }).map(
            (p) => `${d.file}:${d.line}: ${p.path}: ${p.message}`,
          ),
    );
    if (problems.length > 0) {
      for (const p of problems) console.error(p);
      console.error(
        `orgguard ${command}: fix the manifests first (orgguard validate shows the same problems)`,
      );
      return 1;
    }
    objects = documents
      .map((d) => d.object as ManagedObject)
      .filter((o) => o.apiVersion === API_GROUP_VERSION);
  } catch (err) {
    console.error(`orgguard ${command}: ${errorMessage(err)}`);
    return 1;
  }
  const aws = awsFor(config, !apply);
  // On a terminal, apply shows each object as it is done (it may take minutes for a large organization).
  const progress = apply && output === "text" && process.stdout.isTTY === true;
  const entries = await reconcileObjects(objects, aws, config, apply, (entry) => {
    if (progress) process.stdout.write(`${formatText([entry], true, true).split("\n")[0]}\n`);
  });
  if (output === "json") console.log(JSON.stringify({ entries, summary: summary(entries, apply) }, null, 2));
  else if (output === "markdown") console.log(formatMarkdown(entries));
  else console.log(formatText(entries, process.stdout.isTTY === true, apply));
  if (entries.some((e) => e.action === "error")) return 1;
  if (apply) return 0;
  return entries.some((e) => e.action === "create" || e.action === "update") ? 2 : 0;
}

export const runPlan = (args: string[]) => run(args, false);
export const runApply = (args: string[]) => run(args, true);
