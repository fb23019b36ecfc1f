/**
 * Action runs as the dashboard lists them: newest first, filtered by state, rule, action kind, event or
 * incident, paged by id, each with the start of its output only (a page of runs must stay small however
 * much each printed; one run's whole stored output is read by id). And the runs of a page of events,
 * so each event row can show what its rules did.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import type { RunState } from './action-run-queries.js';

/** Characters of output a listed run carries; the rest is read with runOutput. */
export const LISTED_OUTPUT_CHARS = 4000;

export interface RunListFilter {
  sinceMs: number;
  untilMs: number;
  state?: RunState;
  rule?: string;
  kind?: string;
  eventId?: number;
  incidentId?: string;
  /** Only runs with an id below this (the next page). */
  beforeId?: number;
  limit: number;
}

export interface ListedRun {
  id: number;
  rule: string;
  actionKind: string;
  /** What it ran: the command's argv, the webhook's URL, the note's or mail's subject; never env or headers. */
  target: string;
  eventId: number | null;
  incidentId: string | null;
  isolationId: number | null;
  state: RunState;
  attempts: number;
  queuedAtMs: number;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  durationMs: number | null;
  exitCode: number | null;
  /** The first LISTED_OUTPUT_CHARS characters; `outputChars` says how many are stored. */
  output: string | null;
  outputChars: number;
  error: string | null;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

/** Secrets can live in a command's env or a webhook's headers: the listing shows neither. */
function targetOf(action: Record<string, unknown>): string {
  switch (action.type) {
    case 'command':
      return JSON.stringify(action.argv ?? []);
    case 'webhook':
      return String(action.url ?? '');
    case 'ticket':
    case 'mail':
      return String(action.subject ?? '');
    case 'note':
      return String(action.text ?? '').slice(0, 200);
    default:
      return '';
  }
}

function listedFromRow(row: Row): ListedRun {
  return {
    id: Number(row.id),
    rule: String(row.rule),
    actionKind: String(row.action_kind),
    target: targetOf(json<Record<string, unknown>>(row.action) ?? {}),
    eventId: num(row.event_id),
    incidentId: (row.incident_id as string | null) ?? null,
    isolationId: num(row.isolation_id),
    state: row.state as RunState,
    attempts: Number(row.attempts),
    queuedAtMs: Number(row.queued_at_ms),
    startedAtMs: num(row.started_at_ms),
    finishedAtMs: num(row.finished_at_ms),
    durationMs: num(row.duration_ms),
    exitCode: num(row.exit_code),
    output: (row.output_head as string | null) ?? null,
    outputChars: Number(row.output_chars ?? 0),
    error: (row.error as string | null) ?? null,
  };
}

const COLUMNS = `id, rule, action_kind, action, event_id, incident_id, isolation_id, state, attempts, queued_at_ms, started_at_ms,
  finished_at_ms, duration_ms, exit_code, left(output, ${LISTED_OUTPUT_CHARS}) AS output_head, COALESCE(length(output), 0) AS output_chars, error`;

/** Runs queued in [sinceMs, untilMs) matching the filter, newest first. */
export async function listRuns(q: SqlQueryable, filter: RunListFilter): Promise<ListedRun[]> {
  const where = ['queued_at_ms >= $1::bigint', 'queued_at_ms < $2::bigint'];
  const params: unknown[] = [filter.sinceMs, filter.untilMs];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.state !== undefined) add('state = ?', filter.state);
  if (filter.rule !== undefined) add('rule = ?', filter.rule);
  if (filter.kind !== undefined) add('action_kind = ?', filter.kind);
  if (filter.eventId !== undefined) add('event_id = ?::bigint', filter.eventId);
  if (filter.incidentId !== undefined) add('incident_id = ?', filter.incidentId);
  if (filter.beforeId !== undefined) add('id < ?::bigint', filter.beforeId);
  params.push(filter.limit);
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS} FROM action_runs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT $${params.length}::integer`, params);
  return rows.map(listedFromRow);
}

/** One run with its whole stored output; null when there is none with that id. */
export async function runWithOutput(q: SqlQueryable, id: number): Promise<(ListedRun & { output: string | null }) | null> {
  const { rows } = await q.query<Row>(`SELECT ${COLUMNS.replace(`left(output, ${LISTED_OUTPUT_CHARS}) AS output_head`, 'output AS output_head')} FROM action_runs WHERE id = $1::bigint`, [id]);
  return rows[0] ? listedFromRow(rows[0]) : null;
}

/** The runs of these events (id, rule, state), oldest first per event. */
export async function runStatesOfEvents(q: SqlQueryable, eventIds: readonly number[]): Promise<Map<number, { id: number; rule: string; state: RunState }[]>> {
  const byEvent = new Map<number, { id: number; rule: string; state: RunState }[]>();
  if (eventIds.length === 0) return byEvent;
  const { rows } = await q.query<Row>('SELECT id, event_id, rule, state FROM action_runs WHERE event_id = ANY(ARRAY(SELECT jsonb_array_elements_text($1::jsonb)::bigint)) ORDER BY id', [
    JSON.stringify(eventIds),
  ]);
  for (const row of rows) {
    const eventId = Number(row.event_id);
    const list = byEvent.get(eventId) ?? [];
    list.push({ id: Number(row.id), rule: String(row.rule), state: row.state as RunState });
    byEvent.set(eventId, list);
  }
  return byEvent;
}
