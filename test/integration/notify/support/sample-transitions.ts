/**
 * Paths and transitions as the path evaluator sees them, with evidence that has figures a test can look
 * for in a ticket or a mail. sample-incidents.ts turns them into the incident changes notifiers get.
 */
import type { PathStateName } from '../../../../src/monitor/path-state.js';
import type { PathRecord, RoundResultRecord } from '../../../../src/store/records.js';
import type { PathTransition } from '../../../../src/notify/evidence-format.js';

export function samplePath(id: string, names: string[] = ['R1', 'R2', 'R4', 'R6']): PathRecord {
  return {
    id,
    group: `${names[0]}-${names[names.length - 1]}`,
    fromNode: names[0]!,
    toNode: names[names.length - 1]!,
    names,
    hops: names.slice(1).map((_, i) => `10.0.${i}.1`),
    hopNames: names.slice(1),
    linkKeys: names.slice(1).map((n, i) => `${names[i]}->${n}`),
    firstSeenMs: 0,
    goneAtMs: null,
  };
}

export function sampleRound(pathId: string, atMs: number, lossPct: number, p95Ms: number | null): RoundResultRecord {
  const sent = 10;
  const received = Math.round(sent * (1 - lossPct / 100));
  return {
    pathId,
    roundAtMs: atMs,
    sent,
    received,
    lossPct,
    rttMinMs: p95Ms === null ? null : p95Ms / 2,
    rttAvgMs: p95Ms === null ? null : p95Ms * 0.8,
    rttMaxMs: p95Ms === null ? null : p95Ms * 1.2,
    rttP50Ms: p95Ms === null ? null : p95Ms * 0.75,
    rttP95Ms: p95Ms,
    rttP99Ms: p95Ms,
    jitterMs: p95Ms === null ? null : 0.37,
  };
}

/** A transition with three deciding rounds: 100 % loss for DOWN, 40 % loss and 23.45 ms p95 for DEGRADED. */
export function transitionOf(path: PathRecord, from: PathStateName | null, to: PathStateName, atMs: number): PathTransition {
  const [lossPct, p95] = to === 'DOWN' ? [100, null] : to === 'DEGRADED' ? [40, 23.45] : [0, 1.5];
  const rounds = [3, 2, 1].map((k) => sampleRound(path.id, atMs - k * 10_000, lossPct, p95));
  return {
    path,
    transition: {
      pathId: path.id,
      atMs,
      from,
      to,
      reason: to === 'DOWN' ? 'loss 100 % for 3 rounds' : to === 'DEGRADED' ? 'loss 40 % > 5 % for 3 rounds' : to === 'GONE' ? 'removed from the topology' : 'all thresholds met for 3 rounds',
      evidence: { rounds, thresholds: { delayMs: 20, lossPct: 5 }, hysteresisRounds: 3 },
    },
  };
}

/** A clock the test moves by hand. */
export function fakeClock(startMs = Date.UTC(2025, 0, 1, 10, 0, 0)) {
  let now = startMs;
  return {
    nowMs: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
}
