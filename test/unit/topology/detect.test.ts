/**
 * detectTopologyFormat and topologyEventsFromText: the three formats recognised by content, the raw
 * BGP captures in the ExaBGP fixture folder refused as a format, and ExaBGP failures reported as
 * skipped lines rather than thrown.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TopologyError } from '../../../topology/errors.js';
import { detectTopologyFormat, topologyEventsFromText } from '../../../topology/sources/index.js';
import { join } from 'node:path';
import { fixturePath, repoRoot } from '../../helpers/repo-root.js';

const read = (...parts: string[]): string => readFileSync(fixturePath(...parts), 'latin1');
const unknownFormat = (err: unknown): boolean => err instanceof TopologyError && err.code === 'unknown-format';

describe('detectTopologyFormat', () => {
  it('recognises every ExaBGP JSON fixture, including the invalid-JSON line', () => {
    for (const f of ['announce-link-isis.json', 'eor-bgp-ls.json', 'netns-frr-ospf-e2e-events.jsonl', 'notification.jsonl', 'decode-link-name-INVALID-JSON.txt']) {
      assert.equal(detectTopologyFormat(read('exabgp', f)), 'exabgp-json', f);
    }
  });

  it('recognises the neighbor table with its header, and rows without one', () => {
    const routes = read('seed-hackathon', 'routes.txt');
    assert.equal(detectTopologyFormat(routes), 'neighbor-table');
    assert.equal(detectTopologyFormat(routes.split('\n').slice(1).join('\n')), 'neighbor-table');
    assert.equal(detectTopologyFormat('\n# rows\n000010000002 10.1.1.5 000010000004 10.1.1.4\n'), 'neighbor-table');
  });

  it('recognises YAML, block or flow style (a flow mapping starting with "{" is not ExaBGP)', () => {
    assert.equal(detectTopologyFormat(readFileSync(join(repoRoot, 'lab', 'topologies', 'nanog76.yaml'), 'utf8')), 'yaml');
    assert.equal(detectTopologyFormat('{ routers: [ { name: R1 } ], links: [] }'), 'yaml');
  });

  it('sends broken YAML that is clearly a topology to the YAML parser for a proper syntax error', () => {
    assert.equal(detectTopologyFormat('routers:\n  - { name: R1\n'), 'yaml');
  });

  it('refuses the raw BGP captures (hex UPDATEs, pcap) and empty or unrelated text', () => {
    for (const f of ['edge-case-updates.hex.txt', 'gobgp-sent-updates.hex', 'gobgp-to-exabgp-bgpls.pcap']) {
      assert.throws(() => detectTopologyFormat(read('exabgp', f), f), unknownFormat, f);
    }
    assert.throws(() => detectTopologyFormat('  \n\n'), unknownFormat);
    assert.throws(() => detectTopologyFormat('name: just a name\n'), unknownFormat);
    assert.throws(
      () => detectTopologyFormat('hello world', 'notes.txt'),
      (err: unknown) =>
        unknownFormat(err) && (err as TopologyError).where === 'notes.txt' && /^topology\.detectTopologyFormat: .*"hello world".*expected ExaBGP JSON lines/.test((err as Error).message),
    );
  });
});

describe('topologyEventsFromText', () => {
  it('parses each format through its parser', () => {
    const exa = topologyEventsFromText(read('exabgp', 'netns-frr-ospf-e2e-events.jsonl'), 'e2e.jsonl');
    assert.equal(exa.format, 'exabgp-json');
    assert.equal(exa.events.length, 28);
    assert.deepEqual(exa.skipped, []);

    const table = topologyEventsFromText(read('seed-hackathon', 'routes.txt'), 'routes.txt');
    assert.equal(table.format, 'neighbor-table');
    assert.equal(table.events.length, 6 + 16);

    const yaml = topologyEventsFromText(readFileSync(join(repoRoot, 'lab', 'topologies', 'nanog76.yaml'), 'utf8'), 'nanog76.yaml');
    assert.equal(yaml.format, 'yaml');
    assert.equal(yaml.events.length, 8 + 20);
  });

  it('reports failing ExaBGP lines as skipped with their line number, keeping the good ones', () => {
    const text = [read('exabgp', 'state-connected-up.jsonl'), read('exabgp', 'decode-link-name-INVALID-JSON.txt'), read('exabgp', 'decode-link-unnumbered-linkids-dropped.json')].join('\n');
    const result = topologyEventsFromText(text, 'feed.jsonl');
    assert.deepEqual(
      result.events.map((e) => e.kind),
      ['session', 'session', 'link-up'],
    );
    assert.equal(result.skipped.length, 1);
    assert.equal(result.skipped[0]?.line, 4);
    assert.equal(result.skipped[0]?.reason, 'invalid JSON');
    assert.equal(result.warnings.length, 1);
    assert.match(result.warnings[0]!, /^feed\.jsonl:6: topology\.parseExabgpLine: .*unnumbered/);
  });

  it('throws TopologyError for a bad table or YAML file', () => {
    assert.throws(
      () => topologyEventsFromText('Rtr_id neighbor_add Rtr_id interface_Add\nR1 10.1.1.1 R2\n', 't.txt'),
      (err: unknown) => err instanceof TopologyError && err.code === 'malformed-input' && err.where === 't.txt:2',
    );
  });
});
