/**
 * The topology as the map draws it: every node with a layout position, every directed link with what
 * the localizer says about it. The colour answers "which link, which direction": a directed link that
 * an open link or group incident blames is red (down, loss) or amber (delay); its reverse keeps its own
 * colour, so a one-way fault shows one red direction. Every other probed link is green, a link no walk
 * or path crosses is grey.
 *
 * The old path-based colouring (each link took the worst state of the paths crossing it) lit every link
 * of every failing path. It survives only as a faint secondary cue, `pathCue`: the worst state of the
 * failing paths that no open incident explains, so a path failure the localizer could not pin still
 * shows where to look, and explained paths add no noise.
 */
import type { TopologyLink, TopologyNode } from '../../topology/index.js';
import { incidentKindSeverity, type IncidentKind, type IncidentRecord } from '../incidents/incident.js';
import type { LiveLink } from '../monitor/monitor-view.js';
import type { DashboardView } from './dashboard-view.js';
import { stateSeverity, type PathStateName } from '../store/index.js';
import type { TopologySourceStatus } from '../live/topology-source.js';
import { layeredLayout } from './topology-layout.js';

export interface MapNode extends Pick<TopologyNode, 'id' | 'name' | 'kind' | 'routerId'> {
  x: number;
  y: number;
}

/** What the map paints a directed link. */
export type LinkPaint = 'red' | 'amber' | 'green' | 'grey';

export interface MapLinkEstimate {
  subjectKey: string;
  label: string;
  lossRatio: number;
  addedDelayMs: number;
  down: boolean;
  confidence: number;
  support: number;
  atMs: number;
}

export interface MapLinkIncident {
  id: string;
  subjectKey: string;
  kind: IncidentKind;
  label: string;
  /** `one-way` or `both` for a link incident, null for a group (the plan cannot tell direction). */
  direction: 'one-way' | 'both' | null;
  summary: string;
}

export interface MapLink extends Pick<TopologyLink, 'key' | 'from' | 'to' | 'localAddress' | 'neighborAddress' | 'igpMetric'> {
  /** The worst state of the monitored paths crossing it (null when none does). */
  state: PathStateName | null;
  pathIds: string[];
  /** The latest estimate of this directed link, or of the group it belongs to. */
  estimate: MapLinkEstimate | null;
  /** The worst open incident blaming this direction, if any. */
  incident: MapLinkIncident | null;
  /** The worst state of failing paths crossing it that no open incident explains (the faint cue). */
  pathCue: 'DOWN' | 'DEGRADED' | null;
  paint: LinkPaint;
}

export interface TopologyMap {
  status: TopologySourceStatus;
  nodes: MapNode[];
  links: MapLink[];
}

export function topologyMap(view: DashboardView): TopologyMap {
  const { graph, status } = view.topology();
  const incidents = view.incidents().filter((incident) => incident.state === 'open');
  const blamed = blamedLinks(incidents);
  const estimates = estimatesByLink(view.links());
  const explained = new Set(incidents.flatMap((incident) => incident.explainedPaths));
  const crossing = new Map<string, { state: PathStateName; pathIds: string[]; cue: 'DOWN' | 'DEGRADED' | null }>();
  const roots = new Set<string>();
  for (const path of view.paths()) {
    if (path.state !== 'GONE') roots.add(path.record.fromNode);
    const failing = (path.state === 'DOWN' || path.state === 'DEGRADED') && !explained.has(path.record.id) ? path.state : null;
    for (const key of new Set(path.record.linkKeys)) {
      const entry = crossing.get(key);
      if (!entry) crossing.set(key, { state: path.state, pathIds: [path.record.id], cue: failing });
      else {
        entry.pathIds.push(path.record.id);
        if (stateSeverity[path.state] > stateSeverity[entry.state]) entry.state = path.state;
        if (failing && (entry.cue === null || stateSeverity[failing] > stateSeverity[entry.cue])) entry.cue = failing;
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
      const estimate = estimates.get(link.key) ?? null;
      const incident = blamed.get(link.key) ?? null;
      return {
        key: link.key,
        from: link.from,
        to: link.to,
        localAddress: link.localAddress,
        neighborAddress: link.neighborAddress,
        igpMetric: link.igpMetric,
        state: entry?.state ?? null,
        pathIds: entry?.pathIds ?? [],
        estimate,
        incident,
        pathCue: entry?.cue ?? null,
        paint: linkPaint(incident?.kind ?? null, estimate !== null || entry !== undefined),
      };
    }),
  };
}

/** Red for a link an open incident blames for loss or total loss, amber for delay, else green or grey. */
export function linkPaint(incidentKind: IncidentKind | null, probed: boolean): LinkPaint {
  if (incidentKind === 'down' || incidentKind === 'loss') return 'red';
  if (incidentKind === 'delay') return 'amber';
  return probed ? 'green' : 'grey';
}

/**
 * Directed link key to the worst open incident blaming it. A link incident blames exactly its
 * `linkKeys` (one direction, or both); a group incident blames every member; a path incident blames no
 * link (it is what remains when no link is to blame).
 */
function blamedLinks(incidents: IncidentRecord[]): Map<string, MapLinkIncident> {
  const blamed = new Map<string, MapLinkIncident>();
  for (const incident of incidents) {
    const subject = incident.subject;
    if (subject.kind === 'path') continue;
    const entry: MapLinkIncident = {
      id: incident.id,
      subjectKey: incident.subjectKey,
      kind: incident.kind,
      label: subject.label,
      direction: subject.kind === 'link' ? subject.direction : null,
      summary: incident.summary,
    };
    for (const key of subject.linkKeys) {
      const current = blamed.get(key);
      if (!current || incidentKindSeverity[entry.kind] > incidentKindSeverity[current.kind]) blamed.set(key, entry);
    }
  }
  return blamed;
}

/** Directed link key to its estimate; a group's members all carry the group's. */
function estimatesByLink(links: LiveLink[]): Map<string, MapLinkEstimate> {
  const byKey = new Map<string, MapLinkEstimate>();
  for (const link of links) {
    const estimate: MapLinkEstimate = {
      subjectKey: link.subjectKey,
      label: link.label,
      lossRatio: link.lossRatio,
      addedDelayMs: link.addedDelayMs,
      down: link.down,
      confidence: link.confidence,
      support: link.support,
      atMs: link.atMs,
    };
    for (const key of link.linkKeys) byKey.set(key, estimate);
  }
  return byKey;
}
