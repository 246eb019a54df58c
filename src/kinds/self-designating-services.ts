/**
 * Services whose administrator a kind of its own designates through the service's own API (which
 * registers it in AWS Organizations by itself): listing them under an Organization object's
 * delegatedAdministrators too would have two objects keep one registration, and dropping the entry
 * there would deregister the service's administrator. `orgguard validate` warns about it.
 */
import type { Problem } from "../api/problems.js";

/** Service principal -> the kind that designates its administrator, and how. */
export const SELF_DESIGNATING_SERVICES: Readonly<
  Record<string, { kind: string; field: string; call: string }>
> = {
  "securityhub.amazonaws.com": {
    kind: "SecurityHubOrganization",
    field: "spec.administrator",
    call: "securityhub:EnableOrganizationAdminAccount",
  },
};

/** A warning for each delegated administrator entry of such a service. */
export function selfDesignatedProblems(
  delegatedAdministrators: ReadonlyArray<{ servicePrincipal: string }>,
): Problem[] {
  return delegatedAdministrators.flatMap((d, i) => {
    const by = SELF_DESIGNATING_SERVICES[d.servicePrincipal];
    if (!by) return [];
    return [
      {
        path: `spec.delegatedAdministrators[${i}]`,
        message: `${d.servicePrincipal}'s administrator is designated by a ${by.kind} object (${by.field}, with ${by.call}, which registers it in AWS Organizations itself): list it there instead; kept here too, removing this entry would deregister the administrator the ${by.kind} keeps, and a different account here stalls it (DelegatedAdministratorConflict)`,
      },
    ];
  });
}
