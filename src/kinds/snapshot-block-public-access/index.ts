/**
 * SnapshotBlockPublicAccess: block public access for EBS snapshots in every region of an account
 * (EC2, with the account's own credentials, one client per region): `block-all-sharing` (the
 * default: snapshots already public are treated as private too; what Security Hub EC2.182 and the
 * AWS Config rule ebs-snapshot-block-public-access ask for) or `block-new-sharing`. One read per
 * region; Enable sets or changes the mode; Delete disables it. A change AWS accepted and does not
 * show yet reports Progressing (ec2-block-public-access/). moto has none of these calls: the tests
 * stub them with AWS's answers.
 */
import type { SnapshotBlockPublicAccessState } from "@aws-sdk/client-ec2";
import { ec2Sdk } from "../../aws/clients.js";
import { type BlockPublicAccessApi, blockPublicAccessClient } from "../ec2-block-public-access/client.js";
import {
  APPLY_WINDOW_MS,
  blockPublicAccessInTransition,
  blockPublicAccessIsDefault,
  type DesiredBlockPublicAccess,
  diffBlockPublicAccess,
  type ObservedBlockPublicAccess,
  observedBlockPublicAccess,
} from "../ec2-block-public-access/compare.js";
import { reads, writes } from "../kind-definition.js";
import { AcceptedChanges } from "../setting/applying.js";
import type { AccountSetting } from "../setting/setting.js";
import { snapshotBlockPublicAccessFields } from "./schema.js";

const SNAPSHOTS: BlockPublicAccessApi = {
  noun: "block public access for snapshots",
  get: async (ec2) => {
    const { GetSnapshotBlockPublicAccessStateCommand } = await ec2Sdk();
    const out = await ec2.send(new GetSnapshotBlockPublicAccessStateCommand({}));
    return {
      ...(out.State ? { state: out.State } : {}),
      ...(out.ManagedBy ? { managedBy: out.ManagedBy } : {}),
    };
  },
  enable: async (ec2, state) => {
    const { EnableSnapshotBlockPublicAccessCommand } = await ec2Sdk();
    await ec2.send(
      new EnableSnapshotBlockPublicAccessCommand({ State: state as SnapshotBlockPublicAccessState }),
    );
  },
  disable: async (ec2) => {
    const { DisableSnapshotBlockPublicAccessCommand } = await ec2Sdk();
    await ec2.send(new DisableSnapshotBlockPublicAccessCommand({}));
  },
};

/** The Enable and Disable calls this process made that EC2 may not show yet. */
const accepted = new AcceptedChanges<string>(APPLY_WINDOW_MS);

export const snapshotBlockPublicAccessSetting: AccountSetting<
  typeof snapshotBlockPublicAccessFields,
  DesiredBlockPublicAccess,
  ObservedBlockPublicAccess
> = {
  names: {
    kind: "SnapshotBlockPublicAccess",
    plural: "snapshotblockpublicaccesses",
    singular: "snapshotblockpublicaccess",
    shortNames: ["snapbpa"],
    field: "snapshotBlockPublicAccess",
  },
  scope: "regional",
  noun: "block public access for EBS snapshots",
  description:
    "SnapshotBlockPublicAccess keeps block public access for EBS snapshots on in every region of one AWS account (block-all-sharing by default, as Security Hub EC2.182 asks; or block-new-sharing), repairing drift. A change AWS is still applying reports Progressing, not drift.",
  specDescription: "Block public access for EBS snapshots orgguard keeps in the regions of one account.",
  fieldDescription: "Block public access for EBS snapshots every selected account gets in its regions",
  fields: snapshotBlockPublicAccessFields,
  observed: observedBlockPublicAccess,
  printerColumns: [
    { name: "State", type: "string", jsonPath: ".spec.state" },
    { name: "Regions", type: "string", jsonPath: ".status.regions", priority: 1 },
  ],
  desired: (fields) => ({ state: fields.state }),
  diff: diffBlockPublicAccess,
  isDefault: blockPublicAccessIsDefault,
  inTransition: blockPublicAccessInTransition,
  client: (aws, target) => blockPublicAccessClient(aws, target, SNAPSHOTS, accepted),
  operations: [
    ...reads("ec2", "GetSnapshotBlockPublicAccessState"),
    ...writes("ec2", "EnableSnapshotBlockPublicAccess", "DisableSnapshotBlockPublicAccess"),
  ],
};
