/**
 * Action runs, rule windows and incident events in SQL (tables of migration 6). Queuing a trigger's
 * runs, its de-duplication and its throttle count happen in one transaction, so a crash between them
 * neither loses a run nor lets a duplicate through. Claiming flips QUEUED rows to RUNNING in one
 * statement, so a run is handed to one worker once; finishing only touches a RUNNING row, so a run
 * marked interrupted at start is never overwritten by a late result.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import type { TriggerFields } from './trigger-template.js';

export type RunState = 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILURE' | 'TIMEOUT';

/** An action as rendered from its templates when it was queued: what the worker carries out. */
export type RenderedAction =
  | { type: 'command'; argv: string[]; timeoutMs: number; env: Record<string, string> }
  | { type: 'webhook'; url: string; timeoutMs: number; headers: Record<string, string> }
  | { type: 'note'; text: string }
  | { type: 'ticket'; subject: string; description: string; priority: number; groupId?: number; tags: string[] }
  | { type: 'mail'; to?: string[]; subject: string; text: string }
  /** Gathers the incident's events not yet noted into one note on its ticket. */
  | { type: 'attach-note' };

export interface ActionRun {
  id: number;
  rule: string;
  action: RenderedAction;
  fields: TriggerFields;
  eventId: number | null;
  incidentId: string | null;
  isolationId: number | null;
  state: RunState;
  /** Times the run was put back to wait (a note whose ticket did not exist yet). */
  attempts: number;
  notBeforeMs: number;
  queuedAtMs: number;
  startedAtMs: number | null;
  finishedAtMs: number | null;
  durationMs: number | null;
  exitCode: number | null;
  output: string | null;
  error: string | null;
}

export interface NewRun {
  rule: string;
  action: RenderedAction;
  fields: TriggerFields;
  eventId: number | null;
  incidentId: string | null;
  isolationId: number | null;
  atMs: number;
  notBeforeMs?: number;
}

export interface RunResult {
  state: 'SUCCESS' | 'FAILURE' | 'TIMEOUT';
  finishedAtMs: number;
  durationMs: number;
  exitCode: number | null;
  output: string;
  error: string | null;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

export function runFromRow(row: Row): ActionRun {
  return {
    id: Number(row.id),
    rule: String(row.rule),
    action: json<RenderedAction>(row.action),
    fields: json<TriggerFields>(row.fields),
    eventId: num(row.event_id),
    incidentId: (row.incident_id as string | null) ?? null,
    isolationId: num(row.isolation_id),
    state: row.state as RunState,
    attempts: Number(row.attempts),
    notBeforeMs: Number(row.not_before_ms),
    queuedAtMs: Number(row.queued_at_ms),
    startedAtMs: num(row.started_at_ms),
    finishedAtMs: num(row.finished_at_ms),
    durationMs: num(row.duration_ms),
    exitCode: num(row.exit_code),
    output: (row.output as string | null) ?? null,
    error: (row.error as string | null) ?? null,
  };
}

/** Inserts runs in the given order; returns their ids. */
export async function insertRuns(q: SqlQueryable, runs: readonly NewRun[]): Promise<number[]> {
  if (runs.length === 0) return [];
  const payload = JSON.stringify(
    runs.map((r) => ({
      rule: r.rule,
      action_kind: r.action.type,
      action: r.action,
      fields: r.fields,
      event_id: r.eventId,
      incident_id: r.incidentId,
      isolation_id: r.isolationId,
      not_before_ms: r.notBeforeMs ?? r.atMs,
      queued_at_ms: r.atMs,
    })),
  );
  const { rows } = await q.query<{ id: unknown }>(
    `INSERT INTO action_runs (rule, action_kind, action, fields, event_id, incident_id, isolation_id, state, not_before_ms, queued_at_ms)
     SELECT e.v->>'rule', e.v->>'action_kind', e.v->'action', e.v->'fields', (e.v->>'event_id')::bigint, e.v->>'incident_id',
            (e.v->>'isolation_id')::bigint, 'QUEUED', (e.v->>'not_before_ms')::bigint, (e.v->>'queued_at_ms')::bigint
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, n)
      ORDER BY e.n
     RETURNING id`,
    [payload],
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/** Queues the gathering note of an incident's events unless one is already queued; true when queued now. */
export async function queueAttachNote(q: SqlQueryable, incidentId: string, fields: TriggerFields, atMs: number, notBeforeMs: number): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO action_runs (rule, action_kind, action, fields, incident_id, state, not_before_ms, queued_at_ms)
     VALUES ('(attach)', 'attach-note', '{"type":"attach-note"}'::jsonb, $1::jsonb, $2, 'QUEUED', $3, $4)
     ON CONFLICT (incident_id) WHERE action_kind = 'attach-note' AND state = 'QUEUED' DO NOTHING`,
    [JSON.stringify(fields), incidentId, notBeforeMs, atMs],
  );
  return rowCount > 0;
}

/**
 * True when the key was not seen within the window (and records it now); false for a duplicate.
 */
export async function firstInWindow(q: SqlQueryable, rule: string, key: string, nowMs: number, windowMs: number): Promise<boolean> {
  const { rows } = await q.query(
    `INSERT INTO rule_keys (rule, kind, key, window_start_ms, count) VALUES ($1, 'dedup', $2, $3, 1)
     ON CONFLICT (rule, kind, key) DO UPDATE SET window_start_ms = excluded.window_start_ms, count = 1
       WHERE rule_keys.window_start_ms <= $3::bigint - $4::bigint
     RETURNING count`,
    [rule, key, nowMs, windowMs],
  );
  return rows.length > 0;
}

/** Counts one trigger against the key's window; returns the count so far in the window, this one included. */
export async function countInWindow(q: SqlQueryable, rule: string, key: string, nowMs: number, windowMs: number): Promise<number> {
  const { rows } = await q.query<{ count: unknown }>(
    `INSERT INTO rule_keys (rule, kind, key, window_start_ms, count) VALUES ($1, 'throttle', $2, $3, 1)
     ON CONFLICT (rule, kind, key) DO UPDATE SET
       window_start_ms = CASE WHEN rule_keys.window_start_ms <= $3::bigint - $4::bigint THEN $3::bigint ELSE rule_keys.window_start_ms END,
       count = CASE WHEN rule_keys.window_start_ms <= $3::bigint - $4::bigint THEN 1 ELSE rule_keys.count + 1 END
     RETURNING count`,
    [rule, key, nowMs, windowMs],
  );
  return Number(rows[0]!.count);
}

/** Flips up to `limit` due QUEUED runs to RUNNING, oldest first, and returns them. */
export async function claimRuns(q: SqlQueryable, nowMs: number, limit: number): Promise<ActionRun[]> {
  if (limit <= 0) return [];
  const { rows } = await q.query<Row>(
    // SKIP LOCKED: two pools claiming at once (a fleet hand-over) each take other runs, never the same.
    // The pick is a materialized CTE: as an IN (subquery) the planner may rescan it and take more than `limit`.
    `WITH picked AS MATERIALIZED (
       SELECT id FROM action_runs WHERE state = 'QUEUED' AND not_before_ms <= $1::bigint ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
     )
     UPDATE action_runs a SET state = 'RUNNING', started_at_ms = $1
       FROM picked WHERE a.id = picked.id AND a.state = 'QUEUED'
     RETURNING a.*`,
    [nowMs, limit],
  );
  return rows.map(runFromRow).sort((a, b) => a.id - b.id);
}

/** When the next queued run is due; null when none is queued. */
export async function nextDueMs(q: SqlQueryable): Promise<number | null> {
  const { rows } = await q.query<{ due: unknown }>(`SELECT min(not_before_ms) AS due FROM action_runs WHERE state = 'QUEUED'`);
  return num(rows[0]?.due);
}

/** Stores a run's result; false when the run was no longer RUNNING (left as it is). */
export async function finishRun(q: SqlQueryable, id: number, result: RunResult): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE action_runs SET state = $2, finished_at_ms = $3, duration_ms = $4, exit_code = $5, output = $6, error = $7
      WHERE id = $1 AND state = 'RUNNING'`,
    [id, result.state, result.finishedAtMs, result.durationMs, result.exitCode, result.output, result.error],
  );
  return rowCount > 0;
}

/** Puts a RUNNING run back to wait until `notBeforeMs` (its precondition is not there yet). */
export async function deferRun(q: SqlQueryable, id: number, notBeforeMs: number, why: string): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE action_runs SET state = 'QUEUED', not_before_ms = $2, attempts = attempts + 1, error = $3, started_at_ms = NULL
      WHERE id = $1 AND state = 'RUNNING'`,
    [id, notBeforeMs, why],
  );
  return rowCount > 0;
}

/** Runs found RUNNING at start: finished as FAILURE (they may have done their work; never run twice). */
export async function failInterruptedRuns(q: SqlQueryable, nowMs: number): Promise<number[]> {
  const { rows } = await q.query<{ id: unknown }>(
    `UPDATE action_runs SET state = 'FAILURE', finished_at_ms = $1, error = 'interrupted by restart',
        duration_ms = $1::bigint - COALESCE(started_at_ms, $1::bigint)
      WHERE state = 'RUNNING' RETURNING id`,
    [nowMs],
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

/**
 * How long past its own timeout a RUNNING run is taken as abandoned by the agent that claimed it. Runs
 * without a timeout of their own (notes, tickets, mail) get ABANDON_NO_TIMEOUT_MS.
 */
export const ABANDON_GRACE_MS = 60_000;
export const ABANDON_NO_TIMEOUT_MS = 300_000;

/**
 * In a fleet, RUNNING runs may belong to another agent that is still carrying them out (it led until a
 * moment ago), so they cannot all be finished at start like a lone pathmon does. A run still RUNNING
 * well past its own timeout was abandoned (that agent stopped or crashed: it would have stored a
 * TIMEOUT by then); it is finished as FAILURE, never run again.
 */
export async function failAbandonedRuns(q: SqlQueryable, nowMs: number): Promise<number[]> {
  const { rows } = await q.query<{ id: unknown }>(
    `UPDATE action_runs SET state = 'FAILURE', finished_at_ms = $1, error = 'interrupted: the agent running it stopped or lost the fleet lead',
        duration_ms = $1::bigint - COALESCE(started_at_ms, $1::bigint)
      WHERE state = 'RUNNING'
        AND COALESCE(started_at_ms, 0) + COALESCE((action->>'timeoutMs')::bigint, $2::bigint) + $3::bigint < $1::bigint
      RETURNING id`,
    [nowMs, ABANDON_NO_TIMEOUT_MS, ABANDON_GRACE_MS],
  );
  return rows.map((r) => Number(r.id)).sort((a, b) => a - b);
}

export async function runById(q: SqlQueryable, id: number): Promise<ActionRun | null> {
  const { rows } = await q.query<Row>('SELECT * FROM action_runs WHERE id = $1', [id]);
  return rows[0] ? runFromRow(rows[0]) : null;
}

export interface RunFilter {
  sinceMs?: number;
  incidentId?: string;
  state?: RunState;
  rule?: string;
  limit?: number;
}

/** Runs queued since `sinceMs`, newest first. */
export async function actionRuns(q: SqlQueryable, filter: RunFilter = {}): Promise<ActionRun[]> {
  const { rows } = await q.query<Row>(
    `SELECT * FROM action_runs
      WHERE queued_at_ms >= $1::bigint AND ($2::text IS NULL OR incident_id = $2::text)
        AND ($3::text IS NULL OR state = $3::text) AND ($4::text IS NULL OR rule = $4::text)
      ORDER BY id DESC LIMIT $5`,
    [filter.sinceMs ?? 0, filter.incidentId ?? null, filter.state ?? null, filter.rule ?? null, filter.limit ?? 1000],
  );
  return rows.map(runFromRow);
}

/** Runs per state (for status and /metrics). */
export async function runCounts(q: SqlQueryable): Promise<Record<RunState, number>> {
  const { rows } = await q.query<{ state: RunState; n: unknown }>('SELECT state, count(*) AS n FROM action_runs GROUP BY state');
  const counts: Record<RunState, number> = { QUEUED: 0, RUNNING: 0, SUCCESS: 0, FAILURE: 0, TIMEOUT: 0 };
  for (const row of rows) counts[row.state] = Number(row.n);
  return counts;
}

/** A device event attached to an incident, as the incident's page and ticket note show it. */
export interface IncidentEvent {
  id: number;
  incidentId: string;
  eventId: number;
  atMs: number;
  host: string;
  node: string | null;
  linkKey: string | null;
  linkLabel: string | null;
  errorCode: string | null;
  severity: number | null;
  program: string | null;
  message: string;
  /** The run whose ticket note carried it; null until noted. */
  notedRunId: number | null;
}

function incidentEventFromRow(row: Row): IncidentEvent {
  return {
    id: Number(row.id),
    incidentId: String(row.incident_id),
    eventId: Number(row.event_id),
    atMs: Number(row.at_ms),
    host: String(row.host),
    node: (row.node as string | null) ?? null,
    linkKey: (row.link_key as string | null) ?? null,
    linkLabel: (row.link_label as string | null) ?? null,
    errorCode: (row.error_code as string | null) ?? null,
    severity: num(row.severity),
    program: (row.program as string | null) ?? null,
    message: String(row.message),
    notedRunId: num(row.noted_run_id),
  };
}

/** Attaches an event; false when it was attached to this incident already (a replay). */
export async function attachEvent(q: SqlQueryable, event: Omit<IncidentEvent, 'id' | 'notedRunId'>): Promise<boolean> {
  const { rowCount } = await q.query(
    `INSERT INTO incident_events (incident_id, event_id, at_ms, host, node, link_key, link_label, error_code, severity, program, message)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (incident_id, event_id) WHERE event_id > 0 DO NOTHING`,
    [event.incidentId, event.eventId, event.atMs, event.host, event.node, event.linkKey, event.linkLabel, event.errorCode, event.severity, event.program, event.message],
  );
  return rowCount > 0;
}

/** An incident's attached events, oldest first. */
export async function incidentEvents(q: SqlQueryable, incidentId: string, limit = 1000): Promise<IncidentEvent[]> {
  const { rows } = await q.query<Row>('SELECT * FROM incident_events WHERE incident_id = $1 ORDER BY id LIMIT $2', [incidentId, limit]);
  return rows.map(incidentEventFromRow);
}

export async function unnotedEvents(q: SqlQueryable, incidentId: string, limit: number): Promise<{ events: IncidentEvent[]; more: number }> {
  const { rows } = await q.query<Row>('SELECT * FROM incident_events WHERE incident_id = $1 AND noted_run_id IS NULL ORDER BY id LIMIT $2', [incidentId, limit]);
  const { rows: count } = await q.query<{ n: unknown }>('SELECT count(*) AS n FROM incident_events WHERE incident_id = $1 AND noted_run_id IS NULL', [incidentId]);
  return { events: rows.map(incidentEventFromRow), more: Math.max(0, Number(count[0]?.n ?? 0) - rows.length) };
}

export async function markNoted(q: SqlQueryable, ids: readonly number[], runId: number): Promise<void> {
  if (ids.length === 0) return;
  await q.query('UPDATE incident_events SET noted_run_id = $2 WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::bigint)', [JSON.stringify(ids), runId]);
}

/**
 * The Freshdesk ticket pathmon keeps for an incident, unless a person closed it (tickets table of the
 * store; read only here).
 */
export async function ticketOfIncident(q: SqlQueryable, incidentId: string): Promise<number | null> {
  const { rows } = await q.query<{ ticket_id: unknown }>('SELECT ticket_id FROM tickets WHERE incident_id = $1 AND NOT closed_by_person ORDER BY opened_at_ms DESC LIMIT 1', [incidentId]);
  return num(rows[0]?.ticket_id);
}
