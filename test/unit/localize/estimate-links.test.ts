/**
 * estimateLinks on a small hand-made topology: exact recovery of one-way and two-way loss, delay, total
 * loss, a link a walk crosses twice and a link group; no blame under noise over many seeded rounds;
 * the same input always gives the same answer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimateLinks, isBlamed, subjectKeyOf, type LinkEstimates } from '../../../src/localize/index.js';
import { ACCESS_GROUP, exactRound, handWalks, noisyRound, seededRandom } from './localize-fixtures.js';

const walks = handWalks();
const groups = [ACCESS_GROUP];

function blamed(result: LinkEstimates) {
  return result.estimates.filter(isBlamed).map((e) => ({ key: subjectKeyOf(e.subject), loss: e.lossRatio, delay: e.addedDelayMs, down: e.down, e }));
}

describe('estimateLinks: exact recovery', () => {
  it('one-way loss on A>B is blamed on A>B alone, not on B>A, within 2 % of 20 %', () => {
    const found = blamed(estimateLinks(exactRound(walks, { loss: { 'A>B': 0.2 } }), { groups }));
    assert.deepEqual(
      found.map((f) => f.key),
      ['link:A>B'],
    );
    assert.ok(Math.abs(found[0]!.loss - 0.2) < 0.02, `loss ${found[0]!.loss}`);
    assert.equal(found[0]!.down, false);
    assert.ok(found[0]!.e.confidence > 0.5, `confidence ${found[0]!.e.confidence}`);
  });

  it('two-way loss blames both directions with their own figures', () => {
    const found = blamed(estimateLinks(exactRound(walks, { loss: { 'B>C': 0.1, 'C>B': 0.3 } }), { groups }));
    assert.deepEqual(found.map((f) => f.key).sort(), ['link:B>C', 'link:C>B']);
    const byKey = new Map(found.map((f) => [f.key, f.loss]));
    assert.ok(Math.abs(byKey.get('link:B>C')! - 0.1) < 0.015);
    assert.ok(Math.abs(byKey.get('link:C>B')! - 0.3) < 0.03);
  });

  it("delay on C>D is attributed to C>D over each route's baseline", () => {
    const found = blamed(estimateLinks(exactRound(walks, { delayMs: { 'C>D': 5 } }), { groups }));
    assert.deepEqual(
      found.map((f) => f.key),
      ['link:C>D'],
    );
    assert.ok(Math.abs(found[0]!.delay - 5) < 0.05, `delay ${found[0]!.delay}`);
    assert.equal(found[0]!.loss, 0);
  });

  it('a link that drops everything is down, and only it', () => {
    const result = estimateLinks(exactRound(walks, { loss: { 'D>B': 1 } }), { groups });
    const found = blamed(result);
    assert.deepEqual(
      found.map((f) => [f.key, f.down, f.loss]),
      [['link:D>B', true, 1]],
    );
    const crossing = walks
      .filter((w) => w.links.includes('D>B'))
      .map((w) => w.id)
      .sort();
    assert.deepEqual([...found[0]!.e.evidence].sort(), crossing);
  });

  it('a walk crossing A>B twice counts it twice: the estimate stays right when only that walk carries the fault', () => {
    const twice = walks[walks.length - 1]!;
    assert.equal(twice.links.filter((l) => l === 'A>B').length, 2);
    const found = blamed(estimateLinks(exactRound(walks, { loss: { 'A>B': 0.25 } }), { groups }));
    assert.deepEqual(
      found.map((f) => f.key),
      ['link:A>B'],
    );
    assert.ok(Math.abs(found[0]!.loss - 0.25) < 0.02, `loss ${found[0]!.loss}`);
    assert.ok(found[0]!.e.evidence.includes(twice.id));
  });

  it('a fault inside a link group blames the group, as one subject', () => {
    const found = blamed(estimateLinks(exactRound(walks, { loss: { 'A>P': 0.1 } }), { groups }));
    assert.equal(found.length, 1);
    assert.equal(found[0]!.key, 'group:gaccess');
    assert.equal(found[0]!.e.subject.kind, 'group');
    assert.ok(Math.abs(found[0]!.loss - 0.1) < 0.015);
    assert.equal(found[0]!.e.support, walks.length);
  });

  it('loss on one link and delay on another at once are told apart', () => {
    const found = blamed(estimateLinks(exactRound(walks, { loss: { 'A>D': 0.15 }, delayMs: { 'B>C': 3 } }), { groups }));
    const byKey = new Map(found.map((f) => [f.key, f]));
    assert.deepEqual([...byKey.keys()].sort(), ['link:A>D', 'link:B>C']);
    assert.ok(Math.abs(byKey.get('link:A>D')!.loss - 0.15) < 0.02);
    assert.equal(byKey.get('link:A>D')!.delay, 0);
    assert.ok(Math.abs(byKey.get('link:B>C')!.delay - 3) < 0.05);
  });

  it('healthy subjects carry zeros and every crossed subject has an entry', () => {
    const result = estimateLinks(exactRound(walks, {}), { groups });
    const keys = new Set(walks.flatMap((w) => w.links));
    // Every link but the two access-link members, plus the group itself.
    assert.equal(result.estimates.length, keys.size - 2 + 1);
    for (const e of result.estimates) assert.deepEqual([e.lossRatio, e.addedDelayMs, e.down, e.confidence, e.evidence], [0, 0, false, 0, []]);
  });

  it('skips observations it cannot use, saying why', () => {
    const result = estimateLinks([{ id: 'x', links: ['A>B'], sent: 0, received: 0, rttP50Ms: null, baselineP50Ms: null }, ...exactRound(walks, {})]);
    assert.deepEqual(
      result.skipped.map((s) => s.id),
      ['x'],
    );
    assert.match(result.skipped[0]!.reason, /nothing sent/);
  });
});

describe('estimateLinks: noise', () => {
  it('blames nothing over 300 seeded fault-free rounds with background loss and delay noise', () => {
    const random = seededRandom(7);
    for (let round = 0; round < 300; round++) {
      const found = blamed(estimateLinks(noisyRound(walks, {}, random), { groups }));
      assert.deepEqual(
        found.map((f) => f.key),
        [],
        `round ${round}`,
      );
    }
  });

  it('finds 20 % one-way loss and 2 ms delay under the same noise', () => {
    const random = seededRandom(11);
    let hits = 0;
    for (let round = 0; round < 30; round++) {
      const found = blamed(estimateLinks(noisyRound(walks, { loss: { 'B>A': 0.2 }, delayMs: { 'D>C': 2 } }, random), { groups }));
      if (
        found
          .map((f) => f.key)
          .sort()
          .join() === 'link:B>A,link:D>C'
      )
        hits++;
    }
    assert.ok(hits >= 28, `${hits} of 30 rounds exact`);
  });

  it('is deterministic: the same observations give the same estimates', () => {
    const observations = noisyRound(walks, { loss: { 'C>A': 0.3 } }, seededRandom(3));
    const strip = (r: LinkEstimates) => ({ ...r, computeMs: 0 });
    assert.deepEqual(strip(estimateLinks(observations, { groups })), strip(estimateLinks(observations, { groups })));
  });
});
