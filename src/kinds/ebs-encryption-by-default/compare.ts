/**
 * Pure comparison of EBS encryption by default in one region with what EC2 reports. The default
 * KMS key is compared only where the spec names one: elsewhere whatever key is set (AWS's own
 * aws/ebs key unless someone chose another) is left alone, and never read.
 */
import type { Change } from "../../runtime/managed.js";
import type { EbsEncryptionFields } from "./schema.js";

/** What one region should have. */
export interface DesiredEbsEncryption {
  enabled: true;
  /** The key ARN new volumes are encrypted with by default, when the spec manages it here. */
  defaultKmsKeyId?: string;
}

/** What one region has, when encryption by default is on (off reads as nothing set). */
export interface ObservedEbsEncryption {
  enabled: boolean;
  /** Read only where the spec manages the key. */
  defaultKmsKeyId?: string;
}

/** The desired state of `region`. */
export function desiredEbsEncryption(
  fields: EbsEncryptionFields,
  region: string | undefined,
): DesiredEbsEncryption {
  const key = region ? fields.defaultKmsKeyIds?.[region] : undefined;
  return { enabled: true, ...(key ? { defaultKmsKeyId: key } : {}) };
}

/** What differs in one region; `undefined` observed: encryption by default is off. */
export function diffEbsEncryption(
  desired: DesiredEbsEncryption,
  observed: ObservedEbsEncryption | undefined,
): Change[] {
  const changes: Change[] = [];
  if (!observed?.enabled) changes.push({ path: "enabled", from: false, to: true });
  if (desired.defaultKmsKeyId !== undefined && observed?.defaultKmsKeyId !== desired.defaultKmsKeyId) {
    changes.push({
      path: "defaultKmsKeyId",
      ...(observed?.defaultKmsKeyId !== undefined ? { from: observed.defaultKmsKeyId } : {}),
      to: desired.defaultKmsKeyId,
    });
  }
  return changes;
}
