/**
 * The JSON API under /api/, the only thing the pages read. Each handler takes the parsed URL and returns
 * a body (or throws ApiInputError / NotFound); the server does authentication, encoding and errors.
 * Each route's captured segment is validated by its own reader (a path id, an incident id, a subject key).
 */
import type { DashboardView } from './dashboard-view.js';
import type { ResultWriterView } from '../store/index.js';
import { pathStateNames, type PathStateName } from '../store/index.js';
import { DEFAULT_MAX_POINTS, incidentIdParam, intParam, MAX_POINTS_LIMIT, pathIdParam, rangeParams, statesParam, stringParam, subjectKeyParam } from './api-query.js';
import { incidentDetail, incidentList, linkHistory, linkList } from './incident-api.js';
import { eventList } from './events-api.js';
import { actionRunDetail, actionRunList } from './action-runs-api.js';
import { agentList } from './agents-api.js';
import { type LastHourSummaries, pathRow } from './path-rows.js';
import type { SparklineBuffer } from './sparkline-buffer.js';
import { topologyMap } from './topology-view.js';
import { NotFound } from './web-error.js';

export { NotFound };

export interface ApiContext {
  view: DashboardView;
  clock: () => number;
  spark: SparklineBuffer;
  summaries: LastHourSummaries;
  startedAtMs: number;
}

type Handler = (context: ApiContext, query: URLSearchParams, id: string | null) => Promise<unknown>;

interface Route {
  pattern: RegExp;
  handler: Handler;
  /** Validates and decodes the path segment the pattern captures (a path id unless said otherwise). */
  param?: (raw: string) => string;
}

const routes: Route[] = [
  { pattern: /^\/api\/status$/, handler: status },
  { pattern: /^\/api\/paths$/, handler: paths },
  { pattern: /^\/api\/paths\/([^/]+)$/, handler: onePath },
  { pattern: /^\/api\/paths\/([^/]+)\/history$/, handler: history },
  { pattern: /^\/api\/paths\/([^/]+)\/transitions$/, handler: transitions },
  { pattern: /^\/api\/topology$/, handler: async (context) => topologyMap(context.view) },
  { pattern: /^\/api\/tickets$/, handler: async (context) => ({ tickets: await context.view.store.openTickets() }) },
  { pattern: /^\/api\/incidents$/, handler: (context, query) => incidentList(context, query) },
  { pattern: /^\/api\/incidents\/([^/]+)$/, handler: (context, _query, id) => incidentDetail(context, id!), param: incidentIdParam },
  { pattern: /^\/api\/links$/, handler: async (context) => linkList(context) },
  { pattern: /^\/api\/links\/([^/]+)\/history$/, handler: (context, query, subject) => linkHistory(context, query, subject!), param: (raw) => subjectKeyParam(raw) },
  { pattern: /^\/api\/syslog-events$/, handler: (context, query) => eventList(context, query) },
  { pattern: /^\/api\/action-runs$/, handler: (context, query) => actionRunList(context, query) },
  { pattern: /^\/api\/action-runs\/([^/]+)$/, handler: (context, _query, id) => actionRunDetail(context, id!), param: (raw) => raw },
  { pattern: /^\/api\/agents$/, handler: (context, query) => agentList(context, query) },
];

/** The handler for a path under /api/, or null (404). */
export function apiRoute(pathname: string): ((context: ApiContext, query: URLSearchParams) => Promise<unknown>) | null {
  for (const route of routes) {
    const match = route.pattern.exec(pathname);
    if (match) return (context, query) => route.handler(context, query, match[1] === undefined ? null : (route.param ?? pathIdParam)(match[1]));
  }
  return null;
}

async function status(context: ApiContext): Promise<unknown> {
  const byState = Object.fromEntries(pathStateNames.map((state) => [state, 0])) as Record<PathStateName, number>;
  for (const path of context.view.paths()) byState[path.state]++;
  const { graph, status: source } = context.view.topology();
  // Round results neither written nor spilled (unsaved > 0) are lost if the monitor stops: shown here so
  // a full spill disk is seen on the dashboard, not only in the log. Null for views without a writer.
  const results = (context.view as DashboardView & ResultWriterView).resultWriter?.() ?? null;
  return {
    results,
    nowMs: context.clock(),
    startedAtMs: context.startedAtMs,
    counters: context.view.counters(),
    paths: byState,
    topology: { ...source, nodes: graph.graph.order, links: graph.graph.size },
    incidents: { open: context.view.incidents().length },
    plan: context.view.plan(),
    store: context.view.store.description,
  };
}

async function paths(context: ApiContext, query: URLSearchParams): Promise<unknown> {
  const states = statesParam(query);
  const group = stringParam(query, 'group');
  const live = context.view.paths();
  const summaries = await context.summaries.get();
  const rows = live.filter((path) => (!states || states.has(path.state)) && (!group || path.record.group === group)).map((path) => pathRow(path, summaries.get(path.record.id), context.spark));
  return { nowMs: context.clock(), total: live.length, paths: rows };
}

function livePath(context: ApiContext, id: string | null) {
  const path = context.view.paths().find((candidate) => candidate.record.id === id);
  if (!path) throw new NotFound(`api.path: no path with id "${id}"; expected an id listed by GET /api/paths`);
  return path;
}

async function onePath(context: ApiContext, _query: URLSearchParams, id: string | null): Promise<unknown> {
  const path = livePath(context, id);
  const ticket = await context.view.store.openTicket(pathSubject(path.record.id));
  // Link incidents that explain this path: its failure is theirs, and its ticket is theirs too.
  const incidents = context.view
    .incidents()
    .filter((incident) => incident.explainedPaths.includes(path.record.id) || incident.subjectKey === pathSubject(path.record.id))
    .map((incident) => ({ id: incident.id, kind: incident.kind, label: incident.subject.label, summary: incident.summary }));
  return {
    ...pathRow(path, (await context.summaries.get()).get(path.record.id), context.spark),
    record: path.record,
    lastRound: path.lastRound,
    openTicket: ticket,
    incidents,
  };
}

async function history(context: ApiContext, query: URLSearchParams, id: string | null): Promise<unknown> {
  const { sinceMs, untilMs } = rangeParams(query, context.clock());
  const maxPoints = intParam(query, 'maxPoints', DEFAULT_MAX_POINTS, 2, MAX_POINTS_LIMIT);
  const path = livePath(context, id);
  const [points, changes, ticket] = await Promise.all([
    context.view.store.history(path.record.id, sinceMs, untilMs, maxPoints),
    context.view.store.transitions(path.record.id, sinceMs, untilMs),
    context.view.store.openTicket(pathSubject(path.record.id)),
  ]);
  return {
    pathId: path.record.id,
    sinceMs,
    untilMs,
    thresholds: path.thresholds,
    points,
    transitions: changes.map(({ evidence: _evidence, ...rest }) => rest),
    tickets: ticket && ticket.openedAtMs <= untilMs ? [ticket] : [],
  };
}

async function transitions(context: ApiContext, query: URLSearchParams, id: string | null): Promise<unknown> {
  const { sinceMs, untilMs } = rangeParams(query, context.clock());
  const path = livePath(context, id);
  return { pathId: path.record.id, sinceMs, untilMs, transitions: await context.view.store.transitions(path.record.id, sinceMs, untilMs) };
}

/** A path's incident subject key, which its ticket is kept under. */
function pathSubject(pathId: string): string {
  return `path:${pathId}`;
}
