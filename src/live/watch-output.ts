/**
 * The JSON shapes `pathmon topology --json` and `--watch` print. They are an interface other people
 * script against (the lab runs `--watch` and greps for `link-down`), so they are built in one place,
 * with fixed field names, and every link is one direction with both addresses and its metrics.
 */
import type { TopologyGraph, TopologyLink, TopologyNode } from '../../topology/index.js';
import type { PlannedPath } from '../plan-paths.js';
import type { GraphChange } from './graph-changes.js';
import type { TopologySourceStatus } from './topology-source.js';

export interface NodeJson {
  id: string;
  name: string;
  kind: string;
  routerId: string | null;
  asn: number | null;
  protocol: string | null;
  pseudonode: boolean;
}

export interface LinkJson {
  key: string;
  from: string;
  to: string;
  fromName: string;
  toName: string;
  localAddress: string | null;
  neighborAddress: string | null;
  prefixLength: number | null;
  igpMetric: number | null;
  teMetric: number | null;
  maxBandwidthBytesPerSec: number | null;
}

export function nodeJson(node: TopologyNode): NodeJson {
  return {
    id: node.id,
    name: node.name,
    kind: node.kind,
    routerId: node.routerId ?? null,
    asn: node.asn ?? null,
    protocol: node.protocol ?? null,
    pseudonode: node.pseudonode ?? false,
  };
}

export function linkJson(link: TopologyLink, graph?: TopologyGraph): LinkJson {
  const nameOf = (id: string): string => (graph?.graph.hasNode(id) ? graph.graph.getNodeAttribute(id, 'name') : id);
  return {
    key: link.key,
    from: link.from,
    to: link.to,
    fromName: nameOf(link.from),
    toName: nameOf(link.to),
    localAddress: link.localAddress ?? null,
    neighborAddress: link.neighborAddress ?? null,
    prefixLength: link.prefixLength ?? null,
    igpMetric: link.igpMetric ?? null,
    teMetric: link.teMetric ?? null,
    maxBandwidthBytesPerSec: link.maxBandwidthBytesPerSec ?? null,
  };
}

/** `pathmon topology --json`: the whole graph, nodes and links sorted so two runs diff cleanly. */
export function graphJson(graph: TopologyGraph, status: TopologySourceStatus): { status: TopologySourceStatus; nodes: NodeJson[]; links: LinkJson[] } {
  const nodes = graph
    .nodes()
    .map(nodeJson)
    .sort((a, b) => a.id.localeCompare(b.id));
  const links = graph
    .links()
    .map((link) => linkJson(link, graph))
    .sort((a, b) => a.key.localeCompare(b.key));
  return { status, nodes, links };
}

export type WatchLine = { time: string; event: string } & Record<string, unknown>;

/** One `--watch` line for one graph change. */
export function watchLine(change: GraphChange, graph: TopologyGraph, nowMs: number): WatchLine {
  const time = new Date(nowMs).toISOString();
  switch (change.kind) {
    case 'node-up':
    case 'node-down':
      return { time, event: change.kind, node: nodeJson(change.node) };
    case 'node-changed':
      return { time, event: 'node-changed', node: nodeJson(change.node), before: nodeJson(change.before) };
    case 'link-up':
    case 'link-down':
      return { time, event: change.kind, link: linkJson(change.link, graph) };
    case 'metric-change':
    case 'link-changed': {
      const pick = (l: TopologyLink) => ({ igpMetric: l.igpMetric ?? null, teMetric: l.teMetric ?? null, maxBandwidthBytesPerSec: l.maxBandwidthBytesPerSec ?? null });
      return { time, event: change.kind, link: linkJson(change.link, graph), before: pick(change.before), after: pick(change.link) };
    }
    case 'session-up':
    case 'session-connected':
    case 'end-of-rib':
      return { time, event: change.kind, peer: change.peer };
    case 'session-down':
      return { time, event: 'session-down', peer: change.peer, reason: change.reason ?? null };
  }
}

/** One path as `pathmon paths --json` prints it (and `--watch --json` in its plan and replan lines). */
export function pathJson(entry: PlannedPath): Record<string, unknown> {
  const { path, hops, unaddressable } = entry;
  return {
    id: path.id,
    path: path.names,
    linkCount: path.links.length,
    hops: hops?.hops ?? null,
    hopNames: hops?.hopNames ?? null,
    returnAddress: hops?.returnAddress ?? null,
    ...(unaddressable ? { unaddressable } : {}),
  };
}

/** The status fields a watcher needs to tell live from stale. */
export function freshnessJson(status: TopologySourceStatus): Record<string, unknown> {
  return {
    freshness: status.freshness,
    sessionUp: status.sessionUp,
    staleSinceMs: status.staleSinceMs,
    staleAgeMs: status.staleAgeMs ?? null,
    restarts: status.restarts,
    lastRestartReason: status.lastRestartReason ?? null,
    skippedLines: status.skippedLines,
    nodes: status.nodes ?? null,
    links: status.links ?? null,
  };
}

/** Resolves when `signal` aborts (Ctrl-C in the CLI): how `--watch` commands run until stopped. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
