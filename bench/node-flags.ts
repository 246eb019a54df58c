/**
 * How the benches start orgguard as it is shipped: the image's node flags and GLIBC_TUNABLES (read
 * from the Dockerfile) for the controller, the launcher's first line for the CLI. Read from those
 * files, not copied, so a bench measures what ships (test/unit/launcher-flags.test.ts keeps the
 * two sets of flags equal).
 */
import { readFileSync } from "node:fs";

/** The node flags and GLIBC_TUNABLES the image runs orgguard with, read from the Dockerfile. */
export function imageRuntime(dockerfile = "Dockerfile"): { nodeFlags: string[]; glibcTunables?: string } {
  const text = readFileSync(dockerfile, "utf8");
  const entrypoint = /^ENTRYPOINT (\[.*\])$/m.exec(text)?.[1];
  if (!entrypoint) throw new Error("the Dockerfile has no ENTRYPOINT [...] line");
  const tunables = /^ENV GLIBC_TUNABLES=(\S+)$/m.exec(text)?.[1];
  return {
    nodeFlags: (JSON.parse(entrypoint) as string[]).filter((arg) => arg.startsWith("--")),
    ...(tunables ? { glibcTunables: tunables } : {}),
  };
}

/**
 * The node flags `bin`'s first line runs it with (`#!/usr/bin/env -S node --flag ...`), so that a
 * bench runs the CLI as `bin/orgguard.js` does; none for a launcher without.
 */
export function launcherNodeFlags(bin: string): string[] {
  const shebang = readFileSync(bin, "utf8").split("\n", 1)[0] ?? "";
  return shebang.startsWith("#!") ? shebang.split(/\s+/).filter((word) => word.startsWith("--")) : [];
}
