/**
 * Maps a device event to the topology: the node that sent it, the directed link it speaks of where
 * that can be told, and the open incident it belongs to.
 *
 * - Node: the HOSTNAME as a node name, id or router-id; else the sender's address as a router-id or as
 *   one of a node's interface addresses (lab daemons share one hostname, their addresses differ).
 * - Link, from that node: an address in the message (or the parser's facts) that is the link's local
 *   address (FRR's `on IFNAME:LOCAL`) or its neighbour address (BGP peers, OSPF NbrIP); failing that, a
 *   neighbour router-id (OSPF `Nbr`) or an interface name from `remediation.interfaces`, when only one
 *   link leads to that neighbour. Several candidates: no link (a wrong link is worse than none).
 * - Incident: an open link or group incident holding the link in either direction; only when no link can
 *   be told, one touching the node. The newest wins when several do.
 */
import type { TopologyGraph, TopologyLink, TopologyNode } from '../../topology/index.js';
import type { IncidentRecord } from '../incidents/incident.js';
import { linkSubjectKey, reverseKey } from '../incidents/index.js';
import type { SyslogEvent } from '../syslog/syslog-event.js';

export interface Correlation {
  node: TopologyNode | null;
  link: TopologyLink | null;
  /** `R4→R6`. */
  linkLabel: string | null;
  incident: IncidentRecord | null;
}

/** A physical link as incidents and isolations name it: both directions when the topology has both. */
export interface PhysicalLinkSubject {
  subjectKey: string;
  linkKeys: string[];
  /** `R4↔R6`, or `R4→R6` when only that direction is known. */
  label: string;
}

export interface CorrelatorSources {
  graph: () => TopologyGraph;
  openIncidents: () => readonly IncidentRecord[];
  /** node name → interface name → the node at the other end. */
  interfaces: Record<string, Record<string, string>>;
}

const ipv4 = /(?<![\d.])(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}(?![\d.])/g;

export class EventCorrelator {
  constructor(private readonly sources: CorrelatorSources) {}

  correlate(event: Pick<SyslogEvent, 'host' | 'sourceAddress' | 'message'> & Partial<Pick<SyslogEvent, 'facts'>>): Correlation {
    const graph = this.sources.graph();
    const node = this.nodeOf(graph, event.host, event.sourceAddress);
    const link = node === null ? null : this.linkOf(graph, node, event);
    const linkLabel = link === null ? null : `${graph.node(link.from).name}→${graph.node(link.to).name}`;
    return { node, link, linkLabel, incident: this.incidentOf(node, link) };
  }

  /** The physical link a directed link belongs to, keyed like a link incident's subject. */
  physicalLink(link: TopologyLink): PhysicalLinkSubject {
    const graph = this.sources.graph();
    const back = reverseKey(link.key);
    const both = graph.links().some((l) => l.key === back);
    const from = graph.node(link.from).name;
    const to = graph.node(link.to).name;
    const linkKeys = both ? [link.key, back].sort() : [link.key];
    return { subjectKey: linkSubjectKey(linkKeys), linkKeys, label: both ? `${from}↔${to}` : `${from}→${to}` };
  }

  private nodeOf(graph: TopologyGraph, host: string, sourceAddress: string): TopologyNode | null {
    const nodes = graph.nodes();
    const lower = host.toLowerCase();
    const byHost = nodes.filter((n) => n.id === host || n.name.toLowerCase() === lower || n.routerId === host);
    if (byHost.length === 1) return byHost[0]!;
    const byRouterId = nodes.filter((n) => n.routerId === sourceAddress);
    if (byRouterId.length === 1) return byRouterId[0]!;
    const owners = new Set(
      graph
        .links()
        .filter((l) => l.localAddress === sourceAddress)
        .map((l) => l.from),
    );
    if (owners.size === 1) return graph.node([...owners][0]!);
    return null;
  }

  private linkOf(graph: TopologyGraph, node: TopologyNode, event: Pick<SyslogEvent, 'message'> & Partial<Pick<SyslogEvent, 'facts'>>): TopologyLink | null {
    const out = graph.links().filter((l) => l.from === node.id);
    const facts = event.facts ?? {};
    const addresses = new Set([...event.message.matchAll(ipv4)].map((m) => m[0]));
    if (facts.neighborAddress) addresses.add(facts.neighborAddress);
    const exact = out.filter((l) => (l.localAddress !== undefined && addresses.has(l.localAddress)) || (l.neighborAddress !== undefined && addresses.has(l.neighborAddress)));
    const one = uniqueLink(exact);
    if (one !== undefined) return one;
    if (exact.length > 1) return null;

    const peers = new Set<string>();
    if (facts.neighborId) addresses.add(facts.neighborId);
    for (const other of graph.nodes()) if (other.routerId !== undefined && addresses.has(other.routerId) && other.id !== node.id) peers.add(other.id);
    const names = this.sources.interfaces[node.name] ?? {};
    for (const [ifName, peerName] of Object.entries(names)) {
      if (facts.interface === ifName || mentions(event.message, ifName)) {
        const peer = graph.nodes().find((n) => n.name === peerName || n.id === peerName);
        if (peer) peers.add(peer.id);
      }
    }
    return uniqueLink(out.filter((l) => peers.has(l.to))) ?? null;
  }

  private incidentOf(node: TopologyNode | null, link: TopologyLink | null): IncidentRecord | null {
    if (node === null) return null;
    const open = [...this.sources.openIncidents()].filter((i) => i.state === 'open' && i.subject.kind !== 'path').sort((a, b) => b.openedAtMs - a.openedAtMs);
    const keysOf = (i: IncidentRecord) => (i.subject.kind === 'path' ? [] : i.subject.linkKeys);
    // A known link that is not the incident's is another link's news, even on the incident's node.
    if (link !== null) return open.find((i) => keysOf(i).some((key) => sameLink(key, link))) ?? null;
    return (
      open.find((i) =>
        keysOf(i).some((key) => {
          const [from, to] = key.split('|');
          return from === node.id || to === node.id;
        }),
      ) ?? null
    );
  }
}

/** The one link, or undefined when none or several (parallel links to one neighbour cannot be told apart). */
function uniqueLink(links: TopologyLink[]): TopologyLink | undefined {
  const keys = new Set(links.map((l) => l.key));
  return keys.size === 1 ? links[0] : undefined;
}

/** An incident key for the same physical link, whichever direction either names. */
function sameLink(incidentKey: string, link: TopologyLink): boolean {
  if (incidentKey === link.key) return true;
  const [from, to, local, neighbor] = incidentKey.split('|');
  return from === link.to && to === link.from && local === (link.neighborAddress ?? '') && neighbor === (link.localAddress ?? '');
}

/** The interface name as a whole token (`eth1` is not in `eth10`). */
function mentions(message: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![A-Za-z0-9/._-])${escaped}(?![A-Za-z0-9/_-]|\\.\\d)`).test(message);
}
