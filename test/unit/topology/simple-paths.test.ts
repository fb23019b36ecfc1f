/**
 * pathmon's pruned search must find exactly the paths graphology-simple-path finds (less those through
 * a host), on every graph and bound: graphology-simple-path is the reference it replaced for speed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allSimpleEdgeGroupPaths } from 'graphology-simple-path';
import { buildTopology, type TopologyEvent, type TopologyGraph } from '../../../topology/index.js';
import { allSimpleLinkGroupPaths } from '../../../topology/simple-paths.js';

function seededRandom(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

/** Routers and a few hosts, random links (some parallel, some one-way). */
function randomTopology(seed: number): TopologyGraph {
  const random = seededRandom(seed);
  const routers = 4 + Math.floor(random() * 6);
  const names = [...Array.from({ length: routers }, (_, i) => `r${i}`), 'h0', 'h1'];
  const events: TopologyEvent[] = names.map((name) => ({ kind: 'node-up', node: { id: name, name, kind: name.startsWith('h') ? 'host' : 'router' } }));
  let n = 0;
  const link = (from: string, to: string) => events.push({ kind: 'link-up', link: { key: `k${n++}`, from, to } });
  for (let i = 0; i < routers * 2.5; i++) {
    const a = names[Math.floor(random() * names.length)]!;
    const b = names[Math.floor(random() * names.length)]!;
    if (a === b) continue;
    link(a, b);
    if (random() < 0.8) link(b, a);
  }
  return buildTopology(events);
}

const canonical = (paths: string[][][]) => paths.map((path) => path.map((group) => [...group].sort().join('+')).join(' ')).sort();

test('same paths as graphology-simple-path on 300 random multigraphs, every hop bound', () => {
  let compared = 0;
  for (let seed = 1; seed <= 300; seed++) {
    const topology = randomTopology(seed);
    const graph = topology.graph;
    const nodes = graph.nodes();
    const [source, target] = [nodes[seed % nodes.length]!, nodes[(seed * 7 + 3) % nodes.length]!];
    if (source === target) continue;
    for (const maxHops of [1, 2, 3, 5, 8]) {
      const reference = allSimpleEdgeGroupPaths(graph, source, target, { maxDepth: maxHops }).filter((groups) =>
        groups.slice(0, -1).every((group) => graph.getNodeAttribute(graph.target(group[0]!), 'kind') !== 'host'),
      );
      const ours = allSimpleLinkGroupPaths(graph, source, target, { maxHops, isTransit: (node) => graph.getNodeAttribute(node, 'kind') !== 'host' });
      assert.deepEqual(canonical(ours), canonical(reference), `seed ${seed}, ${source} → ${target}, maxHops ${maxHops}`);
      compared += reference.length;
    }
  }
  assert.ok(compared > 1000, `only ${compared} paths compared: the graphs are too sparse to test anything`);
});
