/**
 * What every `orgguard` subcommand shares: its usage, options, examples and exit codes in one
 * declaration, from which `--help` (and `orgguard help <command>`) is printed, and argument
 * parsing with node:util's parseArgs, whose errors become one line plus a hint, never a stack
 * trace.
 */
import { parseArgs } from "node:util";
import { envName, type OptionLayer } from "../options.js";

/** An option of a subcommand, as parseArgs takes it, with what --help says about it. */
export interface CommandOption {
  type: "string" | "boolean";
  short?: string;
  /** What the value is, in --help: `--output FORMAT`. */
  valueName?: string;
  description: string;
  default?: string;
  /** The values it takes, when they are a fixed set (shell completion offers them). */
  choices?: readonly string[];
  /** What its value names, for shell completion: a file or a folder. */
  completes?: "file" | "directory";
}

export interface Command<O extends Record<string, CommandOption> = Record<string, CommandOption>> {
  name: string;
  summary: string;
  /** The arguments after the options, e.g. `<files or folders>...`. */
  arguments: string;
  /** Longer help text (a paragraph), if any. */
  details?: string;
  options: O;
  examples: string[];
  exitCodes: Record<number, string>;
  /**
   * What shell completion offers for the arguments: these words, or files and folders. Absent:
   * files when `arguments` names files, else nothing.
   */
  completeArguments?: readonly string[] | "files";
  run(values: ParsedValues<O>, positionals: string[]): Promise<number>;
}

/**
 * The options of a layer as a command's flags (`plan` and `apply` take the AWS and kind options the
 * controller takes), each saying its variable and default; checked by the layer's schemas later.
 */
export function layerFlags(layer: OptionLayer): Record<string, CommandOption> {
  return Object.fromEntries(
    Object.values(layer).map((o) => [
      o.flag,
      {
        type: "string",
        valueName: "VALUE",
        description: `${o.description} (env ${envName(o.flag)}; allowed: ${o.allowed})`,
        default: o.default,
      } satisfies CommandOption,
    ]),
  );
}

/** The command-line form of the values of a layer's flags that were given: `--flag value`... */
export function layerArgs(layer: OptionLayer, values: Record<string, unknown>): string[] {
  return Object.values(layer).flatMap((o) => {
    const value = values[o.flag];
    return typeof value === "string" ? [`--${o.flag}`, value] : [];
  });
}

/** The values parseArgs gives for `options`: strings and booleans by name. */
export type ParsedValues<O extends Record<string, CommandOption>> = {
  [K in keyof O]?: O[K]["type"] extends "boolean" ? boolean : string;
};

/** An option as shell completion sees it. */
export interface CompletionOption {
  /** Without the dashes: `output`. */
  name: string;
  short?: string;
  /** What follows it: nothing (a switch), a word from a set, a file or folder, or any value. */
  value: "none" | "any" | "file" | "directory" | readonly string[];
}

/** What shell completion knows of a subcommand. */
export interface CompletionSpec {
  options: readonly CompletionOption[];
  /** The arguments after the options: words from a set, files and folders, or nothing. */
  arguments: readonly string[] | "files" | "none";
}

/** A subcommand as the router sees it: a name, a summary, its help, and a runner of raw arguments. */
export interface CliCommand {
  name: string;
  summary: string;
  help(): string;
  completion(): CompletionSpec;
  run(args: string[]): Promise<number>;
}

/** The router's view of a declared command. */
export function cliCommand<O extends Record<string, CommandOption>>(command: Command<O>): CliCommand {
  return {
    name: command.name,
    summary: command.summary,
    help: () => helpText(command),
    completion: () => completionOf(command),
    run: (args) => runCommand(command, args),
  };
}

/** What shell completion offers for a declared command, from its options and arguments. */
function completionOf<O extends Record<string, CommandOption>>(command: Command<O>): CompletionSpec {
  const options = Object.entries(command.options as Record<string, CommandOption>).map(
    ([name, o]): CompletionOption => ({
      name,
      ...(o.short ? { short: o.short } : {}),
      value: o.type === "boolean" ? "none" : (o.choices ?? o.completes ?? "any"),
    }),
  );
  const fallback = /file|folder/.test(command.arguments) ? "files" : "none";
  return {
    options: [...options, { name: "help", short: "h", value: "none" }],
    arguments: command.completeArguments ?? fallback,
  };
}

/** A problem with the command line: printed as one line with a hint to --help, exit code 1. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The --help text of a command. */
export function helpText<O extends Record<string, CommandOption>>(command: Command<O>): string {
  const flags = Object.entries(command.options as Record<string, CommandOption>).map(([name, o]) => {
    const left = `${o.short ? `-${o.short}, ` : "    "}--${name}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`;
    const dflt = o.default !== undefined && o.default !== "" ? ` (default ${o.default})` : "";
    return { left, right: `${o.description}${dflt}` };
  });
  flags.push({ left: "-h, --help", right: "show this help" });
  const width = Math.max(...flags.map((f) => f.left.length)) + 2;
  return [
    `usage: orgguard ${command.name} [options] ${command.arguments}`.trimEnd(),
    "",
    command.summary,
    ...(command.details ? ["", command.details] : []),
    "",
    "options:",
    ...flags.map((f) => `  ${f.left.padEnd(width)}${f.right}`),
    "",
    "examples:",
    ...command.examples.map((e) => `  ${e}`),
    "",
    "exit codes:",
    ...Object.entries(command.exitCodes).map(([code, meaning]) => `  ${code}  ${meaning}`),
  ].join("\n");
}

/** One line for an argument error, and where to look for the right usage. */
export function usageErrorText(command: string, message: string): string {
  return `orgguard ${command}: ${message}\nrun 'orgguard ${command} --help' for usage`;
}

/** Parses `args` for `command` and runs it; --help prints the help, bad arguments one line. */
export async function runCommand<O extends Record<string, CommandOption>>(
  command: Command<O>,
  args: string[],
): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(helpText(command));
    return 0;
  }
  let parsed: { values: ParsedValues<O>; positionals: string[] };
  try {
    const options = Object.fromEntries(
      Object.entries(command.options).map(([name, o]) => [
        name,
        { type: o.type, ...(o.short ? { short: o.short } : {}) },
      ]),
    );
    const result = parseArgs({ args, options, allowPositionals: true, strict: true });
    parsed = { values: result.values as ParsedValues<O>, positionals: result.positionals };
  } catch (err) {
    console.error(usageErrorText(command.name, parseArgsMessage(err)));
    return 1;
  }
  try {
    return await command.run(parsed.values, parsed.positionals);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(usageErrorText(command.name, err.message));
      return 1;
    }
    throw err;
  }
}

/** parseArgs' message, without its advice about `--` (which is never what is meant here). */
function parseArgsMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message
    .replace(/\. To specify a positional argument.*$/s, "")
    .replace(/^Unknown option/, "unknown option");
}
