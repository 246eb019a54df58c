/**
 * The IAM Identity Center (sso-admin) calls the IdentityCenterSessionLength kind makes, as a narrow
 * interface: its decisions are tested in-process against a fake, and against moto (which emulates
 * permission sets, storing SessionDuration unvalidated) through the SDK implementation below.
 */
import type { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { ssoAdminSdk } from "../../aws/clients.js";

/** A permission set as DescribePermissionSet gives it. */
export interface PermissionSetRecord {
  arn: string;
  name: string;
  /**
   * SessionDuration as read: ISO 8601 (PT12H) from AWS; moto answers the integer 3600 (seconds)
   * for a permission set created without one, which the SDK passes through as it is.
   */
  sessionDuration: unknown;
  description?: string;
  relayState?: string;
}

export interface SessionLengthApi {
  /** The Identity Center instances in the account and region (ListInstances). */
  instances(): Promise<string[]>;
  /** Every permission set of the instance, described (ListPermissionSets, DescribePermissionSet). */
  permissionSets(instanceArn: string): Promise<PermissionSetRecord[]>;
  /** UpdatePermissionSet with the new duration; Description and RelayState sent as they were. */
  setSessionDuration(instanceArn: string, set: PermissionSetRecord, duration: string): Promise<void>;
  /** The accounts the permission set is provisioned to (ListAccountsForProvisionedPermissionSet). */
  provisionedAccounts(instanceArn: string, arn: string): Promise<string[]>;
  /** ProvisionPermissionSet to every account it is provisioned to: its status and, when FAILED, why. */
  provision(instanceArn: string, arn: string): Promise<{ status: string; failureReason?: string }>;
}

export function sdkSessionLengthApi(sso: SSOAdminClient): SessionLengthApi {
  return {
    async instances() {
      const { paginateListInstances } = await ssoAdminSdk();
      const arns: string[] = [];
      for await (const page of paginateListInstances({ client: sso }, {})) {
        for (const i of page.Instances ?? []) if (i.InstanceArn) arns.push(i.InstanceArn);
      }
      return arns;
    },
    async permissionSets(instanceArn) {
      const { DescribePermissionSetCommand, paginateListPermissionSets } = await ssoAdminSdk();
      const arns: string[] = [];
      for await (const page of paginateListPermissionSets({ client: sso }, { InstanceArn: instanceArn })) {
        arns.push(...(page.PermissionSets ?? []));
      }
      const sets: PermissionSetRecord[] = [];
      for (const arn of arns) {
        const described = (
          await sso.send(
            new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
          )
        ).PermissionSet;
        sets.push({
          arn,
          name: described?.Name ?? arn,
          sessionDuration: described?.SessionDuration,
          ...(described?.Description ? { description: described.Description } : {}),
          ...(described?.RelayState ? { relayState: described.RelayState } : {}),
        });
      }
      return sets;
    },
    async setSessionDuration(instanceArn, set, duration) {
      const { UpdatePermissionSetCommand } = await ssoAdminSdk();
      await sso.send(
        new UpdatePermissionSetCommand({
          InstanceArn: instanceArn,
          PermissionSetArn: set.arn,
          SessionDuration: duration,
          // moto resets an omitted Description; AWS leaves it: send both as they were.
          ...(set.description ? { Description: set.description } : {}),
          ...(set.relayState ? { RelayState: set.relayState } : {}),
        }),
      );
    },
    async provisionedAccounts(instanceArn, arn) {
      const { paginateListAccountsForProvisionedPermissionSet } = await ssoAdminSdk();
      const accounts: string[] = [];
      for await (const page of paginateListAccountsForProvisionedPermissionSet(
        { client: sso },
        { InstanceArn: instanceArn, PermissionSetArn: arn },
      )) {
        accounts.push(...(page.AccountIds ?? []));
      }
      return accounts;
    },
    async provision(instanceArn, arn) {
      const { ProvisionPermissionSetCommand } = await ssoAdminSdk();
      const status = (
        await sso.send(
          new ProvisionPermissionSetCommand({
            InstanceArn: instanceArn,
            PermissionSetArn: arn,
            TargetType: "ALL_PROVISIONED_ACCOUNTS",
          }),
        )
      ).PermissionSetProvisioningStatus;
      return {
        status: status?.Status ?? "IN_PROGRESS",
        ...(status?.FailureReason ? { failureReason: status.FailureReason } : {}),
      };
    },
  };
}
