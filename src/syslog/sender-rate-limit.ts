/**
 * A token bucket per sending address, so one device in a storm (or a misconfigured relay) cannot fill
 * the queue and the table for everyone. Lines over the rate are not stored one by one but counted; the
 * count is handed out once a second per sender (`dueReports`) and becomes one stored event, "suppressed
 * N lines from HOST", so the flood is still visible in the events and its size is known.
 *
 * The map is bounded: past maxSenders, the bucket idle longest is forgotten first (its pending count,
 * if any, is reported before it goes).
 */

export interface SuppressionReport {
  sourceAddress: string;
  /** Lines over the rate since the last report. */
  suppressed: number;
  firstAtMs: number;
  lastAtMs: number;
}

interface Bucket {
  tokens: number;
  refilledAtMs: number;
  suppressed: number;
  firstSuppressedAtMs: number;
  lastSuppressedAtMs: number;
  reportedAtMs: number;
}

export class SenderRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly evicted: SuppressionReport[] = [];
  /** The sender last in the map's order, if still in it. */
  private newest: string | null = null;

  constructor(
    private readonly linesPerSec: number,
    private readonly burstLines: number,
    private readonly maxSenders: number,
    private readonly reportEveryMs = 1000,
  ) {}

  /** True: store the line. False: over the rate, counted for the next report. */
  take(sourceAddress: string, nowMs: number): boolean {
    let bucket = this.buckets.get(sourceAddress);
    if (bucket) {
      // Re-inserted so the map's order is least recently seen first (the eviction order); a sender
      // that is already the most recent (the usual case: lines come in runs) is in place.
      if (this.newest !== sourceAddress) {
        this.buckets.delete(sourceAddress);
        this.buckets.set(sourceAddress, bucket);
        this.newest = sourceAddress;
      }
      const elapsed = Math.max(0, nowMs - bucket.refilledAtMs);
      bucket.tokens = Math.min(this.burstLines, bucket.tokens + (elapsed * this.linesPerSec) / 1000);
      bucket.refilledAtMs = nowMs;
    } else {
      if (this.buckets.size >= this.maxSenders) this.evictOldest();
      bucket = { tokens: this.burstLines, refilledAtMs: nowMs, suppressed: 0, firstSuppressedAtMs: 0, lastSuppressedAtMs: 0, reportedAtMs: nowMs };
      this.buckets.set(sourceAddress, bucket);
      this.newest = sourceAddress;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return true;
    }
    if (bucket.suppressed === 0) bucket.firstSuppressedAtMs = nowMs;
    bucket.suppressed++;
    bucket.lastSuppressedAtMs = nowMs;
    return false;
  }

  /** Counts due for a report (a second since the sender's last one), cleared as they are returned. `all`: every pending count (at close). */
  dueReports(nowMs: number, all = false): SuppressionReport[] {
    const due = this.evicted.splice(0);
    for (const [sourceAddress, bucket] of this.buckets) {
      if (bucket.suppressed === 0 || (!all && nowMs - bucket.reportedAtMs < this.reportEveryMs)) continue;
      due.push({ sourceAddress, suppressed: bucket.suppressed, firstAtMs: bucket.firstSuppressedAtMs, lastAtMs: bucket.lastSuppressedAtMs });
      bucket.suppressed = 0;
      bucket.reportedAtMs = nowMs;
    }
    return due;
  }

  get senders(): number {
    return this.buckets.size;
  }

  private evictOldest(): void {
    const oldest = this.buckets.keys().next();
    if (oldest.done) return;
    const bucket = this.buckets.get(oldest.value)!;
    if (bucket.suppressed > 0) {
      this.evicted.push({ sourceAddress: oldest.value, suppressed: bucket.suppressed, firstAtMs: bucket.firstSuppressedAtMs, lastAtMs: bucket.lastSuppressedAtMs });
    }
    this.buckets.delete(oldest.value);
    if (this.newest === oldest.value) this.newest = null;
  }
}
