/**
 * The fat-tree of fat-tree.ts as a pathmon topology, built the way every source builds one (a node-up
 * per switch, a link-up per direction with /31 addresses), so the cover planner sees what it would see
 * from a YAML file or BGP-LS.
 */
import { buildTopology, type TopologyEvent, type TopologyGraph } from '../../../topology/index.js';
import { fatTree } from '../fat-tree.js';

export function fatTreeTopology(k: number): TopologyGraph {
  const tree = fatTree(k);
  const events: TopologyEvent[] = tree.switches.map(({ name }) => ({ kind: 'node-up', node: { id: name, name, kind: 'router' } }));
  tree.edges.forEach(([a, b], index) => {
    const base = 0x0a000000 + index * 2;
    const dotted = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
    const [addressA, addressB] = [dotted(base), dotted(base + 1)];
    events.push(linkUp(a, b, addressA, addressB), linkUp(b, a, addressB, addressA));
  });
  return buildTopology(events);
}

function linkUp(from: string, to: string, localAddress: string, neighborAddress: string): TopologyEvent {
  return { kind: 'link-up', link: { key: `${from}|${to}|${localAddress}|${neighborAddress}`, from, to, localAddress, neighborAddress, prefixLength: 31 } };
}
