/** A fake clock for live-topology unit tests: time moves only when the test says so. */
import type { LiveTimers } from '../../../src/live/index.js';

export class FakeTimers implements LiveTimers {
  private ms = 1_000_000;
  private next = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();

  nowMs(): number {
    return this.ms;
  }

  nowNs(): bigint {
    return BigInt(this.ms) * 1_000_000n;
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.ms + delayMs, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves the clock forward, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.ms + ms;
    for (;;) {
      const due = [...this.pending].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.ms = Math.max(this.ms, due[1].at);
      due[1].callback();
    }
    this.ms = end;
  }

  pendingCount(): number {
    return this.pending.size;
  }
}
