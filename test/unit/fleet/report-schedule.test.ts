/**
 * When an agent reports next: a jittered wait never longer than the interval (so a fleet started
 * together spreads out without stretching the hold time's margin), and a wake just after the expiry of
 * an agent whose work it would take, never for one it would not.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReportedAgent } from '../../../src/fleet/agent-registry.js';
import { EXPIRY_MARGIN_MS, expiryWakeInMs, MIN_REPORT_GAP_MS, nextReportDelayMs, REPORT_JITTER } from '../../../src/fleet/report-schedule.js';

const reported = (agentId: string, expiresInMs: number): ReportedAgent => ({ agentId, node: null, targetGroups: ['web'], probeKinds: ['tcp'], expiresInMs });

describe('fleet report schedule', () => {
  it('waits between (1 - jitter) and 1 interval, spread by the random source', () => {
    assert.equal(
      nextReportDelayMs(10_000, () => 0, null),
      10_000,
    );
    assert.equal(
      nextReportDelayMs(10_000, () => 0.999999, null),
      10_000 * (1 - REPORT_JITTER * 0.999999),
    );
    const waits = Array.from({ length: 10 }, (_, i) => nextReportDelayMs(10_000, () => i / 10, null));
    assert.equal(new Set(waits).size, 10, 'different random draws, different waits');
    for (const w of waits) assert.ok(w > 10_000 * (1 - REPORT_JITTER) && w <= 10_000, String(w));
    assert.equal(
      nextReportDelayMs(10_000, () => 7, null),
      10_000 * (1 - REPORT_JITTER),
      'a random source out of range is clamped',
    );
  });

  it('reports early for a due wake, but never sooner than the minimum gap', () => {
    assert.equal(
      nextReportDelayMs(10_000, () => 0, 1234),
      1234,
    );
    assert.equal(
      nextReportDelayMs(10_000, () => 0, 60_000),
      10_000,
      'a wake after the next report changes nothing',
    );
    assert.equal(
      nextReportDelayMs(10_000, () => 0, -500),
      MIN_REPORT_GAP_MS,
      'an overdue wake: soon, not at once',
    );
  });

  it("wakes just after the first expiry among the agents whose work it would take, not the others'", () => {
    const agents = [reported('me', 30_000), reported('x', 4000), reported('y', 2500), reported('z', 100)];
    assert.equal(expiryWakeInMs(agents, new Set(['x', 'y']), 'me'), 2500 + EXPIRY_MARGIN_MS, 'z expires first but is not its to inherit');
    assert.equal(expiryWakeInMs(agents, new Set(['gone']), 'me'), null, 'an heir of an agent no longer live has nothing to wait for');
    assert.equal(expiryWakeInMs(agents, new Set(['me']), 'me'), null, 'never for itself');
    assert.equal(expiryWakeInMs([reported('me', 30_000), reported('x', -20)], new Set(['x']), 'me'), EXPIRY_MARGIN_MS);
  });
});
