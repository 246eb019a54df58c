/**
 * `orgguard validate` and the real kube-apiserver's admission judge every manifest alike, or
 * differ as src/api/admission-differences.ts says and explains (README: "validate and
 * admission"). For every kind (src/kinds/index.ts), fast-check makes at least 2,000 manifests from
 * the kind's examples and its CRD schema, most of them mutated (wrong types, missing and unknown
 * fields, boundary numbers, unicode, huge strings, deep nesting, duplicate keys, anchors, merge
 * keys, YAML 1.1 scalars, JSON); each one's YAML text goes to validate and, as a server-side
 * dry-run create with strict field validation, to this worker's kube-apiserver. A difference the
 * table does not explain fails the run with the manifest, both verdicts and the seed:
 * ORGGUARD_AGREEMENT_KINDS=<kind>,... runs only those kinds, ORGGUARD_AGREEMENT_CASES=<n> more cases.
 * The seed comes from the commit checked out (see agreementSeed): ORGGUARD_AGREEMENT_SEED=<seed>
 * replays a whole run, ORGGUARD_AGREEMENT_SEED=random explores a new one, ORGGUARD_AGREEMENT_REPLAY=<kind>:<seed>:<path>
 * one failing case (fast-check's seed and path, as the failure prints them).
 */
import { execFileSync } from "node:child_process";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMISSION_DIFFERENCES } from "../../src/api/admission-differences.js";
import type { ApiDefinition } from "../../src/api/api-definition.js";
import { loadManifests, parseManifests } from "../../src/cli/manifests.js";
import { checkManifests, type LocatedProblem } from "../../src/cli/validate.js";
import { API_DEFINITIONS } from "../../src/kinds/index.js";
import { AdmissionClient, type AdmissionVerdict } from "../support/admission-client.js";
import { workerEnvironment } from "../support/environment.js";
import { type ManifestCase, manifestCases } from "../support/manifest-arbitraries.js";
import { installOrgguardCrds } from "../support/orgguard.js";

/** Cases per kind and run: the issue asks for at least 2,000 (ORGGUARD_AGREEMENT_CASES=N explores more). */
const CASES_PER_KIND = Math.max(2000, Number(process.env.ORGGUARD_AGREEMENT_CASES ?? 0));
/** Independent fast-check runs per kind, run at once: the apiserver answers many requests in parallel. */
const RUNS_PER_KIND = 4;
const replay = process.env.ORGGUARD_AGREEMENT_REPLAY?.split(":");
/** The seed outside a git checkout (a source archive). */
const OUTSIDE_GIT_SEED = 20_261_206;

/**
 * The run's seed: ORGGUARD_AGREEMENT_SEED when set (`random`: a new one), otherwise taken from git's
 * id of the checked-out tree, so that one commit always judges the same manifests (CI runs what
 * ran on the machine it was committed from, whatever the load) while every change explores new
 * ones. Outside a git checkout: a fixed seed.
 */
function agreementSeed(): number {
  const asked = process.env.ORGGUARD_AGREEMENT_SEED;
  if (asked === "random") return Math.floor(Math.random() * 2 ** 31);
  if (asked) return Number(asked);
  try {
    const tree = execFileSync("git", ["rev-parse", "HEAD^{tree}"], { encoding: "utf8", stdio: "pipe" });
    return Number.parseInt(tree.slice(0, 7), 16);
  } catch {
    return OUTSIDE_GIT_SEED;
  }
}
const baseSeed = agreementSeed();

let admission: AdmissionClient;
// docs/examples holds the examples moto cannot run (make demo applies examples/ against it).
const examples = await loadManifests(["examples", "docs/examples"]);

beforeAll(async () => {
  await installOrgguardCrds();
  admission = new AdmissionClient(workerEnvironment().kubeconfigPath);
});

afterAll(() => admission?.close());

/** What one kind's runs saw. */
interface Tally {
  cases: number;
  bothAccept: number;
  bothRefuse: number;
  /** Differences the table explains, by its id. */
  explained: Map<string, number>;
}

/** validate's problems for one manifest text, as `orgguard validate` prints them. */
function validateProblems(yaml: string): LocatedProblem[] {
  return checkManifests(parseManifests(yaml, "case.yaml"), {}).problems;
}

/**
 * Verdicts by manifest text: generated cases repeat (an example left as it is, a mutation that
 * changes nothing), and the apiserver's answer to one text is the same every time. Small texts only.
 */
const verdicts = new Map<string, Promise<{ problems: LocatedProblem[]; verdict: AdmissionVerdict }>>();
const CACHED_TEXT_CHARS = 20_000;

function verdictsOf(def: ApiDefinition, yaml: string) {
  const key = `${def.plural}\n${yaml}`;
  const cached = verdicts.get(key);
  if (cached) return cached;
  const judged = admission
    .dryRunCreate(def.plural, yaml)
    .then((verdict) => ({ problems: validateProblems(yaml), verdict }));
  if (yaml.length <= CACHED_TEXT_CHARS) verdicts.set(key, judged);
  return judged;
}

/** The ids of the differences that explain a disagreement, or undefined when one is unexplained. */
function explanation(problems: LocatedProblem[], verdict: AdmissionVerdict): string[] | undefined {
  const side = verdict.accepted ? "validate" : "admission";
  const said = verdict.accepted ? problems : [{ path: verdict.fields[0] ?? "", message: verdict.message }];
  const ids = said.map((p) => ADMISSION_DIFFERENCES.find((d) => d.refusedBy === side && d.explains(p))?.id);
  return ids.every((id) => id !== undefined) ? [...new Set(ids as string[])] : undefined;
}

/** Judges one case both ways; throws (with everything needed to see why) on an unexplained difference. */
async function judge(def: ApiDefinition, c: ManifestCase, tally: Tally): Promise<void> {
  const { problems, verdict } = await verdictsOf(def, c.yaml);
  tally.cases++;
  const validateRefuses = problems.length > 0;
  if (validateRefuses === !verdict.accepted) {
    if (validateRefuses) tally.bothRefuse++;
    else tally.bothAccept++;
    return;
  }
  const ids = explanation(problems, verdict);
  if (ids) {
    for (const id of ids) tally.explained.set(id, (tally.explained.get(id) ?? 0) + 1);
    return;
  }
  throw new Error(
    [
      `validate ${validateRefuses ? "refuses" : "accepts"} and admission ${verdict.accepted ? "accepts" : "refuses"} (${c.mutation}), and src/api/admission-differences.ts explains no such difference`,
      `validate: ${problems.map((p) => `${p.path}: ${p.message}`).join(" | ") || "no problem"}`,
      `admission: HTTP ${verdict.status} ${verdict.message.slice(0, 1000)}`,
      "manifest:",
      c.yaml.length > 4000 ? `${c.yaml.slice(0, 4000)}\n... (${c.yaml.length} characters)` : c.yaml,
    ].join("\n"),
  );
}

/** One fast-check run over `def`'s cases; a failure says how to replay it. */
async function run(def: ApiDefinition, seed: number, numRuns: number, tally: Tally, path?: string) {
  const kindExamples = examples
    .filter((d) => (d.object as { kind?: string }).kind === def.kind)
    .map((d) => d.object);
  const property = fc.asyncProperty(manifestCases(def, kindExamples), (c) => judge(def, c, tally));
  try {
    await fc.assert(property, { seed, numRuns, includeErrorInReport: true, ...(path ? { path } : {}) });
  } catch (err) {
    const replayWith = /seed: (-?\d+), path: "([^"]*)"/.exec(String((err as Error).message));
    throw new Error(
      `${def.kind}: run seed ${seed} (base ORGGUARD_AGREEMENT_SEED=${baseSeed})${replayWith ? `; replay the case: ORGGUARD_AGREEMENT_REPLAY=${def.kind}:${replayWith[1]}:${replayWith[2]}` : ""}\n${(err as Error).message}`,
    );
  }
}

describe("orgguard validate and admission agree", () => {
  it("every kind has an example to start from", () => {
    const withExamples = new Set(examples.map((d) => (d.object as { kind?: string }).kind));
    expect(API_DEFINITIONS.map((d) => d.kind).filter((k) => !withExamples.has(k))).toEqual([]);
  });

  it(`on ${CASES_PER_KIND} generated manifests per kind, or differ only as documented`, async () => {
    console.log(`agreement: ORGGUARD_AGREEMENT_SEED=${baseSeed}`);
    const started = Date.now();
    const tallies = new Map<string, Tally>();
    // ORGGUARD_AGREEMENT_KINDS=A,B runs only those kinds (a new kind checked alone).
    const only = process.env.ORGGUARD_AGREEMENT_KINDS?.split(",").map((k) => k.trim());
    const kinds = replay
      ? API_DEFINITIONS.filter((d) => d.kind === replay[0])
      : API_DEFINITIONS.filter((d) => !only || only.includes(d.kind));
    expect(kinds.length, "ORGGUARD_AGREEMENT_REPLAY names a kind orgguard serves").toBeGreaterThan(0);
    await Promise.all(
      kinds.flatMap((def, k) => {
        const tally: Tally = { cases: 0, bothAccept: 0, bothRefuse: 0, explained: new Map() };
        tallies.set(def.kind, tally);
        if (replay) return [run(def, Number(replay[1]), 1, tally, replay[2])];
        const perRun = Math.ceil(CASES_PER_KIND / RUNS_PER_KIND);
        return Array.from({ length: RUNS_PER_KIND }, (_, r) =>
          run(def, baseSeed + k * RUNS_PER_KIND + r, perRun, tally),
        );
      }),
    );
    for (const [kind, t] of tallies) {
      const explained = [...t.explained].map(([id, n]) => `${id} ${n}`).join(", ") || "none";
      console.log(
        `${kind}: ${t.cases} cases, ${t.bothAccept} accepted by both, ${t.bothRefuse} refused by both, documented differences: ${explained}`,
      );
      if (!replay) {
        expect(t.cases, kind).toBeGreaterThanOrEqual(CASES_PER_KIND);
        // Generated manifests must not all be refused: the valid ones test agreement too.
        expect(t.bothAccept, kind).toBeGreaterThan(t.cases / 10);
      }
    }
    const cases = [...tallies.values()].reduce((n, t) => n + t.cases, 0);
    console.log(
      `agreement: ${cases} cases (${verdicts.size} distinct small texts, the rest repeats or large) in ${Date.now() - started} ms`,
    );
  }, 600_000);
});
