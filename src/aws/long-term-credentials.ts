/**
 * The seeds' first rule applied to orgguard itself: no long-term access keys. A long-term key (an
 * IAM user's or the root user's, `AKIA...`) never expires, so a leaked one works until someone
 * notices; a role's session (`ASIA...` with a session token: IRSA, EKS Pod Identity, an instance
 * profile, SSO) expires within hours. The controller refuses to start on a long-term key unless
 * told otherwise; `plan` and `apply` warn.
 */
import type { AwsCredentialIdentity } from "@smithy/types";

/** Why credentials are a long-term key, or undefined when they are a session. */
export function longTermKeyReason(
  credentials: Pick<AwsCredentialIdentity, "accessKeyId" | "sessionToken">,
): string | undefined {
  if (credentials.accessKeyId.startsWith("AKIA"))
    return "the access key id starts with AKIA (an IAM user's key)";
  if (!credentials.sessionToken) return "they have no session token (a key, not a role's session)";
  return undefined;
}

/** What to do instead, said with every refusal and warning. */
export const SESSION_CREDENTIALS_ADVICE =
  "give orgguard a role's session instead: IRSA or EKS Pod Identity in a cluster, an instance profile, or AWS SSO / sts assume-role for plan and apply";
