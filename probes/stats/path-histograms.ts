/**
 * RTT distributions per path without keeping samples: one HdrHistogram per path (microsecond units,
 * 3 significant digits, so any percentile is within 0.1 % of a measured RTT, from 1 us to 1 hour).
 * The packed (sparse) bucket layout keeps a path whose RTTs sit in a narrow band at a few hundred
 * bytes, which is what lets 1,000 paths be tracked for hours in flat memory.
 *
 * The engine fills one PathHistograms per round; a long-run view `add`s each round's into its own.
 */
import * as hdr from 'hdr-histogram-js';
import { nsToMs } from './units.js';

const HIGHEST_US = 3_600_000_000;

export interface HistogramSummaryMs {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
}

function newHistogram(): hdr.Histogram {
  return hdr.build({
    bitBucketSize: 'packed',
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export class PathHistograms {
  private readonly histograms: hdr.Histogram[] = [];

  constructor(readonly pathCount: number) {
    for (let i = 0; i < pathCount; i++) this.histograms.push(newHistogram());
  }

  /** Records one RTT for path `pathIndex`; values outside 1 us .. 1 h are clamped into range. */
  record(pathIndex: number, rttNs: number): void {
    const us = Math.min(HIGHEST_US, Math.max(1, Math.round(rttNs / 1e3)));
    this.histograms[pathIndex]!.recordValue(us);
  }

  count(pathIndex: number): number {
    return this.histograms[pathIndex]!.totalCount;
  }

  /** Null when the path has no samples. */
  summaryMs(pathIndex: number): HistogramSummaryMs | null {
    const h = this.histograms[pathIndex]!;
    if (h.totalCount === 0) return null;
    const us = (value: number) => nsToMs(value * 1e3);
    return {
      count: h.totalCount,
      min: us(h.minNonZeroValue),
      max: us(h.maxValue),
      mean: us(h.mean),
      p50: us(h.getValueAtPercentile(50)),
      p95: us(h.getValueAtPercentile(95)),
      p99: us(h.getValueAtPercentile(99)),
      p999: us(h.getValueAtPercentile(99.9)),
    };
  }

  /** Adds another set's counts, path by path; both must cover the same paths. */
  add(other: PathHistograms): void {
    if (other.pathCount !== this.pathCount) {
      throw new RangeError(`probes.PathHistograms.add: other covers ${other.pathCount} paths, expected ${this.pathCount}`);
    }
    for (let i = 0; i < this.pathCount; i++) {
      if (other.histograms[i]!.totalCount > 0) this.histograms[i]!.add(other.histograms[i]!);
    }
  }

  reset(): void {
    for (const h of this.histograms) h.reset();
  }

  /** Bytes the histograms hold, as HdrHistogram estimates it. */
  get footprintBytes(): number {
    return this.histograms.reduce((sum, h) => sum + h.estimatedFootprintInBytes, 0);
  }
}
