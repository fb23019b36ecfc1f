/**
 * Hosts attached by configuration. BGP-LS describes routers only, so a prober or endpoint that is a host
 * (a server on a router's subnet) is never in a live graph; the operator declares it as `NAME=ADDRESS/LEN`
 * and pathmon works out the rest from what the routers announce: the router whose BGP-LS prefix contains
 * the host's subnet (or the router named), and that router's address on the subnet (the other usable
 * address of a /31 or /30, or the one given). Pure code over the graph passed in, so the rules are
 * tested without a feed; keeping the attachment in step with a changing graph is src/live's job.
 *
 * The two link directions are built exactly as the YAML source builds a host link (keys from linkKey,
 * the host's address local on host->router), so a host attached here and the same host written in a
 * lab file give the same links and the same path ids.
 */
import { TopologyError } from './errors.js';
import type { TopologyGraph } from './graph.js';
import { linkKey, type TopologyLink, type TopologyNode } from './model.js';
import { broadcastOf, formatIpv4, networkOf, parseIpv4, parseIpv4Cidr } from './sources/ipv4.js';
import { DEFAULT_LINK_METRIC } from './sources/yaml-schema.js';

/** One host as declared: `dev1=10.2.0.0/31`, optionally with its router and the router's address. */
export interface HostDeclaration {
  name: string;
  /** The host's address with its subnet's length, `10.2.0.0/31`. */
  address: string;
  /** The router to attach to (name, id or router-id); found from BGP-LS prefixes when absent. */
  router?: string;
  /** The router's address on the host's subnet; derived for /31 and /30 when absent. */
  routerAddress?: string;
}

/** A problem with one declaration: the field at fault and a text that starts with what was found. */
export interface HostDeclarationProblem {
  field: 'name' | 'address' | 'router' | 'routerAddress';
  text: string;
}

/** Where a host attaches right now, or why it cannot. */
export type HostPlacement =
  | { kind: 'attached'; routerId: string; routerName: string; routerAddress: string; via: 'prefix' | 'router'; prefix?: string; links: [TopologyLink, TopologyLink] }
  | { kind: 'detached'; reason: string };

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/**
 * Everything wrong with a declaration that can be told without a graph: a bad name, an address that is
 * not `A.B.C.D/LEN`, the subnet's network or broadcast address, a router address outside the subnet or
 * equal to the host's, or no router address where none can be derived (subnets other than /31 and /30).
 */
export function hostDeclarationProblems(host: HostDeclaration): HostDeclarationProblem[] {
  const problems: HostDeclarationProblem[] = [];
  if (!HOST_NAME.test(host.name)) {
    problems.push({ field: 'name', text: `got ${JSON.stringify(host.name)}; expected a name of 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit` });
  }
  if (host.router !== undefined && host.router.trim() === '') problems.push({ field: 'router', text: 'got an empty router; expected a router name, id or router-id' });
  const cidr = parseIpv4Cidr(host.address);
  if (cidr === undefined || cidr.prefixLength === 0) {
    problems.push({ field: 'address', text: `got ${JSON.stringify(host.address)}; expected the host's address and subnet length, like 10.2.0.0/31` });
    return problems;
  }
  const network = networkOf(cidr.value, cidr.prefixLength);
  const subnet = `${formatIpv4(network)}/${cidr.prefixLength}`;
  if (cidr.prefixLength <= 30 && (cidr.value === network || cidr.value === broadcastOf(cidr.value, cidr.prefixLength))) {
    const role = cidr.value === network ? 'network' : 'broadcast';
    problems.push({ field: 'address', text: `got ${JSON.stringify(host.address)}, the ${role} address of ${subnet}; expected a host address` });
    return problems;
  }
  if (host.routerAddress === undefined) {
    if (cidr.prefixLength !== 31 && cidr.prefixLength !== 30) {
      problems.push({
        field: 'routerAddress',
        text: `none given for ${JSON.stringify(host.address)}; expected the router's address on ${subnet} (it is derived only for /31 and /30)`,
      });
    }
    return problems;
  }
  const router = parseIpv4(host.routerAddress);
  if (router === undefined) {
    problems.push({ field: 'routerAddress', text: `got ${JSON.stringify(host.routerAddress)}; expected an IPv4 address like 10.2.0.1, without a length` });
  } else if (router === cidr.value) {
    problems.push({ field: 'routerAddress', text: `got ${JSON.stringify(host.routerAddress)}, the host's own address; expected the router's address on ${subnet}` });
  } else if (cidr.prefixLength < 32 && networkOf(router, cidr.prefixLength) !== network) {
    problems.push({ field: 'routerAddress', text: `got ${JSON.stringify(host.routerAddress)}, outside the host's subnet ${subnet}; expected an address in ${subnet}` });
  } else if (cidr.prefixLength <= 30 && (router === network || router === broadcastOf(router, cidr.prefixLength))) {
    problems.push({ field: 'routerAddress', text: `got ${JSON.stringify(host.routerAddress)}, the ${router === network ? 'network' : 'broadcast'} address of ${subnet}; expected a host address` });
  }
  return problems;
}

/**
 * The router's address on the host's subnet: the one given, else the other usable address of a /31
 * (RFC 3021) or /30.
 * @throws TopologyError `invalid-option` for a declaration with problems (see hostDeclarationProblems).
 */
export function routerAddressFor(host: HostDeclaration): string {
  const problems = hostDeclarationProblems(host);
  if (problems.length > 0) {
    throw new TopologyError('invalid-option', `topology.routerAddressFor: host ${host.name}: ${problems.map((p) => `${p.field} ${p.text}`).join('; ')}`, host.name);
  }
  if (host.routerAddress !== undefined) return host.routerAddress;
  const cidr = parseIpv4Cidr(host.address)!;
  const network = networkOf(cidr.value, cidr.prefixLength);
  if (cidr.prefixLength === 31) return formatIpv4(cidr.value === network ? network + 1 : network);
  return formatIpv4(cidr.value === network + 1 ? network + 2 : network + 1);
}

/**
 * The router `host` attaches to in `graph` and the two links, or why it cannot attach now: the router
 * named is not in the graph, no router announces a prefix holding the host's subnet, or two routers
 * announce equally specific ones (name one with `router`). Only routers are candidates; the longest
 * prefix wins, so an aggregate elsewhere does not capture a host.
 * @throws TopologyError `invalid-option` for a declaration with problems.
 */
export function hostPlacement(graph: TopologyGraph, host: HostDeclaration): HostPlacement {
  const routerAddress = routerAddressFor(host);
  const cidr = parseIpv4Cidr(host.address)!;
  let routerId: string;
  let via: 'prefix' | 'router';
  let prefix: string | undefined;
  if (host.router !== undefined) {
    via = 'router';
    try {
      routerId = graph.resolveNode(host.router);
    } catch (error) {
      if (!(error instanceof TopologyError)) throw error;
      return { kind: 'detached', reason: `router ${host.router} is not in the topology` };
    }
    if (graph.node(routerId).kind !== 'router') return { kind: 'detached', reason: `${host.router} is a ${graph.node(routerId).kind}, not a router` };
  } else {
    via = 'prefix';
    const found = announcingRouter(graph, cidr.value, cidr.prefixLength);
    if (typeof found === 'string') return { kind: 'detached', reason: found };
    routerId = found.routerId;
    prefix = found.prefix;
  }
  const node = graph.node(routerId);
  return {
    kind: 'attached',
    routerId,
    routerName: node.name,
    routerAddress,
    via,
    ...(prefix !== undefined && { prefix }),
    links: hostLinks(host.name, cidr.address, routerId, routerAddress, cidr.prefixLength),
  };
}

/** The host node as the YAML source builds it. */
export function hostNode(name: string): TopologyNode {
  return { id: name, name, kind: 'host' };
}

/** Both directions of a host link, built as the YAML source builds them. */
export function hostLinks(hostId: string, hostAddress: string, routerId: string, routerAddress: string, prefixLength: number): [TopologyLink, TopologyLink] {
  const link = (from: string, to: string, local: string, neighbor: string): TopologyLink => ({
    key: linkKey(from, to, local, neighbor),
    from,
    to,
    localAddress: local,
    neighborAddress: neighbor,
    prefixLength,
    igpMetric: DEFAULT_LINK_METRIC,
  });
  return [link(hostId, routerId, hostAddress, routerAddress), link(routerId, hostId, routerAddress, hostAddress)];
}

function announcingRouter(graph: TopologyGraph, address: number, prefixLength: number): { routerId: string; prefix: string } | string {
  let best: { length: number; matches: { routerId: string; prefix: string }[] } = { length: -1, matches: [] };
  for (const [nodeId, prefixes] of graph.prefixes) {
    if (!graph.graph.hasNode(nodeId) || graph.node(nodeId).kind !== 'router') continue;
    for (const prefix of prefixes.keys()) {
      const cidr = parseIpv4Cidr(prefix);
      // The prefix must hold the host's whole subnet, not just its address.
      if (cidr === undefined || cidr.prefixLength > prefixLength || networkOf(address, cidr.prefixLength) !== networkOf(cidr.value, cidr.prefixLength)) continue;
      if (cidr.prefixLength > best.length) best = { length: cidr.prefixLength, matches: [{ routerId: nodeId, prefix }] };
      else if (cidr.prefixLength === best.length && !best.matches.some((m) => m.routerId === nodeId)) best.matches.push({ routerId: nodeId, prefix });
    }
  }
  const subnet = `${formatIpv4(networkOf(address, prefixLength))}/${prefixLength}`;
  if (best.matches.length === 0) {
    // A file topology carries no prefixes at all: say how to attach there instead.
    const any = [...graph.prefixes.values()].some((prefixes) => prefixes.size > 0);
    return `no router announces a prefix holding ${subnet}${any ? '' : ' (the topology has no prefixes: name the router, as router: in the config or NAME=ADDRESS/LEN@ROUTER)'}`;
  }
  if (best.matches.length > 1) {
    const names = best.matches.map((m) => graph.node(m.routerId).name).sort();
    return `${names.join(' and ')} all announce ${best.matches[0]!.prefix}; expected one router, or name it with router`;
  }
  return best.matches[0]!;
}
