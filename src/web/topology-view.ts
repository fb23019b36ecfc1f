/**
 * The topology as the map draws it: every node with a layout position, every directed link with the
 * worst state of the monitored paths that cross it and their ids. "Worst" follows stateSeverity
 * (DOWN > DEGRADED > UP > GONE); a link no path crosses has state null and is drawn as unprobed.
 */
import type { TopologyLink, TopologyNode } from '../../topology/index.js';
import type { MonitorView } from '../monitor/monitor-view.js';
import { stateSeverity, type PathStateName } from '../monitor/path-state.js';
import type { TopologySourceStatus } from '../live/topology-source.js';
import { layeredLayout } from './topology-layout.js';

export interface MapNode extends Pick<TopologyNode, 'id' | 'name' | 'kind' | 'routerId'> {
  x: number;
  y: number;
}

export interface MapLink extends Pick<TopologyLink, 'key' | 'from' | 'to' | 'localAddress' | 'neighborAddress' | 'igpMetric'> {
  state: PathStateName | null;
  pathIds: string[];
}

export interface TopologyMap {
  status: TopologySourceStatus;
  nodes: MapNode[];
  links: MapLink[];
}

export function topologyMap(view: MonitorView): TopologyMap {
  const { graph, status } = view.topology();
  const crossing = new Map<string, { state: PathStateName; pathIds: string[] }>();
  const roots = new Set<string>();
  for (const path of view.paths()) {
    if (path.state !== 'GONE') roots.add(path.record.fromNode);
    for (const key of new Set(path.record.linkKeys)) {
      const entry = crossing.get(key);
      if (!entry) crossing.set(key, { state: path.state, pathIds: [path.record.id] });
      else {
        entry.pathIds.push(path.record.id);
        if (stateSeverity[path.state] > stateSeverity[entry.state]) entry.state = path.state;
      }
    }
  }
  const nodes = graph.nodes();
  const links = graph.links();
  if (roots.size === 0) {
    const host = nodes.filter((node) => node.kind === 'host').sort((a, b) => (a.name < b.name ? -1 : 1))[0];
    if (host) roots.add(host.id);
  }
  const placed = layeredLayout(nodes, links, [...roots]);
  return {
    status,
    nodes: nodes.map((node) => ({
      id: node.id,
      name: node.name,
      kind: node.kind,
      routerId: node.routerId,
      x: placed.get(node.id)?.x ?? 0,
      y: placed.get(node.id)?.y ?? 0,
    })),
    links: links.map((link) => {
      const entry = crossing.get(link.key);
      return {
        key: link.key,
        from: link.from,
        to: link.to,
        localAddress: link.localAddress,
        neighborAddress: link.neighborAddress,
        igpMetric: link.igpMetric,
        state: entry?.state ?? null,
        pathIds: entry?.pathIds ?? [],
      };
    }),
  };
}
