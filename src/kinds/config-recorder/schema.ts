/**
 * The fields of AWS Config recording (CIS AWS Foundations v3.0 3.3; Security Hub Config.1): in each
 * region a configuration recorder records every supported resource type (global types such as IAM
 * in one region only, so they are not recorded twice), delivers to a central S3 bucket, and runs.
 */
import { z } from "zod";
import type { CrossFieldRule } from "../../api/common.js";
import { regionName } from "../setting/regions.js";

export const configRecorderFields = {
  deliveryBucket: z
    .strictObject({
      name: z
        .string()
        .min(3)
        .max(63)
        .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, "must be an S3 bucket name such as org-config-logs")
        .describe(
          "The S3 bucket Config delivers to, usually in the log archive account (its bucket policy must let Config write).",
        ),
      keyPrefix: z
        .string()
        .min(1)
        .max(256)
        .optional()
        .describe("The key prefix in the bucket. Absent: none."),
    })
    .describe("Where configuration snapshots and history go."),
  globalResourcesRegion: regionName
    .default("us-east-1")
    .describe(
      "The one region that also records global resource types (IAM users, groups, roles and policies). Default us-east-1.",
    ),
  roleArn: z
    .string()
    .max(2048)
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, "must be an IAM role ARN")
    .optional()
    .describe(
      "The role the recorder uses. Absent: a new recorder uses AWS Config's service-linked role (AWSServiceRoleForConfig, which must exist in the account), and an existing recorder keeps its role.",
    ),
};

export type ConfigRecorderFields = z.output<z.ZodObject<typeof configRecorderFields>>;

export const configRecorderRules: CrossFieldRule<ConfigRecorderFields & { regions?: string[] }>[] = [
  {
    cel: "!has(self.regions) || !has(self.globalResourcesRegion) || self.globalResourcesRegion in self.regions",
    message: "globalResourcesRegion must be one of regions, or global resources are recorded nowhere",
    fieldPath: ".globalResourcesRegion",
    holds: (s) => !s.regions || s.regions.includes(s.globalResourcesRegion),
  },
];

export const observedConfigRecorder = z
  .object({
    recorder: z
      .object({
        name: z.string().describe("The recorder's name (one per region)."),
        roleArn: z.string().optional().describe("The role it records with."),
        allSupported: z.boolean().describe("Whether it records every supported resource type."),
        includeGlobalResourceTypes: z.boolean().describe("Whether it records global resource types."),
      })
      .optional()
      .describe("The configuration recorder, when there is one."),
    recording: z.boolean().describe("Whether the recorder is running."),
    deliveryChannel: z
      .object({
        name: z.string().describe("The delivery channel's name (one per region)."),
        bucket: z.string().optional().describe("The S3 bucket it delivers to."),
        keyPrefix: z.string().optional().describe("The key prefix in the bucket."),
      })
      .optional()
      .describe("The delivery channel, when there is one."),
  })
  .describe("AWS Config in one region.");
