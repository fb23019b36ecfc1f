/**
 * A path's RTTs since start in Prometheus histogram form: fixed upper bounds, cumulative counts, sum and
 * count. Fixed bounds (not HdrHistogram's) because Prometheus aggregates buckets across probers and
 * paths only when every series has the same `le` labels. They come from the config's
 * `metrics.rttBucketsMs` (default 10 µs to 1 s, since the engine measures to microseconds); the +Inf
 * bucket is `count`. Every path's histogram shares one frozen array of bounds (a copy per path was
 * ~150 bytes of 20,000 paths' memory for the same numbers); writing to it throws.
 */
import { defaultMetrics } from '../config/index.js';
import type { LivePath } from './monitor-view.js';

export const rttBucketUpperBoundsMs: readonly number[] = Object.freeze([...defaultMetrics.rttBucketsMs]);

export type RttHistogram = LivePath['rttHistogram'];

/** @param upperBoundsMs a frozen array shared by every path of one monitor. */
export function emptyRttHistogram(upperBoundsMs: readonly number[] = rttBucketUpperBoundsMs): RttHistogram {
  // The type says number[] (the view's contract); the array is frozen, so a write fails loudly.
  return { upperBoundsMs: upperBoundsMs as number[], cumulativeCounts: upperBoundsMs.map(() => 0), sumMs: 0, count: 0 };
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
