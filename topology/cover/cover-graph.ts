/**
 * The topology as the link-cover planner reads it: nodes and directed links numbered 0..n-1, the links
 * a walk may use in compact adjacency arrays, and for every link a walk may not use, why.
 *
 * The planner builds and scores tens of thousands of candidate walks; graphology's string-keyed
 * adjacency would dominate that, so the graph is copied once per plan into typed arrays (compressed
 * sparse rows). Link numbers follow graphology's edge order, so the same topology gives the same
 * numbering and, with seeded tie-breaks, the same plan.
 *
 * Walks here always start at the prober and end at their first return to it, so the prober is never
 * crossed mid-walk even when it is a router: a walk that passes through it is two walks joined, and
 * two walks separate links at least as well as their join does.
 */
import type { TopologyLink } from '../model.js';
import type { TopologyGraph } from '../graph.js';

export interface CoverGraph {
  nodeIds: string[];
  names: string[];
  /** 1 where the node forwards probes (a router that is not a pseudonode). */
  forwards: Uint8Array;
  prober: number;
  links: TopologyLink[];
  from: Int32Array;
  to: Int32Array;
  /** 1 where a walk may cross the link; see `unusable` for why the others may not. */
  usable: Uint8Array;
  /** Why a walk can never cross link i (undefined for usable links). */
  unusable: (string | undefined)[];
  /** Usable links leaving node n: outLinks[outStart[n] .. outStart[n+1]). */
  outStart: Int32Array;
  outLinks: Int32Array;
  /** Usable links entering node n: inLinks[inStart[n] .. inStart[n+1]). */
  inStart: Int32Array;
  inLinks: Int32Array;
  /** The other direction of the same link (matched by addresses, or the only candidate), else -1. */
  reverse: Int32Array;
  /** Link index by key. */
  linkIndex: Map<string, number>;
}

export function coverGraph(topology: TopologyGraph, proberId: string): CoverGraph {
  const graph = topology.graph;
  const nodeIds = graph.nodes();
  const nodeIndex = new Map(nodeIds.map((id, i) => [id, i]));
  const names = nodeIds.map((id) => graph.getNodeAttribute(id, 'name'));
  const pseudonode = Uint8Array.from(nodeIds, (id) => (graph.getNodeAttribute(id, 'pseudonode') ? 1 : 0));
  const forwards = Uint8Array.from(nodeIds, (id, n) => (graph.getNodeAttribute(id, 'kind') === 'router' && !pseudonode[n] ? 1 : 0));
  const prober = nodeIndex.get(proberId)!;

  const links: TopologyLink[] = [];
  graph.forEachEdge((_key, attributes) => {
    links.push(attributes);
  });
  const count = links.length;
  const from = new Int32Array(count);
  const to = new Int32Array(count);
  const usable = new Uint8Array(count);
  const unusable: (string | undefined)[] = new Array(count).fill(undefined);
  const linkIndex = new Map<string, number>();
  links.forEach((link, i) => {
    from[i] = nodeIndex.get(link.from)!;
    to[i] = nodeIndex.get(link.to)!;
    linkIndex.set(link.key, i);
    unusable[i] = unusableReason(link, from[i]!, to[i]!, prober, forwards, names, pseudonode[from[i]!] === 1 || pseudonode[to[i]!] === 1);
    if (unusable[i] === undefined) usable[i] = 1;
  });

  const [outStart, outLinks] = adjacency(nodeIds.length, from, usable);
  const [inStart, inLinks] = adjacency(nodeIds.length, to, usable);
  return { nodeIds, names, forwards, prober, links, from, to, usable, unusable, outStart, outLinks, inStart, inLinks, reverse: reverseLinks(links, from, to, nodeIds.length), linkIndex };
}

/** The link as people say it: `R1→R2`, with the near-end address when parallel links share the names. */
export function linkLabel(cover: CoverGraph, link: number): string {
  const a = cover.from[link]!;
  const b = cover.to[link]!;
  const label = `${cover.names[a]}→${cover.names[b]}`;
  // Labels are only built for groups and reports, so a scan of all links (unusable parallels too) is fine.
  const parallel = cover.links.some((_other, i) => i !== link && cover.from[i] === a && cover.to[i] === b);
  const via = cover.links[link]!.localAddress ?? cover.links[link]!.key;
  return parallel ? `${label} (${via})` : label;
}

function unusableReason(link: TopologyLink, a: number, b: number, prober: number, forwards: Uint8Array, names: string[], pseudonode: boolean): string | undefined {
  if (a === b) return `it leaves and enters ${names[a]} itself; a walk leg must reach another node`;
  if (pseudonode) return 'it touches a pseudonode (a LAN as IS-IS or OSPF describes it), which has no address of its own to send a leg to';
  if (b !== prober && !forwards[b]) return `it enters host ${names[b]}: hosts do not decapsulate, so no walk can leave it again`;
  if (a !== prober && !forwards[a]) return `it leaves host ${names[a]}, which no walk can reach (hosts do not forward)`;
  if (!link.neighborAddress) return `it has no address at ${names[b]}'s end (unnumbered?): a GRE leg cannot be addressed across it`;
  if (a === prober && !link.localAddress) return `it has no address at the prober's end: a walk cannot be sourced on it`;
  return undefined;
}

function adjacency(nodes: number, ends: Int32Array, usable: Uint8Array): [Int32Array, Int32Array] {
  const start = new Int32Array(nodes + 1);
  for (let i = 0; i < ends.length; i++) if (usable[i]) start[ends[i]! + 1]!++;
  for (let n = 0; n < nodes; n++) start[n + 1]! += start[n]!;
  const fill = start.slice(0, nodes);
  const list = new Int32Array(start[nodes]!);
  for (let i = 0; i < ends.length; i++) if (usable[i]) list[fill[ends[i]!]!++] = i;
  return [start, list];
}

/**
 * Each link's other direction: the link back whose addresses are this one's swapped, else the only
 * link back. Used to name groups ("a dead end", "a bridge"), never to constrain walks.
 */
function reverseLinks(links: TopologyLink[], from: Int32Array, to: Int32Array, nodes: number): Int32Array {
  const reverse = new Int32Array(links.length).fill(-1);
  // All links (usable or not) by tail, so reverses of unusable links are found too.
  const all = new Uint8Array(links.length).fill(1);
  const [start, list] = adjacency(nodes, from, all);
  for (let i = 0; i < links.length; i++) {
    const back: number[] = [];
    for (let j = start[to[i]!]!; j < start[to[i]! + 1]!; j++) if (to[list[j]!] === from[i]) back.push(list[j]!);
    const byAddress = back.find((j) => links[j]!.localAddress === links[i]!.neighborAddress && links[j]!.neighborAddress === links[i]!.localAddress);
    reverse[i] = byAddress ?? (back.length === 1 ? back[0]! : -1);
  }
  return reverse;
}
