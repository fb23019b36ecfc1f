/**
 * The live topology graph: a graphology multi-directed graph that changes only by applying
 * TopologyEvents. One node per router or host, one edge per link direction keyed by the link key, so
 * parallel links stay distinct and a BGP-LS withdraw of one direction removes exactly that edge.
 *
 * It also remembers what the feed said about itself (session state, End-of-RIB), because a session that
 * went down means "the topology is stale", not "the topology is empty".
 */
import graphology from 'graphology';
import type { TopologyEvent, TopologyLink, TopologyNode } from './model.js';
import { TopologyError } from './errors.js';

const { MultiDirectedGraph } = graphology;
export type LinkGraph = InstanceType<typeof MultiDirectedGraph<TopologyNode, TopologyLink>>;

export type SessionState = 'idle' | 'connected' | 'up' | 'down';

export class TopologyGraph {
  readonly graph: LinkGraph = new MultiDirectedGraph<TopologyNode, TopologyLink>();
  readonly prefixes = new Map<string, Map<string, number | undefined>>();
  sessionState: SessionState = 'idle';
  sessionDownReason: string | undefined;
  endOfRibSeen = false;
  /** Incremented on every change that can alter paths, so planners can tell whether to re-plan. */
  version = 0;

  /** Applies one event; returns whether the graph (nodes or links) changed. */
  apply(event: TopologyEvent): boolean {
    switch (event.kind) {
      case 'node-up':
        return this.upsertNode(event.node);
      case 'node-down':
        return this.dropNode(event.nodeId);
      case 'link-up':
        return this.upsertLink(event.link);
      case 'link-down':
        return this.dropLink(event.linkKey);
      case 'prefix-up':
        this.prefixesOf(event.nodeId).set(event.prefix, event.metric);
        return false;
      case 'prefix-down':
        this.prefixesOf(event.nodeId).delete(event.prefix);
        return false;
      case 'session':
        this.sessionState = event.state;
        this.sessionDownReason = event.state === 'down' ? event.reason : undefined;
        if (event.state !== 'up') this.endOfRibSeen = false;
        return false;
      case 'end-of-rib':
        this.endOfRibSeen = true;
        return false;
    }
  }

  applyAll(events: Iterable<TopologyEvent>): number {
    let changes = 0;
    for (const event of events) if (this.apply(event)) changes++;
    return changes;
  }

  node(id: string): TopologyNode {
    return this.graph.getNodeAttributes(id);
  }

  nodes(): TopologyNode[] {
    return this.graph.mapNodes((_, attributes) => attributes);
  }

  links(): TopologyLink[] {
    return this.graph.mapEdges((_, attributes) => attributes);
  }

  /** The links from `from` to `to`, parallel ones included. */
  linksBetween(from: string, to: string): TopologyLink[] {
    if (!this.graph.hasNode(from) || !this.graph.hasNode(to)) return [];
    return this.graph.outEdges(from, to).map((key) => this.graph.getEdgeAttributes(key));
  }

  /**
   * Finds a node by id, by name or by router-id, in that order, so an engineer can say `R1`,
   * `000010000001` or a BGP-LS hostname. An ambiguous or unknown name is an error listing what exists.
   */
  resolveNode(nameOrId: string): string {
    if (this.graph.hasNode(nameOrId)) return nameOrId;
    for (const field of ['name', 'routerId'] as const) {
      const matches = this.graph.filterNodes((_, node) => node[field] === nameOrId);
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1) {
        throw new TopologyError('unknown-node', `topology.resolveNode: "${nameOrId}" is the ${field} of ${matches.length} nodes (${matches.join(', ')}); use a node id`);
      }
    }
    const known = this.nodes()
      .map((node) => node.name)
      .sort();
    const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, ... (${known.length} in all)` : known.join(', ');
    throw new TopologyError('unknown-node', `topology.resolveNode: no node named "${nameOrId}"; expected a node id, name or router-id among: ${shown || '(the topology is empty)'}`);
  }

  private upsertNode(node: TopologyNode): boolean {
    checkedNodeId(node.id);
    if (!this.graph.hasNode(node.id)) {
      this.graph.addNode(node.id, { ...node });
      this.version++;
      return true;
    }
    const current = this.graph.getNodeAttributes(node.id);
    const merged = { ...current, ...definedFields(node) };
    if (sameRecord(current, merged)) return false;
    this.graph.replaceNodeAttributes(node.id, merged);
    this.version++;
    return true;
  }

  private dropNode(id: string): boolean {
    if (!this.graph.hasNode(id)) return false;
    this.graph.dropNode(id);
    this.prefixes.delete(id);
    this.version++;
    return true;
  }

  private upsertLink(link: TopologyLink): boolean {
    // A link can arrive before its nodes' NLRIs (BGP-LS gives no order); a placeholder named by its id
    // is filled in when the node NLRI comes.
    for (const id of [link.from, link.to]) checkedNodeId(id);
    for (const id of [link.from, link.to]) {
      if (!this.graph.hasNode(id)) this.graph.addNode(id, { id, name: id, kind: 'router' });
    }
    if (this.graph.hasEdge(link.key)) {
      const current = this.graph.getEdgeAttributes(link.key);
      if (sameRecord(current, link)) return false;
      this.graph.replaceEdgeAttributes(link.key, { ...link });
    } else {
      this.graph.addDirectedEdgeWithKey(link.key, link.from, link.to, { ...link });
    }
    this.version++;
    return true;
  }

  private dropLink(key: string): boolean {
    if (!this.graph.hasEdge(key)) return false;
    this.graph.dropEdge(key);
    this.version++;
    return true;
  }

  private prefixesOf(nodeId: string): Map<string, number | undefined> {
    let prefixes = this.prefixes.get(nodeId);
    if (!prefixes) this.prefixes.set(nodeId, (prefixes = new Map()));
    return prefixes;
  }
}

/**
 * graphology keeps each node's neighbours in plain objects, so a node id that names an Object.prototype
 * property (`constructor`, `__proto__`, `toString`) corrupts its adjacency and later calls throw a
 * TypeError from inside graphology. Such ids are refused here, at the one place nodes enter the graph
 * (found by the live feed's fuzz test with a router-id of "constructor").
 * @throws TopologyError `malformed-input`
 */
function checkedNodeId(id: string): void {
  if (id in Object.prototype) {
    throw new TopologyError(
      'malformed-input',
      `topology.TopologyGraph.apply: node id ${JSON.stringify(id)} is the name of a JavaScript object property; expected a router id or a node name other than that`,
      id,
    );
  }
}

/** Builds a graph from a finished list of events (a file source). */
export function buildTopology(events: Iterable<TopologyEvent>): TopologyGraph {
  const topology = new TopologyGraph();
  topology.applyAll(events);
  return topology;
}

function definedFields<T extends object>(record: T): Partial<T> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function sameRecord(a: object, b: object): boolean {
  const aEntries = Object.entries(a).filter(([, value]) => value !== undefined);
  const bEntries = Object.entries(b).filter(([, value]) => value !== undefined);
  if (aEntries.length !== bEntries.length) return false;
  const bMap = new Map(bEntries);
  return aEntries.every(([key, value]) => bMap.get(key) === value);
}
