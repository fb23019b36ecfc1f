/**
 * The topologies the plan benchmark runs on, built from TopologyEvents as every source builds them:
 * a fat-tree (fat-tree.ts's switch names and edges) with a /31 per link, the prober host on the first
 * edge switch and one host per other edge switch (the endpoints a path monitor would probe), and a
 * seeded random connected router graph of a given size and average degree with hosts on some routers.
 */
import { buildTopology, type TopologyEvent, type TopologyGraph } from '../../../topology/index.js';
import { edgeSwitch, fatTree } from '../fat-tree.js';
import { seededRandom as seeded } from '../../helpers/seeded-random.js';

export interface BenchTopology {
  name: string;
  topology: TopologyGraph;
  prober: string;
  /** Hosts other than the prober: the endpoints "every simple path" would be probed to. */
  hosts: string[];
  /** Undirected router-router links. */
  routerLinks: number;
}

export function fatTreeTopology(k: number): BenchTopology {
  const tree = fatTree(k);
  const events: TopologyEvent[] = tree.switches.map(({ name }) => ({ kind: 'node-up', node: { id: name, name, kind: 'router' } }));
  const addresses = new AddressPool();
  for (const [a, b] of tree.edges) events.push(...linkEvents(a, b, addresses.next()));
  const hosts: string[] = [];
  let prober = '';
  for (let pod = 0; pod < k; pod++) {
    for (let i = 0; i < k / 2; i++) {
      const host = pod === 0 && i === 0 ? 'prober' : `host-p${pod}-e${i}`;
      events.push({ kind: 'node-up', node: { id: host, name: host, kind: 'host' } }, ...linkEvents(host, edgeSwitch(pod, i), addresses.next()));
      if (host === 'prober') prober = host;
      else hosts.push(host);
    }
  }
  return { name: `fat-tree k=${k}`, topology: buildTopology(events), prober, hosts, routerLinks: tree.edges.length };
}

/**
 * A connected random graph: a random spanning tree (each router joins a random earlier one), then
 * random extra links until the average degree is reached; no parallel links, no self-loops. Hosts
 * hang off every `hostEvery`-th router, the prober off router 0.
 */
export function randomTopology(routers: number, averageDegree: number, seed: number, hostEvery = 10): BenchTopology {
  const random = seeded(seed);
  const name = (i: number) => `r${i}`;
  const events: TopologyEvent[] = [];
  for (let i = 0; i < routers; i++) events.push({ kind: 'node-up', node: { id: name(i), name: name(i), kind: 'router' } });
  const addresses = new AddressPool();
  const seen = new Set<string>();
  const connect = (a: number, b: number): boolean => {
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || seen.has(key)) return false;
    seen.add(key);
    events.push(...linkEvents(name(a), name(b), addresses.next()));
    return true;
  };
  for (let i = 1; i < routers; i++) connect(i, Math.floor(random() * i));
  const wanted = Math.round((routers * averageDegree) / 2);
  while (seen.size < wanted) connect(Math.floor(random() * routers), Math.floor(random() * routers));
  const routerLinks = seen.size;
  const hosts: string[] = [];
  events.push({ kind: 'node-up', node: { id: 'prober', name: 'prober', kind: 'host' } }, ...linkEvents('prober', name(0), addresses.next()));
  for (let i = hostEvery; i < routers; i += hostEvery) {
    const host = `host-${name(i)}`;
    events.push({ kind: 'node-up', node: { id: host, name: host, kind: 'host' } }, ...linkEvents(host, name(i), addresses.next()));
    hosts.push(host);
  }
  return { name: `random ${routers} routers, degree ${averageDegree}`, topology: buildTopology(events), prober: 'prober', hosts, routerLinks };
}

function linkEvents(a: string, b: string, [aAddress, bAddress]: [string, string]): TopologyEvent[] {
  return [
    { kind: 'link-up', link: { key: `${a}|${b}|${aAddress}|${bAddress}`, from: a, to: b, localAddress: aAddress, neighborAddress: bAddress, prefixLength: 31 } },
    { kind: 'link-up', link: { key: `${b}|${a}|${bAddress}|${aAddress}`, from: b, to: a, localAddress: bAddress, neighborAddress: aAddress, prefixLength: 31 } },
  ];
}

/** Consecutive /31s carved from 10.0.0.0/8. */
class AddressPool {
  private index = 0;
  next(): [string, string] {
    const base = 10 * 2 ** 24 + 2 * this.index++;
    return [dotted(base), dotted(base + 1)];
  }
}

function dotted(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export { seededRandom as seeded } from '../../helpers/seeded-random.js';
