/**
 * A plan entry as scripts and policy engines read it (`orgguard plan --output json`): what differs,
 * as AWS has it (`actual`) and as the manifest wants it (`desired`), and the RFC 6902 JSON Patch
 * (fast-json-patch) that turns the one into the other. Built from the entry's changes, whose paths
 * (`document`, `regions[eu-west-1].enabled`, `targets[ou-ab12-cd34ef56]`) become JSON Pointers
 * (`/document`, `/regions/eu-west-1/enabled`); a change of the whole resource is `/resource`.
 */
import fastJsonPatch, { type Operation } from "fast-json-patch";
import type { Change } from "../runtime/managed.js";

/** A change's path as JSON Pointer segments: `regions[eu-west-1].enabled` -> regions, eu-west-1, enabled. */
export function pathSegments(path: string): string[] {
  if (path === "") return ["resource"];
  const segments: string[] = [];
  let current = "";
  let depth = 0;
  const flush = () => {
    if (current !== "") segments.push(current);
    current = "";
  };
  for (const ch of path) {
    if (ch === "[" && depth++ === 0) flush();
    else if (ch === "]" && --depth === 0) flush();
    else if (ch === "." && depth === 0) flush();
    else current += ch;
  }
  flush();
  return segments;
}

type Json = Record<string, unknown>;

/** Sets `value` at `segments` of `doc`, making the objects on the way. */
function setAt(doc: Json, segments: string[], value: unknown): void {
  let node = doc;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (typeof next === "object" && next !== null && !Array.isArray(next)) node = next as Json;
    else {
      const made: Json = {};
      node[segment] = made;
      node = made;
    }
  }
  const last = segments.at(-1);
  if (last !== undefined) node[last] = value;
}

/** What differs, as AWS has it and as the manifest wants it, and the JSON Patch from one to the other. */
export function patchOf(changes: readonly Change[]): { actual: Json; desired: Json; patch: Operation[] } {
  const actual: Json = {};
  const desired: Json = {};
  for (const change of changes) {
    const segments = pathSegments(change.path);
    // Absent on one side (a target to attach, a setting not set): the key is absent there too.
    if (change.from !== undefined) setAt(actual, segments, change.from);
    if (change.to !== undefined) setAt(desired, segments, change.to);
  }
  return { actual, desired, patch: fastJsonPatch.compare(actual, desired) };
}
