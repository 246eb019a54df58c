/**
 * IncidentRoles: the roles an incident needs in each account (CIS v3.0 1.17), trusted by one
 * declared principal so responders and auditors never need IAM users: a support role with AWS's
 * AWSSupportAccess policy and, optionally, a read-only audit role with SecurityAudit. orgguard
 * creates them (tagged as its own), keeps their trust policy and policy, and never touches a role
 * of that name it did not create (Stalled/RoleNameTaken, rechecked every poll).
 */
import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  paginateListAttachedRolePolicies,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { awsCall } from "../../aws/aws-errors.js";
import type { AwsAccess, ClientTarget } from "../../aws/clients.js";
import { BlockedError } from "../../runtime/reconcile-errors.js";
import { reads, writes } from "../kind-definition.js";
import type { AccountSetting, SettingClient } from "../setting/setting.js";
import {
  type DesiredIncidentRoles,
  type DesiredRole,
  desiredIncidentRoles,
  diffIncidentRoles,
  principalsOf,
  trustMatches,
  trustPolicy,
} from "./compare.js";
import {
  incidentRolesFields,
  type ObservedIncidentRoles,
  observedIncidentRoles,
  type RoleState,
} from "./schema.js";

/** The tag that says orgguard created a role (the only roles it changes or deletes). */
const OWNER_TAG = { Key: "orgguard.io/managed-by", Value: "orgguard" };

/** A trust policy as GetRole gives it: URL-encoded JSON. */
function trustDocument(encoded: string | undefined): unknown {
  if (!encoded) return undefined;
  try {
    return JSON.parse(decodeURIComponent(encoded));
  } catch {
    return undefined;
  }
}

function incidentRolesClient(
  aws: AwsAccess,
  target: ClientTarget,
): SettingClient<DesiredIncidentRoles, ObservedIncidentRoles> {
  const where = `in account ${target.accountId}`;
  const iam = () => aws.forAccount("iam", target);

  async function readRole(role: DesiredRole): Promise<RoleState> {
    const client = await iam();
    const out = await awsCall(
      `cannot read role ${role.name} ${where}`,
      () => client.send(new GetRoleCommand({ RoleName: role.name })),
      {
        notFound: () => undefined,
      },
    );
    if (!out?.Role) return { name: role.name, exists: false };
    const attached: string[] = [];
    await awsCall(`cannot list the policies of role ${role.name} ${where}`, async () => {
      for await (const page of paginateListAttachedRolePolicies({ client }, { RoleName: role.name }))
        for (const p of page.AttachedPolicies ?? []) if (p.PolicyArn) attached.push(p.PolicyArn);
    });
    const document = trustDocument(out.Role.AssumeRolePolicyDocument);
    return {
      name: role.name,
      exists: true,
      ownedByOrgguard: (out.Role.Tags ?? []).some(
        (t) => t.Key === OWNER_TAG.Key && t.Value === OWNER_TAG.Value,
      ),
      trustedPrincipals: principalsOf(document).slice(0, 20),
      trustMatches: trustMatches(document, role.trustedPrincipal),
      policyAttached: attached.includes(role.policyArn),
    };
  }

  return {
    read: async (desired) => {
      const observed: ObservedIncidentRoles = {};
      for (const role of desired.roles) observed[role.key] = await readRole(role);
      return observed;
    },
    write: async (desired, observed) => {
      const client = await iam();
      for (const role of desired.roles) {
        const state = observed?.[role.key];
        const policy = JSON.stringify(trustPolicy(role.trustedPrincipal));
        if (!state?.exists) {
          await awsCall(`cannot create role ${role.name} ${where}`, () =>
            client.send(
              new CreateRoleCommand({
                RoleName: role.name,
                AssumeRolePolicyDocument: policy,
                Description:
                  "Kept by orgguard (IncidentRoles): assumed by the incident responders' principal only",
                Tags: [OWNER_TAG],
              }),
            ),
          );
        } else if (!state.ownedByOrgguard) {
          throw new BlockedError(
            "RoleNameTaken",
            `role ${role.name} ${where} exists and orgguard did not create it (no ${OWNER_TAG.Key} tag): it is never changed. Choose another name in the spec, or delete the role; checked again every poll`,
          );
        } else if (!state.trustMatches) {
          await awsCall(`cannot set the trust policy of role ${role.name} ${where}`, () =>
            client.send(new UpdateAssumeRolePolicyCommand({ RoleName: role.name, PolicyDocument: policy })),
          );
        }
        if (!state?.policyAttached) {
          await awsCall(`cannot attach ${role.policyArn} to role ${role.name} ${where}`, () =>
            client.send(new AttachRolePolicyCommand({ RoleName: role.name, PolicyArn: role.policyArn })),
          );
        }
      }
    },
    // deletionPolicy: Delete: the roles orgguard created go (their policy detached first).
    remove: async (desired, observed) => {
      const client = await iam();
      for (const role of desired.roles) {
        if (!observed[role.key]?.ownedByOrgguard) continue;
        await awsCall(
          `cannot detach ${role.policyArn} from role ${role.name} ${where}`,
          () => client.send(new DetachRolePolicyCommand({ RoleName: role.name, PolicyArn: role.policyArn })),
          {
            notFound: () => undefined,
          },
        );
        await awsCall(
          `cannot delete role ${role.name} ${where}`,
          () => client.send(new DeleteRoleCommand({ RoleName: role.name })),
          {
            notFound: () => undefined,
          },
        );
      }
    },
  };
}

export const incidentRolesSetting: AccountSetting<
  typeof incidentRolesFields,
  DesiredIncidentRoles,
  ObservedIncidentRoles
> = {
  names: {
    kind: "IncidentRoles",
    plural: "incidentroles",
    singular: "incidentroles",
    shortNames: ["incroles"],
    field: "incidentRoles",
  },
  scope: "account",
  noun: "incident roles",
  description:
    "IncidentRoles keeps the roles an incident needs in one AWS account (CIS 1.17): a support role with AWSSupportAccess and, optionally, a read-only audit role with SecurityAudit, both assumable by one declared principal only, so responders and auditors never need IAM users.",
  specDescription: "The incident roles orgguard keeps in one account, and who may assume them.",
  fieldDescription: "The incident roles every selected account gets",
  fields: incidentRolesFields,
  observed: observedIncidentRoles,
  printerColumns: [{ name: "Trusted", type: "string", jsonPath: ".spec.trustedPrincipal", priority: 1 }],
  desired: (fields) => desiredIncidentRoles(fields),
  diff: diffIncidentRoles,
  // Nothing set: no role of the spec's exists (Delete is then done).
  isDefault: (observed) => !observed.supportRole?.exists && !observed.auditRole?.exists,
  client: incidentRolesClient,
  controls: [
    {
      id: "CIS 1.17",
      title: "A support role exists to manage incidents with AWS Support",
      holds: (o) => o?.supportRole?.exists === true && o.supportRole.policyAttached === true,
    },
  ],
  operations: [
    ...reads("iam", "GetRole", "ListAttachedRolePolicies"),
    ...writes(
      "iam",
      "CreateRole",
      "UpdateAssumeRolePolicy",
      "AttachRolePolicy",
      "DetachRolePolicy",
      "DeleteRole",
    ),
  ],
};
