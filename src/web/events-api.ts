/**
 * The API behind the events page: stored device syslog events, newest first, filtered by host,
 * severity, code, status and text, paged by id, with each sender's totals. `GET /api/syslog-events`,
 * not `/api/events`, which is the dashboard's live update stream.
 *
 * Each event carries `runs`: the action runs its rules queued (id, rule, state), so the page shows what
 * was done about it next to it.
 *
 * The events live in tables of their own (src/syslog/), read through the store's SQL connection; a
 * store without one (a test double) answers an empty list with `available: false` instead of failing.
 */
import { sqlClientOf } from './store-sql-client.js';
import { listEvents, senderTotals, type EventFilter, type EventStatus } from '../syslog/index.js';
import { runStatesOfEvents } from '../remediate/index.js';
import { intParam, rangeParams, stringParam } from './api-query.js';
import { ApiInputError } from './web-error.js';

export interface EventsApiContext {
  view: { store: unknown };
  clock: () => number;
}

/** The events page looks back a day unless told otherwise. */
export const EVENT_RANGE_MS = 86_400_000;
const MAX_EVENTS = 5000;
const STATUSES: readonly EventStatus[] = ['NEW', 'MATCHED', 'UNMATCHED', 'QUEUED', 'RUNNING', 'SUCCESS', 'FAILURE', 'TIMEOUT'];
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** `GET /api/syslog-events?since&until&host&severity&code&status&q&parsed&before&limit`. */
export async function eventList(context: EventsApiContext, query: URLSearchParams): Promise<unknown> {
  const nowMs = context.clock();
  const { sinceMs, untilMs } = rangeParams(query, nowMs, EVENT_RANGE_MS);
  const filter: EventFilter = { sinceMs, untilMs: untilMs + 1, limit: intParam(query, 'limit', 500, 1, MAX_EVENTS) };
  const host = stringParam(query, 'host');
  if (host !== null) filter.host = host;
  const code = stringParam(query, 'code', 100);
  if (code !== null) {
    if (!/^%?[A-Za-z0-9_.-]+\*?$/.test(code)) {
      throw new ApiInputError('code', `api.code: "${code.slice(0, 60)}" is not an error code; expected letters, digits, "_", "-", "." such as LINEPROTO-5-UPDOWN, optionally ending in * for a prefix`);
    }
    filter.code = code.replace(/^%/, '');
  }
  const severity = severityParam(query);
  if (severity !== null) filter.maxSeverity = severity;
  const status = stringParam(query, 'status', 20);
  if (status !== null) {
    const upper = status.toUpperCase();
    if (!(STATUSES as readonly string[]).includes(upper)) {
      throw new ApiInputError('status', `api.status: "${status}" is not an event status; expected one of ${STATUSES.join(', ')}`);
    }
    filter.status = upper as EventStatus;
  }
  const text = stringParam(query, 'q');
  if (text !== null) filter.text = text;
  const parsed = stringParam(query, 'parsed', 10);
  if (parsed !== null) {
    if (parsed !== 'true' && parsed !== 'false') throw new ApiInputError('parsed', `api.parsed: "${parsed}" is not allowed; expected true or false`);
    filter.parsed = parsed === 'true';
  }
  const before = stringParam(query, 'before', 20);
  if (before !== null) filter.beforeId = intParam(query, 'before', 0, 1, 999_999_999);

  const client = sqlClientOf(context.view.store);
  if (!client) return { nowMs, sinceMs, untilMs, available: false, events: [], senders: [], nextBefore: null };
  const [events, senders] = await Promise.all([listEvents(client, filter), senderTotals(client, 200)]);
  const runs = await runStatesOfEvents(
    client,
    events.map((e) => e.id),
  );
  return {
    nowMs,
    sinceMs,
    untilMs,
    available: true,
    events: events.map((e) => ({ ...e, runs: runs.get(e.id) ?? [] })),
    senders,
    // More may be there: the page asks again with before=this.
    nextBefore: events.length === filter.limit ? events[events.length - 1]!.id : null,
  };
}

/** `severity=3` or `severity=err`: that severity and worse (lower numbers). */
function severityParam(query: URLSearchParams): number | null {
  const raw = stringParam(query, 'severity', 10);
  if (raw === null) return null;
  const byName = SEVERITIES.indexOf(raw.toLowerCase());
  if (byName >= 0) return byName;
  if (/^[0-7]$/.test(raw)) return Number(raw);
  throw new ApiInputError('severity', `api.severity: "${raw}" is not a syslog severity; expected 0-7 or one of ${SEVERITIES.join(', ')} (that severity and worse are listed)`);
}
