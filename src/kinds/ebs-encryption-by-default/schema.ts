/**
 * The fields of EBS encryption by default (CIS AWS Foundations v3.0 2.2.1 / v5.0 5.1.1; Security
 * Hub EC2.7): new EBS volumes and snapshot copies in the region are encrypted. The setting itself
 * has no field (it is on); only the default KMS key can be chosen.
 */
import { z } from "zod";
import type { CrossFieldRule } from "../../api/common.js";
import { regionName } from "../setting/regions.js";

/** A KMS key ARN, as GetEbsDefaultKmsKeyId reports it (an alias would never compare equal). */
const kmsKeyArn = z
  .string()
  .max(2048)
  .regex(
    /^arn:aws[a-z-]*:kms:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:key\/[A-Za-z0-9-]+$/,
    "must be a KMS key ARN, such as arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  )
  .describe("A symmetric KMS key's ARN.");

export const ebsEncryptionFields = {
  defaultKmsKeyIds: z
    .record(regionName, kmsKeyArn)
    .meta({ maxProperties: 50 })
    .optional()
    .describe(
      "The customer managed KMS key new volumes are encrypted with by default, by region (a key ARN in that region; a key of another account needs a key policy that lets this account use it). A region not listed keeps whatever key it has (AWS's own aws/ebs key unless someone chose another).",
    ),
};

export type EbsEncryptionFields = z.output<z.ZodObject<typeof ebsEncryptionFields>>;

/** Rules over the fields and `regions` (the apiserver's CEL and the CLI alike). */
export const ebsEncryptionRules: CrossFieldRule<EbsEncryptionFields & { regions?: string[] }>[] = [
  {
    cel: "!has(self.defaultKmsKeyIds) || self.defaultKmsKeyIds.all(r, self.defaultKmsKeyIds[r].matches('^arn:[^:]+:kms:' + r + ':'))",
    message: "each key of defaultKmsKeyIds must be in the region it is listed under",
    fieldPath: ".defaultKmsKeyIds",
    holds: (s) => Object.entries(s.defaultKmsKeyIds ?? {}).every(([r, arn]) => arn.split(":")[3] === r),
  },
  {
    cel: "!has(self.defaultKmsKeyIds) || !has(self.regions) || self.defaultKmsKeyIds.all(r, r in self.regions)",
    message: "every region of defaultKmsKeyIds must be one of regions",
    fieldPath: ".defaultKmsKeyIds",
    holds: (s) => !s.regions || Object.keys(s.defaultKmsKeyIds ?? {}).every((r) => s.regions!.includes(r)),
  },
];

export const observedEbsEncryption = z
  .object({
    enabled: z.boolean().describe("Whether new volumes are encrypted by default, as EC2 reports it."),
    defaultKmsKeyId: z
      .string()
      .optional()
      .describe("The default key's ARN, read only where spec.defaultKmsKeyIds names one."),
  })
  .describe("EBS encryption by default in one region.");
