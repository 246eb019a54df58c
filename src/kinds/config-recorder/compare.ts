/**
 * Pure comparison of AWS Config recording in one region with what Config reports. A recorder or
 * channel that exists keeps its name (AWS allows one of each per region: an existing one, say
 * Control Tower's, is updated in place rather than duplicated); the role is compared only where
 * the spec names one.
 */
import type { z } from "zod";
import type { Change } from "../../runtime/managed.js";
import type { ConfigRecorderFields, observedConfigRecorder } from "./schema.js";

/** What one region should have. */
export interface DesiredConfigRecorder {
  includeGlobalResourceTypes: boolean;
  bucket: string;
  keyPrefix?: string;
  roleArn?: string;
}

export type ObservedConfigRecorder = z.output<typeof observedConfigRecorder>;

export function desiredConfigRecorder(
  fields: ConfigRecorderFields,
  region: string | undefined,
): DesiredConfigRecorder {
  return {
    includeGlobalResourceTypes: region === fields.globalResourcesRegion,
    bucket: fields.deliveryBucket.name,
    ...(fields.deliveryBucket.keyPrefix ? { keyPrefix: fields.deliveryBucket.keyPrefix } : {}),
    ...(fields.roleArn ? { roleArn: fields.roleArn } : {}),
  };
}

/** What the recorder lacks: [] when it records as desired. */
export function recorderChanges(
  desired: DesiredConfigRecorder,
  observed: ObservedConfigRecorder | undefined,
): Change[] {
  const recorder = observed?.recorder;
  const recording = `all supported resource types${desired.includeGlobalResourceTypes ? ", global ones included" : ""}`;
  if (!recorder) return [{ path: "recorder", from: "none", to: recording }];
  const changes: Change[] = [];
  if (!recorder.allSupported) changes.push({ path: "recorder.allSupported", from: false, to: true });
  if (recorder.includeGlobalResourceTypes !== desired.includeGlobalResourceTypes) {
    changes.push({
      path: "recorder.includeGlobalResourceTypes",
      from: recorder.includeGlobalResourceTypes,
      to: desired.includeGlobalResourceTypes,
    });
  }
  if (desired.roleArn !== undefined && recorder.roleArn !== desired.roleArn) {
    changes.push({
      path: "recorder.roleArn",
      ...(recorder.roleArn ? { from: recorder.roleArn } : {}),
      to: desired.roleArn,
    });
  }
  return changes;
}

/** What the delivery channel lacks: [] when it delivers where desired. */
export function channelChanges(
  desired: DesiredConfigRecorder,
  observed: ObservedConfigRecorder | undefined,
): Change[] {
  const channel = observed?.deliveryChannel;
  const where = `s3://${desired.bucket}/${desired.keyPrefix ?? ""}`;
  if (!channel) return [{ path: "deliveryChannel", from: "none", to: where }];
  const changes: Change[] = [];
  if (channel.bucket !== desired.bucket) {
    changes.push({
      path: "deliveryChannel.bucket",
      ...(channel.bucket ? { from: channel.bucket } : {}),
      to: desired.bucket,
    });
  }
  if ((channel.keyPrefix ?? "") !== (desired.keyPrefix ?? "")) {
    changes.push({
      path: "deliveryChannel.keyPrefix",
      from: channel.keyPrefix ?? "",
      to: desired.keyPrefix ?? "",
    });
  }
  return changes;
}

export function diffConfigRecorder(
  desired: DesiredConfigRecorder,
  observed: ObservedConfigRecorder | undefined,
): Change[] {
  return [
    ...recorderChanges(desired, observed),
    ...channelChanges(desired, observed),
    ...(observed?.recording ? [] : [{ path: "recording", from: false, to: true }]),
  ];
}

/** CIS 3.3 in one region: every supported type recorded, delivered somewhere, and running. */
export const configRecording = (observed: ObservedConfigRecorder | undefined): boolean =>
  observed?.recorder?.allSupported === true && observed.recording && observed.deliveryChannel !== undefined;
