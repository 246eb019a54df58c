/**
 * The holdout of policies a user could paste from AWS's documentation (test/fixtures/aws-policies),
 * each as pasted and in its other spelling (Statement an object or a list, every element a string
 * or a list, an RCP's Principal "*" or {"AWS": "*"}): orgguard validate and the controller's
 * checks accept both, and the compare finds nothing to change when AWS holds one and the spec
 * says the other. Admission and the 0 writes against moto: test/integration/policy-spellings.test.ts.
 */
import { describe, expect, it } from "vitest";
import { minifyPolicyDocument } from "../../../src/api/scp-document.js";
import { awsClientsFor, kindContextFor } from "../../../src/cli/aws-context.js";
import { parseManifests } from "../../../src/cli/manifests.js";
import { checkManifests } from "../../../src/cli/validate.js";
import { loadConfig } from "../../../src/config.js";
import { managedKinds } from "../../../src/kinds/index.js";
import { diffPolicy } from "../../../src/kinds/organization-policy/compare.js";
import { POLICY_TYPES } from "../../../src/kinds/policy-types.js";
import type { ManagedObject } from "../../../src/runtime/managed.js";
import {
  holdoutPolicies,
  otherSpelling,
  pastedManifest,
  SPELLINGS_TO_COVER,
  spellingsOf,
} from "../../support/policy-spellings.js";

const holdout = await holdoutPolicies();
const config = loadConfig([], {});
const kinds = managedKinds(kindContextFor(config, awsClientsFor(config)));

const spellings = holdout.flatMap((p) => [
  { ...p, spelling: "as pasted", document: p.document },
  { ...p, spelling: "the other spelling", document: otherSpelling(p.document) },
]);

describe("the holdout of pasted AWS policies", () => {
  it("shows every spelling AWS's grammar allows, once both spellings are counted", () => {
    const seen = new Set(spellings.flatMap((s) => [...spellingsOf(s.document)]));
    expect(SPELLINGS_TO_COVER.filter((form) => !seen.has(form))).toEqual([]);
  });

  it.each(holdout.map((p) => [p.name, p] as const))(
    "%s: its other spelling is written differently",
    (_, p) => {
      expect(JSON.stringify(otherSpelling(p.document))).not.toBe(JSON.stringify(p.document));
    },
  );
});

describe.each(spellings.map((s) => [s.name, s.spelling, s] as const))("%s, %s", (_, __, s) => {
  const manifest = pastedManifest(s.kind, s.name, s.document);
  const type = POLICY_TYPES.find((t) => t.names.kind === s.kind)!;

  it("passes orgguard validate, pasted into the manifest as JSON", () => {
    const documents = parseManifests(manifest, `${s.name}.yaml`);
    expect(documents.map((d) => d.object)).toEqual([
      expect.objectContaining({ spec: { document: s.document } }),
    ]);
    expect(checkManifests(documents, {}).problems).toEqual([]);
  });

  it("passes the controller's checks (the policy kind's validate)", () => {
    const kind = kinds.find((k) => k.ref.kind === s.kind)!;
    const object = parseManifests(manifest, "m.yaml")[0]!.object as ManagedObject;
    expect(kind.validate?.(object)).toEqual([]);
  });

  it("is no change from the other spelling: the compare finds no difference in either direction", () => {
    const other =
      s.spelling === "as pasted"
        ? otherSpelling(s.document)
        : holdout.find((p) => p.name === s.name)!.document;
    const desired = { name: "p", description: "", document: s.document, tags: {}, targets: [] };
    const observed = {
      id: "p-1",
      arn: "a",
      name: "p",
      description: "",
      awsManaged: false,
      tags: {},
      targets: [],
    };
    expect(
      diffPolicy(desired, { ...observed, content: minifyPolicyDocument(other) }, type.canonical),
    ).toEqual([]);
    expect(
      diffPolicy(
        { ...desired, document: other },
        { ...observed, content: minifyPolicyDocument(s.document) },
        type.canonical,
      ),
    ).toEqual([]);
  });
});

describe("the controller's checks of a condition operator", () => {
  it("refuse one IAM does not know, with the nearest it does (AWS refuses it; moto would not)", () => {
    const kind = kinds.find((k) => k.ref.kind === "ServiceControlPolicy")!;
    const document = {
      Version: "2012-10-17",
      Statement: {
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { StringEqualz: { "aws:RequestedRegion": "eu-west-1" } },
      },
    };
    const object = parseManifests(pastedManifest("ServiceControlPolicy", "typo", document), "m.yaml")[0]!
      .object as ManagedObject;
    expect(kind.validate?.(object)).toEqual([
      'spec.document.Statement.Condition.StringEqualz: unknown condition operator "StringEqualz": did you mean StringEquals?',
    ]);
  });
});
