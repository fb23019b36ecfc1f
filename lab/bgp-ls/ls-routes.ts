/**
 * The BGP-LS routes one IGP snapshot stands for: a node NLRI per router, a link NLRI per link direction,
 * a prefix NLRI per stub prefix, each with its attribute bytes. Keyed by the NLRI's hex, which is the
 * route's identity on the wire: the originator announces keys that appear or whose attribute changed,
 * and withdraws keys that are gone, so a diff of two snapshots is the whole BGP-LS update.
 *
 * OSPF carries no hostname, so node names come from the lab (router id -> name): they are what a real
 * router would advertise as its hostname, and what pathmon names nodes by.
 */
import { linkAttribute, nodeAttribute, prefixAttribute } from './ls-attribute.js';
import { encodeLsNlri, LS_PROTOCOL, type NodeDescriptor } from './ls-nlri.js';
import type { IgpTopology } from './ospf-lsdb.js';

export interface LsRoute {
  /** Human-readable, for the originator's log: `link R4>R6 10.1.1.13>10.1.1.12`. */
  description: string;
  nlri: Buffer;
  attribute: Buffer;
}

export interface LsRouteOptions {
  asn: number;
  bgpLsId: number;
  /** OSPF router id to node name. */
  names: ReadonlyMap<string, string>;
}

/** RFC 7752 §3.3.3.1 IGP flags: none set (intra-area prefixes, nothing propagated from NSSA). */
const NO_IGP_FLAGS = 0;
const OSPF_INTRA_AREA = 1;

export function lsRoutes(topology: IgpTopology, options: LsRouteOptions): Map<string, LsRoute> {
  const routes = new Map<string, LsRoute>();
  const add = (route: LsRoute) => routes.set(route.nlri.toString('hex'), route);
  const descriptor = (routerId: string, area: string): NodeDescriptor => ({ asn: options.asn, bgpLsId: options.bgpLsId, ospfAreaId: area, igpRouterId: routerId });
  const name = (routerId: string) => options.names.get(routerId) ?? routerId;
  const common = { protocolId: LS_PROTOCOL.ospfv2, identifier: 0n };

  for (const node of topology.nodes) {
    const nodeName = options.names.get(node.routerId);
    add({
      description: `node ${name(node.routerId)} ${node.routerId}`,
      nlri: encodeLsNlri({ ...common, kind: 'node', node: descriptor(node.routerId, node.area) }),
      attribute: nodeAttribute({ ...(nodeName !== undefined && { nodeName }), localRouterId: node.routerId }),
    });
  }
  for (const link of topology.links) {
    add({
      description: `link ${name(link.from)}>${name(link.to)} ${link.localAddress}>${link.neighborAddress}`,
      nlri: encodeLsNlri({
        ...common,
        kind: 'link',
        local: descriptor(link.from, link.area),
        remote: descriptor(link.to, link.area),
        interfaceAddress: link.localAddress,
        neighborAddress: link.neighborAddress,
      }),
      attribute: linkAttribute({ igpMetric: { value: link.metric, octets: 2 }, localRouterId: link.from, remoteRouterId: link.to }),
    });
  }
  for (const prefix of topology.prefixes) {
    add({
      description: `prefix ${name(prefix.routerId)} ${prefix.prefix}`,
      nlri: encodeLsNlri({ ...common, kind: 'prefix-v4', node: descriptor(prefix.routerId, prefix.area), ospfRouteType: OSPF_INTRA_AREA, prefix: prefix.prefix }),
      attribute: prefixAttribute({ igpFlags: NO_IGP_FLAGS }),
    });
  }
  return routes;
}

export interface LsRouteDiff {
  announce: LsRoute[];
  withdraw: LsRoute[];
}

/** What turns `before` into `after`: new or changed routes to announce, vanished ones to withdraw. */
export function diffLsRoutes(before: ReadonlyMap<string, LsRoute>, after: ReadonlyMap<string, LsRoute>): LsRouteDiff {
  const announce = [...after].filter(([key, route]) => !before.get(key)?.attribute.equals(route.attribute)).map(([, route]) => route);
  const withdraw = [...before].filter(([key]) => !after.has(key)).map(([, route]) => route);
  return { announce, withdraw };
}
