import { describe, expect, it } from "vitest";
import { longTermKeyReason } from "../../../src/aws/long-term-credentials.js";

describe("longTermKeyReason", () => {
  const cases = [
    {
      reason: "a role's session (IRSA, Pod Identity, an instance profile, SSO) is fine",
      credentials: { accessKeyId: "ASIAIOSFODNN7EXAMPLE", sessionToken: "token" },
      expected: undefined,
    },
    {
      reason: "an IAM user's key never expires, whatever else comes with it",
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE", sessionToken: "token" },
      expected: "the access key id starts with AKIA (an IAM user's key)",
    },
    {
      reason: "an AKIA key alone",
      credentials: { accessKeyId: "AKIAIOSFODNN7EXAMPLE" },
      expected: "the access key id starts with AKIA (an IAM user's key)",
    },
    {
      reason:
        "a key of another shape without a session token is no session either (emulators, other partitions' ids)",
      credentials: { accessKeyId: "testing" },
      expected: "they have no session token (a key, not a role's session)",
    },
    {
      reason: "an empty session token is none",
      credentials: { accessKeyId: "ASIAIOSFODNN7EXAMPLE", sessionToken: "" },
      expected: "they have no session token (a key, not a role's session)",
    },
  ];
  it.each(cases)("$reason", ({ credentials, expected }) => {
    expect(longTermKeyReason(credentials)).toBe(expected);
  });
});
