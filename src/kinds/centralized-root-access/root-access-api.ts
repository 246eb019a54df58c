/**
 * The AWS calls the CentralizedRootAccess kind makes, as a narrow interface: its decisions are
 * tested in-process against a fake, and through this SDK implementation against moto (which has
 * none of IAM's organization features, no sts:AssumeRoot, and refuses trusted access for
 * iam.amazonaws.com: SDK stubs, named as such in the tests). Errors are AWS's own.
 *
 * A member account's root credentials are read and deleted in a root session: sts:AssumeRoot from
 * the management account with one of AWS's task policies (IAMAuditRootUserCredentials to read,
 * IAMDeleteRootUserCredentials to delete), then IAM calls without a user name, which act on the
 * root user. The session lasts 15 minutes at most and is used for one task only.
 */
import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  EnableOrganizationsRootCredentialsManagementCommand,
  EnableOrganizationsRootSessionsCommand,
  GetLoginProfileCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListMFADevicesCommand,
  ListOrganizationsFeaturesCommand,
  ListSigningCertificatesCommand,
} from "@aws-sdk/client-iam";
import {
  type OrganizationsClient,
  paginateListAWSServiceAccessForOrganization,
} from "@aws-sdk/client-organizations";
import { AssumeRootCommand, type STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity } from "@smithy/types";
import { isNotFound } from "../../aws/aws-errors.js";
import { RetryableError } from "../../runtime/reconcile-errors.js";

/** IAM's names of the two features. */
export type RootFeature = "RootCredentialsManagement" | "RootSessions";

/** A member account's root credentials as a root session lists them (ids stay in memory). */
export interface RootCredentials {
  password: boolean;
  accessKeyIds: string[];
  mfaSerialNumbers: string[];
  certificateIds: string[];
}

export interface RootAccessApi {
  /** The service principals with trusted access (ListAWSServiceAccessForOrganization). */
  trustedAccess(): Promise<string[]>;
  /** The features enabled (ListOrganizationsFeatures); AWS's ServiceAccessNotEnabledException without trusted access. */
  features(): Promise<string[]>;
  enable(feature: RootFeature): Promise<void>;
  /** The member's root credentials, read in a root session with the audit task policy. */
  audit(accountId: string): Promise<RootCredentials>;
  /** Deletes every root credential the member has now (a root session with the delete task policy); what it deleted. */
  deleteRootCredentials(accountId: string): Promise<RootCredentials>;
}

/** What the SDK implementation is made of: the controller's own clients, and IAM as a member's root. */
export interface RootAccessClients {
  organizations: OrganizationsClient;
  /** IAM in the management account. */
  iam: IAMClient;
  /** STS in the management account (sts:AssumeRoot). */
  sts: STSClient;
  /** IAM in `accountId` as its root user, with the credentials a root session handed out. */
  rootIam(accountId: string, credentials: AwsCredentialIdentity): Promise<IAMClient>;
  /** aws, aws-cn or aws-us-gov: the task policies' partition. */
  partition: string;
}

const AUDIT_TASK = "IAMAuditRootUserCredentials";
const DELETE_TASK = "IAMDeleteRootUserCredentials";

/** The RootAccessApi over the SDK (each client bound to a reconcile's deadline by its caller). */
export function sdkRootAccessApi(clients: RootAccessClients): RootAccessApi {
  const { organizations, iam, sts } = clients;

  /** IAM as `accountId`'s root user, for one task. */
  async function rootSession(accountId: string, task: string): Promise<IAMClient> {
    const out = await sts.send(
      new AssumeRootCommand({
        TargetPrincipal: accountId,
        TaskPolicyArn: { arn: `arn:${clients.partition}:iam::aws:policy/root-task/${task}` },
        DurationSeconds: 900,
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
      throw new RetryableError(
        "UnexpectedResponse",
        `sts:AssumeRoot into ${accountId} answered without credentials`,
      );
    }
    return clients.rootIam(accountId, {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      ...(c.Expiration ? { expiration: c.Expiration } : {}),
    });
  }

  /** The root user's credentials, as `root` (a root session's IAM) lists them. */
  async function listRoot(root: IAMClient): Promise<RootCredentials> {
    const password = await root.send(new GetLoginProfileCommand({})).then(
      () => true,
      (err: unknown) => {
        if (isNotFound(err)) return false;
        throw err;
      },
    );
    const keys = (await root.send(new ListAccessKeysCommand({}))).AccessKeyMetadata ?? [];
    const mfa = (await root.send(new ListMFADevicesCommand({}))).MFADevices ?? [];
    const certificates = (await root.send(new ListSigningCertificatesCommand({}))).Certificates ?? [];
    return {
      password,
      accessKeyIds: keys.flatMap((k) => (k.AccessKeyId ? [k.AccessKeyId] : [])),
      mfaSerialNumbers: mfa.flatMap((d) => (d.SerialNumber ? [d.SerialNumber] : [])),
      certificateIds: certificates.flatMap((c) => (c.CertificateId ? [c.CertificateId] : [])),
    };
  }

  /** A delete whose target is gone already is done. */
  const gone = (err: unknown) => {
    if (!isNotFound(err)) throw err;
  };

  return {
    async trustedAccess() {
      const principals: string[] = [];
      for await (const page of paginateListAWSServiceAccessForOrganization({ client: organizations }, {})) {
        for (const p of page.EnabledServicePrincipals ?? [])
          if (p.ServicePrincipal) principals.push(p.ServicePrincipal);
      }
      return principals;
    },
    async features() {
      return (await iam.send(new ListOrganizationsFeaturesCommand({}))).EnabledFeatures ?? [];
    },
    async enable(feature) {
      await iam.send(
        feature === "RootCredentialsManagement"
          ? new EnableOrganizationsRootCredentialsManagementCommand({})
          : new EnableOrganizationsRootSessionsCommand({}),
      );
    },
    async audit(accountId) {
      return listRoot(await rootSession(accountId, AUDIT_TASK));
    },
    async deleteRootCredentials(accountId) {
      const root = await rootSession(accountId, DELETE_TASK);
      const found = await listRoot(root);
      if (found.password) await root.send(new DeleteLoginProfileCommand({})).catch(gone);
      for (const AccessKeyId of found.accessKeyIds) {
        await root.send(new DeleteAccessKeyCommand({ AccessKeyId })).catch(gone);
      }
      for (const SerialNumber of found.mfaSerialNumbers) {
        await root.send(new DeactivateMFADeviceCommand({ SerialNumber })).catch(gone);
      }
      for (const CertificateId of found.certificateIds) {
        await root.send(new DeleteSigningCertificateCommand({ CertificateId })).catch(gone);
      }
      return found;
    },
  };
}
