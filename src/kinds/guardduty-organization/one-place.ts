/**
 * GuardDuty's delegated administrator is designated in one place only: a GuardDutyOrganization's
 * spec.administrator, through guardduty:EnableOrganizationAdminAccount, as AWS documents it
 * (it enables trusted access, registers the account with Organizations and enables GuardDuty in
 * it, region by region). The Organization kind's generic registration (RegisterDelegatedAdministrator)
 * does only the middle part, and two objects owning one designation would undo each other's on
 * deletion. This finds where an Organization object names it too: the controller reports it on
 * the GuardDutyOrganization (Stalled, nothing written), `orgguard validate` refuses the pair.
 */
import { GUARDDUTY_PRINCIPAL } from "./api.js";

/** What the rule reads of an object (a cluster object or a manifest). */
export interface NamedObject {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
}

/** An Organization object's entry naming GuardDuty's delegated administrator. */
export interface OtherDesignation {
  /** `Organization/<name>`. */
  object: string;
  /** `spec.delegatedAdministrators[1]`. */
  path: string;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Every entry of an Organization object among `objects` that names GuardDuty's delegated administrator. */
export function organizationDesignations(objects: readonly NamedObject[]): OtherDesignation[] {
  return objects
    .filter((o) => o.kind === "Organization")
    .flatMap((o) => {
      const entries = Array.isArray(o.spec?.delegatedAdministrators) ? o.spec.delegatedAdministrators : [];
      return entries.flatMap((entry, i) =>
        isRecord(entry) && entry.servicePrincipal === GUARDDUTY_PRINCIPAL
          ? [{ object: `Organization/${o.metadata.name}`, path: `spec.delegatedAdministrators[${i}]` }]
          : [],
      );
    });
}

/** The rule, in words. */
const ONE_PLACE = `GuardDuty's delegated administrator is designated in one place only, a GuardDutyOrganization's spec.administrator (guardduty:EnableOrganizationAdminAccount, as AWS documents it)`;

/** What the GuardDutyOrganization's condition says when an Organization names it too. */
export function twoPlacesMessage(designations: readonly OtherDesignation[]): string {
  const where = designations.map((d) => `${d.object} ${d.path}`).join(", ");
  return `${ONE_PLACE}, but ${where} names ${GUARDDUTY_PRINCIPAL} too: remove that entry (${GUARDDUTY_PRINCIPAL} may stay under the Organization's trustedAccess; GuardDuty enables it itself). Nothing is written to GuardDuty until then`;
}

/** What `orgguard validate` says at the Organization's entry, when the manifests hold a GuardDutyOrganization. */
export const ENTRY_MESSAGE = `${ONE_PLACE}, and these manifests have one: remove this entry (${GUARDDUTY_PRINCIPAL} may stay under trustedAccess)`;
