/**
 * Per-link and incident series, computed from the view at scrape time: a directed link (or link group)
 * that leaves the cover plan has no series any more, and an incident that resolves drops its info series.
 *
 * Labels are bounded by the topology, never by time:
 * - `link` names the subject as people say it, in ASCII: `R4->R6` for a directed link (node names, not
 *   the raw key with its addresses); where parallel links share both node names, the link's own
 *   addresses are appended (`R4->R6 10.1.1.13->10.1.1.12`) so each series stays unique. A group is
 *   `group:<id>` (the plan's stable id).
 * - `from` and `to` are node names, on directed links only (a group has no single direction).
 * - Incident info carries `id` (one per open incident: bounded by the links that can fail at once),
 *   `subject` (the incident's label), `kind` and `direction` (`one-way`, `both`, `unknown` for a
 *   group, `n/a` for a path incident).
 */
import type { Registry } from 'prom-client';
import type { TopologyGraph } from '../../topology/index.js';
import type { IncidentKind, IncidentRecord } from '../incidents/incident.js';
import type { LiveLink, MonitorView } from '../monitor/monitor-view.js';
import { registerFamily, type Sample } from './metric-family.js';

const KINDS: IncidentKind[] = ['down', 'loss', 'delay'];
const SUBJECT_KINDS = ['link', 'group', 'path'] as const;
const SNAPSHOT_MS = 500;

interface LabelledLink {
  link: LiveLink;
  labels: Record<string, string>;
}

export function registerLinkMetrics(registry: Registry, view: MonitorView): void {
  // One view read per scrape, shared by the families (prom-client collects them in turn).
  let snapshot: { at: number; links: LabelledLink[] } | null = null;
  const links = (): LabelledLink[] => {
    const now = Date.now();
    if (!snapshot || now - snapshot.at > SNAPSHOT_MS) snapshot = { at: now, links: linkLabels(view.links(), view.topology().graph) };
    return snapshot.links;
  };
  const perLink = (value: (link: LiveLink) => number) => (): Sample[] => links().map(({ link, labels }) => ({ labels, value: value(link) }));

  registerFamily(
    registry,
    'pathmon_link_loss_ratio',
    'Estimated share of probes the directed link (or link group) loses, 0..1, from the latest round.',
    'gauge',
    perLink((link) => link.lossRatio),
  );
  registerFamily(
    registry,
    'pathmon_link_added_delay_seconds',
    'Estimated one-way delay the directed link (or group) adds over its own healthy baseline, from the latest round.',
    'gauge',
    perLink((link) => link.addedDelayMs / 1000),
  );
  registerFamily(
    registry,
    'pathmon_link_confidence',
    'How sure the estimator is that the link (or group) is faulty, 0..1.',
    'gauge',
    perLink((link) => link.confidence),
  );
  registerFamily(
    registry,
    'pathmon_link_down',
    'Whether the estimator blames the link (or group) for routes that returned nothing (1) or not (0).',
    'gauge',
    perLink((link) => (link.down ? 1 : 0)),
  );

  registerFamily(registry, 'pathmon_incidents_open', 'Open incidents by kind and by what they are about (a link, a link group, or a path no link explains).', 'gauge', () => {
    const counts = new Map<string, number>();
    for (const incident of view.incidents()) {
      const key = `${incident.kind}/${incident.subject.kind}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return KINDS.flatMap((kind) => SUBJECT_KINDS.map((subjectKind) => ({ labels: { kind, subject_kind: subjectKind }, value: counts.get(`${kind}/${subjectKind}`) ?? 0 })));
  });
  registerFamily(registry, 'pathmon_incident_info', 'One series per open incident (value 1): what it blames, the kind and the direction.', 'gauge', () =>
    view.incidents().map((incident) => ({ labels: { id: incident.id, subject: incident.subject.label, kind: incident.kind, direction: directionOf(incident) }, value: 1 })),
  );

  registerFamily(registry, 'pathmon_cover_walks', 'Walks in the current link-cover plan; absent when localization is off.', 'gauge', () => {
    const plan = view.plan();
    return plan ? [{ value: plan.walks }] : [];
  });
  registerFamily(registry, 'pathmon_cover_links', 'Directed links of the current plan: identifiable on their own, grouped with links no walk set can separate, or unreachable.', 'gauge', () => {
    const plan = view.plan();
    if (!plan) return [];
    const grouped = plan.groups.reduce((sum, group) => sum + group.labels.length, 0);
    return [
      { labels: { state: 'identifiable' }, value: plan.identifiable },
      { labels: { state: 'grouped' }, value: grouped },
      { labels: { state: 'unreachable' }, value: plan.unreachable },
    ];
  });
  registerFamily(registry, 'pathmon_cover_link_groups', 'Link groups in the current plan (links the walks cannot tell apart).', 'gauge', () => {
    const plan = view.plan();
    return plan ? [{ value: plan.groups.length }] : [];
  });
}

/** The labels of each subject, unique across the set (see the file's opening paragraph). */
export function linkLabels(links: readonly LiveLink[], graph: TopologyGraph): LabelledLink[] {
  const name = (id: string) => (graph.graph.hasNode(id) ? graph.node(id).name : id);
  const parsed = links.map((link) => {
    if (!link.subjectKey.startsWith('link:')) return { link, group: true as const };
    const [from = '', to = '', local = '', neighbor = ''] = link.subjectKey.slice('link:'.length).split('|');
    return { link, group: false as const, from: name(from), to: name(to), addresses: `${local}->${neighbor}` };
  });
  const pairs = new Map<string, number>();
  for (const entry of parsed) if (!entry.group) pairs.set(`${entry.from}\n${entry.to}`, (pairs.get(`${entry.from}\n${entry.to}`) ?? 0) + 1);
  return parsed.map((entry): LabelledLink => {
    if (entry.group) return { link: entry.link, labels: { link: entry.link.subjectKey } };
    const base = `${entry.from}->${entry.to}`;
    const parallel = (pairs.get(`${entry.from}\n${entry.to}`) ?? 0) > 1;
    return { link: entry.link, labels: { link: parallel ? `${base} ${entry.addresses}` : base, from: entry.from, to: entry.to } };
  });
}

function directionOf(incident: IncidentRecord): string {
  if (incident.subject.kind === 'link') return incident.subject.direction;
  return incident.subject.kind === 'group' ? 'unknown' : 'n/a';
}
