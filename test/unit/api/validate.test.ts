import { describe, expect, it } from "vitest";
import { loadManifests } from "../../../src/cli/manifests.js";
import { checkManifests } from "../../../src/cli/validate.js";
import { exampleFiles, invalidFixtures } from "../../support/fixtures.js";

const fixtures = await invalidFixtures();
const examples = await exampleFiles();

describe("orgguard validate on the examples", () => {
  it.each(examples)("%s is valid", async (file) => {
    const documents = await loadManifests([file]);
    expect(documents.length).toBeGreaterThan(0);
    expect(checkManifests(documents, {}).problems).toEqual([]);
  });
});

describe("orgguard validate on the invalid fixtures", () => {
  it.each(fixtures.map((f) => [f.file, f] as const))("%s is rejected at its field", async (_, fixture) => {
    const { problems } = checkManifests(await loadManifests([fixture.file]), {});
    expect(problems.length, fixture.reason).toBeGreaterThan(0);
    expect(problems.map((p) => p.path)).toContain(fixture.field);
  });
});
