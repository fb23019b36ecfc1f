/**
 * ExabgpStreamParser: the real FRR → gobgpd → ExaBGP session from the lab (netns-frr-ospf-e2e-events.jsonl)
 * replayed as a stream, and the counters an operator reads to see what the feed lost.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { TopologyEvent } from '../../../topology/model.js';
import { ExabgpStreamParser } from '../../../topology/sources/index.js';
import { fixturePath } from '../../helpers/repo-root.js';

const e2e = readFileSync(fixturePath('exabgp', 'netns-frr-ospf-e2e-events.jsonl'), 'utf8');

/** The state a consumer would hold after applying events: enough to check what the feed described. */
function apply(events: TopologyEvent[]) {
  const nodes = new Map<string, string>();
  const links = new Map<string, { from: string; to: string; teMetric?: number }>();
  const prefixes = new Set<string>();
  for (const e of events) {
    if (e.kind === 'node-up') nodes.set(e.node.id, e.node.name);
    else if (e.kind === 'node-down') nodes.delete(e.nodeId);
    else if (e.kind === 'link-up') links.set(e.link.key, { from: e.link.from, to: e.link.to, teMetric: e.link.teMetric });
    else if (e.kind === 'link-down') assert.ok(links.delete(e.linkKey), `withdraw of unknown link ${e.linkKey}`);
    else if (e.kind === 'prefix-up') prefixes.add(`${e.prefix}@${e.nodeId}`);
    else if (e.kind === 'prefix-down') assert.ok(prefixes.delete(`${e.prefix}@${e.nodeId}`), `withdraw of unknown prefix ${e.prefix}`);
  }
  return { nodes, links, prefixes };
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('ExabgpStreamParser: the lab OSPF session', () => {
  it('one event per line, in the order of the session', () => {
    const parser = new ExabgpStreamParser();
    const events = [...parser.push(e2e), ...parser.end()];
    assert.deepEqual(
      events.map((e) => e.kind),
      [
        'session',
        'session',
        'node-up',
        'node-up',
        'node-up',
        ...Array<string>(6).fill('link-up'),
        ...Array<string>(9).fill('prefix-up'),
        'link-down',
        'link-down',
        'prefix-down',
        'prefix-down',
        'prefix-up',
        'prefix-up',
        'link-up',
        'link-up',
      ],
    );
    assert.deepEqual(events.slice(0, 2), [
      { kind: 'session', peer: '10.0.100.1', state: 'connected' },
      { kind: 'session', peer: '10.0.100.1', state: 'up' },
    ]);
    const c = parser.counters();
    assert.equal(c.lines, 28);
    assert.equal(c.events, 28);
    assert.equal(c.skipped, 0);
    assert.deepEqual(c.ignoredByField, {});
  });

  it('describes the triangle r1-r2-r3 with direction-specific TE metrics, after the r2-r3 flap', () => {
    const parser = new ExabgpStreamParser();
    const events = [...parser.push(e2e), ...parser.end()];
    // Mid-session (after line 24) the r2-r3 link and its two /32s were withdrawn.
    const mid = apply(events.slice(0, 24));
    assert.equal(mid.links.size, 4);
    assert.equal(mid.prefixes.size, 7);
    const end = apply(events);
    // No node-name in this feed: names fall back to router ids.
    assert.deepEqual(
      [...end.nodes],
      [
        ['1.1.1.1', '1.1.1.1'],
        ['2.2.2.2', '2.2.2.2'],
        ['3.3.3.3', '3.3.3.3'],
      ],
    );
    // The lab set te-metric "XY" on the link from rX to rY, so these pin each direction's orientation.
    const te = Object.fromEntries([...end.links.values()].map((l) => [`${l.from}>${l.to}`, l.teMetric]));
    assert.deepEqual(te, {
      '1.1.1.1>2.2.2.2': 12,
      '2.2.2.2>1.1.1.1': 21,
      '1.1.1.1>3.3.3.3': 13,
      '3.3.3.3>1.1.1.1': 31,
      '2.2.2.2>3.3.3.3': 23,
      '3.3.3.3>2.2.2.2': 32,
    });
    for (const l of end.links.values()) assert.ok(end.nodes.has(l.from) && end.nodes.has(l.to), 'link endpoints are node ids');
    assert.equal(end.prefixes.size, 9);
    assert.ok(end.prefixes.has('10.0.23.3/32@3.3.3.3'));
  });

  it('gives the same events whatever the chunking, including UTF-8 split inside a character', () => {
    const bytes = Buffer.from(e2e.replace('"local-te-router-ids": ["1.1.1.1"]', '"node-name": "rø-1"'), 'utf8');
    const whole = new ExabgpStreamParser();
    const expected = [...whole.push(bytes), ...whole.end()];
    assert.equal(expected[2]?.kind === 'node-up' && expected[2].node.name, 'rø-1');
    const random = mulberry32(7);
    for (let round = 0; round < 20; round++) {
      const parser = new ExabgpStreamParser();
      const got: TopologyEvent[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(random() * 300);
        got.push(...parser.push(bytes.subarray(at, at + size)));
        at += size;
      }
      got.push(...parser.end());
      assert.deepEqual(got, expected, `round ${round}`);
    }
  });
});

describe('ExabgpStreamParser: counters', () => {
  const fixture = (name: string): string => readFileSync(fixturePath('exabgp', name), 'utf8');

  it('counts skipped lines by reason and ignored fields by name, keeping skipped excerpts', () => {
    const parser = new ExabgpStreamParser();
    const text = [
      'state-connected-up.jsonl',
      'decode-link-name-INVALID-JSON.txt',
      'decode-link-unnumbered-linkids-dropped.json',
      'decode-unknown-lsattr-tlv.json',
      'treat-as-withdraw-empty-lsattr.json',
      'eor-bgp-ls.json',
    ]
      .map(fixture)
      .join('');
    const events = [...parser.push(text), ...parser.end()];
    assert.equal(events.length, 6);
    const c = parser.counters();
    assert.equal(c.lines, 7);
    assert.equal(c.events, 6);
    assert.equal(c.skipped, 1);
    assert.deepEqual(c.skippedByReason, { 'invalid JSON': 1 });
    assert.deepEqual(c.ignoredByField, { 'link-identifiers': 1, 'attribute-not-implemented': 1, 'treat-as-withdraw': 1 });
    assert.equal(c.lastSkipped.length, 1);
    assert.equal(c.lastSkipped[0]?.line, 3);
    assert.match(c.lastSkipped[0]!.excerpt, /^\{ "exabgp": "4\.0\.1"/);
    assert.equal(c.lastSkipped[0]!.excerpt.length, 200);
    assert.equal(c.warnings, 2);
  });

  it('keeps only the last N skipped lines, with their line numbers', () => {
    const seen: number[] = [];
    const parser = new ExabgpStreamParser({ keepSkipped: 3, onSkipped: (s) => seen.push(s.line) });
    parser.push(Array.from({ length: 10 }, (_, i) => `not json ${i}\n`).join(''));
    const c = parser.counters();
    assert.deepEqual(
      c.lastSkipped.map((s) => s.line),
      [8, 9, 10],
    );
    assert.deepEqual(
      c.lastSkipped.map((s) => s.excerpt),
      ['not json 7', 'not json 8', 'not json 9'],
    );
    assert.equal(c.skippedByReason['invalid JSON'], 10);
    assert.equal(seen.length, 10);
  });

  it('cuts off a line that never ends instead of buffering it, then carries on', () => {
    const parser = new ExabgpStreamParser({ maxLineChars: 500 });
    for (let i = 0; i < 10; i++) parser.push('x'.repeat(100));
    const events = [...parser.push('tail\n'), ...parser.push(fixture('eor-bgp-ls.json')), ...parser.end()];
    assert.deepEqual(events, [{ kind: 'end-of-rib', peer: '127.0.0.5' }]);
    const c = parser.counters();
    assert.deepEqual(c.skippedByReason, { 'line too long': 1 });
    assert.equal(c.lines, 2);
    assert.equal(c.lastSkipped[0]?.line, 1);
  });

  it('flushes a last line without newline on end(), and a snapshot does not change afterwards', () => {
    const parser = new ExabgpStreamParser();
    assert.deepEqual(parser.push(fixture('withdraw-node.json').trimEnd()), []);
    const before = parser.counters();
    assert.deepEqual(parser.end(), [{ kind: 'node-down', nodeId: '1.1.1.1' }]);
    assert.equal(before.events, 0);
    assert.equal(parser.counters().events, 1);
  });
});
