/** The waits between retries: growing, capped, jittered within bounds; Retry-After in both forms. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs, retryAfterMs } from '../../../src/notify/backoff.js';

describe('backoff', () => {
  const options = { baseMs: 500, capMs: 10_000 };
  it('doubles per attempt and stops at the cap', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelayMs(a, options, () => 1)),
      [500, 1000, 2000, 4000, 8000, 10_000, 10_000],
    );
  });
  it('jitters between half and all of the step', () => {
    assert.equal(
      backoffDelayMs(2, options, () => 0),
      1000,
    );
    assert.equal(
      backoffDelayMs(2, options, () => 0.5),
      1500,
    );
  });
  it('reads Retry-After as seconds or as an HTTP date, and nothing else', () => {
    const now = Date.UTC(2025, 0, 1, 0, 0, 0);
    assert.equal(retryAfterMs('30', now), 30_000);
    assert.equal(retryAfterMs(' 0 ', now), 0);
    assert.equal(retryAfterMs('Wed, 01 Jan 2025 00:00:45 GMT', now), 45_000);
    assert.equal(retryAfterMs('soon', now), null);
    assert.equal(retryAfterMs(undefined, now), null);
    assert.equal(retryAfterMs('-5', now), null);
  });
});
