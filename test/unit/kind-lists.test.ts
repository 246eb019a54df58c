/**
 * The lists that name kinds outside src/kinds (which everything else derives from): each must
 * cover every kind it is about, or say why a kind is left out. A new kind that forgets one fails here.
 */
import { describe, expect, it } from "vitest";
import { callCases, NO_CALL_CASE } from "../../bench/calls-per-reconcile-cases.js";
import { KINDS } from "../../src/kinds/index.js";
import { EVENT_CASE_KINDS, NO_EVENT_CASE } from "../support/event-cases.js";

const managed = KINDS.filter((k) => k.runtime.type === "managed").map((k) => k.api.kind);
const heardByEvents = KINDS.filter((k) => k.events !== undefined).map((k) => k.api.kind);

describe("lists of kinds outside src/kinds", () => {
  it("test/support/event-cases.ts: one out-of-band change per kind that hears API call events, or a reason", () => {
    expect([...EVENT_CASE_KINDS, ...Object.keys(NO_EVENT_CASE)].sort()).toEqual([...heardByEvents].sort());
    for (const reason of Object.values(NO_EVENT_CASE)) expect(reason.length).toBeGreaterThan(20);
  });

  it("bench/calls-per-reconcile-cases.ts: one object per managed kind, or a reason", () => {
    const kinds = new Set(callCases({ member: "111111111111", other: "222222222222" }).map((c) => c.kind));
    expect([...kinds, ...Object.keys(NO_CALL_CASE)].sort()).toEqual([...managed].sort());
    for (const reason of Object.values(NO_CALL_CASE)) expect(reason.length).toBeGreaterThan(20);
  });
});
