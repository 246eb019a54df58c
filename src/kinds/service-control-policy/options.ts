import { DEFAULT_SCP_SIZE_LIMIT } from "../../api/scp-document.js";

/** How the ServiceControlPolicy kind treats AWS's SCP rules (limits are configurable: AWS changes them). */
export interface ScpOptions {
  /** Enable the SCP policy type on the root when it is off (otherwise report why nothing attaches). */
  enablePolicyType: boolean;
  /** SCPs allowed per root, OU or account (AWS: 10 since 15 May 2026), FullAWSAccess included. */
  perTargetLimit: number;
  /** Characters of the minified document (AWS: 10,240 since 15 May 2026). */
  sizeLimit: number;
}

export const DEFAULT_SCP_OPTIONS: ScpOptions = {
  enablePolicyType: false,
  perTargetLimit: 10,
  sizeLimit: DEFAULT_SCP_SIZE_LIMIT,
};
