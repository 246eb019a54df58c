import { marked } from "marked";
import { describe, expect, it } from "vitest";
import {
  changeLines,
  escapeMarkdown,
  formatMarkdown,
  formatText,
  inlineCode,
  type PlanEntry,
} from "../../src/cli/plan-format.js";

const create: PlanEntry = {
  object: "ServiceControlPolicy/deny-root",
  action: "create",
  changes: [
    { path: "policyName", to: "deny-root" },
    {
      path: "document",
      to: { Version: "2012-10-17", Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] },
    },
    {
      path: "targets[ou-ab12-cd34ef56]",
      to: "attached",
      description: "+ ou Root/Workloads (ou-ab12-cd34ef56)",
    },
  ],
};
const update: PlanEntry = {
  object: "ServiceControlPolicy/deny-s3",
  action: "update",
  changes: [
    {
      path: "document",
      from: { Statement: [{ Action: ["s3:*"], Effect: "Deny" }], Version: "2012-10-17" },
      to: { Statement: [{ Action: ["s3:Delete*"], Effect: "Deny" }], Version: "2012-10-17" },
    },
    { path: "targets[r-ab12]", from: "attached", description: "- root r-ab12" },
  ],
};

describe("changeLines", () => {
  it("shows a create's document pretty-printed, and its targets as written", () => {
    expect(changeLines(create)).toEqual([
      'policyName: "deny-root"',
      "document:",
      "  {",
      '    "Version": "2012-10-17",',
      '    "Statement": [',
      "      {",
      '        "Effect": "Deny",',
      '        "Action": "*",',
      '        "Resource": "*"',
      "      }",
      "    ]",
      "  }",
      "targets:",
      "+ ou Root/Workloads (ou-ab12-cd34ef56)",
    ]);
  });

  it("shows an update's document as a line diff, not two blobs", () => {
    const lines = changeLines(update);
    expect(lines).toContain('-        "s3:*"');
    expect(lines).toContain('+        "s3:Delete*"');
    expect(lines.filter((l) => l.startsWith("+") || l.startsWith("-"))).toHaveLength(3);
    expect(lines.at(-1)).toBe("- root r-ab12");
  });

  it("shows scalar changes as from -> to", () => {
    const entry: PlanEntry = {
      object: "PasswordPolicy/x",
      action: "update",
      changes: [{ path: "minimumPasswordLength", from: 8, to: 14 }],
    };
    expect(changeLines(entry)).toEqual(["minimumPasswordLength: 8 -> 14"]);
  });
});

describe("formatText", () => {
  it("opens with the organization and the caller's account", () => {
    const text = formatText([create], false, false, { organizationId: "o-abc123", account: "123456789012" });
    expect(text.split("\n")[0]).toBe("orgguard plan for organization o-abc123, as account 123456789012");
    expect(text).toContain("+ ServiceControlPolicy/deny-root: create");
    expect(text).toContain("    + ou Root/Workloads (ou-ab12-cd34ef56)");
  });
});

/** The text a reader sees: the Markdown rendered to HTML, tags dropped, entities decoded. */
function rendered(markdown: string): string {
  const html = marked.parse(markdown, { async: false });
  return html
    .replace(/<[^>]+>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

describe("formatMarkdown", () => {
  const tricky = "s3:* _not_ a|b `x` <y> [z](w) #1 ~~s~~";
  const entries: PlanEntry[] = [
    create,
    update,
    { object: "PasswordPolicy/weird`name", action: "error", changes: [], error: `cannot read: ${tricky}` },
    {
      object: "AccountBaseline/base",
      via: "PasswordPolicy of 111111111111",
      action: "update",
      changes: [{ path: "note", from: "a*b", to: tricky }],
    },
  ];
  const markdown = formatMarkdown(entries, { organizationId: "o-abc123", account: "123456789012" });
  const text = rendered(markdown);

  const survivors = [
    {
      reason: "an error message with *, _, |, backticks, <>, [] and ~ in a table cell",
      text: `cannot read: ${tricky}`,
    },
    { reason: "an object name with a backtick, as inline code", text: "PasswordPolicy/weird`name" },
    {
      reason: "a scalar change inside the diff block",
      text: `note: "a*b" -> "${tricky.replace(/"/g, '\\"')}"`,
    },
    { reason: "an asterisk in a document line", text: '"s3:*"' },
    { reason: "the account a baseline entry is about", text: "(PasswordPolicy of 111111111111)" },
    { reason: "the header", text: "Organization o-abc123, planned as account 123456789012." },
  ];
  it.each(survivors)("keeps $reason", ({ text: expected }) => {
    expect(text).toContain(expected);
  });

  it("puts each change in a diff block a pull request colours, with +/- in the first column", () => {
    expect(markdown).toContain("```diff\ndocument:\n@@");
    expect(markdown).toMatch(/^\+ ou Root\/Workloads \(ou-ab12-cd34ef56\)$/m);
  });

  it("escapes every Markdown character in plain text, and fences code with more backticks than it holds", () => {
    expect(escapeMarkdown("a*b_c|d")).toBe("a\\*b\\_c\\|d");
    expect(inlineCode("x`y")).toBe("``x`y``");
    expect(rendered(inlineCode("`edge`"))).toContain("`edge`");
  });
});
