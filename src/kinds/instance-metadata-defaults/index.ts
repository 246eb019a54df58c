/**
 * InstanceMetadataDefaults: the account-level IMDS defaults of every region of an account (EC2,
 * with the account's own credentials, one client per region): IMDSv2 required by default, and
 * optionally the hop limit, the endpoint and instance tags in the metadata. They apply to
 * instances launched from then on (an instance's own launch options still win); running
 * instances keep theirs. One read per region; a write sends only the fields that differ; Delete
 * clears the fields the spec manages (no-preference). moto has none of these calls: the tests
 * stub them with AWS's answers (test/integration/ec2-account-attributes-stubs.test.ts).
 */
import { awsCall } from "../../aws/aws-errors.js";
import { type AwsAccess, type ClientTarget, ec2Sdk } from "../../aws/clients.js";
import { reads, writes } from "../kind-definition.js";
import { refuseUnderDeclarativePolicy } from "../setting/declarative-policy.js";
import type { AccountSetting, SettingClient } from "../setting/setting.js";
import {
  type DesiredInstanceMetadataDefaults,
  desiredInstanceMetadataDefaults,
  diffInstanceMetadataDefaults,
  type ImdsModification,
  imdsModification,
  imdsReading,
  imdsReset,
  imdsV2Required,
  type ObservedInstanceMetadataDefaults,
} from "./compare.js";
import { instanceMetadataDefaultsFields, observedInstanceMetadataDefaults } from "./schema.js";

function instanceMetadataDefaultsClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<DesiredInstanceMetadataDefaults, ObservedInstanceMetadataDefaults> {
  const where = `of account ${target.accountId} in ${target.region}`;
  const ec2 = () => aws.forAccount("ec2", target);
  const modify = async (what: string, input: ImdsModification) => {
    if (Object.keys(input).length === 0) return;
    const { ModifyInstanceMetadataDefaultsCommand } = await ec2Sdk();
    const client = await ec2();
    await awsCall(`cannot ${what} ${where}`, () =>
      client.send(new ModifyInstanceMetadataDefaultsCommand(input)),
    );
  };
  return {
    read: async (desired) => {
      const { GetInstanceMetadataDefaultsCommand } = await ec2Sdk();
      const client = await ec2();
      const out = await awsCall(`cannot read the instance metadata defaults ${where}`, () =>
        client.send(new GetInstanceMetadataDefaultsCommand({})),
      );
      return imdsReading(desired, out.AccountLevel ?? {});
    },
    write: async (desired, observed) => {
      refuseUnderDeclarativePolicy(
        observed?.managedBy,
        `set the instance metadata defaults ${where}`,
        observed?.managedExceptionMessage,
      );
      await modify("set the instance metadata defaults", imdsModification(desired, observed));
    },
    remove: async (desired, observed) => {
      refuseUnderDeclarativePolicy(
        observed.managedBy,
        `clear the instance metadata defaults ${where}`,
        observed.managedExceptionMessage,
      );
      await modify("clear the instance metadata defaults", imdsReset(desired));
    },
  };
}

export const instanceMetadataDefaultsSetting: AccountSetting<
  typeof instanceMetadataDefaultsFields,
  DesiredInstanceMetadataDefaults,
  ObservedInstanceMetadataDefaults
> = {
  names: {
    kind: "InstanceMetadataDefaults",
    plural: "instancemetadatadefaults",
    singular: "instancemetadatadefaults",
    shortNames: ["imds"],
    field: "instanceMetadataDefaults",
  },
  scope: "regional",
  noun: "instance metadata defaults",
  description:
    "InstanceMetadataDefaults keeps the account-level EC2 instance metadata (IMDS) defaults of every region of one AWS account: IMDSv2 required for instances launched from then on (the account default behind CIS AWS Foundations v3.0 5.6 and Security Hub EC2.8), and optionally the hop limit, the endpoint and instance tags in the metadata, repairing drift. Fields the spec does not set are left as found.",
  specDescription: "The account-level IMDS defaults orgguard keeps in the regions of one account.",
  fieldDescription:
    "The account-level IMDS defaults (IMDSv2 required) every selected account gets in its regions",
  fields: instanceMetadataDefaultsFields,
  observed: observedInstanceMetadataDefaults,
  printerColumns: [
    { name: "Tokens", type: "string", jsonPath: ".spec.httpTokens" },
    { name: "Regions", type: "string", jsonPath: ".status.regions", priority: 1 },
  ],
  desired: (fields) => desiredInstanceMetadataDefaults(fields),
  diff: diffInstanceMetadataDefaults,
  client: instanceMetadataDefaultsClient,
  controls: [
    {
      id: "CIS 5.6",
      title:
        "New EC2 instances require IMDSv2 by default in all regions (the account default; instances launched before keep theirs)",
      holds: imdsV2Required,
    },
  ],
  operations: [
    ...reads("ec2", "GetInstanceMetadataDefaults"),
    ...writes("ec2", "ModifyInstanceMetadataDefaults"),
  ],
};
