/**
 * What one round's estimates say about one incident subject (a physical link's directions, or a link
 * group), before hysteresis: each direction is breaching, healthy, weak (over a threshold, but the
 * estimator itself doubts it) or unknown (no route crossed it), and the subject's round figures are
 * its worst direction's.
 *
 * A breach is: down, or loss above `lossPct`, or added delay above `addedDelayMs`; a figure exactly at
 * its threshold is not a breach (as for paths). Down rounds count as 100 % loss in the figures.
 */
import type { LinkEstimate } from '../localize/localize-types.js';

export interface LinkThresholds {
  /** Loss above this, percent, breaches. */
  lossPct: number;
  /** Added one-way delay above this, ms, breaches. */
  addedDelayMs: number;
}

export type DirectionClass = 'breach' | 'healthy' | 'weak' | 'unknown';

/** The subject in one round: its worst figures and which directions breached. */
export interface SubjectRound {
  atMs: number;
  cls: 'breach' | 'healthy' | 'unsure';
  /** Worst direction's loss, percent (100 when down). */
  lossPct: number;
  /** Worst direction's added delay, ms. */
  addedDelayMs: number;
  /** Of the breaching directions the surest; of all directions when none breached. */
  confidence: number;
  /** A breaching direction lost everything (the estimator's down, or loss ≥ 99.5 %). */
  down: boolean;
  lossBreached: boolean;
  delayBreached: boolean;
  /** Directed keys (or the group's id) that breached this round. */
  breachedKeys: string[];
  /** Per direction, what this round said. */
  directions: Map<string, DirectionClass>;
  /** Routes whose figures support the blame this round. */
  evidence: string[];
}

/** A loss figure at or above this is "down" even when the estimator did not say so. */
export const downLossPct = 99.5;

export function estimateLossPct(estimate: LinkEstimate): number {
  return estimate.down ? 100 : estimate.lossRatio * 100;
}

export function directionClass(estimate: LinkEstimate | undefined, thresholds: LinkThresholds, minRoundConfidence: number): DirectionClass {
  if (estimate === undefined) return 'unknown';
  const over = estimate.down || estimateLossPct(estimate) > thresholds.lossPct || estimate.addedDelayMs > thresholds.addedDelayMs;
  if (!over) return 'healthy';
  return estimate.confidence >= minRoundConfidence ? 'breach' : 'weak';
}

/**
 * The subject's round from its directions' estimates (`estimates` maps a direction key, or the group
 * id, to its estimate). `faulty` are the directions an open incident blames: when one of them is
 * unknown the round cannot say the incident is over.
 */
export function subjectRound(
  atMs: number,
  estimates: ReadonlyMap<string, LinkEstimate | undefined>,
  thresholds: LinkThresholds,
  minRoundConfidence: number,
  faulty: ReadonlySet<string> | null,
): SubjectRound | null {
  const directions = new Map<string, DirectionClass>();
  const known: LinkEstimate[] = [];
  const breaching: LinkEstimate[] = [];
  const breachedKeys: string[] = [];
  for (const [key, estimate] of estimates) {
    const cls = directionClass(estimate, thresholds, minRoundConfidence);
    directions.set(key, cls);
    if (estimate !== undefined) known.push(estimate);
    if (cls === 'breach') {
      breaching.push(estimate!);
      breachedKeys.push(key);
    }
  }
  if (known.length === 0) return null;
  const classes = [...directions.values()];
  const faultyUnknown = faulty !== null && [...faulty].some((key) => directions.get(key) === 'unknown' || !directions.has(key));
  const cls = breaching.length > 0 ? 'breach' : classes.includes('weak') || faultyUnknown ? 'unsure' : 'healthy';
  const lossPct = Math.max(...known.map(estimateLossPct));
  const addedDelayMs = Math.max(...known.map((e) => e.addedDelayMs));
  const confidence = Math.max(...(breaching.length > 0 ? breaching : known).map((e) => e.confidence));
  const down = breaching.some((e) => e.down || estimateLossPct(e) >= downLossPct);
  return {
    atMs,
    cls,
    lossPct,
    addedDelayMs,
    confidence,
    down,
    lossBreached: down || lossPct > thresholds.lossPct,
    delayBreached: addedDelayMs > thresholds.addedDelayMs,
    breachedKeys,
    directions,
    evidence: [...new Set(breaching.flatMap((e) => e.evidence))],
  };
}
