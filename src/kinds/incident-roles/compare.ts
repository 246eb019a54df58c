/**
 * Pure decisions of the IncidentRoles setting: the trust policy a role must have, whether one read
 * from IAM is it (compared by meaning), and the changes a plan shows.
 */
import { samePolicy } from "../../aws/policy-document.js";
import type { Change } from "../../runtime/managed.js";
import type { IncidentRolesFields, ObservedIncidentRoles, RoleState } from "./schema.js";

/** One role the spec wants: its name, its AWS managed policy, and who may assume it. */
export interface DesiredRole {
  key: "supportRole" | "auditRole";
  name: string;
  policyArn: string;
  trustedPrincipal: string;
}

/** What the setting wants in an account. */
export interface DesiredIncidentRoles {
  roles: DesiredRole[];
}

/** The partition of an ARN: the managed policies are in the trusted principal's. */
const partitionOf = (arn: string) => arn.split(":")[1] ?? "aws";

export function desiredIncidentRoles(fields: IncidentRolesFields): DesiredIncidentRoles {
  const partition = partitionOf(fields.trustedPrincipal);
  const role = (key: DesiredRole["key"], name: string, policy: string): DesiredRole => ({
    key,
    name,
    policyArn: `arn:${partition}:iam::aws:policy/${policy}`,
    trustedPrincipal: fields.trustedPrincipal,
  });
  return {
    roles: [
      role("supportRole", fields.supportRoleName, "AWSSupportAccess"),
      ...(fields.auditRole ? [role("auditRole", fields.auditRoleName, "SecurityAudit")] : []),
    ],
  };
}

/** The trust policy a role gets: only the declared principal may assume it. */
export const trustPolicy = (principal: string) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: principal }, Action: "sts:AssumeRole" }],
});

/** Whether a trust policy read from IAM is exactly the one the role should have. */
export const trustMatches = (document: unknown, principal: string): boolean =>
  samePolicy(document, trustPolicy(principal));

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/** The AWS principals a trust policy names (for status). */
export function principalsOf(document: unknown): string[] {
  if (!isRecord(document)) return [];
  return listOf(document.Statement).flatMap((s) => {
    const principal = isRecord(s) ? s.Principal : undefined;
    return listOf(isRecord(principal) ? principal.AWS : undefined).filter(
      (p): p is string => typeof p === "string",
    );
  });
}

/** One change per thing a role lacks. */
export function diffIncidentRoles(
  desired: DesiredIncidentRoles,
  observed: ObservedIncidentRoles | undefined,
): Change[] {
  return desired.roles.flatMap((role): Change[] => {
    const state: RoleState | undefined = observed?.[role.key];
    const policy = role.policyArn.split("/").at(-1);
    if (!state?.exists) {
      return [
        {
          path: `${role.key}`,
          from: "absent",
          to: role.name,
          description: `create role ${role.name} with ${policy}, assumable by ${role.trustedPrincipal} only`,
        },
      ];
    }
    if (!state.ownedByOrgguard) {
      return [
        {
          path: `${role.key}.owner`,
          description: `role ${role.name} exists and orgguard did not create it: it is never changed (choose another name, or delete it)`,
        },
      ];
    }
    return [
      ...(state.trustMatches
        ? []
        : [
            {
              path: `${role.key}.trustPolicy`,
              from: state.trustedPrincipals ?? [],
              to: [role.trustedPrincipal],
              description: `let only ${role.trustedPrincipal} assume ${role.name}`,
            },
          ]),
      ...(state.policyAttached
        ? []
        : [
            {
              path: `${role.key}.policy`,
              from: "detached",
              to: policy,
              description: `attach ${policy} to ${role.name}`,
            },
          ]),
    ];
  });
}
