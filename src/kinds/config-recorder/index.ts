/**
 * ConfigRecorder: AWS Config recording every supported resource type in every region of an account,
 * delivering to a central S3 bucket (AWS Config, with the account's own credentials, one client
 * per region). Config refuses a bucket that does not exist (NoSuchBucket) or whose policy does not
 * let it write (InsufficientDeliveryPolicy), and a role it cannot use: each is a Stalled condition
 * naming the cause, rechecked every poll, since it is fixed outside the spec.
 */
import type { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { awsCall } from "../../aws/aws-errors.js";
import { type AwsAccess, type ClientTarget, configServiceSdk, partitionOf } from "../../aws/clients.js";
import { reads, writes } from "../kind-definition.js";
import type { AccountSetting, SettingClient } from "../setting/setting.js";
import {
  channelChanges,
  configRecording,
  type DesiredConfigRecorder,
  desiredConfigRecorder,
  diffConfigRecorder,
  type ObservedConfigRecorder,
  recorderChanges,
} from "./compare.js";
import { configRecorderFields, configRecorderRules, observedConfigRecorder } from "./schema.js";

/** The name a new recorder or channel gets (the one the console gives). */
const DEFAULT_NAME = "default";

/** AWS Config's service-linked role in an account. */
const serviceLinkedRole = (target: ClientTarget): string =>
  `arn:${partitionOf(target.region ?? "")}:iam::${target.accountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`;

async function readConfig(
  config: ConfigServiceClient,
  where: string,
): Promise<ObservedConfigRecorder | undefined> {
  const {
    DescribeConfigurationRecorderStatusCommand,
    DescribeConfigurationRecordersCommand,
    DescribeDeliveryChannelsCommand,
  } = await configServiceSdk();
  const recorders = await awsCall(`cannot read the configuration recorders ${where}`, () =>
    config.send(new DescribeConfigurationRecordersCommand({})),
  );
  const channels = await awsCall(`cannot read the delivery channels ${where}`, () =>
    config.send(new DescribeDeliveryChannelsCommand({})),
  );
  const recorder = recorders.ConfigurationRecorders?.[0];
  const channel = channels.DeliveryChannels?.[0];
  if (!recorder && !channel) return undefined;
  const status = recorder
    ? await awsCall(`cannot read the configuration recorder's status ${where}`, () =>
        config.send(
          new DescribeConfigurationRecorderStatusCommand({
            ConfigurationRecorderNames: [recorder.name ?? DEFAULT_NAME],
          }),
        ),
      )
    : undefined;
  return {
    ...(recorder
      ? {
          recorder: {
            name: recorder.name ?? DEFAULT_NAME,
            ...(recorder.roleARN ? { roleArn: recorder.roleARN } : {}),
            allSupported: recorder.recordingGroup?.allSupported === true,
            includeGlobalResourceTypes: recorder.recordingGroup?.includeGlobalResourceTypes === true,
          },
        }
      : {}),
    recording: status?.ConfigurationRecordersStatus?.[0]?.recording === true,
    ...(channel
      ? {
          deliveryChannel: {
            name: channel.name ?? DEFAULT_NAME,
            ...(channel.s3BucketName ? { bucket: channel.s3BucketName } : {}),
            ...(channel.s3KeyPrefix ? { keyPrefix: channel.s3KeyPrefix } : {}),
          },
        }
      : {}),
  };
}

function configRecorderClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<DesiredConfigRecorder, ObservedConfigRecorder> {
  const where = `of account ${target.accountId} in ${target.region}`;
  const config = () => aws.forAccount("config", target);
  return {
    read: async () => readConfig(await config(), where),
    // In AWS's order: a channel needs a recorder, and a recorder starts only with a channel.
    write: async (desired, observed) => {
      const {
        PutConfigurationRecorderCommand,
        PutDeliveryChannelCommand,
        StartConfigurationRecorderCommand,
      } = await configServiceSdk();
      const client = await config();
      const recorderName = observed?.recorder?.name ?? DEFAULT_NAME;
      if (recorderChanges(desired, observed).length > 0) {
        await awsCall(`cannot put the configuration recorder ${where}`, () =>
          client.send(
            new PutConfigurationRecorderCommand({
              ConfigurationRecorder: {
                name: recorderName,
                roleARN: desired.roleArn ?? observed?.recorder?.roleArn ?? serviceLinkedRole(target),
                recordingGroup: {
                  allSupported: true,
                  includeGlobalResourceTypes: desired.includeGlobalResourceTypes,
                },
              },
            }),
          ),
        );
      }
      if (channelChanges(desired, observed).length > 0) {
        await awsCall(`cannot put the delivery channel to s3://${desired.bucket} ${where}`, () =>
          client.send(
            new PutDeliveryChannelCommand({
              DeliveryChannel: {
                name: observed?.deliveryChannel?.name ?? DEFAULT_NAME,
                s3BucketName: desired.bucket,
                ...(desired.keyPrefix ? { s3KeyPrefix: desired.keyPrefix } : {}),
              },
            }),
          ),
        );
      }
      if (!observed?.recording) {
        await awsCall(`cannot start the configuration recorder ${where}`, () =>
          client.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: recorderName })),
        );
      }
    },
    // Stopped first: AWS refuses to delete the channel of a running recorder.
    remove: async (_desired, observed) => {
      const {
        DeleteConfigurationRecorderCommand,
        DeleteDeliveryChannelCommand,
        StopConfigurationRecorderCommand,
      } = await configServiceSdk();
      const client = await config();
      const gone = { notFound: () => undefined };
      const recorder = observed.recorder?.name;
      if (recorder && observed.recording) {
        await awsCall(
          `cannot stop the configuration recorder ${where}`,
          () => client.send(new StopConfigurationRecorderCommand({ ConfigurationRecorderName: recorder })),
          gone,
        );
      }
      const channel = observed.deliveryChannel?.name;
      if (channel) {
        await awsCall(
          `cannot delete the delivery channel ${where}`,
          () => client.send(new DeleteDeliveryChannelCommand({ DeliveryChannelName: channel })),
          gone,
        );
      }
      if (recorder) {
        await awsCall(
          `cannot delete the configuration recorder ${where}`,
          () => client.send(new DeleteConfigurationRecorderCommand({ ConfigurationRecorderName: recorder })),
          gone,
        );
      }
    },
  };
}

export const configRecorderSetting: AccountSetting<
  typeof configRecorderFields,
  DesiredConfigRecorder,
  ObservedConfigRecorder
> = {
  names: {
    kind: "ConfigRecorder",
    plural: "configrecorders",
    singular: "configrecorder",
    shortNames: ["configrec"],
    field: "configRecorder",
  },
  scope: "regional",
  noun: "AWS Config recording",
  description:
    "ConfigRecorder keeps AWS Config recording every supported resource type in every region of one AWS account (global types in one region), delivering to a central S3 bucket (CIS AWS Foundations v3.0 3.3, Security Hub Config.1), repairing drift.",
  specDescription: "AWS Config recording orgguard keeps on in the regions of one account.",
  fieldDescription: "AWS Config recording every selected account gets in its regions",
  fields: configRecorderFields,
  rules: configRecorderRules,
  observed: observedConfigRecorder,
  printerColumns: [
    { name: "Bucket", type: "string", jsonPath: ".spec.deliveryBucket.name" },
    { name: "Regions", type: "string", jsonPath: ".status.regions", priority: 1 },
  ],
  desired: desiredConfigRecorder,
  diff: diffConfigRecorder,
  client: configRecorderClient,
  controls: [{ id: "CIS 3.3", title: "AWS Config is enabled in all regions", holds: configRecording }],
  operations: [
    ...reads(
      "config",
      "DescribeConfigurationRecorders",
      "DescribeConfigurationRecorderStatus",
      "DescribeDeliveryChannels",
    ),
    ...writes(
      "config",
      "PutConfigurationRecorder",
      "PutDeliveryChannel",
      "StartConfigurationRecorder",
      "StopConfigurationRecorder",
      "DeleteDeliveryChannel",
      "DeleteConfigurationRecorder",
    ),
  ],
  // PutConfigurationRecorder hands the recorder's role to Config, and to nothing else.
  extraIam: [
    {
      sid: "PassRoleToConfig",
      actions: ["iam:PassRole"],
      condition: { StringEquals: { "iam:PassedToService": "config.amazonaws.com" } },
    },
  ],
};
