/**
 * Incidents and their history. The incidents table holds each incident as it now is (the whole
 * record as jsonb, beside the columns queries filter on); incident_changes appends every change with
 * the record after and before it, so "what did the ticket say when" has an answer after the fact.
 * A change is written in one transaction with the incident it changed: a crash never leaves an incident
 * whose history does not explain it. One open incident per subject is the database's rule (a partial
 * unique index), so two probers or a restart racing on one link cannot open two.
 */
import type { IncidentChange, IncidentRecord } from '../incidents/incident.js';
import { incidentChangeFromRow, incidentFromRow, type Row } from './row-mappers.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';

const UPSERT_INCIDENT = `
  INSERT INTO incidents (id, subject_key, kind, state, opened_at_ms, updated_at_ms, resolved_at_ms, record)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)
  ON CONFLICT (id) DO UPDATE SET subject_key = excluded.subject_key, kind = excluded.kind, state = excluded.state,
    opened_at_ms = excluded.opened_at_ms, updated_at_ms = excluded.updated_at_ms,
    resolved_at_ms = excluded.resolved_at_ms, record = excluded.record`;

/** When a change happened: its resolution time for a resolve, else the incident's last update. */
export function changeAtMs(change: IncidentChange): number {
  const { incident } = change;
  if (change.change === 'resolved' && incident.resolvedAtMs !== null) return incident.resolvedAtMs;
  if (change.change === 'opened') return incident.openedAtMs;
  return incident.updatedAtMs;
}

export async function recordIncidentChange(client: SqlClient, change: IncidentChange): Promise<void> {
  const i = change.incident;
  await client.transaction(async (tx: SqlQueryable) => {
    await tx.query(UPSERT_INCIDENT, [i.id, i.subjectKey, i.kind, i.state, i.openedAtMs, i.updatedAtMs, i.resolvedAtMs, JSON.stringify(i)]);
    await tx.query('INSERT INTO incident_changes (incident_id, at_ms, change, reason, record, previous) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)', [
      i.id,
      changeAtMs(change),
      change.change,
      change.reason,
      JSON.stringify(i),
      change.previous === null ? null : JSON.stringify(change.previous),
    ]);
  });
}

export async function openIncidents(q: SqlQueryable): Promise<IncidentRecord[]> {
  const { rows } = await q.query<Row>(`SELECT record FROM incidents WHERE state = 'open' ORDER BY opened_at_ms, id`);
  return rows.map(incidentFromRow);
}

/** Open at any time inside [sinceMs, untilMs): opened before its end, not resolved before its start. */
export async function incidentsIn(q: SqlQueryable, sinceMs: number, untilMs: number): Promise<IncidentRecord[]> {
  const { rows } = await q.query<Row>(
    `SELECT record FROM incidents
      WHERE opened_at_ms < $2::bigint AND (resolved_at_ms IS NULL OR resolved_at_ms >= $1::bigint)
      ORDER BY opened_at_ms DESC, id DESC`,
    [sinceMs, untilMs],
  );
  return rows.map(incidentFromRow);
}

export async function incidentById(q: SqlQueryable, id: string): Promise<IncidentRecord | null> {
  const { rows } = await q.query<Row>('SELECT record FROM incidents WHERE id = $1', [id]);
  return rows[0] ? incidentFromRow(rows[0]) : null;
}

export async function incidentChanges(q: SqlQueryable, id: string): Promise<IncidentChange[]> {
  const { rows } = await q.query<Row>('SELECT change, reason, record, previous FROM incident_changes WHERE incident_id = $1 ORDER BY id', [id]);
  return rows.map(incidentChangeFromRow);
}
