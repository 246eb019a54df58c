/**
 * The IAM Identity Center calls the TemporaryAccess kind makes (sso-admin for the instance,
 * permission sets and account assignments; identitystore for the user or group), as a narrow
 * interface: the kind's decisions are tested in-process against a fake, and against moto (which
 * emulates account assignments and the identity store) through the SDK implementation below.
 */
import type { IdentitystoreClient } from "@aws-sdk/client-identitystore";
import type { SSOAdminClient } from "@aws-sdk/client-sso-admin";
import { isNotFound } from "../../aws/aws-errors.js";
import { identityStoreSdk, ssoAdminSdk } from "../../aws/clients.js";

/** An Identity Center instance and its identity store. */
export interface InstanceRecord {
  arn: string;
  identityStoreId: string;
}

/** Who an assignment is for: a user or a group, by id. */
export interface PrincipalRef {
  type: "USER" | "GROUP";
  id: string;
}

/** An assignment request's answer: SUCCEEDED, IN_PROGRESS or FAILED (and why). */
export interface AssignmentStatus {
  status: string;
  failureReason?: string;
}

export interface AccessApi {
  /** ListInstances. */
  instances(): Promise<InstanceRecord[]>;
  /** The ARN of the permission set named `name` (ListPermissionSets, DescribePermissionSet); undefined when none. */
  permissionSetArn(instanceArn: string, name: string): Promise<string | undefined>;
  /** The id of the user (by user name) or group (by display name); undefined when there is none (GetUserId, GetGroupId). */
  principalId(
    identityStoreId: string,
    principal: { userName?: string; groupName?: string },
  ): Promise<string | undefined>;
  /** Whether `principal` has the permission set in `accountId` (ListAccountAssignments). */
  isAssigned(
    instanceArn: string,
    permissionSetArn: string,
    principal: PrincipalRef,
    accountId: string,
  ): Promise<boolean>;
  /** CreateAccountAssignment. */
  assign(
    instanceArn: string,
    permissionSetArn: string,
    principal: PrincipalRef,
    accountId: string,
  ): Promise<AssignmentStatus>;
  /** DeleteAccountAssignment. */
  unassign(
    instanceArn: string,
    permissionSetArn: string,
    principal: PrincipalRef,
    accountId: string,
  ): Promise<AssignmentStatus>;
}

export function sdkAccessApi(sso: SSOAdminClient, identityStore: IdentitystoreClient): AccessApi {
  const target = (
    instanceArn: string,
    permissionSetArn: string,
    principal: PrincipalRef,
    accountId: string,
  ) => ({
    InstanceArn: instanceArn,
    PermissionSetArn: permissionSetArn,
    PrincipalType: principal.type,
    PrincipalId: principal.id,
    TargetType: "AWS_ACCOUNT" as const,
    TargetId: accountId,
  });
  return {
    async instances() {
      const { paginateListInstances } = await ssoAdminSdk();
      const found: InstanceRecord[] = [];
      for await (const page of paginateListInstances({ client: sso }, {})) {
        for (const i of page.Instances ?? [])
          if (i.InstanceArn && i.IdentityStoreId)
            found.push({ arn: i.InstanceArn, identityStoreId: i.IdentityStoreId });
      }
      return found;
    },
    async permissionSetArn(instanceArn, name) {
      const { DescribePermissionSetCommand, paginateListPermissionSets } = await ssoAdminSdk();
      for await (const page of paginateListPermissionSets({ client: sso }, { InstanceArn: instanceArn })) {
        for (const arn of page.PermissionSets ?? []) {
          const described = await sso.send(
            new DescribePermissionSetCommand({ InstanceArn: instanceArn, PermissionSetArn: arn }),
          );
          if (described.PermissionSet?.Name === name) return arn;
        }
      }
      return undefined;
    },
    async principalId(identityStoreId, principal) {
      const { GetGroupIdCommand, GetUserIdCommand } = await identityStoreSdk();
      try {
        if (principal.userName) {
          const out = await identityStore.send(
            new GetUserIdCommand({
              IdentityStoreId: identityStoreId,
              AlternateIdentifier: {
                UniqueAttribute: { AttributePath: "userName", AttributeValue: principal.userName },
              },
            }),
          );
          return out.UserId;
        }
        const out = await identityStore.send(
          new GetGroupIdCommand({
            IdentityStoreId: identityStoreId,
            AlternateIdentifier: {
              UniqueAttribute: { AttributePath: "displayName", AttributeValue: principal.groupName },
            },
          }),
        );
        return out.GroupId;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async isAssigned(instanceArn, permissionSetArn, principal, accountId) {
      const { paginateListAccountAssignments } = await ssoAdminSdk();
      for await (const page of paginateListAccountAssignments(
        { client: sso },
        { InstanceArn: instanceArn, AccountId: accountId, PermissionSetArn: permissionSetArn },
      )) {
        if (
          (page.AccountAssignments ?? []).some(
            (a) => a.PrincipalType === principal.type && a.PrincipalId === principal.id,
          )
        )
          return true;
      }
      return false;
    },
    async assign(instanceArn, permissionSetArn, principal, accountId) {
      const { CreateAccountAssignmentCommand } = await ssoAdminSdk();
      const out = await sso.send(
        new CreateAccountAssignmentCommand(target(instanceArn, permissionSetArn, principal, accountId)),
      );
      const s = out.AccountAssignmentCreationStatus;
      return {
        status: s?.Status ?? "IN_PROGRESS",
        ...(s?.FailureReason ? { failureReason: s.FailureReason } : {}),
      };
    },
    async unassign(instanceArn, permissionSetArn, principal, accountId) {
      const { DeleteAccountAssignmentCommand } = await ssoAdminSdk();
      const out = await sso.send(
        new DeleteAccountAssignmentCommand(target(instanceArn, permissionSetArn, principal, accountId)),
      );
      const s = out.AccountAssignmentDeletionStatus;
      return {
        status: s?.Status ?? "IN_PROGRESS",
        ...(s?.FailureReason ? { failureReason: s.FailureReason } : {}),
      };
    },
  };
}
