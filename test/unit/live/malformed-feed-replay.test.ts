/**
 * Every malformed ExaBGP input kept in test/fixtures/malformed/topology/ and malformed/exabgp-feed/, replayed through the live feed
 * (parser plus incremental graph update), whole and one byte at a time as a slow pipe would deliver it:
 * never a throw, every line counted.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ExabgpFeed } from '../../../src/live/exabgp-feed.js';
import { TopologyGraph } from '../../../topology/index.js';
import { fixturePath } from '../../helpers/repo-root.js';

const files = [
  ...readdirSync(fixturePath('malformed', 'topology'))
    .filter((f) => /^exabgp-.*\.jsonl$/.test(f))
    .map((f) => ['topology', f] as const),
  ...readdirSync(fixturePath('malformed', 'exabgp-feed'))
    .filter((f) => f.endsWith('.jsonl'))
    .map((f) => ['exabgp-feed', f] as const),
];

describe('malformed ExaBGP inputs through the live feed', () => {
  it('finds the fixtures', () => assert.ok(files.some(([, f]) => f === 'feed-peer-star.jsonl') && files.length >= 3));
  for (const [folder, file] of files) {
    it(`${folder}/${file}`, () => {
      const bytes = readFileSync(fixturePath('malformed', folder, file));
      const lines = bytes.toString('utf8').split('\n').length - 1;
      for (const chunkBytes of [bytes.length, 1]) {
        const feed = new ExabgpFeed(new TopologyGraph(), { nowMs: () => 0, nowNs: () => 0n });
        for (let at = 0; at < bytes.length; at += chunkBytes) feed.push(bytes.subarray(at, at + chunkBytes));
        assert.equal(feed.parser.counters().lines, lines);
      }
    });
  }
});

describe('reserved node ids', () => {
  it('a router-id of "constructor" is refused, and the rest of the feed still applies', () => {
    const graph = new TopologyGraph();
    const feed = new ExabgpFeed(graph, { nowMs: () => 0, nowNs: () => 0n });
    feed.push(readFileSync(fixturePath('malformed', 'exabgp-feed', 'feed-router-id-constructor.jsonl')));
    assert.equal(graph.graph.hasNode('constructor'), false);
    assert.equal(graph.links().length, 0);
    assert.ok(feed.parser.counters().warnings + feed.parser.counters().skipped + feed.refusedEvents > 0, 'the bad id is reported');
  });
});
