/**
 * The fields of the account-level instance metadata service (IMDS) defaults of a region
 * (GetInstanceMetadataDefaults / ModifyInstanceMetadataDefaults): what every instance launched
 * there from now on gets unless its launch says otherwise. `httpTokens` defaults to `required`
 * (IMDSv2 only: the account default behind CIS AWS Foundations v3.0 5.6 and Security Hub EC2.8);
 * every other field is left as found unless the spec sets it.
 */
import { z } from "zod";

const toggle = z.enum(["enabled", "disabled"]);

export const instanceMetadataDefaultsFields = {
  httpTokens: z
    .enum(["required", "optional"])
    .default("required")
    .describe(
      "Whether new instances require IMDSv2 session tokens: required (IMDSv1 off, the default) or optional (IMDSv1 allowed).",
    ),
  httpPutResponseHopLimit: z
    .number()
    .int()
    .min(1)
    .max(64)
    .optional()
    .describe(
      "How many network hops the IMDSv2 token response may travel (1-64; 2 lets containers on the instance reach IMDS). Absent: left as found.",
    ),
  httpEndpoint: toggle
    .optional()
    .describe("Whether the IMDS endpoint of new instances answers at all. Absent: left as found."),
  instanceMetadataTags: toggle
    .optional()
    .describe("Whether new instances can read their tags from the instance metadata. Absent: left as found."),
};

export type InstanceMetadataDefaultsFields = z.output<z.ZodObject<typeof instanceMetadataDefaultsFields>>;

export const observedInstanceMetadataDefaults = z
  .object({
    httpTokens: z.string().optional().describe("As EC2 reports it; absent: no account-level default."),
    httpPutResponseHopLimit: z.number().int().optional().describe("As EC2 reports it."),
    httpEndpoint: z.string().optional().describe("As EC2 reports it."),
    instanceMetadataTags: z.string().optional().describe("As EC2 reports it."),
    managedBy: z
      .string()
      .optional()
      .describe("account, or declarative-policy when an organization's EC2 declarative policy keeps it."),
    managedExceptionMessage: z
      .string()
      .max(1024)
      .optional()
      .describe("The declarative policy's message to account administrators, when it has one."),
  })
  .describe(
    "The account-level IMDS defaults of one region: the fields the spec manages (the others are not read), and who keeps them.",
  );
