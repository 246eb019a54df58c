/**
 * Where a process's main thread spends its CPU: a V8 CPU profile taken through the inspector
 * (the process runs with `--inspect=127.0.0.1:0`; only the window between start and stop is
 * sampled), summed by self time into groups a reader can act on: the AWS SDK, node's network
 * stack, the Kubernetes client, zod, prom-client, orgguard's own files, garbage collection.
 * Usage: npx tsx bench/cpu-profile.ts FILE.cpuprofile [top]
 * bench/scale.ts takes one over the steady window when CPU_PROFILE is set.
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { openInspector } from "./inspector-session.js";

/** The parts of a .cpuprofile (Chrome DevTools' format) the summary reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A CPU profile being taken through the inspector protocol; `stop()` returns it. */
export interface Profiling {
  stop(): Promise<CpuProfile>;
}

/**
 * Starts sampling the process whose inspector listens at `url`, every `intervalUs` microseconds
 * (V8's default is 1,000: one sample per millisecond of the main thread, busy or idle).
 */
export async function startProfiling(url: string, intervalUs = 1000): Promise<Profiling> {
  const inspector = await openInspector(url);
  await inspector.call("Profiler.enable");
  await inspector.call("Profiler.setSamplingInterval", { interval: intervalUs });
  await inspector.call("Profiler.start");
  return {
    stop: async () => {
      const { profile } = (await inspector.call("Profiler.stop")) as { profile: CpuProfile };
      inspector.close();
      return profile;
    },
  };
}

/** node's own modules that carry an HTTP call: http, net, tls, streams, dns. */
const NODE_NETWORK =
  /^node:(_?https?\b|_http_|net\b|_?tls|stream\b|dns\b|internal\/(streams?\b|stream_base_commons|net\b|http\b|tls\b|dns\b|js_stream_socket))/;

/** What a sample was doing, as a group a reader can act on. */
export function groupOf(frame: { functionName: string; url: string }): string {
  const { functionName, url } = frame;
  if (url === "") {
    if (functionName === "(garbage collector)") return "GC";
    if (functionName === "(idle)") return "idle";
    if (functionName === "(program)") return "V8 and native (program)";
    return `native: ${functionName || "(anonymous)"}`;
  }
  if (url.startsWith("node:")) {
    return NODE_NETWORK.test(url)
      ? "node: network (http, net, tls, streams)"
      : "node: other (timers, events, util...)";
  }
  const pkg = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url)?.[1];
  if (pkg) {
    if (/^@(aws-sdk|smithy|aws-crypto|aws)\//.test(pkg) || pkg === "fast-xml-parser" || pkg === "strnum")
      return "AWS SDK (@aws-sdk, @smithy, its XML parser)";
    return `package: ${pkg}`;
  }
  const own = /\/(dist|src)\/(.+)$/.exec(url);
  if (own) return `orgguard: ${own[2]}`;
  return `other: ${url}`;
}

/** Groups whose time is the AWS call itself (the SDK and the network under it), not orgguard's work. */
export const AWS_CALL_GROUPS = new Set([
  "AWS SDK (@aws-sdk, @smithy, its XML parser)",
  "node: network (http, net, tls, streams)",
]);

/** Self time of one group or one function, in microseconds. */
export interface ProfileGroup {
  name: string;
  us: number;
}

/** Self time by group and by function (busy time only: idle is counted apart). */
export function summarizeProfile(profile: CpuProfile): {
  totalUs: number;
  idleUs: number;
  groups: ProfileGroup[];
  functions: ProfileGroup[];
} {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let idleUs = 0;
  let totalUs = 0;
  // timeDeltas[i] is the time from the previous sample to sample i: the time sample i stands for.
  for (let i = 0; i < profile.samples.length; i++) {
    const frame = byId.get(profile.samples[i]!);
    const us = profile.timeDeltas[i] ?? 0;
    totalUs += us;
    if (!frame) continue;
    const group = groupOf(frame);
    if (group === "idle") {
      idleUs += us;
      continue;
    }
    groups.set(group, (groups.get(group) ?? 0) + us);
    const fn = functionNameOf(frame);
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  return { totalUs, idleUs, groups: largestFirst(groups), functions: largestFirst(functions) };
}

/** A frame as a summary names it: the function, and its file (under node_modules or dist) and line. */
export function functionNameOf(frame: { functionName: string; url: string; lineNumber: number }): string {
  const where = frame.url
    ? ` ${frame.url.replace(/^.*\/(node_modules|dist)\//, "")}:${frame.lineNumber + 1}`
    : "";
  return `${frame.functionName || "(anonymous)"}${where}`;
}

/** Summed amounts by name, as rows, largest first. */
export function largestFirst(amounts: Map<string, number>): ProfileGroup[] {
  return [...amounts].map(([name, us]) => ({ name, us })).sort((a, b) => b.us - a.us);
}

/**
 * The summary as lines: busy time, then the groups and the `top` functions by self time, each also
 * per reconcile when `reconciles` is given.
 */
export function formatProfileSummary(
  profile: CpuProfile,
  reconciles: number | undefined,
  top = 25,
): string[] {
  const { totalUs, idleUs, groups, functions } = summarizeProfile(profile);
  const busyUs = totalUs - idleUs;
  const per = (us: number) => (reconciles ? ` ${(us / reconciles).toFixed(0).padStart(6)} us/reconcile` : "");
  const line = (g: ProfileGroup) =>
    `  ${(g.us / 1e6).toFixed(2).padStart(8)} s ${((100 * g.us) / Math.max(busyUs, 1)).toFixed(1).padStart(5)} %${per(g.us)}  ${g.name}`;
  const awsCallUs = groups.filter((g) => AWS_CALL_GROUPS.has(g.name)).reduce((s, g) => s + g.us, 0);
  return [
    `main thread: ${(busyUs / 1e6).toFixed(2)} s busy in ${(totalUs / 1e6).toFixed(1)} s sampled${per(busyUs)}; without the AWS SDK and node's network stack: ${((busyUs - awsCallUs) / 1e6).toFixed(2)} s${per(busyUs - awsCallUs)}`,
    "by group (self time):",
    ...groups.map(line),
    `top ${top} functions (self time):`,
    ...functions.slice(0, top).map(line),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: npx tsx bench/cpu-profile.ts FILE.cpuprofile [top]");
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  for (const line of formatProfileSummary(profile, undefined, Number(process.argv[3] ?? 25)))
    console.log(line);
}
