import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PathHistograms } from '../../../probes/index.js';
import { LogHistogram, bucketOf, bucketValue } from '../../../probes/stats/log-histogram.js';

test('percentiles from the histogram are within 0.2 % of the exact nearest-rank ones', () => {
  const h = new LogHistogram();
  const values: number[] = [];
  // A skewed RTT-like spread from 7 us to 40 ms, deterministic.
  for (let i = 0; i < 20_000; i++) {
    const v = Math.round(7_000 + ((i * 7919) % 20_000) ** 2 / 10);
    values.push(v);
    h.record(v);
  }
  values.sort((a, b) => a - b);
  for (const p of [1, 50, 90, 99, 99.9]) {
    const exact = values[Math.ceil((p / 100) * values.length) - 1]!;
    const [got] = h.percentiles([p]);
    assert.ok(Math.abs(got! - exact) <= exact * 0.002 + 1, `p${p}: ${got} vs exact ${exact}`);
  }
  assert.equal(h.min, values[0]);
  assert.equal(h.max, values[values.length - 1]);
  assert.equal(h.count, 20_000);
});

test('values below 512 ns are exact and buckets never go backwards', () => {
  for (let v = 0; v < 512; v++) assert.equal(bucketValue(bucketOf(v)), v);
  let last = -1;
  for (let v = 0; v < 2 ** 36; v = v * 1.01 + 1) {
    const index = bucketOf(Math.floor(v));
    assert.ok(index >= last, `bucket of ${Math.floor(v)} went backwards`);
    last = index;
  }
});

test('adding rounds gives the same distribution as recording everything in one, and memory follows spread not count', () => {
  const longRun = new PathHistograms(2);
  const direct = new PathHistograms(2);
  let footprintAfter10 = 0;
  for (let round = 0; round < 50; round++) {
    const perRound = new PathHistograms(2);
    for (let i = 0; i < 200; i++) {
      const rtt = 100_000 + ((round * 200 + i) % 500) * 100;
      perRound.record(i % 2, rtt);
      direct.record(i % 2, rtt);
    }
    longRun.add(perRound);
    if (round === 9) footprintAfter10 = longRun.footprintBytes;
  }
  assert.deepEqual(longRun.summaryMs(0), direct.summaryMs(0));
  assert.deepEqual(longRun.summaryMs(1), direct.summaryMs(1));
  assert.equal(longRun.count(0), 5000);
  assert.equal(longRun.footprintBytes, footprintAfter10, 'five times the probes over the same spread, no more buckets');
  assert.equal(new PathHistograms(1).summaryMs(0), null);
  assert.throws(() => longRun.add(new PathHistograms(3)), /covers 3 paths, expected 2/);
});

test('negative and non-finite values are refused, not recorded', () => {
  const h = new LogHistogram();
  assert.equal(h.record(-1), false);
  assert.equal(h.record(NaN), false);
  assert.equal(h.record(Infinity), false);
  assert.equal(h.count, 0);
  assert.ok(Number.isNaN(h.percentiles([50])[0]!));
});

test('memory is bounded by the range of values, however many and however spread', () => {
  const h = new LogHistogram();
  // Every power of two from 1 ns to 2^40 ns (18 minutes), then as many again at other points.
  for (let k = 0; k <= 40; k++) h.record(2 ** k);
  const spread = h.footprintBytes;
  assert.ok(spread <= 58 * 1024, `${spread} bytes for values up to 2^40 ns`);
  for (let i = 0; i < 200_000; i++) h.record(Math.floor(Math.random() * 2 ** 40));
  assert.equal(h.footprintBytes, spread, 'twice the values over the same range, not one byte more');
  const narrow = new LogHistogram();
  for (let i = 0; i < 10_000; i++) narrow.record(1_000_000 + (i % 3000));
  assert.equal(narrow.footprintBytes, 1024, 'RTTs within one power of two cost one 1 KiB block');
});

test("a round's histograms built from its samples equal recording each reply, and paths with no reply cost nothing", () => {
  const count = 3;
  const samples = Float64Array.from([1e6, NaN, 3e6, NaN, NaN, NaN, 2e6, 2e6, 2e6]);
  const built = PathHistograms.fromSamples(samples, 3, count);
  const recorded = new PathHistograms(3);
  for (const [index, value] of samples.entries()) if (!Number.isNaN(value)) recorded.record(Math.floor(index / count), value);
  for (let path = 0; path < 3; path++) assert.deepEqual(built.summaryMs(path), recorded.summaryMs(path));
  assert.equal(built.count(0), 2);
  assert.equal(built.summaryMs(1), null);
  assert.equal(built.count(1), 0);
  assert.equal(new PathHistograms(100_000).footprintBytes, 0);
  assert.throws(() => PathHistograms.fromSamples(samples, 2, count), /9 samples, expected 2 paths x 3 = 6/);
  assert.throws(() => built.record(3, 1), RangeError);
});
