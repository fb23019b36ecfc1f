/**
 * The labels of `pathmon_path_info`: a path's endpoints and hops by node name, so PromQL can put names
 * on every per-path series (`... * on(path_id) group_left(from, to, hops) pathmon_path_info`) while the
 * per-path series themselves keep only `path_id` and `group`. Names are written as the link series
 * write them (`R1->R2`, ASCII). `hops` is bounded: a path of up to 64 hops of 64-character names would
 * make a label of kilobytes that every query and index entry carries, so past MAX_HOPS_CHARS the middle
 * hops are replaced by a count (`dev1->R1->...(+9)->R7->dev2`); the path_id still tells paths apart.
 */
import type { PathRecord } from '../store/records.js';

export const MAX_HOPS_CHARS = 256;
const SEPARATOR = '->';

// A type, not an interface: a sample's labels are a string record, which only a type alias satisfies.
export type PathInfoLabels = {
  path_id: string;
  group: string;
  from: string;
  to: string;
  hops: string;
};

// A path's record lives as long as the path is planned, and its names never change: label it once,
// not on every scrape of every path.
const labelled = new WeakMap<PathRecord, PathInfoLabels>();

export function pathInfoLabels(record: PathRecord): PathInfoLabels {
  let labels = labelled.get(record);
  if (!labels) {
    const names = record.names;
    // An ICMP/TCP/UDP target (no links) is named `tcp db1:5432`: from the prober to the target as written.
    labels = isTarget(record)
      ? { path_id: record.id, group: record.group, from: record.fromNode, to: record.toNode, hops: hopsLabel(names) }
      : { path_id: record.id, group: record.group, from: names[0] ?? '', to: names[names.length - 1] ?? '', hops: hopsLabel(names) };
    labelled.set(record, labels);
  }
  return labels;
}

/** Targets' ids are `target-<digest>` (targets/target-route.ts) and they cross no link. */
export function isTarget(record: PathRecord): boolean {
  return record.linkKeys.length === 0 && record.id.startsWith('target-');
}

/** Node names joined with `->`, at most MAX_HOPS_CHARS long, keeping the ends. */
export function hopsLabel(names: readonly string[]): string {
  const full = names.join(SEPARATOR);
  if (full.length <= MAX_HOPS_CHARS) return full;
  // Keep as many names from both ends as fit, alternating so both ends stay visible.
  const head: string[] = [];
  const tail: string[] = [];
  let lo = 0;
  let hi = names.length - 1;
  const length = (omitted: number) => [...head, `...(+${omitted})`, ...tail].join(SEPARATOR).length;
  while (lo <= hi) {
    const fromHead = head.length <= tail.length;
    const next = fromHead ? names[lo]! : names[hi]!;
    if (fromHead) head.push(next);
    else tail.unshift(next);
    if (length(hi - lo) > MAX_HOPS_CHARS) {
      if (fromHead) head.pop();
      else tail.shift();
      break;
    }
    if (fromHead) lo++;
    else hi--;
  }
  const label = [...head, `...(+${hi - lo + 1})`, ...tail].join(SEPARATOR);
  // A single name longer than the bound: cut it, the path_id still identifies the path.
  return label.length <= MAX_HOPS_CHARS ? label : label.slice(0, MAX_HOPS_CHARS);
}
