/**
 * The fields of alternate contacts (CIS AWS Foundations v3.0 1.2; Security Hub Account.1): who AWS
 * calls about security, operations and billing. SECURITY is required; the other two are kept only
 * when listed (a type not listed is never read or changed). Limits and patterns are the Account
 * Management API's (PutAlternateContact).
 */
import { z } from "zod";

const contact = z
  .strictObject({
    name: z.string().min(1).max(64).describe("The contact's name (a person or a team)."),
    title: z.string().min(1).max(50).describe("The contact's title or role."),
    emailAddress: z
      .string()
      .min(1)
      .max(254)
      .regex(
        // AWS's pattern, its \s spelled out as Java means it ([ \t\n\v\f\r]): JavaScript's \s also
        // matches Unicode spaces and Go's (the kube-apiserver's) not \v, so the two would disagree.
        /^[ \t\n\v\f\r]*[\w+=.#|!&-]+@[\w.-]+\.[\w]+[ \t\n\v\f\r]*$/,
        "must be an email address such as security@example.com",
      )
      .describe("Where AWS writes: a team mailbox rather than a person's."),
    phoneNumber: z
      .string()
      .min(1)
      .max(25)
      .regex(/^[ \t\n\v\f\r0-9()+-]+$/, "must be a phone number of digits, spaces, +, - and parentheses")
      .describe("Where AWS calls, for example +1 206 555 0100."),
  })
  .describe("One alternate contact: all four fields are required by AWS.");

export type Contact = z.output<typeof contact>;

export const alternateContactsFields = {
  security: contact.describe(
    "The SECURITY contact: who AWS notifies about security issues in the account (required).",
  ),
  operations: contact.optional().describe("The OPERATIONS contact. Absent: left as it is, never read."),
  billing: contact.optional().describe("The BILLING contact. Absent: left as it is, never read."),
};

export type AlternateContactsFields = z.output<z.ZodObject<typeof alternateContactsFields>>;

/** A field of a contact, as the spec names it. */
export const contactFields = ["name", "title", "emailAddress", "phoneNumber"] as const;
export type ContactField = (typeof contactFields)[number];

const contactState = z
  .object({
    differs: z
      .array(z.enum(contactFields))
      .max(contactFields.length)
      .describe("The fields whose value in AWS differs from the spec (the values are never shown)."),
  })
  .describe("A contact set in AWS, compared with the spec.");

export const observedAlternateContacts = z
  .object({
    security: contactState.optional(),
    operations: contactState.optional(),
    billing: contactState.optional(),
  })
  .describe(
    "The contact types of the spec that are set in AWS, and which of their fields differ. Contact details are personal data: status, logs and Events never show them.",
  );
