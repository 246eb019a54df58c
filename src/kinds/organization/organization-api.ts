/**
 * The AWS Organizations calls the Organization kind makes, as a narrow interface (as the policy
 * engine's policy-api.ts): the kind's decisions (client.ts, compare.ts) are tested in-process
 * against a fake of it, and against moto through the SDK implementation below. Errors are AWS's
 * own (the SDK's, or a fake's shaped like them): the kind decides what they mean (aws-errors.ts).
 */
import {
  DeregisterDelegatedAdministratorCommand,
  DescribeOrganizationCommand,
  DisableAWSServiceAccessCommand,
  EnableAWSServiceAccessCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  type OrganizationsClient,
  type PolicyType,
  paginateListAWSServiceAccessForOrganization,
  paginateListDelegatedAdministrators,
  paginateListDelegatedServicesForAccount,
  RegisterDelegatedAdministratorCommand,
} from "@aws-sdk/client-organizations";
import { RetryableError } from "../../runtime/reconcile-errors.js";
import type { Registration } from "./compare.js";

/** The organization as DescribeOrganization gives it. */
export interface OrganizationRecord {
  id: string;
  managementAccountId: string;
  /** ALL, or CONSOLIDATED_BILLING. */
  featureSet: string;
}

/** The organization's root, with the policy types enabled on it. */
export interface RootRecord {
  id: string;
  enabledPolicyTypes: string[];
}

/** Every Organizations call the Organization kind makes (operations declared in organization-kind.ts). */
export interface OrganizationApi {
  /** DescribeOrganization; AWS's AWSOrganizationsNotInUseException when the caller is in none. */
  describeOrganization(): Promise<OrganizationRecord>;
  /** The organization's root (ListRoots); undefined when there is none. */
  root(): Promise<RootRecord | undefined>;
  /** Every service principal with trusted access (ListAWSServiceAccessForOrganization). */
  trustedAccess(): Promise<string[]>;
  /** The accounts registered as a delegated administrator of any service (ListDelegatedAdministrators). */
  delegatedAdministratorAccounts(): Promise<string[]>;
  /**
   * The services `accountId` is a delegated administrator of (ListDelegatedServicesForAccount);
   * AWS's AccountNotRegisteredException when it is of none.
   */
  delegatedServicesOf(accountId: string): Promise<string[]>;
  enablePolicyType(rootId: string, type: PolicyType): Promise<void>;
  enableTrustedAccess(servicePrincipal: string): Promise<void>;
  disableTrustedAccess(servicePrincipal: string): Promise<void>;
  register(registration: Registration): Promise<void>;
  deregister(registration: Registration): Promise<void>;
}

/** A field AWS always sends, checked rather than assumed: its absence is a reason, not a crash. */
function required<V>(value: V | undefined | null, what: string): V {
  if (value === undefined || value === null || value === "") {
    throw new RetryableError("UnexpectedResponse", `AWS Organizations answered without ${what}`);
  }
  return value;
}

/** The OrganizationApi of an Organizations SDK client (bound to a reconcile's deadline by its caller). */
export function sdkOrganizationApi(org: OrganizationsClient): OrganizationApi {
  return {
    async describeOrganization() {
      const described = required(
        (await org.send(new DescribeOrganizationCommand({}))).Organization,
        "the organization",
      );
      return {
        id: required(described.Id, "the organization's id"),
        managementAccountId: required(described.MasterAccountId, "the management account's id"),
        featureSet: required(described.FeatureSet, "the organization's feature set"),
      };
    },
    async root() {
      const root = (await org.send(new ListRootsCommand({}))).Roots?.[0];
      if (!root?.Id) return undefined;
      return {
        id: root.Id,
        enabledPolicyTypes: (root.PolicyTypes ?? []).flatMap((t) =>
          t.Status === "ENABLED" && t.Type ? [t.Type] : [],
        ),
      };
    },
    async trustedAccess() {
      const principals: string[] = [];
      for await (const page of paginateListAWSServiceAccessForOrganization({ client: org }, {})) {
        for (const p of page.EnabledServicePrincipals ?? []) {
          principals.push(required(p.ServicePrincipal, "an enabled service's principal"));
        }
      }
      return principals;
    },
    async delegatedAdministratorAccounts() {
      const accounts: string[] = [];
      for await (const page of paginateListDelegatedAdministrators({ client: org }, {})) {
        for (const a of page.DelegatedAdministrators ?? []) {
          accounts.push(required(a.Id, "a delegated administrator's account id"));
        }
      }
      return accounts;
    },
    async delegatedServicesOf(accountId) {
      const services: string[] = [];
      for await (const page of paginateListDelegatedServicesForAccount(
        { client: org },
        { AccountId: accountId },
      )) {
        for (const s of page.DelegatedServices ?? []) {
          services.push(required(s.ServicePrincipal, `a delegated service of ${accountId}`));
        }
      }
      return services;
    },
    async enablePolicyType(rootId, type) {
      await org.send(new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: type }));
    },
    async enableTrustedAccess(servicePrincipal) {
      await org.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: servicePrincipal }));
    },
    async disableTrustedAccess(servicePrincipal) {
      await org.send(new DisableAWSServiceAccessCommand({ ServicePrincipal: servicePrincipal }));
    },
    async register({ servicePrincipal, accountId }) {
      await org.send(
        new RegisterDelegatedAdministratorCommand({
          AccountId: accountId,
          ServicePrincipal: servicePrincipal,
        }),
      );
    },
    async deregister({ servicePrincipal, accountId }) {
      await org.send(
        new DeregisterDelegatedAdministratorCommand({
          AccountId: accountId,
          ServicePrincipal: servicePrincipal,
        }),
      );
    },
  };
}
