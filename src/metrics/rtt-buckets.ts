/**
 * The RTT buckets /metrics exports, taken from the monitor's histograms. The monitor counts each path's
 * RTTs at its own fixed bounds; the config's `metrics.rttBucketsMs` says which bounds to export. A
 * cumulative count is exact only at a bound the monitor keeps, so the exported bounds are the configured
 * ones the monitor keeps, and a configured bound it does not keep is left out rather than guessed
 * (interpolating inside a bucket would invent RTTs). A monitor that counts at the configured bounds has
 * every configured bound exported.
 */
import type { LivePath } from '../monitor/monitor-view.js';

export type SourceHistogram = LivePath['rttHistogram'];

/** Which of the source's bounds to export: their indexes into the source's arrays, ascending. */
export interface BucketSelection {
  boundsMs: number[];
  sourceIndexes: number[];
}

// Bounds arrive as decimal literals on both sides (config and monitor), but 0.1 + 0.2-style arithmetic
// may have produced one of them: compare with a relative tolerance far below any sensible bucket gap.
const SAME_BOUND = 1e-9;

/**
 * The configured bounds the source keeps. Every path's histogram has the same bounds, but the view may
 * hand each path its own copy of them: the last selection is reused when the bounds are equal, so a
 * scrape of 20,000 paths selects once and compares a few numbers per path.
 */
export class RttBucketSelector {
  private last: { sourceBoundsMs: readonly number[]; selection: BucketSelection } | null = null;

  constructor(private readonly wantedMs: readonly number[]) {}

  select(sourceBoundsMs: readonly number[]): BucketSelection {
    if (this.last && equalBounds(this.last.sourceBoundsMs, sourceBoundsMs)) return this.last.selection;
    const selection: BucketSelection = { boundsMs: [], sourceIndexes: [] };
    for (const wanted of this.wantedMs) {
      const index = sourceBoundsMs.findIndex((bound) => Math.abs(bound - wanted) <= SAME_BOUND * Math.max(1, wanted));
      if (index < 0) continue;
      selection.boundsMs.push(wanted);
      selection.sourceIndexes.push(index);
    }
    this.last = { sourceBoundsMs: [...sourceBoundsMs], selection };
    return selection;
  }
}

function equalBounds(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
