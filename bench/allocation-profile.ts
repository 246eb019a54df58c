/**
 * What a process's main thread allocates: V8's sampling heap profiler run through the inspector
 * over a window, counting objects the garbage collector has already freed too (a steady
 * controller's cost is its garbage, not what it keeps), summed by allocating function and by the
 * groups of bench/cpu-profile.ts (the AWS SDK, node's network stack, orgguard's own files...).
 * bench/scale.ts takes one over the steady window when ALLOC_PROFILE is set.
 * Usage: npx tsx bench/allocation-profile.ts FILE.heapprofile [top]
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { functionNameOf, groupOf, largestFirst, type ProfileGroup } from "./cpu-profile.js";
import { openInspector } from "./inspector-session.js";

/** The parts of a .heapprofile (Chrome DevTools' sampling heap profile) the summary reads. */
export interface HeapProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  /** Bytes allocated at this frame (an estimate from the samples), itself, not its callees. */
  selfSize: number;
  children: HeapProfileNode[];
}

export interface HeapProfile {
  head: HeapProfileNode;
}

/** An allocation profile being taken through the inspector protocol; `stop()` returns it. */
export interface AllocationProfiling {
  stop(): Promise<HeapProfile>;
}

/** Starts sampling one allocation every `intervalBytes` on average (V8's default is 32 KiB). */
export async function startAllocationProfiling(
  url: string,
  intervalBytes = 16_384,
): Promise<AllocationProfiling> {
  const inspector = await openInspector(url);
  await inspector.call("HeapProfiler.enable");
  await inspector.call("HeapProfiler.startSampling", {
    samplingInterval: intervalBytes,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    stop: async () => {
      const { profile } = (await inspector.call("HeapProfiler.stopSampling")) as { profile: HeapProfile };
      inspector.close();
      return profile;
    },
  };
}

/** Bytes allocated by group and by function. */
export function summarizeAllocations(profile: HeapProfile): {
  totalBytes: number;
  groups: ProfileGroup[];
  functions: ProfileGroup[];
} {
  const groups = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalBytes = 0;
  const visit = (node: HeapProfileNode) => {
    const frame = node.callFrame;
    if (node.selfSize > 0) {
      totalBytes += node.selfSize;
      const group = groupOf(frame);
      groups.set(group, (groups.get(group) ?? 0) + node.selfSize);
      const fn = functionNameOf(frame);
      functions.set(fn, (functions.get(fn) ?? 0) + node.selfSize);
    }
    for (const child of node.children) visit(child);
  };
  visit(profile.head);
  // ProfileGroup's `us` holds bytes here: the same shape, sorted the same way.
  return { totalBytes, groups: largestFirst(groups), functions: largestFirst(functions) };
}

/** The summary as lines: bytes allocated, by group and the `top` functions, per reconcile when given. */
export function formatAllocationSummary(
  profile: HeapProfile,
  reconciles: number | undefined,
  top = 25,
): string[] {
  const { totalBytes, groups, functions } = summarizeAllocations(profile);
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1).padStart(9)} KiB`;
  const per = (bytes: number) =>
    reconciles ? ` ${(bytes / reconciles / 1024).toFixed(1).padStart(7)} KiB/reconcile` : "";
  const line = (g: ProfileGroup) =>
    `  ${kib(g.us)} ${((100 * g.us) / Math.max(totalBytes, 1)).toFixed(1).padStart(5)} %${per(g.us)}  ${g.name}`;
  return [
    `allocated on the main thread: ${(totalBytes / 2 ** 20).toFixed(1)} MiB${per(totalBytes)}`,
    "by group:",
    ...groups.map(line),
    `top ${top} allocating functions:`,
    ...functions.slice(0, top).map(line),
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: npx tsx bench/allocation-profile.ts FILE.heapprofile [top]");
  const profile = JSON.parse(await readFile(file, "utf8")) as HeapProfile;
  for (const line of formatAllocationSummary(profile, undefined, Number(process.argv[3] ?? 25)))
    console.log(line);
}
