/**
 * The fields of the S3 account-level Block Public Access setting (S3 Control).
 * Every flag defaults to true: secure by default, and what CIS asks for.
 */
import { z } from "zod";

/** The four flags (of the PublicAccessBlock kind and the AccountBaseline field alike). */
export const publicAccessBlockFields = {
  blockPublicAcls: z
    .boolean()
    .default(true)
    .describe("Reject PUT requests that carry a public ACL (bucket or object). Default true."),
  ignorePublicAcls: z
    .boolean()
    .default(true)
    .describe("Ignore every public ACL on buckets and objects. Default true."),
  blockPublicPolicy: z
    .boolean()
    .default(true)
    .describe("Reject bucket policies that grant public access. Default true."),
  restrictPublicBuckets: z
    .boolean()
    .default(true)
    .describe("Limit buckets with public policies to AWS service principals and this account. Default true."),
};

export const observedPublicAccessBlock = z
  .object({
    blockPublicAcls: z.boolean().optional().describe("As S3 Control reports it."),
    ignorePublicAcls: z.boolean().optional().describe("As S3 Control reports it."),
    blockPublicPolicy: z.boolean().optional().describe("As S3 Control reports it."),
    restrictPublicBuckets: z.boolean().optional().describe("As S3 Control reports it."),
  })
  .describe("The account-level public access block S3 has now, when one is set.");

/** The fields with the schema's defaults applied. */
export type PublicAccessBlockFields = z.output<z.ZodObject<typeof publicAccessBlockFields>>;
