/**
 * The `orgguard` command line. Each subcommand lives in its own module; this file only routes.
 */
import { type CliCommand, cliCommand } from "./command.js";
import { completionCommand } from "./completion.js";
import { controllerCommand } from "./controller.js";
import { crdsCommand } from "./crds.js";
import { applyCommand, planCommand } from "./plan.js";
import { reportCommand } from "./report.js";
import { validateCommand } from "./validate.js";
import { orgguardVersion, versionCommand } from "./version.js";

/** The subcommands, in the order `orgguard --help` lists them. */
const COMMANDS: readonly CliCommand[] = [
  cliCommand(validateCommand),
  cliCommand(planCommand),
  cliCommand(applyCommand),
  cliCommand(reportCommand),
  controllerCommand,
  cliCommand(crdsCommand),
  cliCommand(versionCommand),
  cliCommand(completionCommand(() => COMMANDS)),
];

function usage(): string {
  const first = (summary: string) => summary.split(/(?<=[.:])\s/)[0]!.replace(/[.:]$/, "");
  return [
    "usage: orgguard <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${first(c.summary)}`),
    "",
    "  help <command>  the command's usage, options, examples and exit codes (also: <command> --help)",
    "  --version       print the version (as orgguard version does)",
  ].join("\n");
}

const find = (name: string | undefined) => COMMANDS.find((c) => c.name === name);

/** Runs the CLI with `argv` (without node and script) and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version") {
    console.log(orgguardVersion());
    return 0;
  }
  if (name === "help" && rest.length > 0) {
    const command = find(rest[0]);
    if (!command) {
      console.error(`orgguard: unknown command '${rest[0]}'\nrun 'orgguard --help' for the commands`);
      return 1;
    }
    console.log(command.help());
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = find(name);
  if (!command) {
    console.error(`orgguard: unknown command '${name}'\nrun 'orgguard --help' for the commands`);
    return 1;
  }
  return command.run(rest);
}
