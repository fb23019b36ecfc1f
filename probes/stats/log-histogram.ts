/**
 * A sparse log-linear histogram of nanosecond values, the HdrHistogram layout without its dense
 * arrays: exact below 512 ns, then 256 buckets per power of two (any value is within 0.2 % of its
 * bucket's midpoint: 2 us at 1 ms, 40 us at 20 ms). Counts live in one 1 KiB Uint32Array per power of
 * two that holds any value, allocated on first use: a path whose RTTs sit in a narrow band costs one or
 * two of them, one spread from 10 us to 1 s 17, and no path more than 58 (every power of two up to
 * 2^64 ns) - a hard bound, unlike the Map of buckets this replaced, which at ~40 bytes per bucket grew
 * to 9 MiB over 1,000 paths in 40 s of the bench's RSS run and kept growing as the tails filled in.
 * Adding one histogram into another touches only the powers of two that are used. 1,024 buckets per
 * power of two (0.05 %) measured 10 MiB for 1,000 paths after 30 s, which is why the long-run view is
 * this coarse; exact per-probe figures stay available per round (samplesNs).
 *
 * Why not hdr-histogram-js: measured here for 1,000 paths, its packed (sparse) mode took 30 us per
 * recorded value and 12 s to add one set of histograms into another; dense mode needs ~130 KiB per
 * path at this precision. This one records in well under a microsecond and adds in milliseconds.
 */

const SUB_BITS = 8;
const SUB = 1 << SUB_BITS;

/** Bucket index of a non-negative integer value. */
export function bucketOf(value: number): number {
  if (value < 2 * SUB) return value;
  if (value < 2 ** 32) {
    // Below 4.29 s, integer bit arithmetic: no floating-point log.
    const shift = 31 - Math.clz32(value) - SUB_BITS;
    return shift * SUB + (value >>> shift);
  }
  const shift = Math.floor(Math.log2(value)) - SUB_BITS;
  // log2 of a double can land one off at exact powers of two: correct it so the mantissa is in range.
  let s = shift;
  let mantissa = Math.floor(value / 2 ** s);
  if (mantissa >= 2 * SUB) mantissa = Math.floor(value / 2 ** ++s);
  else if (mantissa < SUB) mantissa = Math.floor(value / 2 ** --s);
  return s * SUB + mantissa;
}

/** The midpoint of bucket `index` (the value itself below 512). */
export function bucketValue(index: number): number {
  if (index < 2 * SUB) return index;
  const shift = Math.floor(index / SUB) - 1;
  const mantissa = index - shift * SUB;
  return mantissa * 2 ** shift + (2 ** shift - 1) / 2;
}

/** Counts for bucket indexes [chunk * SUB, (chunk + 1) * SUB): one power of two. */
const CHUNK_BYTES = SUB * Uint32Array.BYTES_PER_ELEMENT;

export class LogHistogram {
  private chunks: (Uint32Array | undefined)[] = [];
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  /** Records a value in ns; negative or non-finite values are ignored (returns false). */
  record(valueNs: number): boolean {
    if (!(valueNs >= 0) || !Number.isFinite(valueNs)) return false;
    const v = Math.round(valueNs);
    const index = bucketOf(v);
    this.chunk(index >>> SUB_BITS)[index & (SUB - 1)]!++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    return true;
  }

  add(other: LogHistogram): void {
    other.chunks.forEach((theirs, c) => {
      if (!theirs) return;
      const mine = this.chunk(c);
      for (let i = 0; i < SUB; i++) mine[i]! += theirs[i]!;
    });
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
  }

  /**
   * Nearest-rank percentiles, each clamped to [min, max] so the extremes are the measured ones.
   * NaN for an empty histogram.
   */
  percentiles(ps: number[]): number[] {
    if (this.count === 0) return ps.map(() => NaN);
    return ps.map((p) => {
      const rank = Math.min(this.count, Math.max(1, Math.ceil((p / 100) * this.count)));
      let seen = 0;
      for (let c = 0; c < this.chunks.length; c++) {
        const counts = this.chunks[c];
        if (!counts) continue;
        for (let i = 0; i < SUB; i++) {
          seen += counts[i]!;
          if (seen >= rank) return Math.min(this.max, Math.max(this.min, bucketValue(c * SUB + i)));
        }
      }
      return this.max;
    });
  }

  /** Buckets with at least one value. */
  get bucketCount(): number {
    let used = 0;
    for (const counts of this.chunks) if (counts) for (let i = 0; i < SUB; i++) if (counts[i]) used++;
    return used;
  }

  /** Bytes held by counts (allocated powers of two). */
  get footprintBytes(): number {
    let bytes = 0;
    for (const counts of this.chunks) if (counts) bytes += CHUNK_BYTES;
    return bytes;
  }

  reset(): void {
    this.chunks = [];
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  private chunk(c: number): Uint32Array {
    let counts = this.chunks[c];
    if (!counts) {
      while (this.chunks.length < c) this.chunks.push(undefined);
      counts = this.chunks[c] = new Uint32Array(SUB);
    }
    return counts;
  }
}
