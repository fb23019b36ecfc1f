/**
 * Per-path figures for one probing round: what was sent and received, loss, RTT percentiles and jitter.
 *
 * A round holds at most `count` samples per path, so exact percentiles over the samples are cheap and
 * honest; long-run figures come from history, not from here. Jitter is the mean absolute difference of
 * consecutive RTTs in sequence order (IPDV, RFC 3393 / RFC 5481 §4.2): it shows path instability
 * without being inflated by a path's constant delay.
 */
import { nsToMs, roundTo } from './units.js';

export interface RttSummaryMs {
  min: number;
  avg: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface RoundStats {
  sent: number;
  received: number;
  lossPct: number;
  /** Replies that arrived after their probe's timeout: counted as lost, reported apart. */
  late: number;
  duplicates: number;
  /** Null when nothing came back. */
  rttMs: RttSummaryMs | null;
  jitterMs: number | null;
}

/**
 * @param rttNs one entry per probe in sequence order; NaN for a probe that never returned in time.
 */
export function roundStats(rttNs: Float64Array, late: number, duplicates: number): RoundStats {
  const sent = rttNs.length;
  const received = rttNs.filter((value) => !Number.isNaN(value));
  const lossPct = sent === 0 ? 0 : roundTo(((sent - received.length) / sent) * 100, 3);
  if (received.length === 0) return { sent, received: 0, lossPct, late, duplicates, rttMs: null, jitterMs: null };

  const sorted = Float64Array.from(received).sort();
  const total = sorted.reduce((sum, value) => sum + value, 0);
  const rttMs: RttSummaryMs = {
    min: nsToMs(sorted[0]!),
    avg: nsToMs(total / sorted.length),
    max: nsToMs(sorted[sorted.length - 1]!),
    p50: nsToMs(nearestRank(sorted, 50)),
    p95: nsToMs(nearestRank(sorted, 95)),
    p99: nsToMs(nearestRank(sorted, 99)),
  };
  return { sent, received: received.length, lossPct, late, duplicates, rttMs, jitterMs: meanConsecutiveDifferenceMs(received) };
}

/** Nearest-rank percentile (no interpolation): always a value that was actually measured. */
export function nearestRank(sorted: Float64Array, percentile: number): number {
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function meanConsecutiveDifferenceMs(inSequence: Float64Array): number | null {
  if (inSequence.length < 2) return null;
  let sum = 0;
  for (let i = 1; i < inSequence.length; i++) sum += Math.abs(inSequence[i]! - inSequence[i - 1]!);
  return nsToMs(sum / (inSequence.length - 1));
}

