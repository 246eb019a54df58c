import { describe, expect, it } from "vitest";
import { loadConfig, parseDuration } from "../../../src/config.js";

describe("parseDuration", () => {
  const cases = [
    { text: "500ms", ms: 500, reason: "milliseconds" },
    { text: "30s", ms: 30_000, reason: "seconds" },
    { text: "10m", ms: 600_000, reason: "minutes" },
    { text: "1.5h", ms: 5_400_000, reason: "fractions" },
  ];
  it.each(cases)("$text ($reason)", ({ text, ms }) => expect(parseDuration(text)).toBe(ms));
  it.each(["", "10 minutes", "-5s", "5d"])("rejects %j", (text) =>
    expect(() => parseDuration(text)).toThrow(/not a duration/),
  );
  it("refuses a number without a unit: 10 could mean 10 ms or 10 minutes", () =>
    expect(() => parseDuration("10")).toThrow(/'10' needs a unit: 10s, 10m/));
});

describe("loadConfig", () => {
  it("uses the defaults", () => {
    const config = loadConfig([], {});
    expect(config).toMatchObject({
      pollInterval: 300_000,
      workers: 2,
      leaderElect: false,
      leaderElectionNamespace: "default",
    });
  });

  const cases = [
    {
      reason: "a flag with a space",
      argv: ["--poll-interval", "30s"],
      env: {},
      expected: { pollInterval: 30_000 },
    },
    { reason: "a flag with =", argv: ["--workers=4"], env: {}, expected: { workers: 4 } },
    { reason: "a bare boolean flag", argv: ["--leader-elect"], env: {}, expected: { leaderElect: true } },
    {
      reason: "the environment",
      argv: [],
      env: { ORGGUARD_POLL_INTERVAL: "1m" },
      expected: { pollInterval: 60_000 },
    },
    {
      reason: "a flag wins over the environment",
      argv: ["--poll-interval=2m"],
      env: { ORGGUARD_POLL_INTERVAL: "1m" },
      expected: { pollInterval: 120_000 },
    },
    {
      reason: "POD_NAMESPACE for the Lease",
      argv: [],
      env: { POD_NAMESPACE: "orgguard" },
      expected: { leaderElectionNamespace: "orgguard" },
    },
  ];
  it.each(cases)("reads $reason", ({ argv, env, expected }) => {
    expect(loadConfig(argv, env)).toMatchObject(expected);
  });

  const bad = [
    {
      reason: "a bad duration names the flag and variable",
      argv: ["--poll-interval", "soon"],
      error: /--poll-interval \(ORGGUARD_POLL_INTERVAL\)/,
    },
    { reason: "zero workers", argv: ["--workers", "0"], error: /--workers/ },
    { reason: "an unknown flag", argv: ["--pol-interval", "1m"], error: /unknown flag --pol-interval/ },
    {
      reason: "a renew deadline longer than the lease",
      argv: ["--renew-deadline", "20s"],
      error: /renew-deadline must be shorter/,
    },
  ];
  it.each(bad)("rejects $reason", ({ argv, error }) => {
    expect(() => loadConfig(argv, {})).toThrow(error);
  });
});
