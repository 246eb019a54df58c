import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { optionsTable } from "../../src/config.js";

describe("README.md", () => {
  it("opens with the two commands", async () => {
    const head = (await readFile("README.md", "utf8")).split("\n").slice(0, 20).join("\n");
    expect(head).toContain("make test");
    expect(head).toContain("make demo");
  });

  it("documents exactly the controller options the code has (`npm run docs` regenerates the table)", async () => {
    expect(await readFile("README.md", "utf8")).toContain(optionsTable());
  });
});
