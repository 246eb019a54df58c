/**
 * EbsEncryptionByDefault: new EBS volumes encrypted by default in every region of an account, as a
 * regional account setting (EC2, with the account's own credentials, one client per region).
 * Off reads as "nothing set"; Delete turns it off again (and resets the default key where the spec
 * chose one).
 */

import { awsCall } from "../../aws/aws-errors.js";
import { type AwsAccess, type ClientTarget, ec2Sdk } from "../../aws/clients.js";
import { reads, writes } from "../kind-definition.js";
import type { AccountSetting, SettingClient } from "../setting/setting.js";
import {
  type DesiredEbsEncryption,
  desiredEbsEncryption,
  diffEbsEncryption,
  type ObservedEbsEncryption,
} from "./compare.js";
import { ebsEncryptionFields, ebsEncryptionRules, observedEbsEncryption } from "./schema.js";

function ebsEncryptionClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<DesiredEbsEncryption, ObservedEbsEncryption> {
  const where = ` of account ${target.accountId} in ${target.region}`;
  const ec2 = () => aws.forAccount("ec2", target);
  return {
    read: async (desired) => {
      const { GetEbsEncryptionByDefaultCommand, GetEbsDefaultKmsKeyIdCommand } = await ec2Sdk();
      const client = await ec2();
      const out = await awsCall(`cannot read EBS encryption by default${where}`, () =>
        client.send(new GetEbsEncryptionByDefaultCommand({})),
      );
      if (!out.EbsEncryptionByDefault) return undefined;
      if (desired.defaultKmsKeyId === undefined) return { enabled: true };
      const key = await awsCall(`cannot read the default EBS KMS key${where}`, () =>
        client.send(new GetEbsDefaultKmsKeyIdCommand({})),
      );
      return { enabled: true, ...(key.KmsKeyId ? { defaultKmsKeyId: key.KmsKeyId } : {}) };
    },
    write: async (desired, observed) => {
      const { ModifyEbsDefaultKmsKeyIdCommand, EnableEbsEncryptionByDefaultCommand } = await ec2Sdk();
      const client = await ec2();
      // The key first: volumes created once encryption is on must already get the chosen key.
      if (desired.defaultKmsKeyId !== undefined && observed?.defaultKmsKeyId !== desired.defaultKmsKeyId) {
        await awsCall(`cannot set the default EBS KMS key${where}`, () =>
          client.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: desired.defaultKmsKeyId })),
        );
      }
      if (!observed?.enabled) {
        await awsCall(`cannot enable EBS encryption by default${where}`, () =>
          client.send(new EnableEbsEncryptionByDefaultCommand({})),
        );
      }
    },
    remove: async (desired) => {
      const { DisableEbsEncryptionByDefaultCommand, ResetEbsDefaultKmsKeyIdCommand } = await ec2Sdk();
      const client = await ec2();
      await awsCall(`cannot disable EBS encryption by default${where}`, () =>
        client.send(new DisableEbsEncryptionByDefaultCommand({})),
      );
      if (desired.defaultKmsKeyId !== undefined) {
        await awsCall(`cannot reset the default EBS KMS key${where}`, () =>
          client.send(new ResetEbsDefaultKmsKeyIdCommand({})),
        );
      }
    },
  };
}

export const ebsEncryptionByDefaultSetting: AccountSetting<
  typeof ebsEncryptionFields,
  DesiredEbsEncryption,
  ObservedEbsEncryption
> = {
  names: {
    kind: "EbsEncryptionByDefault",
    plural: "ebsencryptionbydefaults",
    singular: "ebsencryptionbydefault",
    shortNames: ["ebsenc"],
    field: "ebsEncryptionByDefault",
  },
  scope: "regional",
  noun: "EBS encryption by default",
  description:
    "EbsEncryptionByDefault keeps EBS encryption by default on in every region of one AWS account (CIS AWS Foundations 5.1.1, Security Hub EC2.7), optionally with a chosen default KMS key, repairing drift.",
  specDescription: "EBS encryption by default orgguard keeps on in the regions of one account.",
  fieldDescription: "EBS encryption by default every selected account gets in its regions",
  fields: ebsEncryptionFields,
  rules: ebsEncryptionRules,
  observed: observedEbsEncryption,
  printerColumns: [{ name: "Regions", type: "string", jsonPath: ".status.regions", priority: 1 }],
  desired: desiredEbsEncryption,
  diff: diffEbsEncryption,
  client: ebsEncryptionClient,
  controls: [
    {
      id: "CIS 2.2.1",
      title: "EBS volume encryption is enabled in all regions",
      holds: (observed) => observed?.enabled === true,
    },
  ],
  operations: [
    ...reads("ec2", "GetEbsEncryptionByDefault", "GetEbsDefaultKmsKeyId"),
    ...writes(
      "ec2",
      "EnableEbsEncryptionByDefault",
      "DisableEbsEncryptionByDefault",
      "ModifyEbsDefaultKmsKeyId",
      "ResetEbsDefaultKmsKeyId",
    ),
  ],
};
