/**
 * The account an organization-wide service is administered from (Security Hub's administrator,
 * the AWS Config aggregator's account): named in the spec by id or by its name in the
 * organization, and resolved in the organization view on every reconcile.
 */
import { z } from "zod";
import { accountId, isSet, withRules } from "../api/common.js";
import type { OrganizationView } from "../aws/organization-view.js";
import type { TargetView } from "./organization.js";

const KEYS = ["accountId", "accountName"] as const;

/** `{ accountId }` or `{ accountName }`: exactly one. */
export const administratorAccount = (what: string) =>
  withRules(
    z
      .strictObject({
        accountId: accountId.optional().describe(`The ${what}, by its id.`),
        accountName: z
          .string()
          .min(1)
          .max(50)
          .optional()
          .describe(
            `The ${what}, by its name in the organization (resolved on every reconcile; exactly one active account must have it).`,
          ),
      })
      .describe(`The ${what}: exactly one of accountId or accountName.`),
    [
      {
        cel: `[${KEYS.map((k) => `has(self.${k})`).join(", ")}].filter(x, x).size() == 1`,
        message: "exactly one of accountId or accountName must be set",
        holds: (a) => KEYS.filter((k) => isSet(a[k])).length === 1,
      },
    ],
  );

export interface AdministratorAccountSpec {
  accountId?: string | undefined;
  accountName?: string | undefined;
}

/** An administrator resolved: its id, and how messages name it (`222222222222 (Security Tooling)`). */
export interface ResolvedAccount {
  id: string;
  label: string;
}

/** How messages name the account the spec means, before it is resolved. */
export const specLabel = (spec: AdministratorAccountSpec): string =>
  spec.accountId ?? `the account named ${spec.accountName}`;

/** The one active account named `name` in `view`, or why there is none. */
function accountNamed(view: OrganizationView, name: string): string | { missing: string } {
  const named = view.accounts.filter((a) => a.name === name);
  // A closed account may share its name with a new one: the active one is meant.
  const candidates = named.length > 1 ? named.filter((a) => a.status === "ACTIVE") : named;
  const [only] = candidates;
  if (only && candidates.length === 1) return only.id;
  return {
    missing:
      candidates.length === 0
        ? `no account in the organization is named ${name}`
        : `${candidates.length} accounts are named ${name}: use accountId`,
  };
}

/**
 * The account `spec` names: by id as written; by name in the organization view (a fresher one
 * when the current one does not know it, since the account may be new), or why it cannot be found
 * (`{ missing }`: the caller decides whether that is a wait or a failure).
 */
export async function resolveAdministrator(
  view: TargetView,
  spec: AdministratorAccountSpec,
): Promise<ResolvedAccount | { missing: string }> {
  if (spec.accountId !== undefined) return { id: spec.accountId, label: spec.accountId };
  const name = spec.accountName ?? "";
  let found = accountNamed(await view.current(), name);
  if (typeof found !== "string") found = accountNamed(await view.fresher(), name);
  return typeof found === "string" ? { id: found, label: `${found} (${name})` } : found;
}
