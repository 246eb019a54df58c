import { describe, expect, it } from "vitest";
import { RecentEvents, type Recorded } from "../../../src/runtime/event-recorder.js";

const WINDOW = 1000;
const event = (name: string, at: number): Recorded => ({ name, count: 1, firstTimestamp: "", at });

/** Remembers `keys` one after another, one ms apart from `start`. */
function rememberAll(recent: RecentEvents, keys: string[], start = 0) {
  keys.forEach((key, i) => {
    recent.remember(key, event(key, start + i), start + i);
  });
}

describe("RecentEvents", () => {
  it.each([
    { reason: "an event within the window is found", key: "a", now: 999, found: "a" },
    {
      reason: "an event as old as the window is not (a new Event is created)",
      key: "a",
      now: 1000,
      found: undefined,
    },
    { reason: "an event never recorded is not", key: "z", now: 1, found: undefined },
  ])("$reason", ({ key, now, found }) => {
    const recent = new RecentEvents(WINDOW, 10);
    recent.remember("a", event("a", 0), 0);
    expect(recent.find(key, now)?.name).toBe(found);
  });

  it("keeps at most its capacity, dropping the least recently recorded", () => {
    const recent = new RecentEvents(WINDOW, 3);
    rememberAll(recent, ["a", "b", "c"]);
    // Recording "a" again makes it the most recent: "b" is now the oldest and goes first.
    recent.remember("a", event("a", 3), 3);
    rememberAll(recent, ["d"], 4);
    expect(recent.size).toBe(3);
    expect(["a", "b", "c", "d"].map((k) => recent.find(k, 5)?.name)).toEqual(["a", undefined, "c", "d"]);
  });

  it("forgets what the window has passed when the next event is recorded, not only at capacity", () => {
    // 10,000 objects converge (one event each), then nothing for the length of a window: the
    // next event leaves only itself.
    const recent = new RecentEvents(WINDOW, 100_000);
    for (let i = 0; i < 10_000; i++) recent.remember(`object-${i}`, event(`object-${i}`, 0), 0);
    expect(recent.size).toBe(10_000);
    recent.remember("later", event("later", WINDOW), WINDOW);
    expect(recent.size).toBe(1);
  });
});
