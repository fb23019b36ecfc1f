/**
 * The isolations table (migration 6): one row per (rule, incident), its state and what it has done.
 * Every move is a conditional update from the state it was read in, so two steppers (a timer and a
 * finished run, or two processes) cannot both take the same step.
 */
import type { SqlQueryable } from '../store/sql-client.js';
import type { IsolateConfig } from './remediation-config-schema.js';
import type { TriggerFields } from './trigger-template.js';

export type IsolationState = 'isolating' | 'ticketing' | 'waiting' | 'restoring' | 'verifying' | 'closed' | 'failed';

export interface IsolationRecord {
  id: number;
  rule: string;
  /** The incident that started it, or `events@<event id>` when a threshold of device events did. */
  incidentId: string;
  subjectKey: string;
  label: string;
  linkKeys: string[];
  fields: TriggerFields;
  spec: IsolateConfig;
  state: IsolationState;
  ticketId: number | null;
  isolateRunId: number | null;
  restoreRunId: number | null;
  nextAtMs: number;
  verifyDeadlineMs: number | null;
  /** How it ended: `healthy`, `unhealthy`, or why it failed. */
  outcome: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  history: { atMs: number; state: IsolationState; note: string }[];
}

type Row = Record<string, unknown>;
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function isolationFromRow(row: Row): IsolationRecord {
  return {
    id: Number(row.id),
    rule: String(row.rule),
    incidentId: String(row.incident_id),
    subjectKey: String(row.subject_key),
    label: String(row.label),
    linkKeys: json<string[]>(row.link_keys),
    fields: json<TriggerFields>(row.fields),
    spec: json<IsolateConfig>(row.spec),
    state: row.state as IsolationState,
    ticketId: num(row.ticket_id),
    isolateRunId: num(row.isolate_run_id),
    restoreRunId: num(row.restore_run_id),
    nextAtMs: Number(row.next_at_ms),
    verifyDeadlineMs: num(row.verify_deadline_ms),
    outcome: (row.outcome as string | null) ?? null,
    createdAtMs: Number(row.created_at_ms),
    updatedAtMs: Number(row.updated_at_ms),
    history: json<IsolationRecord['history']>(row.history),
  };
}

export interface NewIsolation {
  rule: string;
  incidentId: string;
  subjectKey: string;
  label: string;
  linkKeys: string[];
  fields: TriggerFields;
  spec: IsolateConfig;
  atMs: number;
}

/**
 * Creates the isolation in state `isolating`; null when this rule already isolated this incident, or
 * another isolation of the link is in progress (the isolate command runs once).
 */
export async function insertIsolation(q: SqlQueryable, n: NewIsolation): Promise<number | null> {
  const { rows } = await q.query<{ id: unknown }>(
    `INSERT INTO isolations (rule, incident_id, subject_key, label, link_keys, fields, spec, state, next_at_ms, created_at_ms, updated_at_ms, history)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, 'isolating', $8, $8, $8, $9::jsonb)
     ON CONFLICT DO NOTHING RETURNING id`,
    [
      n.rule,
      n.incidentId,
      n.subjectKey,
      n.label,
      JSON.stringify(n.linkKeys),
      JSON.stringify(n.fields),
      JSON.stringify(n.spec),
      n.atMs,
      JSON.stringify([
        { atMs: n.atMs, state: 'isolating', note: `${n.incidentId.startsWith('events@') ? `device events (${n.incidentId})` : `incident ${n.incidentId}`} on ${n.label}: running the isolate command` },
      ]),
    ],
  );
  return rows[0] ? Number(rows[0].id) : null;
}

export interface IsolationMove {
  state: IsolationState;
  note: string;
  atMs: number;
  nextAtMs?: number;
  ticketId?: number;
  isolateRunId?: number;
  restoreRunId?: number;
  verifyDeadlineMs?: number;
  outcome?: string;
}

/** Moves the isolation from `from` to `move.state`; false when it was no longer in `from`. */
export async function moveIsolation(q: SqlQueryable, id: number, from: IsolationState, move: IsolationMove): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE isolations SET state = $3, updated_at_ms = $4, next_at_ms = COALESCE($5::bigint, next_at_ms),
        ticket_id = COALESCE($6::bigint, ticket_id), isolate_run_id = COALESCE($7::bigint, isolate_run_id),
        restore_run_id = COALESCE($8::bigint, restore_run_id), verify_deadline_ms = COALESCE($9::bigint, verify_deadline_ms),
        outcome = COALESCE($10::text, outcome),
        history = history || jsonb_build_array(jsonb_build_object('atMs', $4::bigint, 'state', $3::text, 'note', $11::text))
      WHERE id = $1 AND state = $2`,
    [
      id,
      from,
      move.state,
      move.atMs,
      move.nextAtMs ?? null,
      move.ticketId ?? null,
      move.isolateRunId ?? null,
      move.restoreRunId ?? null,
      move.verifyDeadlineMs ?? null,
      move.outcome ?? null,
      move.note,
    ],
  );
  return rowCount > 0;
}

/** Pushes the next look back without a change of state (a poll that found the ticket still open). */
export async function postponeIsolation(q: SqlQueryable, id: number, state: IsolationState, nextAtMs: number, atMs: number): Promise<void> {
  await q.query('UPDATE isolations SET next_at_ms = $3, updated_at_ms = $4 WHERE id = $1 AND state = $2', [id, state, nextAtMs, atMs]);
}

export async function isolationById(q: SqlQueryable, id: number): Promise<IsolationRecord | null> {
  const { rows } = await q.query<Row>('SELECT * FROM isolations WHERE id = $1', [id]);
  return rows[0] ? isolationFromRow(rows[0]) : null;
}

/** Isolations in progress whose next look is due. */
export async function dueIsolations(q: SqlQueryable, nowMs: number): Promise<IsolationRecord[]> {
  const { rows } = await q.query<Row>(`SELECT * FROM isolations WHERE state NOT IN ('closed', 'failed') AND next_at_ms <= $1 ORDER BY id`, [nowMs]);
  return rows.map(isolationFromRow);
}

/** Newest first; `incidentId` narrows to one incident. */
export async function isolations(q: SqlQueryable, filter: { sinceMs?: number; incidentId?: string; limit?: number } = {}): Promise<IsolationRecord[]> {
  const { rows } = await q.query<Row>(`SELECT * FROM isolations WHERE updated_at_ms >= $1::bigint AND ($2::text IS NULL OR incident_id = $2::text) ORDER BY id DESC LIMIT $3`, [
    filter.sinceMs ?? 0,
    filter.incidentId ?? null,
    filter.limit ?? 1000,
  ]);
  return rows.map(isolationFromRow);
}
