import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cheapestIndexes, igpCost } from '../../../topology/index.js';

test('a path costs the sum of its links metrics; one link without a metric leaves it unknown', () => {
  assert.equal(igpCost([{ igpMetric: 10 }, { igpMetric: 65535 }, { igpMetric: 1 }]), 65546);
  assert.equal(igpCost([{ igpMetric: 10 }, {}]), null);
  assert.equal(igpCost([]), 0);
});

test('the cheapest are every path at the least known cost (ECMP ties), none when no cost is known', () => {
  assert.deepEqual([...cheapestIndexes([30, 20, null, 20, 40])], [1, 3]);
  assert.deepEqual([...cheapestIndexes([null, null])], []);
  assert.deepEqual([...cheapestIndexes([])], []);
});
