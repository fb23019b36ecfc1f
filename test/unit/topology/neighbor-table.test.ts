/**
 * parseNeighborTable against the hackathon's routes.txt. The orientation checks use the deck's own
 * facts (seed-hackathon/README.md: R2 is 10.1.1.0 and R1 is 10.1.1.1 on R1-R2), so a swapped column
 * reading fails here rather than as probes addressed to their own sender.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TopologyError } from '../../../topology/errors.js';
import type { TopologyEvent, TopologyLink } from '../../../topology/model.js';
import { parseNeighborTable } from '../../../topology/sources/index.js';
import { fixturePath } from '../../helpers/repo-root.js';

const routes = readFileSync(fixturePath('seed-hackathon', 'routes.txt'), 'utf8');
const R = (n: number): string => `00001000000${n}`;
const linksOf = (events: TopologyEvent[]): TopologyLink[] => events.flatMap((e) => (e.kind === 'link-up' ? [e.link] : []));
const linkBetween = (links: TopologyLink[], from: string, to: string): TopologyLink => {
  const found = links.filter((l) => l.from === from && l.to === to);
  assert.equal(found.length, 1, `one link ${from} -> ${to}`);
  return found[0]!;
};

describe('parseNeighborTable: routes.txt', () => {
  const events = parseNeighborTable(routes, 'routes.txt');
  const links = linksOf(events);

  it('gives 6 routers first, then 16 directed links with unique keys', () => {
    const nodes = events.filter((e) => e.kind === 'node-up');
    assert.equal(nodes.length, 6);
    assert.deepEqual(
      events.slice(0, 6).map((e) => e.kind),
      Array(6).fill('node-up'),
    );
    assert.deepEqual(nodes.map((e) => (e.kind === 'node-up' ? e.node.id : '')).sort(), [1, 2, 3, 4, 5, 6].map(R));
    for (const e of nodes) {
      if (e.kind === 'node-up') assert.deepEqual(e.node, { id: e.node.id, name: e.node.id, kind: 'router', routerId: e.node.id });
    }
    assert.equal(links.length, 16);
    assert.equal(new Set(links.map((l) => l.key)).size, 16);
  });

  it('orients R1-R2 as the deck says: R1 is 10.1.1.1, R2 is 10.1.1.0', () => {
    // Row "000010000002 10.1.1.0 000010000001 10.1.1.1": the link from R1 (col 3) to R2 (col 1).
    assert.deepEqual(linkBetween(links, R(1), R(2)), {
      key: `${R(1)}|${R(2)}|10.1.1.1|10.1.1.0`,
      from: R(1),
      to: R(2),
      localAddress: '10.1.1.1',
      neighborAddress: '10.1.1.0',
      prefixLength: 31,
    });
    const back = linkBetween(links, R(2), R(1));
    assert.equal(back.localAddress, '10.1.1.0');
    assert.equal(back.neighborAddress, '10.1.1.1');
  });

  it("addresses each leg of the deck path R1-R2-R4-R6 at the next router's end of that link", () => {
    // README: the deck used 10.1.1.5 (R2's end of R2-R4); pinning legs needs R2's 10.1.1.0 on R1-R2.
    const hops = [
      [1, 2],
      [2, 4],
      [4, 6],
    ].map(([a, b]) => linkBetween(links, R(a!), R(b!)).neighborAddress);
    assert.deepEqual(hops, ['10.1.1.0', '10.1.1.4', '10.1.1.12']);
  });

  it('a single row is the link from the column-3 router to the column-1 router', () => {
    // routes.txt lists both directions of every link, which would hide a reversed row reading.
    const events = parseNeighborTable('000010000002\t10.1.1.0\t000010000001\t10.1.1.1\n');
    assert.deepEqual(linksOf(events), [{ key: `${R(1)}|${R(2)}|10.1.1.1|10.1.1.0`, from: R(1), to: R(2), localAddress: '10.1.1.1', neighborAddress: '10.1.1.0', prefixLength: 31 }]);
  });

  it('every link has its reverse with the addresses swapped, in one /31', () => {
    for (const l of links) {
      const r = linkBetween(links, l.to, l.from);
      assert.equal(r.localAddress, l.neighborAddress);
      assert.equal(r.neighborAddress, l.localAddress);
      const last = (a: string): number => Number(a.split('.')[3]);
      assert.equal(last(l.localAddress!) >> 1, last(l.neighborAddress!) >> 1, `${l.key} spans one /31`);
    }
  });
});

describe('parseNeighborTable: layout variants', () => {
  const expected = parseNeighborTable(routes);

  it('space-separated, no header, CRLF, comments and blank lines give the same events', () => {
    const variant = routes
      .split('\n')
      .slice(1)
      .map((l) => l.replaceAll('\t', '   '))
      .join('\r\n\r\n# comment\r\n');
    assert.deepEqual(parseNeighborTable(`# exported by hand\n${variant}`), expected);
  });

  it('dotted IS-IS ids (0000.1000.0001) name the same routers', () => {
    const variant = routes.replaceAll('000010000001', '0000.1000.0001');
    assert.deepEqual(parseNeighborTable(variant), expected);
  });
});

describe('parseNeighborTable: malformed rows', () => {
  const bad = (text: string): TopologyError => {
    try {
      parseNeighborTable(text, 'bad.txt');
    } catch (err) {
      assert.ok(err instanceof TopologyError);
      assert.equal(err.code, 'malformed-input');
      assert.match(err.message, /^topology\.parseNeighborTable: line \d+: .*; expected /);
      return err;
    }
    assert.fail('expected a TopologyError');
  };
  const header = 'Rtr_id\tneighbor_add\tRtr_id\tinterface_Add\n';

  it('names the line of a row with the wrong column count', () => {
    assert.equal(bad(`${header}000010000002\t10.1.1.5\t000010000004\n`).where, 'bad.txt:2');
  });
  it('names the bad IPv4 value', () => {
    const err = bad(`${header}\n000010000002 10.1.1.5 000010000004 10.1.1.400\n`);
    assert.equal(err.where, 'bad.txt:3');
    assert.match(err.message, /10\.1\.1\.400/);
  });
  it('reports an empty router id in a tab-separated row', () => {
    assert.match(bad(`${header}\t10.1.1.5\t000010000004\t10.1.1.4\n`).message, /empty Rtr_id \(column 1\)/);
  });
  it('refuses a row whose addresses are not one /31', () => {
    assert.match(bad(`${header}000010000002 10.1.1.5 000010000004 10.1.1.6\n`).message, /not the two ends of one \/31/);
  });
});
