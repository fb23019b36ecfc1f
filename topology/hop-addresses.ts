/**
 * Turns a path into the addresses a nested-GRE probe is built from.
 *
 * Each leg Ri → Ri+1 is addressed to Ri+1's address *on the link Ri → Ri+1* (the BGP-LS neighbor
 * address). That address is directly connected to Ri, so Ri can only reach it over that link: the leg is
 * pinned even with parallel links or ECMP. A loopback or router-id would leave the leg to routing.
 *
 * A host at the far end cannot decapsulate, so the probed part of a path stops at the router it hangs
 * off. In `loop` mode the probe comes back along the reverse links, so every link is crossed both ways by
 * one packet and measured by one clock; in `direct` mode the innermost packet returns by routing.
 */
import type { TopologyLink } from './model.js';
import type { TopologyGraph } from './graph.js';
import type { ProbePath } from './paths.js';
import { TopologyError } from './errors.js';

export type ReturnMode = 'loop' | 'direct';

export interface PathHops {
  /** The prober's address on its first link: the source of every layer. */
  source: string;
  /** One GRE layer per hop, outermost first. */
  hops: string[];
  /** Names of the nodes that own each hop address (for tables and diagnostics). */
  hopNames: string[];
  /** Where the innermost UDP packet goes: the prober itself. */
  returnAddress: string;
  /** Links the probe crosses, in order (the reverse ones too in loop mode). */
  crossed: TopologyLink[];
}

export function pathHops(topology: TopologyGraph, path: ProbePath, mode: ReturnMode): PathHops {
  const probed = probedLinks(topology, path);
  const outbound = probed.map((link) => ({ link, address: addressOf(topology, path, link, 'neighborAddress') }));
  const source = addressOf(topology, path, probed[0]!, 'localAddress');

  if (mode === 'direct') {
    return {
      source,
      hops: outbound.map((leg) => leg.address),
      hopNames: outbound.map((leg) => topology.node(leg.link.to).name),
      returnAddress: source,
      crossed: probed,
    };
  }

  const inbound = [...probed].reverse().map((link) => reverseLink(topology, path, link));
  const back = inbound.map((link) => ({ link, address: addressOf(topology, path, link, 'neighborAddress') }));
  // The last reverse leg ends at the prober: it is the innermost packet's destination, not a GRE hop.
  const returnLeg = back.pop()!;
  const legs = [...outbound, ...back];
  return {
    source,
    hops: legs.map((leg) => leg.address),
    hopNames: legs.map((leg) => topology.node(leg.link.to).name),
    returnAddress: returnLeg.address,
    crossed: [...probed, ...inbound],
  };
}

/** The links a probe actually crosses: all of them, less a final link to a host that cannot decapsulate. */
export function probedLinks(topology: TopologyGraph, path: ProbePath): TopologyLink[] {
  const last = path.links[path.links.length - 1]!;
  const endsAtHost = topology.node(last.to).kind === 'host';
  if (endsAtHost && path.links.length === 1) {
    throw new TopologyError('unaddressable-path', `topology.pathHops: path ${path.names.join(' ')} has no router to decapsulate a probe; expected at least one router between the endpoints`);
  }
  return endsAtHost ? path.links.slice(0, -1) : path.links;
}

function reverseLink(topology: TopologyGraph, path: ProbePath, link: TopologyLink): TopologyLink {
  const candidates = topology.linksBetween(link.to, link.from);
  const byAddress = candidates.find((reverse) => reverse.localAddress === link.neighborAddress && reverse.neighborAddress === link.localAddress);
  const reverse = byAddress ?? (candidates.length === 1 ? candidates[0] : undefined);
  if (!reverse) {
    throw new TopologyError(
      'unaddressable-path',
      `topology.pathHops: path ${path.names.join(' ')} cannot return in loop mode: no link from ${topology.node(link.to).name} back to ${topology.node(link.from).name} matching ${link.neighborAddress} → ${link.localAddress}; expected both directions of every link (or use direct mode)`,
    );
  }
  return reverse;
}

function addressOf(topology: TopologyGraph, path: ProbePath, link: TopologyLink, field: 'localAddress' | 'neighborAddress'): string {
  const address = link[field];
  if (!address) {
    const owner = topology.node(field === 'localAddress' ? link.from : link.to).name;
    throw new TopologyError(
      'unaddressable-path',
      `topology.pathHops: path ${path.names.join(' ')} crosses link ${topology.node(link.from).name} → ${topology.node(link.to).name} without ${owner}'s address on it (unnumbered?); expected an IPv4 ${field}`,
    );
  }
  return address;
}
