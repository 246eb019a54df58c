/** The IncidentRoles setting's decisions: the roles wanted, a trust policy compared by meaning, and what a plan says. */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  desiredIncidentRoles,
  diffIncidentRoles,
  principalsOf,
  trustMatches,
  trustPolicy,
} from "../../../src/kinds/incident-roles/compare.js";
import { incidentRolesSetting } from "../../../src/kinds/incident-roles/index.js";
import { incidentRolesFields } from "../../../src/kinds/incident-roles/schema.js";

const RESPONDERS = "arn:aws:iam::111111111111:role/IncidentResponders";
const fields = (spec: Record<string, unknown> = {}) =>
  z.strictObject(incidentRolesFields).parse({ trustedPrincipal: RESPONDERS, ...spec });
const owned = { exists: true, ownedByOrgguard: true, trustMatches: true, policyAttached: true };

describe("desiredIncidentRoles", () => {
  it("a support role by default, the audit role when asked, AWS's policies in the principal's partition", () => {
    expect(desiredIncidentRoles(fields()).roles.map((r) => `${r.name}:${r.policyArn}`)).toEqual([
      "incident-support:arn:aws:iam::aws:policy/AWSSupportAccess",
    ]);
    const china = desiredIncidentRoles(
      fields({ trustedPrincipal: "arn:aws-cn:iam::111111111111:root", auditRole: true }),
    ).roles.map((r) => r.policyArn);
    expect(china).toEqual([
      "arn:aws-cn:iam::aws:policy/AWSSupportAccess",
      "arn:aws-cn:iam::aws:policy/SecurityAudit",
    ]);
  });
});

describe("trustMatches", () => {
  it.each([
    { reason: "the policy orgguard writes", doc: trustPolicy(RESPONDERS), matches: true },
    {
      reason: "the same as IAM returns it, a one-element list and keys in another order",
      doc: {
        Statement: [{ Action: ["sts:AssumeRole"], Principal: { AWS: RESPONDERS }, Effect: "Allow" }],
        Version: "2012-10-17",
      },
      matches: true,
    },
    {
      reason: "someone else added",
      doc: {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: [RESPONDERS, "arn:aws:iam::999999999999:root"] },
            Action: "sts:AssumeRole",
          },
        ],
      },
      matches: false,
    },
    { reason: "unreadable", doc: undefined, matches: false },
  ])("$reason: $matches", ({ doc, matches }) => expect(trustMatches(doc, RESPONDERS)).toBe(matches));

  it("lists the principals for status", () => {
    expect(principalsOf(trustPolicy(RESPONDERS))).toEqual([RESPONDERS]);
  });
});

describe("diffIncidentRoles", () => {
  const cases = [
    {
      reason: "nothing there: create the support role",
      spec: {},
      observed: undefined,
      paths: ["supportRole"],
    },
    {
      reason: "in place: nothing to do",
      spec: {},
      observed: { supportRole: { name: "incident-support", ...owned } },
      paths: [],
    },
    {
      reason: "its trust widened by hand: narrowed back",
      spec: {},
      observed: { supportRole: { name: "incident-support", ...owned, trustMatches: false } },
      paths: ["supportRole.trustPolicy"],
    },
    {
      reason: "its policy detached by hand: attached again",
      spec: {},
      observed: { supportRole: { name: "incident-support", ...owned, policyAttached: false } },
      paths: ["supportRole.policy"],
    },
    {
      reason: "a role of that name orgguard did not create: said, never changed",
      spec: {},
      observed: { supportRole: { name: "incident-support", exists: true, ownedByOrgguard: false } },
      paths: ["supportRole.owner"],
    },
    {
      reason: "the audit role too when asked",
      spec: { auditRole: true },
      observed: { supportRole: { name: "incident-support", ...owned } },
      paths: ["auditRole"],
    },
  ];
  it.each(cases)("$reason", ({ spec, observed, paths }) => {
    expect(diffIncidentRoles(desiredIncidentRoles(fields(spec)), observed).map((c) => c.path)).toEqual(paths);
  });

  it("CIS 1.17 holds when the support role exists with AWSSupportAccess", () => {
    const [control] = incidentRolesSetting.controls ?? [];
    expect(control?.holds({ supportRole: { name: "x", ...owned } })).toBe(true);
    expect(control?.holds({ supportRole: { name: "x", exists: false } })).toBe(false);
  });
});
