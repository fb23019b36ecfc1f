/**
 * Rows for the storage tests, built so a test can say what the store must answer: paths with known
 * ids, rounds at known times with known figures, transitions with evidence, incidents and link estimates.
 */
import type { LinkEstimateRecord, PathRecord, RoundResultRecord, TransitionRecord } from '../../../src/store/index.js';
import type { IncidentRecord } from '../../../src/incidents/incident.js';
import type { PathStateName } from '../../../src/monitor/path-state.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
/** A round number of hours, so rollup buckets line up with test expectations. */
export const T0 = Date.UTC(2025, 0, 1);

export function pathRecord(id: string, overrides: Partial<PathRecord> = {}): PathRecord {
  return {
    id,
    group: 'dev1->dev2',
    fromNode: 'dev1',
    toNode: 'dev2',
    names: ['dev1', 'R1', 'R2', 'dev2'],
    hops: ['10.0.0.1', '10.0.0.3'],
    hopNames: ['R1', 'R2'],
    linkKeys: ['dev1>R1', 'R1>R2'],
    firstSeenMs: T0,
    goneAtMs: null,
    ...overrides,
  };
}

export function round(pathId: string, roundAtMs: number, rttMs = 1, received = 10): RoundResultRecord {
  const got = received > 0;
  return {
    pathId,
    roundAtMs,
    sent: 10,
    received,
    lossPct: (100 * (10 - received)) / 10,
    rttMinMs: got ? rttMs * 0.5 : null,
    rttAvgMs: got ? rttMs : null,
    rttMaxMs: got ? rttMs * 2 : null,
    rttP50Ms: got ? rttMs : null,
    rttP95Ms: got ? rttMs * 1.5 : null,
    rttP99Ms: got ? rttMs * 1.9 : null,
    jitterMs: got ? 0.1 : null,
  };
}

/** Rounds every `stepMs` from `fromMs` (inclusive) to `toMs` (exclusive). */
export function rounds(pathId: string, fromMs: number, toMs: number, stepMs: number, rttMs = 1): RoundResultRecord[] {
  const out: RoundResultRecord[] = [];
  for (let t = fromMs; t < toMs; t += stepMs) out.push(round(pathId, t, rttMs));
  return out;
}

export function transition(pathId: string, atMs: number, from: PathStateName | null, to: PathStateName): TransitionRecord {
  return {
    pathId,
    atMs,
    from,
    to,
    reason: `${from ?? 'new'} -> ${to}`,
    evidence: { rounds: [round(pathId, atMs, 5, 4)], thresholds: { delayMs: 50, lossPct: 5 }, hysteresisRounds: 3 },
  };
}

/** Resolves once `check` returns true; polls, so the test waits for behaviour, not for a fixed time. */
export async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`test.until: gave up waiting for ${what} after ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A link incident with every field set, so a round trip shows what the store loses (nothing). */
export function linkIncident(id: string, subjectKey: string, openedAtMs: number, overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  return {
    id,
    subjectKey,
    subject: { kind: 'link', linkKeys: [subjectKey.replace(/^link:/, '')], label: 'R4→R6', direction: 'one-way' },
    kind: 'loss',
    state: 'open',
    openedAtMs,
    updatedAtMs: openedAtMs,
    resolvedAtMs: null,
    lossPct: 20.5,
    addedDelayMs: null,
    confidence: 0.875,
    controlPlaneUp: true,
    summary: 'R4→R6: 20.5 % loss for 3 rounds',
    evidenceRoutes: ['wabc', 'wdef'],
    explainedPaths: ['p1'],
    rounds: [{ atMs: openedAtMs - 10_000, lossPct: 19.5, addedDelayMs: 0.25, confidence: 0.8 }],
    ...overrides,
  };
}

export function estimate(subjectKey: string, atMs: number, lossRatio: number, overrides: Partial<LinkEstimateRecord> = {}): LinkEstimateRecord {
  return { subjectKey, atMs, lossRatio, addedDelayMs: 0, down: false, confidence: 0.9, support: 4, ...overrides };
}
