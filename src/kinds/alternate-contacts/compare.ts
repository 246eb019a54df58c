/**
 * Pure comparison of alternate contacts. Contact details are personal data, so what leaves this
 * file (status, plans, Events, logs) names the fields that differ, never their values.
 */
import type { Change } from "../../runtime/managed.js";
import { type AlternateContactsFields, type Contact, type ContactField, contactFields } from "./schema.js";

/** The contact types as the spec names them, and as the Account Management API does. */
export const CONTACT_TYPES = {
  security: "SECURITY",
  operations: "OPERATIONS",
  billing: "BILLING",
} as const;
export type ContactKey = keyof typeof CONTACT_TYPES;
const contactKeys = Object.keys(CONTACT_TYPES) as ContactKey[];

/** The contacts the spec lists. */
export type DesiredAlternateContacts = Partial<Record<ContactKey, Contact>>;

/** Per type the spec lists and AWS has: which fields differ. A type not set is absent. */
export type ObservedAlternateContacts = Partial<Record<ContactKey, { differs: ContactField[] }>>;

export function desiredAlternateContacts(fields: AlternateContactsFields): DesiredAlternateContacts {
  return Object.fromEntries(contactKeys.flatMap((key) => (fields[key] ? [[key, fields[key]]] : [])));
}

/** AWS keeps what it was given; an email address is compared without case, every field trimmed. */
const same = (field: ContactField, a: string, b: string): boolean =>
  field === "emailAddress" ? a.trim().toLowerCase() === b.trim().toLowerCase() : a.trim() === b.trim();

/** The fields of `have` that differ from `want`. */
export function differingFields(want: Contact, have: Contact): ContactField[] {
  return contactFields.filter((field) => !same(field, want[field], have[field]));
}

export function diffAlternateContacts(
  desired: DesiredAlternateContacts,
  observed: ObservedAlternateContacts | undefined,
): Change[] {
  return contactKeys.flatMap((key): Change[] => {
    if (!desired[key]) return [];
    const state = observed?.[key];
    if (!state) {
      return [
        { path: key, from: "not set", to: "set", description: `set the ${CONTACT_TYPES[key]} contact` },
      ];
    }
    return state.differs.map((field) => ({
      path: `${key}.${field}`,
      description: `differs from the spec (values withheld: contact details are personal data)`,
    }));
  });
}

/** CIS 1.2: a SECURITY contact is registered (whatever its details). */
export const securityContactSet = (observed: ObservedAlternateContacts | undefined): boolean =>
  observed?.security !== undefined;
