import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import type { ManifestDocument } from "../../src/cli/manifests.js";
import { conflictWarnings } from "../../src/cli/validate.js";

/** Manifests as validate reads them: one document per YAML text, in its own file. */
function docs(...texts: string[]): ManifestDocument[] {
  return texts.map((text, i) => ({
    file: `m${i}.yaml`,
    line: 1,
    object: parseAllDocuments(text)[0]!.toJS(),
  }));
}

const passwordPolicy = (name: string, accountId?: string) =>
  `{apiVersion: orgguard.io/v1alpha1, kind: PasswordPolicy, metadata: {name: ${name}}, spec: {${accountId ? `accountId: "${accountId}"` : ""}}}`;
const accessBlock = (name: string, accountId?: string) =>
  `{apiVersion: orgguard.io/v1alpha1, kind: PublicAccessBlock, metadata: {name: ${name}}, spec: {${accountId ? `accountId: "${accountId}"` : ""}}}`;
const baseline = (name: string, ids: string[], exclude: string[] = []) =>
  `{apiVersion: orgguard.io/v1alpha1, kind: AccountBaseline, metadata: {name: ${name}},
    spec: {accounts: {ids: [${ids.map((i) => `"${i}"`).join(",")}], exclude: {ids: [${exclude.map((i) => `"${i}"`).join(",")}]}}, passwordPolicy: {}}}`;

const A = "111111111111";
const B = "222222222222";

describe("conflictWarnings (orgguard validate)", () => {
  const cases = [
    {
      reason: "two standalone objects for one account: the name decides (manifests have no creation time)",
      docs: docs(passwordPolicy("b-second", A), passwordPolicy("a-first", A)),
      own: undefined,
      warned: ["PasswordPolicy/b-second spec.accountId: PasswordPolicy/a-first"],
    },
    {
      reason: "a standalone object beats a baseline's explicit id, whatever the names",
      docs: docs(baseline("aaa", [A]), passwordPolicy("zzz", A)),
      own: undefined,
      warned: ["AccountBaseline/aaa spec.accounts.ids[0]: PasswordPolicy/zzz"],
    },
    {
      reason: "an absent accountId is the controller's own account: the same as its id, once it is known",
      docs: docs(passwordPolicy("implicit"), passwordPolicy("explicit", A)),
      own: A,
      warned: ["PasswordPolicy/implicit spec.accountId: PasswordPolicy/explicit"],
    },
    {
      reason: "without knowing the own account, an absent accountId matches no id",
      docs: docs(passwordPolicy("implicit"), passwordPolicy("explicit", A)),
      own: undefined,
      warned: [],
    },
    {
      reason: "different settings of one account do not conflict",
      docs: docs(passwordPolicy("pw", A), accessBlock("pab", A)),
      own: undefined,
      warned: [],
    },
    {
      reason: "different accounts do not conflict",
      docs: docs(passwordPolicy("one", A), passwordPolicy("two", B)),
      own: undefined,
      warned: [],
    },
    {
      reason: "an id a baseline excludes is not claimed",
      docs: docs(baseline("base", [A], [A]), passwordPolicy("pw", A)),
      own: undefined,
      warned: [],
    },
  ];
  it.each(cases)("$reason", ({ docs: documents, own, warned }) => {
    const warnings = conflictWarnings(documents, own);
    expect(warnings.map((w) => `${w.object} ${w.path}: ${/managed by (\S+)/.exec(w.message)?.[1]}`)).toEqual(
      warned,
    );
  });

  it("the shipped examples never contend for one setting", async () => {
    const { loadManifests } = await import("../../src/cli/manifests.js");
    expect(conflictWarnings(await loadManifests(["examples"]), "123456789012")).toEqual([]);
  });
});
