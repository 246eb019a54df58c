import { describe, expect, it } from "vitest";
import { createLogger } from "../../../src/runtime/logger.js";

describe("createLogger", () => {
  it("writes one JSON object per line, with the child's fields on every line", () => {
    const lines: string[] = [];
    const log = createLogger("info", { component: "controller" }, (l) => lines.push(l)).child({
      kind: "PasswordPolicy",
      name: "prod",
    });
    log.info("created external resource", { accountId: "123456789012" });
    log.warn("reconcile failed", { error: new Error("access denied") });
    expect(lines.every((l) => l.endsWith("\n"))).toBe(true);
    const entries = lines.map((l) => JSON.parse(l));
    expect(entries[0]).toMatchObject({
      level: "info",
      msg: "created external resource",
      component: "controller",
      kind: "PasswordPolicy",
      name: "prod",
    });
    expect(entries[1]).toMatchObject({
      level: "warn",
      error: "access denied",
      kind: "PasswordPolicy",
      name: "prod",
    });
  });

  it("drops lines below the level", () => {
    const lines: string[] = [];
    const log = createLogger("warn", {}, (l) => lines.push(l));
    log.debug("d");
    log.info("i");
    log.error("e");
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(["e"]);
  });
});
