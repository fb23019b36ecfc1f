import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { allProbePaths, buildTopology, parseNeighborTable, parseYamlTopology, pathHops, TopologyError, type TopologyEvent } from '../../../topology/index.js';
import { fixturePath, repoRoot } from '../../helpers/repo-root.js';

const nanog76 = () => buildTopology(parseYamlTopology(readFileSync(join(repoRoot, 'lab/topologies/nanog76.yaml'), 'utf8'), 'nanog76.yaml').events);

function pathVia(names: string) {
  const topology = nanog76();
  const path = allProbePaths(topology, 'dev1', 'dev2').paths.find((candidate) => candidate.names.join(' ') === names);
  assert.ok(path, `no path ${names}`);
  return { topology, path };
}

test('direct mode addresses each router on the link from the previous one, then routes home', () => {
  const { topology, path } = pathVia('dev1 R1 R2 R4 R6 dev2');
  const hops = pathHops(topology, path, 'direct');
  // R1's end of dev1–R1, R2's end of R1–R2, R4's end of R2–R4, R6's end of R4–R6 (routes.txt's addresses).
  assert.deepEqual(hops.hops, ['10.2.0.1', '10.1.1.0', '10.1.1.4', '10.1.1.12']);
  assert.deepEqual(hops.hopNames, ['R1', 'R2', 'R4', 'R6']);
  assert.equal(hops.source, '10.2.0.0');
  assert.equal(hops.returnAddress, '10.2.0.0');
});

test('loop mode comes back over the reverse links, each leg pinned the same way', () => {
  const { topology, path } = pathVia('dev1 R1 R2 R4 R6 dev2');
  const hops = pathHops(topology, path, 'loop');
  assert.deepEqual(hops.hops, ['10.2.0.1', '10.1.1.0', '10.1.1.4', '10.1.1.12', '10.1.1.13', '10.1.1.5', '10.1.1.1']);
  assert.deepEqual(hops.hopNames, ['R1', 'R2', 'R4', 'R6', 'R4', 'R2', 'R1']);
  assert.equal(hops.returnAddress, '10.2.0.0');
  assert.equal(hops.crossed.length, 8);
});

test('the YAML lab and the hackathon table describe the same router links', () => {
  const yaml = nanog76();
  const table = buildTopology(parseNeighborTable(readFileSync(fixturePath('seed-hackathon', 'routes.txt'), 'utf8'), 'routes.txt'));
  const idToName = new Map(yaml.nodes().map((node) => [node.routerId ?? node.id, node.name]));
  const describe = (links: { from: string; to: string; localAddress?: string; neighborAddress?: string }[], name: (id: string) => string) =>
    links.map((link) => `${name(link.from)} ${link.localAddress} > ${name(link.to)} ${link.neighborAddress}`).sort();
  const yamlRouterLinks = yaml.links().filter((link) => yaml.node(link.from).kind === 'router' && yaml.node(link.to).kind === 'router');
  assert.deepEqual(
    describe(yamlRouterLinks, (id) => id),
    describe(table.links(), (id) => idToName.get(id)!),
  );
});

test('a link without addresses makes the path unaddressable, naming the link', () => {
  const events: TopologyEvent[] = [
    { kind: 'link-up', link: { key: 'A>B', from: 'A', to: 'B', localAddress: '10.0.0.0', neighborAddress: '10.0.0.1' } },
    { kind: 'link-up', link: { key: 'B>C', from: 'B', to: 'C' } },
  ];
  const topology = buildTopology(events);
  const [path] = allProbePaths(topology, 'A', 'C').paths;
  assert.throws(
    () => pathHops(topology, path!, 'direct'),
    (error: unknown) => error instanceof TopologyError && error.code === 'unaddressable-path' && error.message.includes('B → C'),
  );
});

test('loop mode needs the reverse direction of every link', () => {
  const topology = buildTopology([{ kind: 'link-up', link: { key: 'A>B', from: 'A', to: 'B', localAddress: '10.0.0.0', neighborAddress: '10.0.0.1' } }]);
  const [path] = allProbePaths(topology, 'A', 'B').paths;
  assert.deepEqual(pathHops(topology, path!, 'direct').hops, ['10.0.0.1']);
  assert.throws(
    () => pathHops(topology, path!, 'loop'),
    (error: unknown) => error instanceof TopologyError && error.code === 'unaddressable-path',
  );
});
