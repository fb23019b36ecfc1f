/**
 * Applies topology events to a graph and says what each one did in terms an operator reads: a link went
 * up or down, a metric changed, a node appeared, a session dropped. The graph itself only answers
 * "did anything change"; watch output and logs need the before and after, which only exist at the
 * moment the event is applied, so they are captured here.
 */
import type { TopologyEvent, TopologyGraph, TopologyLink, TopologyNode } from '../../topology/index.js';

export type GraphChange =
  | { kind: 'node-up'; node: TopologyNode }
  | { kind: 'node-changed'; node: TopologyNode; before: TopologyNode }
  | { kind: 'node-down'; node: TopologyNode }
  | { kind: 'link-up'; link: TopologyLink }
  | { kind: 'metric-change'; link: TopologyLink; before: TopologyLink }
  | { kind: 'link-changed'; link: TopologyLink; before: TopologyLink }
  | { kind: 'link-down'; link: TopologyLink }
  | { kind: 'session-up'; peer: string }
  | { kind: 'session-connected'; peer: string }
  | { kind: 'session-down'; peer: string; reason?: string }
  | { kind: 'end-of-rib'; peer: string };

const METRIC_FIELDS = ['igpMetric', 'teMetric', 'maxBandwidthBytesPerSec'] as const;

/**
 * Applies `event` to `topology`; returns what changed (empty when nothing did).
 * @throws TopologyError `malformed-input` for a node id the graph refuses (see topology/graph.ts).
 */
export function applyWithChanges(topology: TopologyGraph, event: TopologyEvent): GraphChange[] {
  const graph = topology.graph;
  switch (event.kind) {
    case 'node-up': {
      const before = graph.hasNode(event.node.id) ? { ...graph.getNodeAttributes(event.node.id) } : undefined;
      if (!topology.apply(event)) return [];
      const node = graph.getNodeAttributes(event.node.id);
      return [before ? { kind: 'node-changed', node: { ...node }, before } : { kind: 'node-up', node: { ...node } }];
    }
    case 'node-down': {
      if (!graph.hasNode(event.nodeId)) return [];
      const node = { ...graph.getNodeAttributes(event.nodeId) };
      // Dropping a node drops its links: report each, so a watcher sees every link that went with it.
      const links = graph.edges(event.nodeId).map((key) => ({ ...graph.getEdgeAttributes(key) }));
      topology.apply(event);
      return [...links.map((link): GraphChange => ({ kind: 'link-down', link })), { kind: 'node-down', node }];
    }
    case 'link-up': {
      const before = graph.hasEdge(event.link.key) ? { ...graph.getEdgeAttributes(event.link.key) } : undefined;
      if (!topology.apply(event)) return [];
      const link = { ...graph.getEdgeAttributes(event.link.key) };
      if (!before) return [{ kind: 'link-up', link }];
      const metricChanged = METRIC_FIELDS.some((field) => before[field] !== link[field]);
      return [{ kind: metricChanged ? 'metric-change' : 'link-changed', link, before }];
    }
    case 'link-down': {
      if (!graph.hasEdge(event.linkKey)) return [];
      const link = { ...graph.getEdgeAttributes(event.linkKey) };
      topology.apply(event);
      return [{ kind: 'link-down', link }];
    }
    case 'session': {
      topology.apply(event);
      if (event.state === 'up') return [{ kind: 'session-up', peer: event.peer }];
      if (event.state === 'connected') return [{ kind: 'session-connected', peer: event.peer }];
      return [{ kind: 'session-down', peer: event.peer, ...(event.reason !== undefined && { reason: event.reason }) }];
    }
    case 'end-of-rib':
      topology.apply(event);
      return [{ kind: 'end-of-rib', peer: event.peer }];
    case 'prefix-up':
    case 'prefix-down':
      topology.apply(event);
      return [];
  }
}

/** True when a change can alter which paths exist or how they are addressed. */
export function altersPaths(change: GraphChange): boolean {
  return change.kind.startsWith('node-') || change.kind.startsWith('link-') || change.kind === 'metric-change';
}
