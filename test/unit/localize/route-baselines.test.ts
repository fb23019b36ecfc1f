/**
 * RouteBaselines and LinkLocalizer: a baseline exists from the third healthy round, is the median of the
 * last N healthy p50s with their MAD, ignores rounds that lost probes or crossed a blamed link, and is
 * forgotten with its route; the localizer learns baselines and then attributes added delay.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LinkLocalizer, RouteBaselines, isBlamed, subjectKeyOf, type LinkEstimates } from '../../../src/localize/index.js';
import type { RouteOutcome } from '../../../src/monitor/round-outcome.js';
import { ACCESS_GROUP, handWalks } from './localize-fixtures.js';

const none: LinkEstimates = { estimates: [], skipped: [], computeMs: 0 };
const round = (p50: number, received = 10) => [{ id: 'w1', links: ['A>B', 'B>A'], sent: 10, received, rttP50Ms: received === 0 ? null : p50 }];

describe('RouteBaselines', () => {
  it('has no baseline before 3 healthy rounds, then the median and MAD of the healthy p50s', () => {
    const baselines = new RouteBaselines();
    baselines.update(round(1.0), none);
    baselines.update(round(1.4), none);
    assert.equal(baselines.baseline('w1'), null);
    baselines.update(round(1.1), none);
    const baseline = baselines.baseline('w1')!;
    assert.equal(baseline.p50Ms, 1.1);
    assert.equal(baseline.rounds, 3);
    // |1.0 - 1.1|, |1.4 - 1.1|, 0 → median 0.1.
    assert.ok(Math.abs(baseline.spreadMs - 0.1) < 1e-12, `spread ${baseline.spreadMs}`);
  });

  it('keeps only the last N healthy rounds', () => {
    const baselines = new RouteBaselines({ window: 3 });
    for (const p50 of [5, 5, 5, 1, 1, 1]) baselines.update(round(p50), none);
    assert.equal(baselines.baseline('w1')!.p50Ms, 1);
    assert.equal(baselines.baseline('w1')!.rounds, 3);
  });

  it('skips rounds that lost probes or crossed a blamed subject, so a fault never becomes normal', () => {
    const baselines = new RouteBaselines();
    for (let i = 0; i < 3; i++) baselines.update(round(1), none);
    baselines.update(round(9, 9), none);
    const blamed: LinkEstimates = {
      estimates: [{ subject: { kind: 'link', linkKey: 'B>A' }, lossRatio: 0, down: false, addedDelayMs: 8, confidence: 1, support: 1, evidence: ['w1'] }],
      skipped: [],
      computeMs: 0,
    };
    for (let i = 0; i < 5; i++) assert.equal(baselines.update(round(9), blamed), 0);
    assert.deepEqual(baselines.baseline('w1'), { p50Ms: 1, spreadMs: 0, rounds: 3 });
    const group: LinkEstimates = { ...blamed, estimates: [{ ...blamed.estimates[0]!, subject: { kind: 'group', groupId: 'g', linkKeys: ['A>B', 'X>Y'] } }] };
    assert.equal(baselines.update(round(9), group), 0);
  });

  it('forgets dropped routes and refuses nonsense options', () => {
    const baselines = new RouteBaselines();
    for (let i = 0; i < 3; i++) baselines.update(round(1), none);
    baselines.forget(['w1']);
    assert.equal(baselines.baseline('w1'), null);
    assert.equal(baselines.size, 0);
    assert.throws(() => new RouteBaselines({ window: 0 }), /window must be a whole number >= 1, got 0/);
    assert.throws(() => new RouteBaselines({ window: 5, minRounds: 6 }), /minRounds/);
  });
});

describe('LinkLocalizer', () => {
  const walks = handWalks();
  const outcome = (addedOn: Record<string, number>, roundIndex: number): RouteOutcome[] =>
    walks.map(({ id, links }) => {
      const base = 0.3 + 0.05 * links.length + (roundIndex % 3) * 0.002;
      const p50 = base + links.reduce((sum, l) => sum + (addedOn[l] ?? 0), 0);
      const rttMs = { min: p50, avg: p50, max: p50, p50, p95: p50, p99: p50 };
      return { kind: 'walk', id, group: null, linkKeys: links, stats: { sent: 100, received: 100, lossPct: 0, late: 0, duplicates: 0, rttMs, jitterMs: 0 } };
    });

  it("learns each route's baseline from healthy rounds, then blames added delay on the right link", () => {
    const localizer = new LinkLocalizer();
    for (let i = 0; i < 5; i++) assert.deepEqual(localizer.observe(i * 1000, outcome({}, i), [ACCESS_GROUP]).estimates.filter(isBlamed), []);
    const result = localizer.observe(5000, outcome({ 'B>D': 2 }, 5), [ACCESS_GROUP]);
    const blamed = result.estimates.filter(isBlamed);
    assert.deepEqual(
      blamed.map((e) => subjectKeyOf(e.subject)),
      ['link:B>D'],
    );
    assert.ok(Math.abs(blamed[0]!.addedDelayMs - 2) < 0.05);
    assert.equal(localizer.lastRoundAtMs, 5000);
    // The faulty round did not move the baselines of the routes that crossed B>D.
    const crossing = walks.find((w) => w.links.includes('B>D'))!;
    assert.ok(localizer.baselines.baseline(crossing.id)!.p50Ms < 0.3 + 0.05 * crossing.links.length + 0.01);
  });

  it('attributes no delay before baselines exist', () => {
    const localizer = new LinkLocalizer();
    assert.deepEqual(localizer.observe(0, outcome({ 'B>D': 5 }, 0)).estimates.filter(isBlamed), []);
  });
});
