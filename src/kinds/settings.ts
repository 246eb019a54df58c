/**
 * Every account setting, in the order they are documented and applied. A setting here is both a
 * standalone kind and a field of AccountBaseline; adding one is a folder and a line in this list.
 */
import { alternateContactsSetting } from "./alternate-contacts/index.js";
import { configRecorderSetting } from "./config-recorder/index.js";
import { defaultSecurityGroupsSetting } from "./default-security-groups/index.js";
import { ebsEncryptionByDefaultSetting } from "./ebs-encryption-by-default/index.js";
import { iamCredentialsSetting } from "./iam-credentials/index.js";
import { imageBlockPublicAccessSetting } from "./image-block-public-access/index.js";
import { incidentRolesSetting } from "./incident-roles/index.js";
import { instanceMetadataDefaultsSetting } from "./instance-metadata-defaults/index.js";
import { noDefaultVpcSetting } from "./no-default-vpc/index.js";
import { passwordPolicySetting } from "./password-policy/index.js";
import { publicAccessBlockSetting } from "./public-access-block/index.js";
import type { AccountSetting } from "./setting/setting.js";
import { snapshotBlockPublicAccessSetting } from "./snapshot-block-public-access/index.js";

export const SETTINGS: readonly AccountSetting[] = [
  passwordPolicySetting,
  publicAccessBlockSetting,
  ebsEncryptionByDefaultSetting,
  instanceMetadataDefaultsSetting,
  snapshotBlockPublicAccessSetting,
  imageBlockPublicAccessSetting,
  defaultSecurityGroupsSetting,
  noDefaultVpcSetting,
  alternateContactsSetting,
  configRecorderSetting,
  iamCredentialsSetting,
  incidentRolesSetting,
];
