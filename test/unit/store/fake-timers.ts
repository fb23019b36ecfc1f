/**
 * Hand-driven time for the batching writer's unit tests: timers fire only when the test advances the
 * clock, and pending promise callbacks are let run after each, so no test sleeps.
 */
import type { WriterTimers } from '../../../src/store/index.js';

export class FakeTimers implements WriterTimers {
  private currentMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { atMs: number; callback: () => void }>();

  nowMs(): number {
    return this.currentMs;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { atMs: this.currentMs + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Moves the clock forward, firing due timers in time order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const target = this.currentMs + ms;
    for (;;) {
      await settle();
      let due: [number, { atMs: number; callback: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].atMs <= target && (!due || entry[1].atMs < due[1].atMs)) due = entry;
      if (!due) break;
      this.pending.delete(due[0]);
      this.currentMs = Math.max(this.currentMs, due[1].atMs);
      due[1].callback();
    }
    this.currentMs = target;
    await settle();
  }
}

/** Lets queued promise callbacks and I/O callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
