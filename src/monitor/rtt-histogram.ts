/**
 * A path's RTTs since start in Prometheus histogram form: fixed upper bounds, cumulative counts, sum and
 * count. Fixed bounds (not HdrHistogram's) because Prometheus aggregates buckets across probers and
 * paths only when every series has the same `le` labels; they span a LAN hop (0.1 ms) to a satellite
 * link (5 s). The +Inf bucket is `count`. Every path's histogram shares one frozen array of bounds
 * (a copy per path was ~150 bytes of 20,000 paths' memory for the same 15 numbers); writing to it throws.
 */
import type { LivePath } from './monitor-view.js';

export const rttBucketUpperBoundsMs: readonly number[] = Object.freeze([0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]);

export type RttHistogram = LivePath['rttHistogram'];

export function emptyRttHistogram(): RttHistogram {
  // The type says number[] (the view's contract); the array is frozen, so a write fails loudly.
  return { upperBoundsMs: rttBucketUpperBoundsMs as number[], cumulativeCounts: rttBucketUpperBoundsMs.map(() => 0), sumMs: 0, count: 0 };
}

/** Adds one round's samples (ns, NaN for a probe that never returned: not an RTT, skipped). */
export function addRttSamples(histogram: RttHistogram, samplesNs: ArrayLike<number>): void {
  for (let i = 0; i < samplesNs.length; i++) {
    const ns = samplesNs[i]!;
    if (Number.isNaN(ns)) continue;
    const ms = ns / 1e6;
    histogram.sumMs += ms;
    histogram.count++;
    for (let b = histogram.upperBoundsMs.length - 1; b >= 0 && ms <= histogram.upperBoundsMs[b]!; b--) histogram.cumulativeCounts[b]!++;
  }
}
