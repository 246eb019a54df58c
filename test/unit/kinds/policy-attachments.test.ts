/** What kubectl get's TARGETS column says of a policy's attachments (status.attachedTo). */
import { describe, expect, it } from "vitest";
import { describeAttachments } from "../../../src/kinds/organization-policy/client.js";

describe("describeAttachments", () => {
  const cases = [
    { reason: "attached nowhere", ids: [], says: "none" },
    { reason: "the root alone", ids: ["r-ab12"], says: "root" },
    { reason: "one OU, singular", ids: ["ou-ab12-cd34ef56"], says: "1 OU" },
    {
      reason: "root first, then OUs, then accounts, counted",
      ids: ["111111111111", "ou-ab12-cd34ef56", "r-ab12", "ou-ab12-aaaaaaaa", "222222222222"],
      says: "root, 2 OUs, 2 accounts",
    },
  ];
  it.each(cases)("$reason", ({ ids, says }) => {
    expect(describeAttachments(ids)).toBe(says);
  });
});
