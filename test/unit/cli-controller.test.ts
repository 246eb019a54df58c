import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { loadConfig, OPTIONS, policyOptionsFor } from "../../src/config.js";

afterEach(() => vi.restoreAllMocks());

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((line: string) => void out.push(line));
  vi.spyOn(console, "error").mockImplementation((line: string) => void err.push(line));
  const code = await main(argv);
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("orgguard controller", () => {
  it("--help prints every option with its flag, environment variable, default and allowed values, as text", async () => {
    const { code, out } = await run(["controller", "--help"]);
    expect(code).toBe(0);
    for (const o of Object.values(OPTIONS)) expect(out).toContain(`--${o.flag} VALUE`);
    expect(out).toContain("env ORGGUARD_POLL_INTERVAL; default 5m; allowed: a duration >= 1s");
    expect(out).not.toContain("|---|");
  });

  it("refuses an invalid configuration before connecting to anything, in one line plus a hint", async () => {
    const { code, err } = await run(["controller", "--poll-interval", "often"]);
    expect(code).toBe(1);
    expect(err).toMatch(/--poll-interval \(ORGGUARD_POLL_INTERVAL\): 'often' is not a duration/);
    expect(err).toContain("run 'orgguard controller --help' for usage");
    expect(err).not.toMatch(/\n\s+at /);
  });

  /** One value below each option's documented minimum (or of the wrong shape), and what is said. */
  const refused: Array<{ option: keyof typeof OPTIONS; value: string; says: RegExp }> = [
    { option: "pollInterval", value: "10", says: /'10' needs a unit/ },
    { option: "pollInterval", value: "500ms", says: /below the minimum of 1s/ },
    { option: "workers", value: "0", says: /at least 1/ },
    { option: "reconcileTimeout", value: "500ms", says: /below the minimum of 1s/ },
    { option: "workers", value: "65", says: /at most 64/ },
    { option: "leaderElect", value: "yes", says: /expected one of "true"\|"false"|Invalid option/ },
    {
      option: "allowLongTermCredentials",
      value: "maybe",
      says: /expected one of "true"\|"false"|Invalid option/,
    },
    { option: "leaderElectionId", value: "", says: /Too small|at least 1|>=1/ },
    { option: "leaseDuration", value: "0s", says: /below the minimum of 1s/ },
    { option: "renewDeadline", value: "500ms", says: /below the minimum of 1s/ },
    { option: "retryPeriod", value: "50ms", says: /below the minimum of 100ms/ },
    { option: "metricsBindAddress", value: "8080", says: /must be \[host\]:port/ },
    { option: "healthProbeBindAddress", value: ":99999", says: /at most 65535/ },
    { option: "logLevel", value: "verbose", says: /debug|Invalid option/ },
    { option: "defaultRegions", value: "us-east-1,Frankfurt", says: /must be a region name/ },
    { option: "roleArnTemplate", value: "arn:aws:iam::1:role/x", says: /must contain \$\{accountId\}/ },
    { option: "awsMaxAttempts", value: "0", says: /at least 1/ },
    { option: "awsConnectTimeout", value: "10ms", says: /below the minimum of 100ms/ },
    { option: "awsRequestTimeout", value: "30", says: /needs a unit/ },
    { option: "discoveryInterval", value: "1", says: /needs a unit/ },
    { option: "enablePolicyTypes", value: "scp,backup", says: /'backup' is not a policy type/ },
    { option: "policyPerTargetLimits", value: "scp=1", says: /at least 2 \(FullAWSAccess and one more\)/ },
    { option: "policyPerTargetLimits", value: "rcp=1", says: /at least 2 \(RCPFullAWSAccess and one more\)/ },
    { option: "policyPerTargetLimits", value: "tag=0", says: /tag=0: must be a whole number of at least 1/ },
    { option: "policySizeLimits", value: "scp=big", says: /whole number/ },
    { option: "policySizeLimits", value: "guardduty=100", says: /'guardduty' is not a policy type/ },
    { option: "eventsQueueUrl", value: "orgguard-events", says: /must be an SQS queue URL/ },
    { option: "temporaryAccessMaxDurations", value: "AdministratorAccess=4", says: /needs a unit/ },
    { option: "organizationsRate", value: "0", says: /at least 1/ },
    { option: "organizationsBurst", value: "-1", says: /whole number/ },
    { option: "shutdownTimeout", value: "100ms", says: /below the minimum of 1s/ },
  ];
  it.each(refused)("--$option $value is refused, naming the option", ({ option, value, says }) => {
    const flag = OPTIONS[option].flag;
    expect(() => loadConfig([`--${flag}=${value}`], {})).toThrow(new RegExp(`--${flag} \\(ORGGUARD_`));
    expect(() => loadConfig([`--${flag}=${value}`], {})).toThrow(says);
  });

  it("covers every option that can be invalid", () => {
    const free = ["leaderElectionNamespace", "awsRegion", "externalId"];
    const covered = new Set(refused.map((r) => r.option));
    expect(
      Object.keys(OPTIONS).filter((k) => !covered.has(k as keyof typeof OPTIONS) && !free.includes(k)),
    ).toEqual([]);
  });
});

describe("every command", () => {
  const commands = ["validate", "plan", "apply", "controller", "crds"];
  it.each(commands)("%s --help prints usage, options, examples and exit codes", async (name) => {
    for (const argv of [
      [name, "--help"],
      [name, "-h"],
      ["help", name],
    ]) {
      const { code, out } = await run(argv);
      expect(code, argv.join(" ")).toBe(0);
      expect(out).toMatch(new RegExp(`^usage: orgguard ${name}`));
      expect(out).toContain("examples:");
      expect(out).toContain("exit codes:");
    }
  });

  const argumentErrors = [
    { argv: ["validate", "--bogus", "x"], says: "unknown option '--bogus'", reason: "an unknown flag" },
    {
      argv: ["plan", "--output", "yaml", "x"],
      says: "--output must be text, json or markdown, not 'yaml'",
      reason: "a bad value",
    },
    {
      argv: ["apply", "--output", "markdown", "x"],
      says: "--output must be text or json, not 'markdown'",
      reason: "markdown is plan's",
    },
    { argv: ["plan"], says: "name the files or folders with the manifests", reason: "no inputs" },
    { argv: ["crds", "extra"], says: "unexpected argument 'extra'", reason: "a stray argument" },
    {
      argv: ["validate", "no/such/folder"],
      says: "no such file or folder: no/such/folder",
      reason: "a missing path",
    },
  ];
  it.each(argumentErrors)("$reason: one line and a hint, exit 1", async ({ argv, says }) => {
    const { code, err } = await run(argv);
    expect(code).toBe(1);
    expect(err).toBe(`orgguard ${argv[0]}: ${says}\nrun 'orgguard ${argv[0]} --help' for usage`);
  });

  it("an unknown command says so and where to look", async () => {
    const { code, err } = await run(["frobnicate"]);
    expect(code).toBe(1);
    expect(err).toBe("orgguard: unknown command 'frobnicate'\nrun 'orgguard --help' for the commands");
  });
});

describe("Organizations policy options", () => {
  const aws = {
    scp: { enablePolicyType: false, perTargetLimit: 10, sizeLimit: 10_240 },
    rcp: { enablePolicyType: false, perTargetLimit: 5, sizeLimit: 5_120 },
    tag: { enablePolicyType: false, perTargetLimit: 10, sizeLimit: 10_000 },
    "ai-opt-out": { enablePolicyType: false, perTargetLimit: 5, sizeLimit: 2_500 },
  };
  const cases = [
    { reason: "nothing set: AWS's limits, no type enabled by orgguard", args: [], env: {}, expected: aws },
    {
      reason: "a limit named for one type leaves the others at AWS's",
      args: ["--policy-per-target-limits=scp=5", "--policy-size-limits", "tag=9000, rcp=4000"],
      env: {},
      expected: {
        ...aws,
        scp: { ...aws.scp, perTargetLimit: 5 },
        rcp: { ...aws.rcp, sizeLimit: 4000 },
        tag: { ...aws.tag, sizeLimit: 9000 },
      },
    },
    {
      reason: "the chart's empty values and a trailing comma mean nothing set",
      args: [],
      env: { ORGGUARD_ENABLE_POLICY_TYPES: "", ORGGUARD_POLICY_PER_TARGET_LIMITS: "rcp=3," },
      expected: { ...aws, rcp: { ...aws.rcp, perTargetLimit: 3 } },
    },
    {
      reason: "the types to enable are named in a list",
      args: ["--enable-policy-types", "scp,ai-opt-out"],
      env: {},
      expected: {
        ...aws,
        scp: { ...aws.scp, enablePolicyType: true },
        "ai-opt-out": { ...aws["ai-opt-out"], enablePolicyType: true },
      },
    },
  ];
  it.each(cases)("$reason", ({ args, env, expected }) => {
    expect(policyOptionsFor(loadConfig(args, env))).toEqual(expected);
  });
});
