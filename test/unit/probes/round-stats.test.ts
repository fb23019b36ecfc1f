import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundStats } from '../../../probes/index.js';

test('percentiles are nearest-rank over the received samples', () => {
  const rtts = Float64Array.from({ length: 100 }, (_, i) => (i + 1) * 1e6); // 1..100 ms
  const stats = roundStats(rtts, 0, 0);
  assert.deepEqual(stats.rttMs, { min: 1, avg: 50.5, max: 100, p50: 50, p95: 95, p99: 99 });
  assert.equal(stats.jitterMs, 1);
  assert.equal(stats.lossPct, 0);
});

test('lost probes count in loss but not in the RTT figures', () => {
  const stats = roundStats(Float64Array.from([2e6, NaN, 4e6, NaN]), 1, 0);
  assert.equal(stats.sent, 4);
  assert.equal(stats.received, 2);
  assert.equal(stats.lossPct, 50);
  assert.equal(stats.late, 1);
  assert.deepEqual(stats.rttMs, { min: 2, avg: 3, max: 4, p50: 2, p95: 4, p99: 4 });
  assert.equal(stats.jitterMs, 2);
});

test('nothing received gives null figures, not zeros', () => {
  const stats = roundStats(Float64Array.from([NaN, NaN]), 0, 0);
  assert.equal(stats.lossPct, 100);
  assert.equal(stats.rttMs, null);
  assert.equal(stats.jitterMs, null);
});

test("a path's probes can be summarised in place inside a round's array, as if sliced out", () => {
  const round = Float64Array.from([5e6, 1e6, NaN, 4e6, 2e6, 9e6, NaN, NaN, 3e6, 8e6, 7e6, 6e6]);
  for (let start = 0; start < round.length; start += 4) {
    assert.deepEqual(roundStats(round, 1, 2, start, 4), roundStats(round.slice(start, start + 4), 1, 2));
  }
  const many = Float64Array.from({ length: 100 }, (_, i) => ((i * 37) % 100) * 1e5);
  assert.deepEqual(roundStats(many, 0, 0, 0, 100), roundStats(Float64Array.from(many), 0, 0));
  assert.deepEqual(roundStats(many, 0, 0, 0, 100).rttMs, { min: 0, avg: 4.95, max: 9.9, p50: 4.9, p95: 9.4, p99: 9.8 });
  assert.throws(() => roundStats(round, 0, 0, 10, 4), RangeError);
});
