/**
 * Walks: probes that start and end at the prober and may go out one way and come back another,
 * revisiting routers where that helps. Nested GRE forces a walk leg by leg exactly as it forces a path
 * (each leg addressed to the next router's address on that link), so one prober can cross every
 * directed link of a topology, in each direction on its own, which a path probed out and back cannot.
 *
 * A walk is a list of directed links whose first link leaves the prober and whose last link enters it;
 * every node in between must be a router (hosts do not decapsulate). Its id is a digest of its link
 * keys, so a walk that survives a re-plan keeps its id and its baseline.
 */
import { hash } from 'node:crypto';
import type { TopologyLink } from './model.js';
import type { TopologyGraph } from './graph.js';
import type { PathHops } from './hop-addresses.js';
import { TopologyError } from './errors.js';

export interface Walk {
  /** Stable across runs: a digest of the link keys crossed, prefixed `w` so it never equals a path id. */
  id: string;
  /** Node ids visited, the prober first and last. */
  nodes: string[];
  /** Node names in the same order: what tables and tickets show. */
  names: string[];
  /** Directed links crossed, in order; a link may appear more than once. */
  links: TopologyLink[];
}

/** IPv4 + GRE bytes each leg adds to a probe: the header budget that bounds a walk's length. */
export const BYTES_PER_LEG = 24;

export function walkId(links: readonly TopologyLink[]): string {
  return `w${hash('sha256', links.map((link) => link.key).join('\n'), 'hex').slice(0, 11)}`;
}

/**
 * The walk made of these links, checked: consecutive links meet, it starts and ends at one node, and
 * every node in between is a router.
 * @throws TopologyError `invalid-walk` naming the first link that breaks a rule.
 */
export function walkFromLinks(topology: TopologyGraph, links: readonly TopologyLink[]): Walk {
  if (links.length < 2) throw new TopologyError('invalid-walk', `topology.walkFromLinks: a walk needs at least 2 links (out and back), got ${links.length}`);
  const start = links[0]!.from;
  if (links[links.length - 1]!.to !== start) {
    throw new TopologyError(
      'invalid-walk',
      `topology.walkFromLinks: walk starts at ${nameOf(topology, start)} but ends at ${nameOf(topology, links[links.length - 1]!.to)}; expected it to return to where it started`,
    );
  }
  for (let i = 1; i < links.length; i++) {
    const previous = links[i - 1]!;
    const link = links[i]!;
    if (previous.to !== link.from) {
      throw new TopologyError(
        'invalid-walk',
        `topology.walkFromLinks: link ${i} (${link.key}) leaves ${nameOf(topology, link.from)}, but link ${i - 1} arrived at ${nameOf(topology, previous.to)}; expected consecutive links to meet`,
      );
    }
    if (topology.graph.hasNode(link.from) && topology.node(link.from).kind === 'host') {
      throw new TopologyError('invalid-walk', `topology.walkFromLinks: link ${i} leaves host ${nameOf(topology, link.from)}; expected only routers inside a walk (hosts do not decapsulate)`);
    }
  }
  const nodes = [start, ...links.map((link) => link.to)];
  return { id: walkId(links), nodes, names: nodes.map((node) => nameOf(topology, node)), links: [...links] };
}

/**
 * The addresses a walk's nested-GRE probe is built from: every leg but the last is a GRE layer addressed
 * to the next node's address on that link; the last leg ends at the prober, so its address there is the
 * innermost packet's destination.
 * @throws TopologyError `unaddressable-path` naming the link without an address.
 */
export function walkHops(topology: TopologyGraph, walk: Walk): PathHops {
  const legs = walk.links.map((link) => addressOf(topology, walk, link, 'neighborAddress'));
  const returnAddress = legs.pop()!;
  return {
    source: addressOf(topology, walk, walk.links[0]!, 'localAddress'),
    hops: legs,
    hopNames: walk.links.slice(0, -1).map((link) => nameOf(topology, link.to)),
    returnAddress,
    crossed: walk.links,
  };
}

function addressOf(topology: TopologyGraph, walk: Walk, link: TopologyLink, field: 'localAddress' | 'neighborAddress'): string {
  const address = link[field];
  if (!address) {
    throw new TopologyError(
      'unaddressable-path',
      `topology.walkHops: walk ${walk.names.join(' ')} crosses link ${nameOf(topology, link.from)} → ${nameOf(topology, link.to)} without an address at its ${field === 'localAddress' ? 'near' : 'far'} end (unnumbered?); expected an IPv4 ${field}`,
    );
  }
  return address;
}

function nameOf(topology: TopologyGraph, id: string): string {
  return topology.graph.hasNode(id) ? topology.node(id).name : id;
}
