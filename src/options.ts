/**
 * The option system every orgguard command shares: an option is a flag (`--poll-interval 30s`) and
 * an environment variable (`ORGGUARD_POLL_INTERVAL=30s`); a flag wins over the environment, which
 * wins over the default. Options come in layers (the manager's, the reconcile's, AWS's, and the
 * kinds' own: config.ts composes them); the controller takes them all, `plan` and `apply` the AWS
 * and kind layers. Values are checked with zod; the docs' tables and --help are rendered from here.
 */
import { parseArgs } from "node:util";
import { z } from "zod";

/** One option: its flag, what it means, its default, what is allowed, and the schema that checks it. */
export interface OptionSpec {
  flag: string;
  description: string;
  default: string;
  /** What values are allowed, for the docs (the schema enforces it). */
  allowed: string;
  schema: z.ZodType;
}

/** A layer of options by key (the key names the value in the parsed configuration). */
export type OptionLayer = Record<string, OptionSpec>;

/** The parsed values of a layer. */
export type OptionValues<L extends OptionLayer> = { [K in keyof L]: z.output<L[K]["schema"]> };

/** Parses "500ms", "30s", "10m", "1.5h". A unit is required: "10" could mean 10 ms or 10 minutes. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    throw new Error(`'${text}' needs a unit: ${trimmed}s, ${trimmed}m... (ms, s, m or h)`);
  }
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(trimmed);
  if (!match) throw new Error(`'${text}' is not a duration (use e.g. 500ms, 30s, 10m, 1h)`);
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] as "ms" | "s" | "m" | "h"];
  return Math.round(Number(match[1]) * factor);
}

/** A duration of at least `minimum` (spelled as the docs spell it, e.g. "1s"). */
export const duration = (minimum: string) =>
  z.string().transform((text, ctx) => {
    try {
      const ms = parseDuration(text);
      if (ms < parseDuration(minimum)) {
        ctx.addIssue({ code: "custom", message: `'${text}' is below the minimum of ${minimum}` });
        return z.NEVER;
      }
      return ms;
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });

/** true or false. */
export const bool = z.enum(["true", "false"]).transform((v) => v === "true");

/** A whole number in [minimum, maximum]. */
export const wholeNumber = (minimum: number, maximum = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(
      z.number().int().min(minimum, `must be at least ${minimum}`).max(maximum, `must be at most ${maximum}`),
    );

/** The environment variable of an option: --poll-interval -> ORGGUARD_POLL_INTERVAL. */
export const envName = (flag: string): string => `ORGGUARD_${flag.toUpperCase().replace(/-/g, "_")}`;

/** Whether an option is a switch (`--leader-elect` alone means true). */
const isSwitch = (spec: OptionSpec) => spec.schema === bool;

/**
 * Reads `layer` from flags (by flag name) and the environment; returns the values, or every
 * problem, each naming the flag and its variable.
 */
export function readOptions<L extends OptionLayer>(
  layer: L,
  flags: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
): { values: OptionValues<L>; problems: string[] } {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(layer)) {
    const raw = flags.get(spec.flag) ?? env[envName(spec.flag)] ?? spec.default;
    const parsed = spec.schema.safeParse(raw);
    if (parsed.success) out[key] = parsed.data;
    else
      problems.push(
        `--${spec.flag} (${envName(spec.flag)}): ${parsed.error.issues.map((i) => i.message).join("; ")}`,
      );
  }
  return { values: out as OptionValues<L>, problems };
}

/**
 * Flags by name, tokenized by node:util's parseArgs: `--name value` and `--name=value`; a switch
 * may stand alone (`--leader-elect` means true) or take `true`/`false` after it. Every value is
 * checked by the option's schema afterwards, so parseArgs runs without its own type checks
 * (`strict: false`); what it cannot place is reported here.
 */
export function parseFlags(argv: string[], layer: OptionLayer): Map<string, string> {
  const specs = Object.values(layer);
  const switches = new Set(specs.filter(isSwitch).map((o) => o.flag));
  const options = Object.fromEntries(
    specs.map((o) => [o.flag, { type: switches.has(o.flag) ? "boolean" : "string" }] as const),
  );
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const flags = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (!token) continue;
    if (token.kind === "positional") throw new Error(`unexpected argument '${token.value}'`);
    if (token.kind !== "option") continue;
    const next = tokens[i + 1];
    const following = next?.kind === "positional" ? next.value : undefined;
    if (token.value !== undefined) flags.set(token.name, token.value);
    else if (switches.has(token.name) && following !== "true" && following !== "false")
      flags.set(token.name, "true");
    else if (following !== undefined) {
      flags.set(token.name, following);
      i++;
    } else throw new Error(`--${token.name} needs a value`);
  }
  const known = new Set(specs.map((o) => o.flag));
  for (const name of flags.keys()) if (!known.has(name)) throw new Error(`unknown flag --${name}`);
  return flags;
}

/** Layers as Markdown tables, one per layer under its title (README and chart docs). */
export function optionsTable(layers: ReadonlyArray<{ title: string; options: OptionLayer }>): string {
  return layers
    .map(({ title, options }) => {
      const rows = Object.values(options).map(
        (o) =>
          `| \`--${o.flag}\` | \`${envName(o.flag)}\` | \`${o.default || '""'}\` | ${o.allowed} | ${o.description} |`,
      );
      return [
        `**${title}**`,
        "",
        "| flag | environment | default | allowed | meaning |",
        "|---|---|---|---|---|",
        ...rows,
      ].join("\n");
    })
    .join("\n\n");
}

/** Options as plain text for a terminal (`--help`). */
export function optionsHelp(layer: OptionLayer): string {
  return Object.values(layer)
    .map(
      (o) =>
        `  --${o.flag} VALUE\n      ${o.description}\n      env ${envName(o.flag)}; default ${o.default || '""'}; allowed: ${o.allowed}`,
    )
    .join("\n");
}
