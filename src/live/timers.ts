/**
 * The clock and timers the live topology code runs on, passed in rather than taken from globals, so unit
 * tests drive debouncing, backoff and hang detection with a fake clock instead of sleeping.
 */
export interface LiveTimers {
  /** Wall clock, epoch ms: what statuses and watch lines show. */
  nowMs(): number;
  /** Monotonic clock, ns: what durations (re-plan delay) are measured with. */
  nowNs(): bigint;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: LiveTimers = {
  nowMs: () => Date.now(),
  nowNs: () => process.hrtime.bigint(),
  setTimeout: (callback, delayMs) => {
    const handle = setTimeout(callback, delayMs);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
