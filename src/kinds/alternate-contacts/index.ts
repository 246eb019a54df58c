/**
 * AlternateContacts: the SECURITY (and optionally OPERATIONS and BILLING) contact of an account,
 * set from the management account through the Account Management API with AccountId: no role in
 * the member account is needed. AWS requires trusted access for account.amazonaws.com in the
 * organization for that; when a call is refused, the organization is asked whether it is enabled,
 * and the condition says so (TrustedAccessDisabled) with the command that fixes it.
 *
 * Contact details are personal data: no value leaves the client (status and plans name the fields
 * that differ), and AWS messages about a refused contact, which may repeat a value, are withheld.
 */
import {
  type AccountClient,
  type AlternateContactType,
  DeleteAlternateContactCommand,
  GetAlternateContactCommand,
  PutAlternateContactCommand,
} from "@aws-sdk/client-account";
import { paginateListAWSServiceAccessForOrganization } from "@aws-sdk/client-organizations";
import { awsCall } from "../../aws/aws-errors.js";
import type { AwsAccess, ClientTarget } from "../../aws/clients.js";
import { BlockedError, TerminalError } from "../../runtime/reconcile-errors.js";
import { reads, writes } from "../kind-definition.js";
import type { AccountSetting, SettingClient } from "../setting/setting.js";
import {
  CONTACT_TYPES,
  type ContactKey,
  type DesiredAlternateContacts,
  desiredAlternateContacts,
  diffAlternateContacts,
  differingFields,
  type ObservedAlternateContacts,
  securityContactSet,
} from "./compare.js";
import { alternateContactsFields, type Contact, observedAlternateContacts } from "./schema.js";

export const ACCOUNT_SERVICE_PRINCIPAL = "account.amazonaws.com";

const keysOf = (desired: DesiredAlternateContacts) =>
  (Object.keys(CONTACT_TYPES) as ContactKey[]).filter((key) => desired[key] !== undefined);

/** Whether the organization lets Account Management act on member accounts (undefined: cannot tell). */
async function trustedAccessEnabled(aws: AwsAccess): Promise<boolean | undefined> {
  try {
    for await (const page of paginateListAWSServiceAccessForOrganization(
      { client: aws.organizations() },
      {},
    )) {
      if ((page.EnabledServicePrincipals ?? []).some((p) => p.ServicePrincipal === ACCOUNT_SERVICE_PRINCIPAL))
        return true;
    }
    return false;
  } catch {
    return undefined;
  }
}

function alternateContactsClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<DesiredAlternateContacts, ObservedAlternateContacts> {
  const account = `account ${target.accountId}`;

  /** The management account's client, and the AccountId to name (none for the management account itself, which AWS refuses). */
  async function management(): Promise<{ client: AccountClient; accountId?: string }> {
    const own = await aws.ownAccountId();
    const client = await aws.forAccount("account", { accountId: own });
    return own === target.accountId ? { client } : { client, accountId: target.accountId };
  }

  /**
   * One Account Management call. A refusal is explained (trusted access off) where it can be; a
   * rejected input keeps AWS's message out of status and logs, since it may repeat a contact detail.
   */
  async function contactCall<T>(what: string, call: () => Promise<T>, notFound?: () => T): Promise<T> {
    try {
      return await awsCall(`cannot ${what} of ${account}`, call, notFound ? { notFound } : {});
    } catch (err) {
      if (err instanceof BlockedError && err.reason.startsWith("AccessDenied")) {
        if (target.accountId !== (await aws.ownAccountId()) && (await trustedAccessEnabled(aws)) === false) {
          throw new BlockedError(
            "TrustedAccessDisabled",
            `cannot ${what} of ${account}: trusted access for ${ACCOUNT_SERVICE_PRINCIPAL} is not enabled in the organization; from the management account run: aws organizations enable-aws-service-access --service-principal ${ACCOUNT_SERVICE_PRINCIPAL} (or list it under an Organization object's spec.trustedAccess)`,
          );
        }
        throw err;
      }
      if (err instanceof TerminalError && !(err instanceof BlockedError)) {
        throw new TerminalError(
          err.reason,
          `cannot ${what} of ${account}: AWS refused it (${err.reason}); its message is withheld because it may repeat contact details`,
        );
      }
      throw err;
    }
  }

  const read = async (key: ContactKey, want: Contact) => {
    const { client, accountId } = await management();
    const type: AlternateContactType = CONTACT_TYPES[key];
    const out = await contactCall(
      `read the ${type} contact`,
      () => client.send(new GetAlternateContactCommand({ AlternateContactType: type, AccountId: accountId })),
      () => undefined,
    );
    const have = out?.AlternateContact;
    if (!have) return undefined;
    return differingFields(want, {
      name: have.Name ?? "",
      title: have.Title ?? "",
      emailAddress: have.EmailAddress ?? "",
      phoneNumber: have.PhoneNumber ?? "",
    });
  };

  return {
    read: async (desired) => {
      const observed: ObservedAlternateContacts = {};
      for (const key of keysOf(desired)) {
        const differs = await read(key, desired[key]!);
        if (differs) observed[key] = { differs };
      }
      return Object.keys(observed).length > 0 ? observed : undefined;
    },
    write: async (desired, observed) => {
      const { client, accountId } = await management();
      for (const key of keysOf(desired)) {
        const state = observed?.[key];
        if (state && state.differs.length === 0) continue;
        const want = desired[key]!;
        const type = CONTACT_TYPES[key];
        await contactCall(`set the ${type} contact`, () =>
          client.send(
            new PutAlternateContactCommand({
              AlternateContactType: type,
              AccountId: accountId,
              Name: want.name,
              Title: want.title,
              EmailAddress: want.emailAddress,
              PhoneNumber: want.phoneNumber,
            }),
          ),
        );
      }
    },
    remove: async (desired, observed) => {
      const { client, accountId } = await management();
      for (const key of keysOf(desired)) {
        if (!observed[key]) continue;
        const type = CONTACT_TYPES[key];
        await contactCall(
          `delete the ${type} contact`,
          () =>
            client.send(
              new DeleteAlternateContactCommand({ AlternateContactType: type, AccountId: accountId }),
            ),
          () => undefined,
        );
      }
    },
  };
}

export const alternateContactsSetting: AccountSetting<
  typeof alternateContactsFields,
  DesiredAlternateContacts,
  ObservedAlternateContacts
> = {
  names: {
    kind: "AlternateContacts",
    plural: "alternatecontacts",
    singular: "alternatecontacts",
    shortNames: ["contacts"],
    field: "alternateContacts",
  },
  scope: "account",
  reach: "management",
  noun: "alternate contacts",
  description:
    "AlternateContacts keeps the SECURITY contact (and optionally the OPERATIONS and BILLING contacts) of one AWS account as declared (CIS AWS Foundations v3.0 1.2, Security Hub Account.1), set from the management account with the Account Management API (trusted access for account.amazonaws.com required). Contact details never appear in status, logs or Events.",
  specDescription: "The alternate contacts orgguard keeps on one account.",
  fieldDescription: "The alternate contacts every selected account gets",
  fields: alternateContactsFields,
  observed: observedAlternateContacts,
  desired: desiredAlternateContacts,
  diff: diffAlternateContacts,
  client: alternateContactsClient,
  controls: [
    { id: "CIS 1.2", title: "Security contact information is registered", holds: securityContactSet },
  ],
  operations: [
    ...reads("account", "GetAlternateContact"),
    ...reads("organizations", "ListAWSServiceAccessForOrganization"),
    ...writes("account", "PutAlternateContact", "DeleteAlternateContact"),
  ],
};
