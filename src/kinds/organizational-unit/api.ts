/**
 * The OrganizationalUnit kind's API: an OU addressed by its path from the root, as selectors and
 * policy targets already write it (`Root/Workloads/Prod`).
 */
import { z } from "zod";
import type { ApiDefinition } from "../../api/api-definition.js";
import { deletionPolicy, managementPolicy, ouId, statusSchema, withRules } from "../../api/common.js";

/** AWS Organizations allows OUs five levels deep below the root. */
export const MAX_OU_DEPTH = 5;

/** An OU name: 1 to 128 characters, no slash (the path's separator). */
const OU_NAME = "[^/]{1,128}";

/** The path of an OU this kind keeps: Root and one to five OU names. */
export const ouObjectPath = z
  .string()
  .max(1024)
  .regex(
    new RegExp(`^Root(/${OU_NAME}){1,${MAX_OU_DEPTH}}$`),
    `must be Root followed by 1 to ${MAX_OU_DEPTH} OU names of at most 128 characters, such as Root/Workloads/Prod (AWS allows OUs ${MAX_OU_DEPTH} levels deep)`,
  )
  .describe(
    "Where the OU is: its path of names from the root, for example Root/Workloads/Prod. The last name is the OU's; the rest is its parent, created first (by its own OrganizationalUnit object, or already there).",
  );

export const ouSpec = withRules(
  z
    .strictObject({
      path: ouObjectPath,
      ouId: ouId
        .optional()
        .describe(
          "Adopt this existing OU: it is renamed in place to the path's last name if it differs. AWS cannot move an OU: it must already be under the path's parent.",
        ),
      tags: z
        .record(z.string().min(1).max(128), z.string().max(256))
        .optional()
        .describe(
          "Tags on the OU. Only these keys (and orgguard's own ownership tags) are managed; others are left alone.",
        ),
      managementPolicy,
      deletionPolicy: deletionPolicy.describe(
        "What happens in AWS when this object is deleted. Retain (the default) leaves the OU; Delete deletes it, but only once it is empty: an OU that still holds accounts or OUs is reported (Stalled/NotEmpty) and kept, never emptied by orgguard.",
      ),
    })
    .describe("An organizational unit of AWS Organizations, kept at its path."),
  [
    {
      // Said in words at admission (the schema's pattern alone answers with the regular expression).
      cel: `self.path.matches('^Root(/[^/]+){1,${MAX_OU_DEPTH}}$')`,
      message: `spec.path must be Root followed by 1 to ${MAX_OU_DEPTH} OU names: AWS allows OUs ${MAX_OU_DEPTH} levels deep`,
      fieldPath: ".path",
      holds: (spec) => new RegExp(`^Root(/[^/]+){1,${MAX_OU_DEPTH}}$`).test(spec.path),
    },
  ],
);

export type OuSpec = z.output<typeof ouSpec>;

const atProvider = z
  .object({
    name: z.string().max(128).optional().describe("The OU's name in AWS."),
    parentId: z.string().max(64).optional().describe("The id of the root or OU the OU is in."),
    path: z.string().max(1024).optional().describe("Where AWS has the OU now, as a path of names."),
    accounts: z.number().int().min(0).optional().describe("Accounts directly in the OU, at the last read."),
    ous: z.number().int().min(0).optional().describe("OUs directly in the OU, at the last read."),
  })
  .describe("What AWS has.");

export const ouStatus = statusSchema(atProvider, {
  ouId: z.string().max(64).optional().describe("The OU's id in AWS."),
  arn: z.string().max(2048).optional().describe("The OU's ARN."),
});

export const organizationalUnitApi: ApiDefinition = {
  kind: "OrganizationalUnit",
  plural: "organizationalunits",
  singular: "organizationalunit",
  shortNames: ["ou"],
  description:
    "An AWS Organizations organizational unit at a path from the root: created under its parent, renamed back if renamed by hand, deleted only with deletionPolicy Delete and only when empty.",
  spec: ouSpec,
  status: ouStatus,
  printerColumns: [
    { name: "Path", type: "string", jsonPath: ".spec.path" },
    { name: "OU-ID", type: "string", jsonPath: ".status.ouId" },
  ],
};
