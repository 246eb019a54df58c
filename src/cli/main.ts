/**
 * The `orgguard` command line. Each subcommand lives in its own module; this file only routes.
 */
import { readFileSync } from "node:fs";
import { runController } from "./controller.js";
import { runCrds } from "./crds.js";
import { runApply, runPlan } from "./plan.js";
import { runValidate } from "./validate.js";

interface Subcommand {
  summary: string;
  run(args: string[]): Promise<number>;
}

/** The subcommands, in the order `orgguard --help` lists them. */
const subcommands: Record<string, Subcommand> = {
  validate: {
    summary: "check manifests against the schemas and the SCP grammar, without a cluster",
    run: runValidate,
  },
  plan: {
    summary: "show what apply would change in AWS (read-only; exit 0 none, 2 changes, 1 error)",
    run: runPlan,
  },
  apply: { summary: "make AWS match the manifests once, without a cluster", run: runApply },
  controller: { summary: "run the controller (--help lists its options)", run: runController },
  crds: {
    summary: "print the CustomResourceDefinitions (--write DIR writes one file per kind)",
    run: runCrds,
  },
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

function usage(): string {
  const lines = Object.entries(subcommands).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return [
    "usage: orgguard <command> [options]",
    "",
    "commands:",
    ...lines,
    "",
    "  --version    print the version",
  ].join("\n");
}

/** Runs the CLI with `argv` (without node and script) and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--version" || name === "version") {
    console.log(version());
    return 0;
  }
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const subcommand = subcommands[name];
  if (!subcommand) {
    console.error(`orgguard: unknown command '${name}'\n\n${usage()}`);
    return 1;
  }
  return subcommand.run(rest);
}
