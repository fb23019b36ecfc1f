/**
 * The path-state evaluator: every user path's and ICMP/TCP/UDP target's UP / DEGRADED / DOWN / GONE
 * state, with hysteresis (path-evaluator.ts holds the rules as pure functions; this class holds each
 * route's place in them). As a RoundEvaluator it reads the paths and targets of a round's outcome
 * (walks are the localizer's); the monitor also tells it when the plan adds, brings back or removes a
 * path, since those change states without a round. A target's round that could not probe at all (its
 * name did not resolve) is judged as the loss it is, and the reason is added to the transition, so the
 * ticket says "db1 did not resolve" rather than only "100 % loss".
 */
import type { PathRecord, RoundResultRecord } from '../store/records.js';
import type { Thresholds } from '../config/index.js';
import { evaluateRound, newPathEvaluation, pathGone, pathReturned, resumedPathEvaluation, type EvaluationSettings, type PathEvaluation } from './path-evaluator.js';
import type { PathStateName } from './path-state.js';
import type { PathTransition } from './path-transition.js';
import type { RoundEvaluator, RoundFindings } from './round-evaluator.js';
import type { RoundOutcome } from './round-outcome.js';

interface TrackedPath {
  record: PathRecord;
  evaluation: PathEvaluation;
}

export class PathStateEvaluator implements RoundEvaluator {
  readonly name = 'path states';
  private readonly tracked = new Map<string, TrackedPath>();

  constructor(
    private readonly hysteresisRounds: number,
    private readonly thresholdsOf: (record: PathRecord) => Thresholds,
    /** Why a route's last round was lost without probing (targets only); null when it was probed. */
    private readonly problemOf: (routeId: string) => string | null = () => null,
  ) {}

  /** A path the plan has (new, or back from GONE); `resumed` is its stored state after a restart. */
  track(record: PathRecord, resumed?: { state: PathStateName; sinceMs: number }): void {
    const known = this.tracked.get(record.id);
    if (known) {
      known.record = record;
      known.evaluation = pathReturned(known.evaluation);
      return;
    }
    const evaluation = resumed ? resumedPathEvaluation(record.id, resumed.state, resumed.sinceMs) : newPathEvaluation(record.id);
    this.tracked.set(record.id, { record, evaluation });
  }

  /** The plan lost the path: GONE at once. Returns the transition, if it was not GONE already. */
  gone(record: PathRecord, atMs: number): PathTransition | null {
    const known = this.tracked.get(record.id) ?? { record, evaluation: newPathEvaluation(record.id) };
    known.record = record;
    const { next, transition } = pathGone(known.evaluation, atMs, this.settingsFor(record));
    known.evaluation = next;
    this.tracked.set(record.id, known);
    return transition ? { path: record, transition } : null;
  }

  /** A path known only from the store (it vanished while the monitor was away): GONE from its stored state. */
  goneWhileAway(record: PathRecord, stored: { state: PathStateName; sinceMs: number }, atMs: number): PathTransition | null {
    this.tracked.set(record.id, { record, evaluation: resumedPathEvaluation(record.id, stored.state, stored.sinceMs) });
    return this.gone(record, atMs);
  }

  stateOf(pathId: string): { state: PathStateName; sinceMs: number | null; deciding: boolean } | null {
    const known = this.tracked.get(pathId);
    if (!known) return null;
    return { state: known.evaluation.state ?? 'UP', sinceMs: known.evaluation.sinceMs, deciding: known.evaluation.deciding };
  }

  thresholds(record: PathRecord): Thresholds {
    return this.thresholdsOf(record);
  }

  evaluate(outcome: RoundOutcome, findings: RoundFindings): void {
    for (const route of outcome.routes) {
      if (route.kind === 'walk') continue;
      const known = this.tracked.get(route.id);
      if (!known) continue;
      const { next, transition } = evaluateRound(known.evaluation, resultRecord(route.id, outcome.atMs, route.stats), this.settingsFor(known.record));
      known.evaluation = next;
      if (!transition) continue;
      const problem = route.kind === 'target' && transition.to !== 'UP' ? this.problemOf(route.id) : null;
      findings.transitions.push({ path: known.record, transition: problem === null ? transition : { ...transition, reason: `${transition.reason} (${problem})` } });
    }
  }

  private settingsFor(record: PathRecord): EvaluationSettings {
    return { hysteresisRounds: this.hysteresisRounds, thresholds: this.thresholdsOf(record) };
  }
}

/** One route's round as the store keeps it (paths and walks alike). */
export function resultRecord(routeId: string, atMs: number, stats: RoundOutcome['routes'][number]['stats']): RoundResultRecord {
  return {
    pathId: routeId,
    roundAtMs: atMs,
    sent: stats.sent,
    received: stats.received,
    lossPct: stats.lossPct,
    rttMinMs: stats.rttMs?.min ?? null,
    rttAvgMs: stats.rttMs?.avg ?? null,
    rttMaxMs: stats.rttMs?.max ?? null,
    rttP50Ms: stats.rttMs?.p50 ?? null,
    rttP95Ms: stats.rttMs?.p95 ?? null,
    rttP99Ms: stats.rttMs?.p99 ?? null,
    jitterMs: stats.jitterMs,
  };
}
