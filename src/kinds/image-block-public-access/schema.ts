/**
 * The field of block public access for AMIs (EnableImageBlockPublicAccess): its state, of which
 * AWS has one, block-new-sharing (AMIs already public stay public: make them private one by one).
 */
import { z } from "zod";

export const imageBlockPublicAccessFields = {
  state: z
    .enum(["block-new-sharing"])
    .default("block-new-sharing")
    .describe(
      "block-new-sharing (the default, and the one state AWS has): no AMI of the region can be made public; AMIs already public stay public.",
    ),
};

export type ImageBlockPublicAccessFields = z.output<z.ZodObject<typeof imageBlockPublicAccessFields>>;
