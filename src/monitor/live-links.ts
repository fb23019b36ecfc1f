/**
 * The latest estimates as the views show them: each directed link (or link group) named the way an
 * engineer says it (`R4→R6`), with the open incident that blames it, if any. A link's label adds its
 * address when parallel links join the same two nodes, since `R2→R5` alone would name two links.
 */
import type { LinkGroup, TopologyGraph } from '../../topology/index.js';
import type { IncidentRecord } from '../incidents/incident.js';
import type { LinkEstimates } from '../localize/localize-types.js';
import type { LiveLink } from './monitor-view.js';

export function liveLinks(graph: TopologyGraph, estimates: LinkEstimates, atMs: number, open: IncidentRecord[], groups: readonly LinkGroup[]): LiveLink[] {
  const incidentOf = new Map<string, string>();
  for (const incident of open) {
    const keys = incident.subject.kind === 'path' ? [] : incident.subject.linkKeys;
    for (const key of keys) incidentOf.set(key, incident.id);
  }
  const groupLabels = new Map(groups.map((group) => [group.id, group.labels.join(', ')]));
  return estimates.estimates.map((estimate) => {
    const linkKeys = estimate.subject.kind === 'link' ? [estimate.subject.linkKey] : estimate.subject.linkKeys;
    const subjectKey = estimate.subject.kind === 'link' ? `link:${estimate.subject.linkKey}` : `group:${estimate.subject.groupId}`;
    const label =
      estimate.subject.kind === 'link'
        ? directedLinkLabel(graph, estimate.subject.linkKey)
        : (groupLabels.get(estimate.subject.groupId) ?? linkKeys.map((key) => directedLinkLabel(graph, key)).join(', '));
    return {
      subjectKey,
      linkKeys,
      label,
      lossRatio: estimate.lossRatio,
      addedDelayMs: estimate.addedDelayMs,
      down: estimate.down,
      confidence: estimate.confidence,
      support: estimate.support,
      incidentId: linkKeys.map((key) => incidentOf.get(key)).find((id) => id !== undefined) ?? null,
      atMs,
    };
  });
}

/** `R4→R6`, or `R2→R5 (10.1.1.7)` when parallel links join R2 to R5; the raw key for a link the graph lost. */
export function directedLinkLabel(graph: TopologyGraph, linkKey: string): string {
  if (!graph.graph.hasEdge(linkKey)) return linkKey;
  const link = graph.graph.getEdgeAttributes(linkKey);
  const base = `${graph.node(link.from).name}→${graph.node(link.to).name}`;
  return graph.linksBetween(link.from, link.to).length > 1 && link.localAddress ? `${base} (${link.localAddress})` : base;
}
