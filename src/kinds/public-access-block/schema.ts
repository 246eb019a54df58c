/**
 * PublicAccessBlock: S3 account-level Block Public Access of one account (S3 Control).
 * Every flag defaults to true: secure by default, and what CIS asks for.
 */
import { z } from "zod";
import { accountId, deletionPolicy, managementPolicy, statusSchema } from "./common.js";
import type { KindDefinition } from "./kind.js";

/** The four flags, shared with the AccountBaseline template. */
export const publicAccessBlockSettings = {
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

export const publicAccessBlockSpec = z
  .strictObject({
    accountId: accountId
      .optional()
      .describe(
        "The account whose S3 Block Public Access this is. Absent means the controller's own account.",
      ),
    ...publicAccessBlockSettings,
    managementPolicy,
    deletionPolicy,
  })
  .describe("The account-level S3 Block Public Access orgguard keeps in one account.");

export type PublicAccessBlockSpec = z.output<typeof publicAccessBlockSpec>;

const observedPublicAccessBlock = z
  .object({
    blockPublicAcls: z.boolean().optional().describe("As S3 Control reports it."),
    ignorePublicAcls: z.boolean().optional().describe("As S3 Control reports it."),
    blockPublicPolicy: z.boolean().optional().describe("As S3 Control reports it."),
    restrictPublicBuckets: z.boolean().optional().describe("As S3 Control reports it."),
  })
  .describe("The account-level public access block S3 has now, when one is set.");

export const publicAccessBlockStatus = statusSchema(observedPublicAccessBlock, {
  accountId: accountId
    .optional()
    .describe("The account the setting was read from (resolved when spec.accountId is absent)."),
});

export const publicAccessBlockKind: KindDefinition = {
  kind: "PublicAccessBlock",
  plural: "publicaccessblocks",
  singular: "publicaccessblock",
  shortNames: ["pab"],
  description:
    "PublicAccessBlock keeps the S3 account-level Block Public Access of one AWS account equal to its spec, repairing drift.",
  spec: publicAccessBlockSpec,
  status: publicAccessBlockStatus,
  printerColumns: [{ name: "Account", type: "string", jsonPath: ".status.accountId" }],
};
