/**
 * What one round says about one path, before hysteresis: DOWN when nothing came back, DEGRADED when the
 * round's p50 RTT is above `delayMs` or its loss above `lossPct`, UP otherwise. p50 rather than the mean
 * or p95 because one slow reply in ten (a busy router CPU, a scheduler hiccup on the prober) should not
 * flag a path; a real added delay moves the median. Loss exactly at the threshold is not a breach.
 */
import type { Thresholds } from '../config/index.js';
import type { RoundResultRecord } from '../store/records.js';
import type { PathStateName } from './path-state.js';

export type RoundVerdict = Exclude<PathStateName, 'GONE'>;

export interface VerdictDetail {
  verdict: RoundVerdict;
  delayBreached: boolean;
  lossBreached: boolean;
}

export function roundVerdict(round: RoundResultRecord, thresholds: Thresholds): VerdictDetail {
  if (round.received === 0) return { verdict: 'DOWN', delayBreached: false, lossBreached: true };
  const delayBreached = round.rttP50Ms !== null && round.rttP50Ms > thresholds.delayMs;
  const lossBreached = round.lossPct > thresholds.lossPct;
  return { verdict: delayBreached || lossBreached ? 'DEGRADED' : 'UP', delayBreached, lossBreached };
}
