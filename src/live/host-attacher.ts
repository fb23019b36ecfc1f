/**
 * Keeps configured hosts attached to a graph that changes under them. After every batch from the feed
 * the attacher works out where each host belongs now (topology/host-attachment.ts) and makes the graph
 * agree: the host node and its two links added, moved or taken away, each as an ordinary topology event
 * so watchers and the re-planner see a host link come and go like any other link. A router or prefix
 * withdrawn detaches the host (its paths go); announced again, the host is attached again with the same
 * link keys, so its paths come back with the same ids.
 *
 * It only ever touches what it added itself. A host the topology already has (a lab YAML file with
 * dev1 in it) is left alone; a router or other node with the host's name is a clash, reported and
 * never overwritten.
 */
import { hostDeclarationProblems, hostNode, hostPlacement, type HostDeclaration, type TopologyEvent, type TopologyGraph } from '../../topology/index.js';
import { applyWithChanges, type GraphChange } from './graph-changes.js';
import { TopologySourceError } from './errors.js';

export type HostState =
  /** Linked to its router. */
  | 'attached'
  /** In the graph without links: its router or prefix is not (yet, or any more) announced. */
  | 'detached'
  /** The topology itself has a host of this name (a lab file): left as it is. */
  | 'in-topology'
  /** Another kind of node has this name: the host is not attached. */
  | 'clash';

export interface HostStatus {
  name: string;
  address: string;
  state: HostState;
  /** The router's name while attached. */
  router: string | null;
  routerAddress: string | null;
  /** Why it is detached or clashing. */
  reason: string | null;
}

export interface HostReconcile {
  events: TopologyEvent[];
  changes: GraphChange[];
  /** One line per host whose state changed (`host dev1 attached to R1 via 10.2.0.0/31`). */
  notes: string[];
}

interface Owned {
  node: boolean;
  linkKeys: string[];
}

export class HostAttacher {
  private readonly owned = new Map<string, Owned>();
  private readonly statuses = new Map<string, HostStatus>();

  /** @throws TopologySourceError `bad-host` for a declaration with problems or a name declared twice. */
  constructor(readonly hosts: readonly HostDeclaration[]) {
    const seen = new Set<string>();
    for (const host of hosts) {
      const problems = hostDeclarationProblems(host);
      if (problems.length > 0) {
        throw new TopologySourceError('bad-host', `live.HostAttacher: host ${host.name}: ${problems.map((p) => `${p.field}: ${p.text}`).join('; ')}`, host.name);
      }
      if (seen.has(host.name)) throw new TopologySourceError('bad-host', `live.HostAttacher: host ${JSON.stringify(host.name)} is declared twice; expected each host once`, host.name);
      seen.add(host.name);
    }
  }

  status(): HostStatus[] {
    return this.hosts.map((host) => this.statuses.get(host.name) ?? { name: host.name, address: host.address, state: 'detached', router: null, routerAddress: null, reason: 'not placed yet' });
  }

  /** Hosts whose names are taken by other nodes, with the reason. */
  clashes(): HostStatus[] {
    return this.status().filter((status) => status.state === 'clash');
  }

  /** Makes `topology` agree with where every host belongs now; returns what that changed. Idempotent. */
  reconcile(topology: TopologyGraph): HostReconcile {
    const out: HostReconcile = { events: [], changes: [], notes: [] };
    const apply = (event: TopologyEvent): void => {
      const changes = applyWithChanges(topology, event);
      if (changes.length === 0) return;
      out.events.push(event);
      out.changes.push(...changes);
    };
    for (const host of this.hosts) {
      const status = this.reconcileOne(topology, host, apply);
      const before = this.statuses.get(host.name);
      this.statuses.set(host.name, status);
      if (before === undefined ? status.state !== 'detached' || status.reason !== null : !sameStatus(before, status)) out.notes.push(describe(status));
    }
    return out;
  }

  private reconcileOne(topology: TopologyGraph, host: HostDeclaration, apply: (event: TopologyEvent) => void): HostStatus {
    const graph = topology.graph;
    let own = this.owned.get(host.name);
    if (!own) this.owned.set(host.name, (own = { node: false, linkKeys: [] }));
    const base = { name: host.name, address: host.address, router: null, routerAddress: null, reason: null };
    const dropOwnLinks = (): void => {
      for (const key of own.linkKeys) if (graph.hasEdge(key)) apply({ kind: 'link-down', linkKey: key });
      own.linkKeys = [];
    };

    const clash = this.clashOf(topology, host.name, own);
    if (clash === 'in-topology') {
      dropOwnLinks();
      return { ...base, state: 'in-topology' };
    }
    if (clash !== null) {
      dropOwnLinks();
      // Our own host node, still a host, would stand beside the node that took the name: take it away.
      if (own.node && graph.hasNode(host.name) && topology.node(host.name).kind === 'host') apply({ kind: 'node-down', nodeId: host.name });
      own.node = false;
      return { ...base, state: 'clash', reason: clash };
    }

    if (!graph.hasNode(host.name)) {
      apply({ kind: 'node-up', node: hostNode(host.name) });
      own.node = true;
    }
    const placement = hostPlacement(topology, host);
    if (placement.kind === 'detached') {
      dropOwnLinks();
      return { ...base, state: 'detached', reason: placement.reason };
    }
    const keys = placement.links.map((link) => link.key);
    for (const key of own.linkKeys) if (!keys.includes(key) && graph.hasEdge(key)) apply({ kind: 'link-down', linkKey: key });
    own.linkKeys = keys;
    for (const link of placement.links) apply({ kind: 'link-up', link });
    const via = placement.via === 'prefix' ? `its prefix ${placement.prefix}` : 'configuration';
    return { ...base, state: 'attached', router: placement.routerName, routerAddress: placement.routerAddress, reason: `attached by ${via}` };
  }

  /** Null when the name is free or ours; `in-topology` for a host the topology has itself; else the clash. */
  private clashOf(topology: TopologyGraph, name: string, own: Owned): string | 'in-topology' | null {
    const graph = topology.graph;
    if (graph.hasNode(name)) {
      const node = topology.node(name);
      if (node.kind !== 'host') return `the topology has a ${node.kind} with id ${name}${node.name !== name ? ` (${node.name})` : ''}; expected a host name no other node has`;
      if (!own.node) return 'in-topology';
    }
    const named = graph.filterNodes((id, node) => id !== name && node.name === name);
    if (named.length > 0) return `the topology has a ${topology.node(named[0]!).kind} named ${name} (id ${named[0]}); expected a host name no other node has`;
    return null;
  }
}

function sameStatus(a: HostStatus, b: HostStatus): boolean {
  return a.state === b.state && a.router === b.router && a.routerAddress === b.routerAddress && a.reason === b.reason;
}

function describe(status: HostStatus): string {
  switch (status.state) {
    case 'attached':
      return `host ${status.name} (${status.address}) attached to ${status.router} at ${status.routerAddress}, ${status.reason}`;
    case 'detached':
      return `host ${status.name} (${status.address}) detached: ${status.reason}`;
    case 'in-topology':
      return `host ${status.name} is in the topology itself; its declaration is not needed`;
    case 'clash':
      return `host ${status.name} not attached: ${status.reason}`;
  }
}
