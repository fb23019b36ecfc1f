/**
 * The one clock of the application: wall time, monotonic time, timers and waits, passed in rather than
 * taken from globals, so every part that waits or measures (the monitor loop, the batching writer, the
 * live topology's debounce and backoff, the fleet's heartbeat) runs on a fake clock in tests. Each part
 * declares the slice it uses (`Pick<Clock, ...>`), and `systemClock` serves them all; it is also the
 * probe engine's clock (probes/ cannot import the application, so its `Clock` is the narrower shape this
 * one extends).
 */
import type { Clock as ProbeClock } from '../probes/index.js';

export interface Clock extends ProbeClock {
  /** Wall clock, epoch ms: what is stored and shown. */
  nowMs(): number;
  /** Monotonic clock, ns: what durations are measured with. */
  nowNs(): bigint;
  /** Monotonic clock, ms (fractional): for intervals that must not jump with the wall clock. */
  monotonicMs(): number;
  /** A timer that never keeps the process alive by itself. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleepMs(ms: number, signal?: AbortSignal): Promise<void>;
  /** Lets pending I/O run, then resumes (setImmediate). */
  yieldNow(): Promise<void>;
}

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  nowNs: () => process.hrtime.bigint(),
  monotonicMs: () => performance.now(),
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, delayMs);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  sleepMs: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, ms));
      function done() {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      }
      signal?.addEventListener('abort', done, { once: true });
    }),
  yieldNow: () => new Promise((resolve) => setImmediate(resolve)),
};
