/**
 * Physical links from directed ones, and how they are named: the two directions pair by key, or as the
 * only link each way when a source numbered the ends differently; parallel links stay apart and carry
 * their address; figures read as people write them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LinkSubjects, formatMs, formatPct, incidentLinks, linkSubjectKey, type IncidentLink } from '../../../src/incidents/index.js';
import { buildTopology } from '../../../topology/index.js';
import { R2_R5a, R4_R6, R6_R4, allLinks, r2r5b } from './incident-fixtures.js';

test('the two directions of a link are one physical link; parallel links are two', () => {
  const subjects = new LinkSubjects(allLinks);
  assert.deepEqual(subjects.physicalOf(R4_R6), { subjectKey: linkSubjectKey([R4_R6, R6_R4]), linkKeys: [R4_R6, R6_R4].sort() });
  assert.equal(subjects.physicalOf(R6_R4), subjects.physicalOf(R4_R6));
  assert.notEqual(subjects.physicalOf(R2_R5a)!.subjectKey, subjects.physicalOf(r2r5b[0]!.key)!.subjectKey);
  assert.equal(subjects.physicalOf('R9|R10||'), undefined);
  assert.equal(subjects.label([R4_R6]), 'R4→R6');
  assert.equal(subjects.label([R4_R6, R6_R4], R6_R4), 'R6↔R4');
  assert.equal(subjects.label([R2_R5a]), 'R2→R5 (10.1.1.7)');
  assert.equal(subjects.label([r2r5b[1]!.key, r2r5b[0]!.key], r2r5b[0]!.key), 'R2↔R5 (10.1.1.8–10.1.1.9)');
});

test('a link with no reverse is its own subject; ends numbered differently still pair when alone', () => {
  const oneWay: IncidentLink[] = [{ key: 'A|B|1|2', from: 'A', to: 'B' }];
  assert.deepEqual(new LinkSubjects(oneWay).physicalOf('A|B|1|2'), { subjectKey: 'link:A|B|1|2', linkKeys: ['A|B|1|2'] });
  const odd: IncidentLink[] = [
    { key: 'A|B|1|2', from: 'A', to: 'B' },
    { key: 'B|A|7|8', from: 'B', to: 'A' },
  ];
  assert.deepEqual(new LinkSubjects(odd).physicalOf('B|A|7|8')!.linkKeys, ['A|B|1|2', 'B|A|7|8']);
  // With two links each way the numbering is the only guide: unmatched ones stay one-way subjects.
  const ambiguous: IncidentLink[] = [...odd, { key: 'A|B|3|4', from: 'A', to: 'B' }, { key: 'B|A|5|6', from: 'B', to: 'A' }];
  assert.deepEqual(new LinkSubjects(ambiguous).physicalOf('A|B|1|2')!.linkKeys, ['A|B|1|2']);
  // A key the topology no longer has is still named, from the key itself.
  assert.equal(new LinkSubjects([]).label(['R4|R6|10.0.46.4|10.0.46.6']), 'R4→R6');
});

test('figures read as people write them', () => {
  assert.equal(formatPct(21.0000001), '21');
  assert.equal(formatPct(20.04), '20');
  assert.equal(formatPct(5.25), '5.3');
  assert.equal(formatPct(0.346), '0.35');
  assert.equal(formatPct(100), '100');
  assert.equal(formatMs(3), '3.0');
  assert.equal(formatMs(10.06), '10.1');
  assert.equal(formatMs(0.042), '0.04');
});

test('incidentLinks names the ends and hands back the same array until the topology changes', () => {
  const graph = buildTopology([
    { kind: 'node-up', node: { id: 'n4', name: 'R4', kind: 'router' } },
    { kind: 'node-up', node: { id: 'n6', name: 'R6', kind: 'router' } },
    { kind: 'link-up', link: { key: 'n4|n6|10.0.46.4|10.0.46.6', from: 'n4', to: 'n6', localAddress: '10.0.46.4', neighborAddress: '10.0.46.6' } },
    { kind: 'link-up', link: { key: 'n6|n4|10.0.46.6|10.0.46.4', from: 'n6', to: 'n4', localAddress: '10.0.46.6', neighborAddress: '10.0.46.4' } },
  ]);
  const first = incidentLinks(graph);
  assert.equal(first.length, 2);
  assert.equal(new LinkSubjects(first).label(['n4|n6|10.0.46.4|10.0.46.6']), 'R4→R6');
  assert.equal(incidentLinks(graph), first);
  graph.apply({ kind: 'link-down', linkKey: 'n6|n4|10.0.46.6|10.0.46.4' });
  const second = incidentLinks(graph);
  assert.notEqual(second, first);
  assert.deepEqual(
    second.map((l) => l.key),
    ['n4|n6|10.0.46.4|10.0.46.6'],
  );
});
