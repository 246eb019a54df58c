/**
 * The field of block public access for EBS snapshots (EnableSnapshotBlockPublicAccess): its mode.
 * block-all-sharing also hides snapshots already shared publicly (their permissions still say
 * public; switching to block-new-sharing or disabling makes them public again).
 */
import { z } from "zod";

export const snapshotBlockPublicAccessFields = {
  state: z
    .enum(["block-all-sharing", "block-new-sharing"])
    .default("block-all-sharing")
    .describe(
      "block-all-sharing (the default): no snapshot of the region can be public, those already shared included. block-new-sharing: no new public sharing; snapshots already public stay public.",
    ),
};

export type SnapshotBlockPublicAccessFields = z.output<z.ZodObject<typeof snapshotBlockPublicAccessFields>>;
