/**
 * The option the TemporaryAccess kind contributes to the controller, plan and apply: how long a
 * temporary grant of each permission set may last at most. It is the platform team's, set where
 * the controller runs (Helm values), not in the objects that ask for access: a request cannot raise
 * its own ceiling.
 */
import { z } from "zod";
import { type OptionLayer, parseDuration } from "../../options.js";

/** The ceiling of a permission set the option does not name: the seeds' example, four days. */
export const DEFAULT_MAX_DURATION = "96h";

/** The longest grant, in milliseconds, by permission set name; `*` for every other one. */
export type MaxDurations = ReadonlyMap<string, number>;

/** `name=duration,...` over `*=96h`. */
const maxDurations = z.string().transform((text, ctx) => {
  const limits = new Map([["*", parseDuration(DEFAULT_MAX_DURATION)]]);
  for (const entry of text.split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const [name = "", value = ""] = entry.split("=").map((p) => p.trim());
    if (!/^(\*|[A-Za-z0-9_+=,.@-]{1,32})$/.test(name)) {
      ctx.addIssue({ code: "custom", message: `'${name}' is not a permission set name (or *)` });
      continue;
    }
    try {
      const ms = parseDuration(value);
      if (ms < 60_000) ctx.addIssue({ code: "custom", message: `${name}=${value}: at least 1m` });
      else limits.set(name, ms);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `${name}=${value}: ${(err as Error).message}` });
    }
  }
  return limits satisfies MaxDurations;
});

export const TEMPORARY_ACCESS_OPTIONS = {
  temporaryAccessMaxDurations: {
    flag: "temporary-access-max-durations",
    description: `How long a TemporaryAccess grant may last at most, by permission set (name=duration, comma-separated; * for every other one, default ${DEFAULT_MAX_DURATION}), counted from the object's creation to its expiresAt: a longer request is refused (Stalled/LongerThanAllowed) and grants nothing.`,
    default: `*=${DEFAULT_MAX_DURATION}`,
    allowed: "name=duration,... (a duration >= 1m; * for the others)",
    schema: maxDurations,
  },
} satisfies OptionLayer;

/** The ceiling of `permissionSet`. */
export const maxDurationOf = (limits: MaxDurations | undefined, permissionSet: string): number =>
  limits?.get(permissionSet) ?? limits?.get("*") ?? parseDuration(DEFAULT_MAX_DURATION);
