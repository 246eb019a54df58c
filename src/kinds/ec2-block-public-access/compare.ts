/**
 * What EBS snapshot and AMI block public access share (two regional EC2 account attributes, each a
 * state read with Get...State, set with Enable..., cleared with Disable...): the observed reading,
 * the pure compare, and what counts as a change still being applied.
 *
 * AWS applies both asynchronously: the AMI one "can take up to 10 minutes", reading back the old
 * value meanwhile (EC2 API reference). A reading is in transition when this process asked for
 * another value a moment ago (setting/applying.ts), or when EC2 answers `in-transition` (no value
 * the API reference lists; the state is an open string in the AMI model, so it is understood should
 * it appear). A region in transition is neither drift nor written again: the object is Progressing.
 */
import { z } from "zod";
import type { Change } from "../../runtime/managed.js";
import { DECLARATIVE_POLICY_NOTE, underDeclarativePolicy } from "../setting/declarative-policy.js";

/** Public sharing allowed: AWS's default where nothing is set, and what Disable goes back to. */
export const UNBLOCKED = "unblocked";

/** A transition state, should EC2 report one. */
export const IN_TRANSITION = "in-transition";

/** How long AWS may take to show an accepted Enable or Disable: the documented 10 minutes, and margin. */
export const APPLY_WINDOW_MS = 15 * 60_000;

export const observedBlockPublicAccess = z
  .object({
    state: z
      .string()
      .describe("The state EC2 reads back (block-all-sharing, block-new-sharing or unblocked)."),
    managedBy: z
      .string()
      .optional()
      .describe("account, or declarative-policy when an organization's EC2 declarative policy keeps it."),
    applying: z
      .object({
        state: z.string().describe("The state AWS accepted and is still applying."),
        since: z.string().describe("When it was accepted."),
      })
      .optional()
      .describe("A change orgguard made that EC2 does not show yet (it reads back the old state meanwhile)."),
  })
  .describe("Block public access in one region.");

export type ObservedBlockPublicAccess = z.output<typeof observedBlockPublicAccess>;

/** What one region should have. */
export interface DesiredBlockPublicAccess {
  state: string;
}

/** The one change when the state differs (a region AWS still applies a change in is never diffed). */
export function diffBlockPublicAccess(
  desired: DesiredBlockPublicAccess,
  observed: ObservedBlockPublicAccess | undefined,
): Change[] {
  const have = observed?.state ?? UNBLOCKED;
  if (have === desired.state) return [];
  return [
    {
      path: "state",
      from: have,
      to: desired.state,
      ...(underDeclarativePolicy(observed?.managedBy)
        ? { description: `state: ${DECLARATIVE_POLICY_NOTE}` }
        : {}),
    },
  ];
}

/** What AWS is still applying in a region, as the Progressing condition says it; undefined when settled. */
export function blockPublicAccessInTransition(observed: ObservedBlockPublicAccess): string | undefined {
  if (observed.applying) {
    return `${observed.applying.state} accepted at ${observed.applying.since}, EC2 still reads ${observed.state} (AWS takes up to 10 minutes)`;
  }
  if (observed.state === IN_TRANSITION) return `EC2 reads ${IN_TRANSITION}`;
  return undefined;
}

/**
 * Whether a region is as AWS leaves it with nothing set (unblocked, or a Disable being applied):
 * what Delete goes back to, and "nothing set" for ObserveOnly.
 */
export const blockPublicAccessIsDefault = (observed: ObservedBlockPublicAccess): boolean =>
  (observed.applying?.state ?? observed.state) === UNBLOCKED;
