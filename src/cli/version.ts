/** `orgguard version` (also `orgguard --version`): the version of this build, from package.json. */
import { readFileSync } from "node:fs";
import { type Command, UsageError } from "./command.js";

/** The version package.json gives this build. */
export function orgguardVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

const VERSION_OPTIONS = {};

/** `orgguard version`. */
export const versionCommand: Command<typeof VERSION_OPTIONS> = {
  name: "version",
  summary: "Prints orgguard's version (as orgguard --version does).",
  arguments: "",
  options: VERSION_OPTIONS,
  examples: ["orgguard version"],
  exitCodes: { 0: "printed" },
  run: async (_values, positionals) => {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    console.log(orgguardVersion());
    return 0;
  },
};
