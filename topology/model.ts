/**
 * The topology's vocabulary: nodes, directed links and the events that change them.
 *
 * Every source (ExaBGP JSON, the neighbor table, the YAML file) is a parser that emits these events, and
 * the graph only ever changes by applying them. That is what lets a static file and a live BGP-LS feed
 * share one graph, one path planner and one set of tests.
 */

/** Routers decapsulate probes; hosts are endpoints and probers attached by configuration. */
export type NodeKind = 'router' | 'host';

export interface TopologyNode {
  /** Stable identity derived from the source's descriptors (BGP-LS) or the name (YAML). */
  id: string;
  /** What people call it: BGP-LS node-name where given, else the router-id, else the id. */
  name: string;
  kind: NodeKind;
  /** IGP router-id: an IS-IS system id (`000010000002`) or an OSPF router id (`1.1.1.1`). */
  routerId?: string;
  asn?: number;
  bgpLsId?: string;
  /** BGP-LS protocol-id name: `isis-l1`, `isis-l2`, `ospfv2`, `direct`, `static`, `ospfv3`. */
  protocol?: string;
  /** True for IS-IS pseudonodes and OSPF designated-router nodes: they forward nothing themselves. */
  pseudonode?: boolean;
}

/**
 * One direction of one link. BGP-LS describes links per direction, so the graph does too; the reverse
 * direction is another TopologyLink whose addresses are swapped.
 */
export interface TopologyLink {
  /** Unique among parallel links: built from both node ids and both addresses (or link ids). */
  key: string;
  from: string;
  to: string;
  /** The `from` node's address on this link. */
  localAddress?: string;
  /** The `to` node's address on this link: where a probe leg from `from` to `to` is addressed. */
  neighborAddress?: string;
  prefixLength?: number;
  igpMetric?: number;
  teMetric?: number;
  maxBandwidthBytesPerSec?: number;
}

export type TopologyEvent =
  | { kind: 'node-up'; node: TopologyNode }
  | { kind: 'node-down'; nodeId: string }
  | { kind: 'link-up'; link: TopologyLink }
  | { kind: 'link-down'; linkKey: string }
  | { kind: 'prefix-up'; nodeId: string; prefix: string; metric?: number }
  | { kind: 'prefix-down'; nodeId: string; prefix: string }
  | { kind: 'session'; peer: string; state: 'connected' | 'up' | 'down'; reason?: string }
  | { kind: 'end-of-rib'; peer: string };

/**
 * The key of one direction of one link: both node ids and both addresses (or link ids), so the two
 * directions differ and parallel links between the same nodes differ. Every source builds keys here,
 * which is what lets a BGP-LS withdraw name exactly the link its announce created. Absent addresses
 * become empty fields: unnumbered parallel links whose ids were lost share a key, and sources warn.
 */
export function linkKey(from: string, to: string, localAddress?: string, neighborAddress?: string): string {
  return `${from}|${to}|${localAddress ?? ''}|${neighborAddress ?? ''}`;
}
