/**
 * The live topology code's slice of the application clock (src/clock.ts): wall time for statuses and
 * watch lines, monotonic time for durations, and timers, so unit tests drive debouncing, backoff and
 * hang detection with a fake clock instead of sleeping.
 */
import { systemClock, type Clock } from '../clock.js';

export type LiveTimers = Pick<Clock, 'nowMs' | 'nowNs' | 'setTimeout' | 'clearTimeout'>;

export const systemTimers: LiveTimers = systemClock;
