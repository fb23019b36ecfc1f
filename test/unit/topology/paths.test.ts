import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allProbePaths, buildTopology, parseNeighborTable, parseYamlTopology, TopologyError, type TopologyEvent } from '../../../topology/index.js';
import { fixturePath, repoRoot } from '../../helpers/repo-root.js';

const routesTxt = () => buildTopology(parseNeighborTable(readFileSync(fixturePath('seed-hackathon', 'routes.txt'), 'utf8'), 'routes.txt'));
const nanog76 = () => buildTopology(parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').events);
const deckName = (id: string) => `R${Number(id.slice(-1))}`;

test("routes.txt from 000010000001 to 000010000006 gives exactly the hackathon deck's 8 paths", () => {
  const { paths, totalWithinHops } = allProbePaths(routesTxt(), '000010000001', '000010000006');
  const deck = ['R1 R3 R5 R2 R4 R6', 'R1 R3 R5 R6', 'R1 R3 R4 R2 R5 R6', 'R1 R3 R4 R6', 'R1 R2 R5 R3 R4 R6', 'R1 R2 R5 R6', 'R1 R2 R4 R3 R5 R6', 'R1 R2 R4 R6'];
  assert.deepEqual(paths.map((path) => path.names.map(deckName).join(' ')).sort(), [...deck].sort());
  assert.equal(totalWithinHops, 8);
  assert.equal(new Set(paths.map((path) => path.id)).size, 8);
});

test('paths come shortest first, and maxPaths keeps the shortest', () => {
  const { paths, totalWithinHops } = allProbePaths(routesTxt(), '000010000001', '000010000006', { maxPaths: 3 });
  assert.equal(paths.length, 3);
  assert.equal(totalWithinHops, 8);
  assert.ok(paths.every((path) => path.links.length === 3));
});

test('maxHops bounds the search and its error says how short the shortest path is', () => {
  const topology = routesTxt();
  assert.equal(allProbePaths(topology, '000010000001', '000010000006', { maxHops: 3 }).paths.length, 4);
  assert.throws(
    () => allProbePaths(topology, '000010000001', '000010000006', { maxHops: 2 }),
    (error: unknown) => error instanceof TopologyError && error.code === 'no-path' && /shortest has 3 hops/.test(error.message),
  );
});

test('an unknown endpoint is an error that lists the known nodes', () => {
  assert.throws(
    () => allProbePaths(nanog76(), 'dev1', 'R9'),
    (error: unknown) => error instanceof TopologyError && error.code === 'unknown-node' && error.message.includes('R9') && error.message.includes('dev2'),
  );
});

test('bad bounds are rejected with the option named', () => {
  assert.throws(
    () => allProbePaths(nanog76(), 'dev1', 'dev2', { maxHops: 0 }),
    (error: unknown) => error instanceof TopologyError && error.code === 'invalid-option' && error.message.includes('maxHops'),
  );
});

test('endpoints resolve by name, id or router-id', () => {
  const topology = nanog76();
  assert.equal(allProbePaths(topology, 'R1', '000010000006').paths.length, 8);
});

test('hosts are endpoints, never transit', () => {
  const { paths } = allProbePaths(nanog76(), 'dev1', 'dev2');
  assert.equal(paths.length, 8);
  assert.ok(paths.every((path) => path.names[0] === 'dev1' && path.names.at(-1) === 'dev2'));
  assert.ok(paths.every((path) => path.names.slice(1, -1).every((name) => name.startsWith('R'))));
});

test('parallel links give distinct paths', () => {
  const link = (from: string, to: string, local: string, neighbor: string): TopologyEvent => ({
    kind: 'link-up',
    link: { key: `${from}>${to}|${local}|${neighbor}`, from, to, localAddress: local, neighborAddress: neighbor },
  });
  const topology = buildTopology([link('A', 'B', '10.0.0.0', '10.0.0.1'), link('A', 'B', '10.0.0.2', '10.0.0.3'), link('B', 'C', '10.0.1.0', '10.0.1.1')]);
  const { paths } = allProbePaths(topology, 'A', 'C');
  assert.equal(paths.length, 2);
  assert.notEqual(paths[0]!.id, paths[1]!.id);
  assert.deepEqual(paths.map((path) => path.links[0]!.neighborAddress).sort(), ['10.0.0.1', '10.0.0.3']);
});
