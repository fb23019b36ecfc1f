/** The per-path RTT histogram the /metrics endpoint exports: cumulative, lost probes not counted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addRttSamples, emptyRttHistogram } from '../../../src/monitor/rtt-histogram.js';

test('counts are cumulative per upper bound, NaN (lost) samples are skipped, sum is in ms', () => {
  const histogram = emptyRttHistogram();
  addRttSamples(histogram, Float64Array.from([0.3e6, 1e6, NaN, 7e6, 9000e6]));
  const at = (boundMs: number) => histogram.cumulativeCounts[histogram.upperBoundsMs.indexOf(boundMs)];
  assert.equal(histogram.count, 4);
  assert.equal(at(0.25), 0);
  assert.equal(at(0.5), 1);
  assert.equal(at(1), 2, 'a sample equal to a bound falls in that bucket (le)');
  assert.equal(at(10), 3);
  assert.equal(at(1000), 3, 'above the last bound: only in +Inf, which is count');
  assert.equal(histogram.sumMs, 0.3 + 1 + 7 + 9000);
  for (let i = 1; i < histogram.cumulativeCounts.length; i++) assert.ok(histogram.cumulativeCounts[i]! >= histogram.cumulativeCounts[i - 1]!);
});
