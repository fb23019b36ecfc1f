/**
 * RTT distributions per path without keeping samples: one LogHistogram per path (0.2 % resolution,
 * see log-histogram.ts for why not hdr-histogram-js). Memory grows with the spread of a path's RTTs
 * (1 KiB per power of two it covers, bounded), not with the number of probes, which is what lets 1,000 paths be tracked for hours in flat memory.
 *
 * A round's PathHistograms is built from its samples when someone asks for it (`fromSamples`); a
 * long-run view `add`s each round's into its own. A path's LogHistogram exists only once it has a
 * value, so 100,000 paths cost an array slot each until they are measured.
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
  private readonly histograms: (LogHistogram | undefined)[];

  constructor(readonly pathCount: number) {
    if (!Number.isInteger(pathCount) || pathCount < 0) {
      throw new RangeError(`probes.PathHistograms: pathCount must be a whole number, got ${String(pathCount)}`);
    }
    this.histograms = new Array<LogHistogram | undefined>(pathCount);
  }

  /**
   * One round's histograms from its samples: `samplesNs` holds `count` RTTs per path, path after path,
   * NaN for a probe that did not return (skipped).
   */
  static fromSamples(samplesNs: Float64Array, pathCount: number, count: number): PathHistograms {
    if (samplesNs.length !== pathCount * count) {
      throw new RangeError(`probes.PathHistograms.fromSamples: ${samplesNs.length} samples, expected ${pathCount} paths x ${count} = ${pathCount * count}`);
    }
    const set = new PathHistograms(pathCount);
    for (let i = 0; i < samplesNs.length; i++) {
      const value = samplesNs[i]!;
      if (!Number.isNaN(value)) set.record(Math.floor(i / count), value);
    }
    return set;
  }

  /** Records one RTT in ns for path `pathIndex`. */
  record(pathIndex: number, rttNs: number): void {
    this.at(pathIndex).record(rttNs);
  }

  count(pathIndex: number): number {
    return this.histograms[pathIndex]?.count ?? 0;
  }

  /** Null when the path has no samples. */
  summaryMs(pathIndex: number): HistogramSummaryMs | null {
    const h = this.histograms[pathIndex];
    if (!h || h.count === 0) return null;
    const [p50, p95, p99, p999] = h.percentiles([50, 95, 99, 99.9]).map(nsToMs) as [number, number, number, number];
    return { count: h.count, min: nsToMs(h.min), max: nsToMs(h.max), mean: nsToMs(h.sum / h.count), p50, p95, p99, p999 };
  }

  /** Adds another set's counts, path by path; both must cover the same paths. */
  add(other: PathHistograms): void {
    if (other.pathCount !== this.pathCount) {
      throw new RangeError(`probes.PathHistograms.add: other covers ${other.pathCount} paths, expected ${this.pathCount}`);
    }
    for (let i = 0; i < this.pathCount; i++) {
      const theirs = other.histograms[i];
      if (theirs && theirs.count > 0) this.at(i).add(theirs);
    }
  }

  reset(): void {
    for (const h of this.histograms) h?.reset();
  }

  /** Bytes the counts hold: 1 KiB per power of two a path's values have touched, at most 58 KiB a path. */
  get footprintBytes(): number {
    let bytes = 0;
    for (const h of this.histograms) bytes += h?.footprintBytes ?? 0;
    return bytes;
  }

  private at(pathIndex: number): LogHistogram {
    if (!(pathIndex >= 0 && pathIndex < this.pathCount && Number.isInteger(pathIndex))) {
      throw new RangeError(`probes.PathHistograms: path index ${String(pathIndex)} outside 0..${this.pathCount - 1}`);
    }
    return (this.histograms[pathIndex] ??= new LogHistogram());
  }
}
