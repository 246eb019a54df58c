/**
 * PublicAccessBlock: S3 account-level Block Public Access of one account, as an account setting,
 * through S3 Control with that account's own credentials (the account id must be the caller's).
 */
import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3-control";
import { awsCall, awsErrorCode, toReconcileError } from "../../aws/aws-errors.js";
import type { AwsAccess, ClientTarget } from "../../aws/clients.js";
import { TerminalError } from "../../runtime/reconcile-errors.js";
import type { AccountSetting, SettingClient } from "../setting/setting.js";
import {
  desiredPublicAccessBlock,
  diffPublicAccessBlock,
  type NormalizedPublicAccessBlock,
  normalizeObserved,
  toConfiguration,
} from "./compare.js";
import { observedPublicAccessBlock, publicAccessBlockFields } from "./schema.js";

export interface PublicAccessBlockOptions {
  /** S3 is eventually consistent for up to about a minute: after a put, read back this often... */
  confirmIntervalMs: number;
  /** ...this many times before leaving the confirmation to the next reconcile. */
  confirmAttempts: number;
}

const DEFAULT_OPTIONS: PublicAccessBlockOptions = { confirmIntervalMs: 1000, confirmAttempts: 5 };

function publicAccessBlockClient(
  aws: AwsAccess,
  target: ClientTarget,
  options: PublicAccessBlockOptions,
): SettingClient<NormalizedPublicAccessBlock, NormalizedPublicAccessBlock> {
  const { accountId } = target;
  const s3 = () => aws.forAccount("s3control", target);
  const read = async (): Promise<NormalizedPublicAccessBlock | undefined> => {
    // NoSuchPublicAccessBlockConfiguration: nothing set, every flag is off.
    const out = await awsCall(
      `cannot read the public access block of account ${accountId}`,
      async () => (await s3()).send(new GetPublicAccessBlockCommand({ AccountId: accountId })),
      { notFound: () => undefined },
    );
    return out ? normalizeObserved(out.PublicAccessBlockConfiguration ?? {}) : undefined;
  };
  /** Reads back until S3 shows the write (a stale read right after a write is not drift). */
  const confirm = async (desired: NormalizedPublicAccessBlock) => {
    for (let attempt = 1; attempt <= options.confirmAttempts; attempt++) {
      const observed = await read();
      if (observed && diffPublicAccessBlock(desired, observed).length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, options.confirmIntervalMs));
    }
  };
  return {
    read,
    write: async (desired) => {
      try {
        await (await s3()).send(
          new PutPublicAccessBlockCommand({
            AccountId: accountId,
            PublicAccessBlockConfiguration: toConfiguration(desired),
          }),
        );
      } catch (err) {
        // Since Nov 2025 an Organizations S3 policy can enforce these flags; puts then fail with 403.
        if (awsErrorCode(err) === "AccessDenied") {
          throw new TerminalError(
            "AccessDenied",
            `cannot set the public access block of account ${accountId}: access denied (missing s3:PutAccountPublicAccessBlock, or enforced by an organization S3 policy)`,
            { cause: err },
          );
        }
        throw toReconcileError(err, `cannot set the public access block of account ${accountId}`);
      }
      await confirm(desired);
    },
    remove: async () => {
      await awsCall(
        `cannot delete the public access block of account ${accountId}`,
        async () => (await s3()).send(new DeletePublicAccessBlockCommand({ AccountId: accountId })),
        { notFound: () => undefined },
      );
    },
  };
}

/** The setting, with S3's read-back confirmation paced by `options` (tests shorten it). */
export function publicAccessBlockSettingWith(
  options: PublicAccessBlockOptions,
): AccountSetting<typeof publicAccessBlockFields, NormalizedPublicAccessBlock, NormalizedPublicAccessBlock> {
  return {
    names: {
      kind: "PublicAccessBlock",
      plural: "publicaccessblocks",
      singular: "publicaccessblock",
      shortNames: ["pab"],
      field: "publicAccessBlock",
    },
    scope: "account",
    noun: "S3 Block Public Access",
    description:
      "PublicAccessBlock keeps the S3 account-level Block Public Access of one AWS account equal to its spec, repairing drift.",
    specDescription: "The account-level S3 Block Public Access orgguard keeps in one account.",
    fieldDescription: "The S3 Block Public Access every selected account gets",
    fields: publicAccessBlockFields,
    observed: observedPublicAccessBlock,
    desired: desiredPublicAccessBlock,
    diff: diffPublicAccessBlock,
    controls: [
      {
        id: "CIS 2.1.4",
        title: "S3 Block Public Access is on for the account (all four settings)",
        holds: (observed) =>
          observed?.blockPublicAcls === true &&
          observed.ignorePublicAcls &&
          observed.blockPublicPolicy &&
          observed.restrictPublicBuckets,
      },
    ],
    client: (aws, target) => publicAccessBlockClient(aws, target, options),
    // S3 Control's operations are authorized by s3:*AccountPublicAccessBlock actions.
    operations: [
      {
        service: "s3control",
        name: "GetPublicAccessBlock",
        access: "read",
        iamAction: "s3:GetAccountPublicAccessBlock",
      },
      {
        service: "s3control",
        name: "PutPublicAccessBlock",
        access: "write",
        iamAction: "s3:PutAccountPublicAccessBlock",
      },
      // AWS authorizes the account-level delete with the put action.
      {
        service: "s3control",
        name: "DeletePublicAccessBlock",
        access: "write",
        iamAction: "s3:PutAccountPublicAccessBlock",
        // CloudTrail logs it as what it does, not as the action that authorizes it.
        cloudTrailName: "DeleteAccountPublicAccessBlock",
      },
    ],
  };
}

export const publicAccessBlockSetting = publicAccessBlockSettingWith(DEFAULT_OPTIONS);
