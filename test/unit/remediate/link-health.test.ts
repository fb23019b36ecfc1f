/**
 * The link health the isolation workflow re-verifies with: healthy only after clean rounds in a row
 * with probes crossing the link, never while an incident blames it or the estimator puts loss on it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinkHealth } from '../../../src/remediate/link-health.js';
import type { RoundOutcome } from '../../../src/monitor/round-outcome.js';
import type { RoundFindings } from '../../../src/monitor/round-evaluator.js';
import { K46, K64, opened, r46Incident } from '../../integration/remediate/remediate-fixtures.js';

const stats = (sent: number, received: number) => ({ sent, received, lossPct: 0, late: 0, duplicates: 0, rttMs: null, jitterMs: null });
const outcome = (received: number): RoundOutcome => ({ atMs: 0, routes: [{ kind: 'walk', id: 'w', group: null, linkKeys: [K46, K64], stats: stats(10, received) }] });
const findings = (lossRatio: number, changes: RoundFindings['incidentChanges'] = []): RoundFindings => ({
  transitions: [],
  incidentChanges: changes,
  estimates: { estimates: [{ subject: { kind: 'link', linkKey: K46 }, lossRatio, down: false, addedDelayMs: 0, confidence: 0.9, support: 1, evidence: [] }], skipped: [], computeMs: 0 },
});

describe('link health', () => {
  it('needs three clean rounds in a row, and both directions', () => {
    const health = new LinkHealth();
    health.observe(outcome(10), findings(0));
    health.observe(outcome(10), findings(0));
    assert.equal(health.healthy([K46, K64]), false);
    health.observe(outcome(10), findings(0));
    assert.equal(health.healthy([K46, K64]), true);
    health.observe(outcome(10), findings(0.3));
    assert.equal(health.healthy([K46]), false, 'loss on the link restarts the count');
    assert.equal(health.healthy([K64]), true);
  });

  it('is never healthy while an open incident blames the link', () => {
    const incident = r46Incident();
    const health = new LinkHealth({ openIncidents: [incident] });
    for (let i = 0; i < 5; i += 1) health.observe(outcome(10), findings(0));
    assert.equal(health.healthy([K46, K64]), false);
    health.observe(outcome(10), findings(0, [{ change: 'resolved', incident: { ...incident, state: 'resolved' }, previous: incident, reason: 'healthy' }]));
    for (let i = 0; i < 3; i += 1) health.observe(outcome(10), findings(0));
    assert.equal(health.healthy([K46, K64]), true);
    health.observe(outcome(10), findings(0, [opened(incident)]));
    assert.equal(health.healthy([K46, K64]), false);
  });

  it('does not call a link healthy that no probe came back across', () => {
    const health = new LinkHealth();
    for (let i = 0; i < 5; i += 1) health.observe(outcome(0), findings(0));
    assert.equal(health.healthy([K46]), false);
  });
});
