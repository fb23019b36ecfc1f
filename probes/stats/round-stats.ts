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

// The received RTTs of the path being summarised: one scratch for every call (roundStats is
// synchronous), so summarising 100,000 paths allocates only the figures it returns.
let scratch = new Float64Array(64);

/**
 * @param rttNs one entry per probe in sequence order; NaN for a probe that never returned in time.
 * @param start, sent: the path's probes are `rttNs[start, start + sent)`, so a round can keep every
 *   path's RTTs in one array (default: all of `rttNs`).
 */
export function roundStats(rttNs: Float64Array, late: number, duplicates: number, start = 0, sent = rttNs.length - start): RoundStats {
  if (!(Number.isInteger(start) && Number.isInteger(sent) && start >= 0 && sent >= 0 && start + sent <= rttNs.length)) {
    throw new RangeError(`probes.roundStats: probes [${start}, ${start}+${sent}) lie outside the ${rttNs.length} RTTs given`);
  }
  if (scratch.length < sent) scratch = new Float64Array(Math.max(sent, 2 * scratch.length));
  const values = scratch;
  let received = 0;
  for (let i = start; i < start + sent; i++) {
    const value = rttNs[i]!;
    if (!Number.isNaN(value)) values[received++] = value;
  }
  const lossPct = sent === 0 ? 0 : roundTo(((sent - received) / sent) * 100, 3);
  if (received === 0) return { sent, received: 0, lossPct, late, duplicates, rttMs: null, jitterMs: null };

  // Jitter wants sequence order, percentiles want sorted order: the one pass before the sort.
  const jitterMs = meanConsecutiveDifferenceMs(values, received);
  sortPrefix(values, received);
  let total = 0;
  for (let i = 0; i < received; i++) total += values[i]!;
  const sorted = values.subarray(0, received);
  const rttMs: RttSummaryMs = {
    min: nsToMs(sorted[0]!),
    avg: nsToMs(total / received),
    max: nsToMs(sorted[received - 1]!),
    p50: nsToMs(nearestRank(sorted, 50)),
    p95: nsToMs(nearestRank(sorted, 95)),
    p99: nsToMs(nearestRank(sorted, 99)),
  };
  return { sent, received, lossPct, late, duplicates, rttMs, jitterMs };
}

/** Sorts `values[0, length)` ascending in place: insertion sort for the few probes a round usually has. */
function sortPrefix(values: Float64Array, length: number): void {
  if (length > 32) {
    values.subarray(0, length).sort();
    return;
  }
  for (let i = 1; i < length; i++) {
    const value = values[i]!;
    let j = i - 1;
    for (; j >= 0 && values[j]! > value; j--) values[j + 1] = values[j]!;
    values[j + 1] = value;
  }
}

/** Nearest-rank percentile (no interpolation): always a value that was actually measured. */
export function nearestRank(sorted: Float64Array, percentile: number): number {
  const rank = Math.ceil((percentile / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function meanConsecutiveDifferenceMs(inSequence: Float64Array, length: number): number | null {
  if (length < 2) return null;
  let sum = 0;
  for (let i = 1; i < length; i++) sum += Math.abs(inSequence[i]! - inSequence[i - 1]!);
  return nsToMs(sum / (length - 1));
}
