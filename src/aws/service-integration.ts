/**
 * What an organization-wide service needs from AWS Organizations before it can work across
 * accounts: trusted access for its service principal, and (for services administered from a
 * member account) that account registered as its delegated administrator. The kinds that build
 * on them (SecurityHubOrganization, ConfigAggregator) read both themselves and report what is
 * missing as a Stalled condition naming where to enable it; they never write through the
 * Organization kind's fields (trusted access and registrations are that kind's, never exclusive).
 */
import {
  type OrganizationsClient,
  paginateListAWSServiceAccessForOrganization,
  paginateListDelegatedAdministrators,
  paginateListDelegatedServicesForAccount,
} from "@aws-sdk/client-organizations";
import { RetryableError } from "../runtime/reconcile-errors.js";
import { awsCall, awsErrorCode, required } from "./aws-errors.js";

/** The Organizations reads of a service integration, as a narrow interface (faked in unit tests). */
export interface ServiceIntegration {
  /** Whether `principal` has trusted access (ListAWSServiceAccessForOrganization). */
  trustedAccess(principal: string): Promise<boolean>;
  /**
   * The accounts registered as delegated administrators of `principal` (ListDelegatedAdministrators,
   * and ListDelegatedServicesForAccount of each).
   */
  delegatedAdministrators(principal: string): Promise<string[]>;
}

/** The services `accountId` is a delegated administrator of (none once it was deregistered meanwhile). */
async function servicesOf(org: OrganizationsClient, accountId: string): Promise<string[]> {
  const services: string[] = [];
  try {
    for await (const page of paginateListDelegatedServicesForAccount(
      { client: org },
      { AccountId: accountId },
    )) {
      for (const s of page.DelegatedServices ?? []) if (s.ServicePrincipal) services.push(s.ServicePrincipal);
    }
  } catch (err) {
    if (awsErrorCode(err) === "AccountNotRegisteredException") return [];
    throw err;
  }
  return services;
}

/** The ServiceIntegration of an Organizations SDK client (bound to a reconcile's deadline by its caller). */
export function sdkServiceIntegration(org: OrganizationsClient): ServiceIntegration {
  return {
    async trustedAccess(principal) {
      for await (const page of paginateListAWSServiceAccessForOrganization({ client: org }, {})) {
        if ((page.EnabledServicePrincipals ?? []).some((p) => p.ServicePrincipal === principal)) return true;
      }
      return false;
    },
    async delegatedAdministrators(principal) {
      // Every delegated administrator, then the services of each: ListDelegatedAdministrators'
      // ServicePrincipal filter would be one call, but emulators refuse principals they do not know
      // (moto knows six), and organizations have a handful of administrator accounts.
      const accounts: string[] = [];
      for await (const page of paginateListDelegatedAdministrators({ client: org }, {})) {
        for (const a of page.DelegatedAdministrators ?? []) {
          accounts.push(required(a.Id, "a delegated administrator's account id"));
        }
      }
      const administrators: string[] = [];
      for (const accountId of accounts) {
        if ((await servicesOf(org, accountId)).includes(principal)) administrators.push(accountId);
      }
      return administrators;
    },
  };
}

/**
 * Something the organization must have before a kind can write (trusted access, a delegated
 * administrator): a planned change that names where to fix it, and the error a write meets until
 * it is fixed. As a planned change rather than a failed read, `orgguard plan` shows it beside the
 * Organization object whose apply comes first. The error is retried with backoff (Synced=False
 * with the reason, 1 s to 5 min apart), not Stalled until the next poll: the Organization object of
 * the same commit usually enables it seconds later, as a policy type an Organization enables.
 */
export interface Prerequisite {
  path: string;
  description: string;
  error: RetryableError;
}

/** The prerequisite that `principal` has trusted access, when it has not. */
export async function trustedAccessPrerequisite(
  integration: ServiceIntegration,
  principal: string,
  purpose: string,
): Promise<Prerequisite | undefined> {
  const enabled = await awsCall(`cannot read which services have trusted access (for ${principal})`, () =>
    integration.trustedAccess(principal),
  );
  if (enabled) return undefined;
  const fix = `list ${principal} under the Organization object's spec.trustedAccess (or, from the management account: aws organizations enable-aws-service-access --service-principal ${principal})`;
  return {
    path: `organization.trustedAccess[${principal}]`,
    description: `needs trusted access for ${principal}, which is off: ${fix}`,
    error: new RetryableError(
      "TrustedAccessDisabled",
      `${purpose} needs trusted access for ${principal} in the organization: ${fix}; retried with backoff`,
    ),
  };
}
