/**
 * The state machine on plain rounds: hysteresis both ways, DOWN only at 100 % loss, GONE at once, the
 * deciding rounds as evidence, and no alarm from a single bad round.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRound, newPathEvaluation, pathGone, pathReturned, resumedPathEvaluation, type PathEvaluation } from '../../../src/monitor/path-evaluator.js';
import type { RoundResultRecord, TransitionRecord } from '../../../src/store/records.js';

const settings = { hysteresisRounds: 3, thresholds: { delayMs: 20, lossPct: 5 } };
let clockMs = 1_000_000;

function round(kind: 'good' | 'slow' | 'lossy' | 'dead', p50Ms = kind === 'slow' ? 45 : 1): RoundResultRecord {
  clockMs += 1000;
  const received = kind === 'dead' ? 0 : kind === 'lossy' ? 6 : 10;
  const rtt = received === 0 ? null : p50Ms;
  return {
    pathId: 'p1',
    roundAtMs: clockMs,
    sent: 10,
    received,
    lossPct: (10 - received) * 10,
    rttMinMs: rtt,
    rttAvgMs: rtt,
    rttMaxMs: rtt,
    rttP50Ms: rtt,
    rttP95Ms: rtt,
    rttP99Ms: rtt,
    jitterMs: rtt === null ? null : 0,
  };
}

/** Feeds rounds and returns the final evaluation and every transition, in order. */
function feed(start: PathEvaluation, kinds: Parameters<typeof round>[0][]): { state: PathEvaluation; transitions: TransitionRecord[] } {
  let state = start;
  const transitions: TransitionRecord[] = [];
  for (const kind of kinds) {
    const result = evaluateRound(state, round(kind), settings);
    state = result.next;
    if (result.transition) transitions.push(result.transition);
  }
  return { state, transitions };
}

const up = () => feed(newPathEvaluation('p1'), ['good', 'good', 'good']).state;

test('a new path is decided after N rounds, as UP when they were good', () => {
  const { state, transitions } = feed(newPathEvaluation('p1'), ['good', 'good', 'good']);
  assert.equal(state.state, 'UP');
  assert.deepEqual(
    transitions.map((t) => [t.from, t.to]),
    [[null, 'UP']],
  );
  assert.equal(transitions[0]!.evidence.rounds.length, 3);
});

test('a lost first round on a new path raises nothing: the mildest of the deciding rounds wins', () => {
  const { transitions } = feed(newPathEvaluation('p1'), ['dead', 'good', 'good']);
  assert.deepEqual(
    transitions.map((t) => t.to),
    ['UP'],
  );
});

test('N rounds of 100 % loss take an UP path DOWN; N-1 do not', () => {
  assert.deepEqual(feed(up(), ['dead', 'dead']).transitions, []);
  const { state, transitions } = feed(up(), ['dead', 'dead', 'dead']);
  assert.equal(state.state, 'DOWN');
  assert.equal(transitions.length, 1);
  assert.equal(transitions[0]!.from, 'UP');
  assert.equal(transitions[0]!.reason, '100 % loss for 3 rounds');
  assert.deepEqual(
    transitions[0]!.evidence.rounds.map((r) => r.received),
    [0, 0, 0],
  );
  assert.equal(transitions[0]!.evidence.hysteresisRounds, 3);
});

test('a good round in between restarts the count', () => {
  assert.deepEqual(feed(up(), ['dead', 'dead', 'good', 'dead', 'dead']).transitions, []);
});

test('p50 above delayMs for N rounds is DEGRADED, with the figures in the reason', () => {
  const { transitions } = feed(up(), ['slow', 'slow', 'slow']);
  assert.equal(transitions[0]!.to, 'DEGRADED');
  assert.match(transitions[0]!.reason, /p50 RTT 45 ms > 20 ms in 3 of 3 rounds/);
  assert.deepEqual(transitions[0]!.evidence.thresholds, { delayMs: 20, lossPct: 5 });
});

test('loss above lossPct is DEGRADED; loss and delay mixed still counts as bad rounds', () => {
  assert.equal(feed(up(), ['lossy', 'lossy', 'lossy']).transitions[0]!.to, 'DEGRADED');
  const mixed = feed(up(), ['slow', 'lossy', 'dead']).transitions[0]!;
  assert.equal(mixed.to, 'DEGRADED', 'the mildest of the bad rounds');
  assert.match(mixed.reason, /p50 RTT 45 ms > 20 ms in 1 of 3 rounds; loss 40–100 % > 5 % in 2 of 3 rounds/);
});

test('loss exactly at the threshold and delay exactly at it are within thresholds', () => {
  const atLimit: RoundResultRecord = { ...round('good', 20), received: 19, sent: 20, lossPct: 5 };
  const result = evaluateRound(evaluateRound(evaluateRound(up(), atLimit, settings).next, atLimit, settings).next, atLimit, settings);
  assert.equal(result.transition, null);
  assert.equal(result.next.state, 'UP');
});

test('recovery needs N good rounds; from DOWN, DEGRADED rounds lead to DEGRADED first', () => {
  const down = feed(up(), ['dead', 'dead', 'dead']).state;
  assert.deepEqual(feed(down, ['good', 'good']).transitions, []);
  const recovered = feed(down, ['good', 'good', 'good']).transitions;
  assert.deepEqual(
    recovered.map((t) => [t.from, t.to]),
    [['DOWN', 'UP']],
  );
  assert.match(recovered[0]!.reason, /within thresholds for 3 rounds/);
  const partial = feed(down, ['good', 'slow', 'good']).transitions;
  assert.deepEqual(
    partial.map((t) => [t.from, t.to]),
    [['DOWN', 'DEGRADED']],
  );
});

test('a flapping path (bad, good, bad, good) never changes state', () => {
  assert.deepEqual(feed(up(), ['dead', 'good', 'dead', 'good', 'slow', 'good']).transitions, []);
});

test('GONE is immediate and carries no rounds; a second removal is not a second transition', () => {
  const gone = pathGone(up(), 5, settings);
  assert.equal(gone.transition?.to, 'GONE');
  assert.equal(gone.transition?.from, 'UP');
  assert.deepEqual(gone.transition?.evidence.rounds, []);
  assert.equal(pathGone(gone.next, 6, settings).transition, null);
});

test('a returned path stays GONE until its next N rounds decide it, then leaves GONE', () => {
  const back = pathReturned(pathGone(up(), 5, settings).next);
  assert.equal(back.state, 'GONE');
  const { transitions } = feed(back, ['slow', 'slow', 'slow']);
  assert.deepEqual(
    transitions.map((t) => [t.from, t.to]),
    [['GONE', 'DEGRADED']],
  );
});

test('a resumed path holds its stored state against the next rounds', () => {
  const resumed = resumedPathEvaluation('p1', 'DOWN', 42);
  assert.deepEqual(feed(resumed, ['dead', 'dead', 'dead']).transitions, []);
  assert.deepEqual(
    feed(resumed, ['good', 'good', 'good']).transitions.map((t) => t.to),
    ['UP'],
  );
});
