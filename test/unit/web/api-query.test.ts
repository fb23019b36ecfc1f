import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { incidentIdParam, incidentStateParam, intParam, MAX_RANGE_MS, pathIdParam, rangeParams, statesParam, subjectKeyParam } from '../../../src/web/api-query.js';
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
    assert.throws(
      () => rangeParams(q('since=-31d'), NOW),
      (error: Error) => badParameter('since')(error) && /at most 30 days/.test(error.message),
    );
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

  it('reads percent-encoded subject keys: one directed link, a group or a path', () => {
    const key = 'link:R4|R6|10.1.1.13|10.1.1.12';
    assert.equal(subjectKeyParam(encodeURIComponent(key)), key);
    const v6 = 'link:0000.0000.0004|0000.0000.0006|2001:db8::1|2001:db8::2';
    assert.equal(subjectKeyParam(encodeURIComponent(v6)), v6);
    assert.equal(subjectKeyParam('group%3Ag1a2b3c'), 'group:g1a2b3c');
    assert.equal(subjectKeyParam('path%3A3f2a9c01b7d4'), 'path:3f2a9c01b7d4');
  });

  it('rejects subject keys that are not keys, naming the parameter', () => {
    for (const bad of [
      '%ZZ',
      'R4%7CR6',
      'link%3AR4%7CR6',
      'link%3A%7CR6%7Ca%7Cb',
      'link%3AR4%7CR6%7Ca%7Cb%7Cc',
      'group%3A',
      'group%3Aa%2F..%2Fb',
      'wire%3AR4',
      'link%3AR4%7CR6%7Ca%20b%7Cc',
      'link%3AR4%7CR6%7C%00%7Cc',
      encodeURIComponent(`link:${'R'.repeat(1001)}|R6|a|b`),
    ]) {
      assert.throws(() => subjectKeyParam(bad), badParameter('subject'), bad);
    }
  });

  it('reads the incident filter and incident ids', () => {
    assert.equal(incidentStateParam(q('')), 'all');
    assert.equal(incidentStateParam(q('state=OPEN')), 'open');
    assert.throws(() => incidentStateParam(q('state=closed')), badParameter('state'));
    assert.equal(incidentIdParam('i1a2b3c'), 'i1a2b3c');
    for (const bad of ['%ZZ', '%0A', 'x'.repeat(201)]) assert.throws(() => incidentIdParam(bad), badParameter('id'), bad);
  });
});
