import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { intParam, MAX_RANGE_MS, pathIdParam, rangeParams, statesParam } from '../../../src/web/api-query.js';
import { ApiInputError } from '../../../src/web/web-error.js';

const NOW = 1_700_000_000_000;
const q = (text: string) => new URLSearchParams(text);
const badParameter = (name: string) => (error: unknown) => error instanceof ApiInputError && error.parameter === name;

describe('API input validation', () => {
  it('defaults the range to the last hour', () => {
    assert.deepEqual(rangeParams(q(''), NOW), { sinceMs: NOW - 3600_000, untilMs: NOW });
  });

  it('reads epoch ms, ISO 8601, now and relative offsets', () => {
    assert.deepEqual(rangeParams(q('since=-6h&until=now'), NOW), { sinceMs: NOW - 6 * 3600_000, untilMs: NOW });
    assert.equal(rangeParams(q(`since=${NOW - 5000}&until=${NOW}`), NOW).sinceMs, NOW - 5000);
    assert.equal(rangeParams(q('since=2023-11-14T00:00:00Z&until=2023-11-14T01:00:00Z'), NOW).sinceMs, Date.parse('2023-11-14T00:00:00Z'));
    assert.equal(rangeParams(q('since=-30d'), NOW).sinceMs, NOW - MAX_RANGE_MS);
  });

  it('rejects garbage times, naming the parameter', () => {
    for (const bad of ['since=yesterday', 'since=-5y', 'until=12abc', 'since=1e12', 'since=-1h&since=-2h']) {
      const name = bad.startsWith('until') ? 'until' : 'since';
      assert.throws(() => rangeParams(q(bad), NOW), badParameter(name), bad);
    }
  });

  it('rejects a reversed range and one longer than 30 days', () => {
    assert.throws(() => rangeParams(q('since=-1h&until=-2h'), NOW), badParameter('since'));
    assert.throws(() => rangeParams(q('since=-31d'), NOW), (error: Error) => badParameter('since')(error) && /at most 30 days/.test(error.message));
  });

  it('bounds maxPoints', () => {
    assert.equal(intParam(q('maxPoints=300'), 'maxPoints', 1000, 2, 5000), 300);
    assert.equal(intParam(q(''), 'maxPoints', 1000, 2, 5000), 1000);
    for (const bad of ['0', '5001', '-3', '1.5', 'lots', '99999999999']) {
      assert.throws(() => intParam(q(`maxPoints=${bad}`), 'maxPoints', 1000, 2, 5000), badParameter('maxPoints'), bad);
    }
  });

  it('accepts state lists case-insensitively and rejects unknown states', () => {
    assert.deepEqual([...statesParam(q('state=down,Degraded'))!], ['DOWN', 'DEGRADED']);
    assert.equal(statesParam(q('')), null);
    assert.throws(() => statesParam(q('state=DOWN,BROKEN')), badParameter('state'));
  });

  it('rejects path ids that are not ids, including bad percent-encoding', () => {
    assert.equal(pathIdParam('0c7a7efcdd2b'), '0c7a7efcdd2b');
    for (const bad of ['%ZZ', '..%2F..%2Fetc', 'a'.repeat(65), '%00']) assert.throws(() => pathIdParam(bad), badParameter('id'), bad);
  });
});
