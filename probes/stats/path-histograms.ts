/**
 * RTT distributions per path without keeping samples: one LogHistogram per path (0.2 % resolution,
 * see log-histogram.ts for why not hdr-histogram-js). Memory grows with the spread of a path's RTTs
 * (1 KiB per power of two it covers, bounded), not with the number of probes, which is what lets 1,000 paths be tracked for hours in flat memory.
 *
 * The engine fills one PathHistograms per round; a long-run view `add`s each round's into its own.
 */
import { LogHistogram } from './log-histogram.js';
import { nsToMs } from './units.js';

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

export class PathHistograms {
  private readonly histograms: LogHistogram[] = [];

  constructor(readonly pathCount: number) {
    for (let i = 0; i < pathCount; i++) this.histograms.push(new LogHistogram());
  }

  /** Records one RTT in ns for path `pathIndex`. */
  record(pathIndex: number, rttNs: number): void {
    this.histograms[pathIndex]!.record(rttNs);
  }

  count(pathIndex: number): number {
    return this.histograms[pathIndex]!.count;
  }

  /** Null when the path has no samples. */
  summaryMs(pathIndex: number): HistogramSummaryMs | null {
    const h = this.histograms[pathIndex]!;
    if (h.count === 0) return null;
    const [p50, p95, p99, p999] = h.percentiles([50, 95, 99, 99.9]).map(nsToMs) as [number, number, number, number];
    return { count: h.count, min: nsToMs(h.min), max: nsToMs(h.max), mean: nsToMs(h.sum / h.count), p50, p95, p99, p999 };
  }

  /** Adds another set's counts, path by path; both must cover the same paths. */
  add(other: PathHistograms): void {
    if (other.pathCount !== this.pathCount) {
      throw new RangeError(`probes.PathHistograms.add: other covers ${other.pathCount} paths, expected ${this.pathCount}`);
    }
    for (let i = 0; i < this.pathCount; i++) this.histograms[i]!.add(other.histograms[i]!);
  }

  reset(): void {
    for (const h of this.histograms) h.reset();
  }

  /** Bytes the counts hold: 1 KiB per power of two a path's values have touched, at most 58 KiB a path. */
  get footprintBytes(): number {
    return this.histograms.reduce((sum, h) => sum + h.footprintBytes, 0);
  }
}
