/**
 * What a V8 heap snapshot holds, summed by kind of node: the largest groups by self size (code,
 * strings, arrays, objects by constructor), so a figure such as "heap used 160 MiB" can be split
 * into the module code every process carries and the data that grows with the objects it watches.
 * Usage: npx tsx bench/heap-summary.ts FILE.heapsnapshot [top]
 * bench/scale.ts runs it on the controller's snapshot when HEAP_SNAPSHOT is set.
 */
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  strings: string[];
}

/** One group: what its nodes are, how many, and their self sizes summed. */
export interface HeapGroup {
  group: string;
  count: number;
  bytes: number;
}

/**
 * Groups a snapshot's nodes: objects by constructor name, closures as one group, code and
 * strings by type (a string's text would make every string its own group).
 */
export function summarizeHeap(snapshot: Snapshot): HeapGroup[] {
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!] ?? "?";
    const name = snapshot.strings[snapshot.nodes[i + nameAt]!] ?? "?";
    const group = type === "object" || type === "native" || type === "hidden" ? `${type} ${name}` : type;
    const entry = groups.get(group) ?? { group, count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snapshot.nodes[i + sizeAt]!;
    groups.set(group, entry);
  }
  return [...groups.values()].sort((a, b) => b.bytes - a.bytes);
}

/** The summary as lines: total, then the `top` largest groups. */
export function formatHeapSummary(groups: HeapGroup[], top: number): string[] {
  const total = groups.reduce((sum, g) => sum + g.bytes, 0);
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  return [
    `heap snapshot: ${mib(total)} in ${groups.reduce((sum, g) => sum + g.count, 0)} nodes`,
    ...groups
      .slice(0, top)
      .map((g) => `  ${mib(g.bytes).padStart(10)}  ${String(g.count).padStart(8)}  ${g.group}`),
  ];
}

/** Reads and summarizes one .heapsnapshot file. */
export async function heapSummaryOf(file: string, top = 25): Promise<string[]> {
  const snapshot = JSON.parse(await readFile(file, "utf8")) as Snapshot;
  return formatHeapSummary(summarizeHeap(snapshot), top);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const file = process.argv[2];
  if (!file) throw new Error("usage: npx tsx bench/heap-summary.ts FILE.heapsnapshot [top]");
  for (const line of await heapSummaryOf(file, Number(process.argv[3] ?? 25))) console.log(line);
}
