/**
 * ImageBlockPublicAccess: block public access for AMIs in every region of an account (EC2, with
 * the account's own credentials, one client per region), in the one state AWS has,
 * block-new-sharing. AWS applies a change within 10 minutes and reads back the old state meanwhile
 * (EC2 API reference): the change orgguard made is remembered, and the object reports Progressing
 * until EC2 shows it, instead of drift and a second write (ec2-block-public-access/). Delete
 * disables it. moto has none of these calls: the tests stub them with AWS's answers.
 */
import type { ImageBlockPublicAccessEnabledState } from "@aws-sdk/client-ec2";
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
import { imageBlockPublicAccessFields } from "./schema.js";

const IMAGES: BlockPublicAccessApi = {
  noun: "block public access for AMIs",
  get: async (ec2) => {
    const { GetImageBlockPublicAccessStateCommand } = await ec2Sdk();
    const out = await ec2.send(new GetImageBlockPublicAccessStateCommand({}));
    return {
      ...(out.ImageBlockPublicAccessState ? { state: out.ImageBlockPublicAccessState } : {}),
      ...(out.ManagedBy ? { managedBy: out.ManagedBy } : {}),
    };
  },
  enable: async (ec2, state) => {
    const { EnableImageBlockPublicAccessCommand } = await ec2Sdk();
    await ec2.send(
      new EnableImageBlockPublicAccessCommand({
        ImageBlockPublicAccessState: state as ImageBlockPublicAccessEnabledState,
      }),
    );
  },
  disable: async (ec2) => {
    const { DisableImageBlockPublicAccessCommand } = await ec2Sdk();
    await ec2.send(new DisableImageBlockPublicAccessCommand({}));
  },
};

/** The Enable and Disable calls this process made that EC2 may not show yet. */
const accepted = new AcceptedChanges<string>(APPLY_WINDOW_MS);

export const imageBlockPublicAccessSetting: AccountSetting<
  typeof imageBlockPublicAccessFields,
  DesiredBlockPublicAccess,
  ObservedBlockPublicAccess
> = {
  names: {
    kind: "ImageBlockPublicAccess",
    plural: "imageblockpublicaccesses",
    singular: "imageblockpublicaccess",
    shortNames: ["amibpa"],
    field: "imageBlockPublicAccess",
  },
  scope: "regional",
  noun: "block public access for AMIs",
  description:
    "ImageBlockPublicAccess keeps block public access for AMIs on (block-new-sharing) in every region of one AWS account, repairing drift. AWS applies a change within 10 minutes and reads back the old state meanwhile: the object reports Progressing, not drift.",
  specDescription: "Block public access for AMIs orgguard keeps in the regions of one account.",
  fieldDescription: "Block public access for AMIs every selected account gets in its regions",
  fields: imageBlockPublicAccessFields,
  observed: observedBlockPublicAccess,
  printerColumns: [{ name: "Regions", type: "string", jsonPath: ".status.regions", priority: 1 }],
  desired: (fields) => ({ state: fields.state }),
  diff: diffBlockPublicAccess,
  isDefault: blockPublicAccessIsDefault,
  inTransition: blockPublicAccessInTransition,
  client: (aws, target) => blockPublicAccessClient(aws, target, IMAGES, accepted),
  operations: [
    ...reads("ec2", "GetImageBlockPublicAccessState"),
    ...writes("ec2", "EnableImageBlockPublicAccess", "DisableImageBlockPublicAccess"),
  ],
};
