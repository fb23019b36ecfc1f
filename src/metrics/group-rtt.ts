/**
 * Per-group RTT histograms: every path's replies summed by group, so the RTT heatmap and group-level
 * percentiles work with `metrics.pathHistograms: false` (a few series per group instead of ~20 per path).
 *
 * A plain sum over the paths in view would go down when a path leaves (GONE) or comes back with a fresh
 * histogram, and Prometheus reads a drop in a counter as a restart, which shows as a burst of RTTs that
 * never happened. So the sums are kept here and only grow: at each scrape every path's growth since the
 * last scrape is added to its group; a path whose count went down started again, and all of its count is
 * growth. A path that leaves keeps what it added.
 */
import type { LivePath } from '../monitor/monitor-view.js';
import type { SourceHistogram } from './rtt-buckets.js';

export interface GroupHistogram {
  upperBoundsMs: readonly number[];
  cumulativeCounts: number[];
  sumMs: number;
  count: number;
}

interface Seen {
  bounds: readonly number[];
  counts: number[];
  sumMs: number;
  count: number;
}

export class GroupRttTotals {
  private readonly groups = new Map<string, GroupHistogram>();
  private readonly seen = new Map<string, Seen>();

  /** Adds each path's growth since the last call; forgets paths not in `paths`. */
  update(paths: readonly LivePath[]): void {
    const present = new Set<string>();
    for (const path of paths) {
      present.add(path.record.id);
      this.add(path.record.id, path.record.group, path.rttHistogram);
    }
    for (const id of this.seen.keys()) if (!present.has(id)) this.seen.delete(id);
  }

  histograms(): ReadonlyMap<string, GroupHistogram> {
    return this.groups;
  }

  private add(pathId: string, group: string, histogram: SourceHistogram): void {
    let total = this.groups.get(group);
    // A new group, or bounds that changed under a running monitor (which would mix buckets): start it.
    if (!total || !sameBounds(total.upperBoundsMs, histogram.upperBoundsMs)) {
      this.groups.set(group, (total = { upperBoundsMs: [...histogram.upperBoundsMs], cumulativeCounts: histogram.upperBoundsMs.map(() => 0), sumMs: 0, count: 0 }));
    }
    const before = this.seen.get(pathId);
    // The growth is measured from the last scrape, or from zero for a new or restarted histogram.
    const base = before && histogram.count >= before.count && sameBounds(before.bounds, histogram.upperBoundsMs) ? before : null;
    const counts = histogram.cumulativeCounts;
    for (let i = 0; i < counts.length; i++) total.cumulativeCounts[i]! += (counts[i] ?? 0) - (base?.counts[i] ?? 0);
    total.sumMs += histogram.sumMs - (base?.sumMs ?? 0);
    total.count += histogram.count - (base?.count ?? 0);
    if (base) {
      for (let i = 0; i < counts.length; i++) base.counts[i] = counts[i] ?? 0;
      base.sumMs = histogram.sumMs;
      base.count = histogram.count;
    } else {
      // The group's bounds (equal to the path's by now): one array for every path, not a copy each.
      this.seen.set(pathId, { bounds: total.upperBoundsMs, counts: [...counts], sumMs: histogram.sumMs, count: histogram.count });
    }
  }
}

function sameBounds(a: readonly number[], b: readonly number[]): boolean {
  return a === b || (a.length === b.length && a.every((bound, i) => bound === b[i]));
}
