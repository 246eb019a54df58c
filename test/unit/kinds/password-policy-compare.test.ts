import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  desiredPasswordPolicy,
  diffPasswordPolicy,
  normalizeObserved,
  updateRequest,
} from "../../../src/kinds/password-policy/compare.js";
import { passwordPolicyFields } from "../../../src/kinds/password-policy/schema.js";

const desired = (spec: Record<string, unknown>) =>
  desiredPasswordPolicy(z.strictObject(passwordPolicyFields).parse(spec));
const allOn = {
  MinimumPasswordLength: 14,
  RequireSymbols: true,
  RequireNumbers: true,
  RequireUppercaseCharacters: true,
  RequireLowercaseCharacters: true,
  AllowUsersToChangePassword: true,
  HardExpiry: false,
};

describe("diffPasswordPolicy", () => {
  const cases = [
    { reason: "the defaults equal an all-on policy of 14", spec: {}, observed: allOn, paths: [] },
    {
      reason: "IAM reports 0 for no expiry: not drift when the spec omits maxPasswordAge",
      spec: {},
      observed: { ...allOn, MaxPasswordAge: 0, PasswordReusePrevention: 0 },
      paths: [],
    },
    {
      reason: "IAM leaves out false booleans: they compare as false",
      spec: { requireSymbols: false, requireNumbers: false },
      observed: { ...allOn, RequireSymbols: undefined, RequireNumbers: undefined },
      paths: [],
    },
    {
      reason: "an expiry set in the console is drift when the spec says never",
      spec: {},
      observed: { ...allOn, MaxPasswordAge: 90, ExpirePasswords: true },
      paths: ["maxPasswordAge"],
    },
    {
      reason: "a weaker console policy differs in every weakened field",
      spec: { passwordReusePrevention: 24 },
      observed: { MinimumPasswordLength: 8 },
      paths: [
        "minimumPasswordLength",
        "requireSymbols",
        "requireNumbers",
        "requireUppercaseCharacters",
        "requireLowercaseCharacters",
        "allowUsersToChangePassword",
        "passwordReusePrevention",
      ],
    },
  ];
  it.each(cases)("$reason", ({ spec, observed, paths }) => {
    const diff = diffPasswordPolicy(desired(spec), normalizeObserved(observed));
    expect(diff.map((c) => c.path)).toEqual(paths);
  });

  it("names from and to, leaving out a side that is off", () => {
    const diff = diffPasswordPolicy(desired({ maxPasswordAge: 90 }), normalizeObserved(allOn));
    expect(diff).toEqual([{ path: "maxPasswordAge", to: 90 }]);
  });
});

describe("updateRequest", () => {
  it("sends the whole policy, omitting maxPasswordAge and passwordReusePrevention to mean never / no check", () => {
    expect(updateRequest(desired({}))).toEqual({ ...allOn });
    expect(updateRequest(desired({ maxPasswordAge: 90, passwordReusePrevention: 24 }))).toEqual({
      ...allOn,
      MaxPasswordAge: 90,
      PasswordReusePrevention: 24,
    });
  });
});
