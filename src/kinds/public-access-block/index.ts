/**
 * PublicAccessBlock: keeps S3 account-level Block Public Access of one account equal to the spec,
 * through S3 Control with that account's own credentials (the account id must be the caller's).
 */
import {
  DeletePublicAccessBlockCommand,
  GetPublicAccessBlockCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3-control";
import { API_GROUP, API_VERSION, ROLE_ARN_ANNOTATION } from "../../api/common.js";
import { type PublicAccessBlockSpec, publicAccessBlockSpec } from "../../api/public-access-block.js";
import { specProblems } from "../../api/validate.js";
import { type AwsClients, accountClaim } from "../../aws/clients.js";
import { awsErrorCode, isNotFound, toReconcileError } from "../../aws/errors.js";
import { TerminalError } from "../../runtime/errors.js";
import type { ExternalClient, ManagedKind, ManagedObject, Observation } from "../../runtime/managed.js";
import {
  ALL_OFF,
  desiredPublicAccessBlock,
  diffPublicAccessBlock,
  type NormalizedPublicAccessBlock,
  normalizeObserved,
  toConfiguration,
} from "./compare.js";

export type PublicAccessBlockObject = ManagedObject<PublicAccessBlockSpec>;

export interface PublicAccessBlockOptions {
  /** S3 is eventually consistent for up to about a minute: after a put, read back this often... */
  confirmIntervalMs: number;
  /** ...this many times before leaving the confirmation to the next reconcile. */
  confirmAttempts: number;
}

export function publicAccessBlockKind(
  aws: AwsClients,
  options: PublicAccessBlockOptions = { confirmIntervalMs: 1000, confirmAttempts: 5 },
): ManagedKind<PublicAccessBlockObject, NormalizedPublicAccessBlock> {
  return {
    ref: { group: API_GROUP, version: API_VERSION, plural: "publicaccessblocks", kind: "PublicAccessBlock" },
    validate: (object) => specProblems(publicAccessBlockSpec, object.spec),
    claim: (object) => accountClaim(object.spec.accountId, aws.knownOwnAccountId()),
    connect: async (object) => {
      const spec = publicAccessBlockSpec.parse(object.spec);
      const accountId = spec.accountId ?? (await aws.ownAccountId());
      const roleArn = object.metadata.annotations?.[ROLE_ARN_ANNOTATION];
      return publicAccessBlockClient(aws, accountId, roleArn, desiredPublicAccessBlock(spec), options);
    },
  };
}

function publicAccessBlockClient(
  aws: AwsClients,
  accountId: string,
  roleArn: string | undefined,
  desired: NormalizedPublicAccessBlock,
  options: PublicAccessBlockOptions,
): ExternalClient<PublicAccessBlockObject, NormalizedPublicAccessBlock> {
  const s3 = () => aws.s3control(accountId, roleArn);
  const read = async (): Promise<NormalizedPublicAccessBlock | undefined> => {
    try {
      const out = await (await s3()).send(new GetPublicAccessBlockCommand({ AccountId: accountId }));
      return normalizeObserved(out.PublicAccessBlockConfiguration ?? {});
    } catch (err) {
      // NoSuchPublicAccessBlockConfiguration: nothing set, every flag is off.
      if (isNotFound(err)) return undefined;
      throw toReconcileError(err, `cannot read the public access block of account ${accountId}`);
    }
  };
  const write = async () => {
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
    await confirm();
  };
  /** Reads back until S3 shows the write (a stale read right after a write is not drift). */
  const confirm = async () => {
    for (let attempt = 1; attempt <= options.confirmAttempts; attempt++) {
      const observed = await read();
      if (observed && diffPublicAccessBlock(desired, observed).length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, options.confirmIntervalMs));
    }
  };
  return {
    observe: async (): Promise<Observation<NormalizedPublicAccessBlock>> => {
      const observed = await read();
      if (!observed)
        return {
          exists: false,
          upToDate: false,
          diff: diffPublicAccessBlock(desired, ALL_OFF),
          status: { accountId },
        };
      const diff = diffPublicAccessBlock(desired, observed);
      return { exists: true, upToDate: diff.length === 0, observed, diff, status: { accountId } };
    },
    create: async () => {
      await write();
      return { status: { accountId } };
    },
    update: write,
    delete: async () => {
      try {
        await (await s3()).send(new DeletePublicAccessBlockCommand({ AccountId: accountId }));
      } catch (err) {
        if (!isNotFound(err))
          throw toReconcileError(err, `cannot delete the public access block of account ${accountId}`);
      }
    },
  };
}
