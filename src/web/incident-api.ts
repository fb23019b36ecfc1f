/**
 * The API behind the incidents page, the map's link panel and the per-link chart: incidents (open ones
 * from the monitor, which is fresher than the store; resolved ones from the store), one incident with its
 * changes and evidence routes named, the links' latest estimates with the cover plan, and one link's
 * estimates over time. Separate from api-routes.ts because it speaks of links and incidents, not paths.
 */
import { actionRuns, incidentEvents, isolations } from '../remediate/index.js';
import { sqlClientOf } from './store-sql-client.js';
import type { TopologyGraph } from '../../topology/index.js';
import type { IncidentRecord } from '../incidents/incident.js';
import type { DashboardView } from './dashboard-view.js';
import type { LinkEstimateRecord, TicketRecord } from '../store/records.js';
import { DEFAULT_MAX_POINTS, incidentStateParam, intParam, MAX_POINTS_LIMIT, rangeParams } from './api-query.js';
import { NotFound } from './web-error.js';

/** The incidents list looks back a week unless told otherwise: incidents are rarer than rounds. */
export const INCIDENT_RANGE_MS = 7 * 86_400_000;
const MAX_INCIDENTS = 5000;

export interface IncidentApiContext {
  view: DashboardView;
  clock: () => number;
}

/** A per-link chart the incident can be looked at through: one per blamed direction, or the group. */
export interface ChartSubject {
  subjectKey: string;
  label: string;
}

export type IncidentRow = Omit<IncidentRecord, 'rounds' | 'transition'> & {
  ticket: { ticketId: number; openedAtMs: number } | null;
  charts: ChartSubject[];
};

export interface NamedRoute {
  id: string;
  kind: 'path' | 'walk' | 'unknown';
  names: string[];
}

/** `GET /api/incidents?state=open|all&since&until&limit`: open first (newest first), then the rest, newest first. */
export async function incidentList(context: IncidentApiContext, query: URLSearchParams): Promise<unknown> {
  const nowMs = context.clock();
  const state = incidentStateParam(query);
  const { sinceMs, untilMs } = rangeParams(query, nowMs, INCIDENT_RANGE_MS);
  const limit = intParam(query, 'limit', 500, 1, MAX_INCIDENTS);
  const open = context.view.incidents();
  let all = open;
  if (state === 'all') {
    const openIds = new Set(open.map((incident) => incident.id));
    const stored = await context.view.store.incidents(sinceMs, untilMs);
    all = [...open, ...stored.filter((incident) => !openIds.has(incident.id))];
  }
  const sorted = [...all].sort((a, b) => Number(b.state === 'open') - Number(a.state === 'open') || b.updatedAtMs - a.updatedAtMs);
  const tickets = ticketsByIncident(await context.view.store.openTickets());
  const { graph } = context.view.topology();
  return {
    nowMs,
    state,
    sinceMs,
    untilMs,
    open: all.filter((incident) => incident.state === 'open').length,
    total: sorted.length,
    incidents: sorted.slice(0, limit).map((incident) => incidentRow(incident, tickets.get(incident.id) ?? null, graph)),
  };
}

/** `GET /api/incidents/ID`: the record, its changes oldest first, and its evidence and explained paths named. */
export async function incidentDetail(context: IncidentApiContext, id: string): Promise<unknown> {
  const live = context.view.incidents().find((incident) => incident.id === id) ?? null;
  const store = context.view.store;
  const incident = live ?? (await store.incident(id));
  if (!incident) throw new NotFound(`api.incident: no incident with id "${id}"; expected an id listed by GET /api/incidents`);
  const [changes, tickets] = await Promise.all([store.incidentChanges(id), store.openTickets()]);
  const routes = await routeNames(context.view, [...incident.evidenceRoutes, ...incident.explainedPaths]);
  const { graph } = context.view.topology();
  return {
    incident: { ...incidentRow(incident, ticketsByIncident(tickets).get(id) ?? null, graph), rounds: incident.rounds },
    changes: changes.map(({ change, incident: after, reason }) => ({
      change,
      atMs: change === 'opened' ? after.openedAtMs : change === 'resolved' ? (after.resolvedAtMs ?? after.updatedAtMs) : after.updatedAtMs,
      reason,
      kind: after.kind,
      lossPct: after.lossPct,
      addedDelayMs: after.addedDelayMs,
      confidence: after.confidence,
      summary: after.summary,
    })),
    evidence: incident.evidenceRoutes.map((route) => routes.get(route)!),
    explained: incident.explainedPaths.map((route) => routes.get(route)!),
    ...(await deviceEvidence(store, id)),
  };
}

/** Device events attached to the incident, the actions its rules ran and any isolation of its link. */
async function deviceEvidence(store: unknown, id: string): Promise<{ events: unknown[]; actions: unknown[]; isolations: unknown[] }> {
  const client = sqlClientOf(store);
  if (!client) return { events: [], actions: [], isolations: [] };
  const [events, actions, isolationRecords] = await Promise.all([incidentEvents(client, id, 500), actionRuns(client, { incidentId: id, limit: 200 }), isolations(client, { incidentId: id })]);
  return { events, actions, isolations: isolationRecords };
}

/** `GET /api/links`: every directed link's (or group's) latest estimate, worst first, and the plan's figures. */
export function linkList(context: IncidentApiContext): unknown {
  const links = [...context.view.links()].sort(
    (a, b) =>
      Number(b.incidentId !== null) - Number(a.incidentId !== null) || Number(b.down) - Number(a.down) || b.lossRatio - a.lossRatio || b.addedDelayMs - a.addedDelayMs || (a.label < b.label ? -1 : 1),
  );
  return { nowMs: context.clock(), plan: context.view.plan(), links };
}

/**
 * `GET /api/links/SUBJECT/history?since&until&maxPoints`: the subject's stored estimates (only non-zero
 * rounds are stored: a gap is a healthy stretch) and `stepMs`, the time one point stands for, so the
 * chart can size each bar by time rather than by the number of points.
 */
export async function linkHistory(context: IncidentApiContext, query: URLSearchParams, subjectKey: string): Promise<unknown> {
  const { sinceMs, untilMs } = rangeParams(query, context.clock());
  const maxPoints = intParam(query, 'maxPoints', DEFAULT_MAX_POINTS, 2, MAX_POINTS_LIMIT);
  const live = context.view.links().find((link) => link.subjectKey === subjectKey) ?? null;
  const [points, incidents] = await Promise.all([context.view.store.linkHistory(subjectKey, sinceMs, untilMs, maxPoints), context.view.store.incidents(sinceMs, untilMs)]);
  const keys = new Set(subjectKey.startsWith('link:') ? [subjectKey.slice('link:'.length)] : (live?.linkKeys ?? []));
  const open = new Map(context.view.incidents().map((incident) => [incident.id, incident]));
  const touching = [...new Map([...open.values(), ...incidents].map((incident) => [incident.id, open.get(incident.id) ?? incident])).values()].filter(
    (incident) => incident.subjectKey === subjectKey || (incident.subject.kind !== 'path' && incident.subject.linkKeys.some((key) => keys.has(key))),
  );
  return {
    subjectKey,
    label: live?.label ?? subjectLabel(context.view.topology().graph, subjectKey),
    sinceMs,
    untilMs,
    stepMs: pointStepMs(points, sinceMs, untilMs, maxPoints),
    link: live,
    points,
    incidents: touching.map((incident) => ({
      id: incident.id,
      kind: incident.kind,
      state: incident.state,
      label: incident.subject.label,
      openedAtMs: incident.openedAtMs,
      resolvedAtMs: incident.resolvedAtMs,
      summary: incident.summary,
    })),
  };
}

/**
 * The time one point covers: the smallest gap between consecutive points (a round interval for raw
 * rounds, a bucket for folded ones), or the range split into maxPoints when there are too few points.
 */
export function pointStepMs(points: readonly Pick<LinkEstimateRecord, 'atMs'>[], sinceMs: number, untilMs: number, maxPoints: number): number {
  let step = Infinity;
  for (let i = 1; i < points.length; i++) {
    const gap = points[i]!.atMs - points[i - 1]!.atMs;
    if (gap > 0 && gap < step) step = gap;
  }
  return Number.isFinite(step) ? step : Math.max(1, Math.round((untilMs - sinceMs) / maxPoints));
}

function incidentRow(incident: IncidentRecord, ticket: TicketRecord | null, graph: TopologyGraph): IncidentRow {
  const { rounds: _rounds, transition: _transition, ...rest } = incident;
  return { ...rest, ticket: ticket ? { ticketId: ticket.ticketId, openedAtMs: ticket.openedAtMs } : null, charts: chartSubjects(incident, graph) };
}

function chartSubjects(incident: IncidentRecord, graph: TopologyGraph): ChartSubject[] {
  const subject = incident.subject;
  if (subject.kind === 'group') return [{ subjectKey: `group:${subject.groupId}`, label: subject.label }];
  if (subject.kind === 'link') return subject.linkKeys.map((key) => ({ subjectKey: `link:${key}`, label: subjectLabel(graph, `link:${key}`) }));
  return [];
}

/** `R4→R6` for `link:R4|R6|…` (node names where the topology knows the ids), the id for a group. */
export function subjectLabel(graph: TopologyGraph, subjectKey: string): string {
  if (!subjectKey.startsWith('link:')) return subjectKey;
  const [from = '?', to = '?'] = subjectKey.slice('link:'.length).split('|');
  const name = (id: string) => (graph.graph.hasNode(id) ? graph.node(id).name : id);
  return `${name(from)}→${name(to)}`;
}

function ticketsByIncident(tickets: TicketRecord[]): Map<string, TicketRecord> {
  return new Map(tickets.map((ticket) => [ticket.incidentId, ticket]));
}

/** Route ids to names: paths from the view, walks from the store (read only when a walk is asked for). */
async function routeNames(view: DashboardView, ids: string[]): Promise<Map<string, NamedRoute>> {
  const paths = new Map(view.paths().map((path) => [path.record.id, path.record.names]));
  const named = new Map<string, NamedRoute>();
  const missing: string[] = [];
  for (const id of ids) {
    const names = paths.get(id);
    if (names) named.set(id, { id, kind: 'path', names });
    else missing.push(id);
  }
  if (missing.length > 0) {
    const wanted = new Set(missing);
    for (const walk of await view.store.walks()) if (wanted.has(walk.id)) named.set(walk.id, { id: walk.id, kind: 'walk', names: walk.names });
    for (const id of missing) if (!named.has(id)) named.set(id, { id, kind: 'unknown', names: [] });
  }
  return named;
}
