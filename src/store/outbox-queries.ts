/**
 * The notification outbox in SQL. Rows are added in the caller's transaction (the incident change's,
 * see incident-queries.ts), so a change and the notifications it owes are stored together or not at
 * all. The dispatcher reads pending rows of every (channel, subject) whose oldest pending row is due,
 * oldest first: a subject's later work never overtakes its earlier work, and one subject in backoff
 * holds back no other.
 */
import { changeAtMs } from './incident-queries.js';
import type { IncidentChange } from '../incidents/incident.js';
import type { OutboxEntry, OutboxFilter, OutboxItem, OutboxResult } from './records.js';
import { outboxFromRow, type Row } from './row-mappers.js';
import type { SqlQueryable } from './sql-client.js';

export const outboxChannels = ['email', 'freshdesk'] as const;

/** Null when the entry is well formed, else what is wrong with it (for a StoreError message). */
export function badOutboxEntry(entry: OutboxEntry): string | null {
  if (!outboxChannels.includes(entry.channel)) return `channel ${JSON.stringify(entry.channel)}: expected one of ${outboxChannels.join(', ')}`;
  if (!Number.isFinite(entry.atMs)) return `atMs ${String(entry.atMs)}: expected epoch milliseconds`;
  const incident = entry.change?.incident;
  if (incident === undefined || typeof incident.id !== 'string' || typeof incident.subjectKey !== 'string') {
    return 'change: expected an incident change with an incident id and subject key';
  }
  return null;
}

export async function insertOutbox(q: SqlQueryable, entries: OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const json = JSON.stringify(
    entries.map((e) => ({
      channel: e.channel,
      subject_key: e.change.incident.subjectKey,
      incident_id: e.change.incident.id,
      change: e.change,
      created_at_ms: e.atMs,
      next_attempt_at_ms: e.atMs,
    })),
  );
  // WITH ORDINALITY keeps the given order in the ids, which is the delivery order.
  await q.query(
    `INSERT INTO outbox (channel, subject_key, incident_id, change, created_at_ms, next_attempt_at_ms)
     SELECT e.v->>'channel', e.v->>'subject_key', e.v->>'incident_id', e.v->'change',
            (e.v->>'created_at_ms')::bigint, (e.v->>'next_attempt_at_ms')::bigint
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(v, n)
      ORDER BY e.n`,
    [json],
  );
}

/** The outbox rows an incident change owes: one per channel, due at once. */
export function outboxEntriesOf(change: IncidentChange, channels: readonly OutboxEntry['channel'][], atMs: number = changeAtMs(change)): OutboxEntry[] {
  return channels.map((channel) => ({ channel, change, atMs }));
}

export async function pendingOutbox(q: SqlQueryable, nowMs: number, limit: number): Promise<OutboxItem[]> {
  const { rows } = await q.query<Row>(
    `SELECT * FROM (
       SELECT o.*, first_value(o.next_attempt_at_ms) OVER (PARTITION BY o.channel, o.subject_key ORDER BY o.id) AS head_due_ms
         FROM outbox o WHERE o.state = 'pending'
     ) x WHERE x.head_due_ms <= $1::bigint ORDER BY x.id LIMIT $2`,
    [nowMs, limit],
  );
  return rows.map(outboxFromRow);
}

/** Stores one attempt's result; a row that is no longer pending is left as it is (false). */
export async function markOutbox(q: SqlQueryable, id: number, result: OutboxResult): Promise<boolean> {
  const { rowCount } = await q.query(
    `UPDATE outbox SET attempts = attempts + 1, state = $2,
       next_attempt_at_ms = COALESCE($3::bigint, next_attempt_at_ms),
       last_error = COALESCE($4::text, last_error),
       delivered_at_ms = $5::bigint,
       detail = COALESCE($6::text, detail)
     WHERE id = $1 AND state = 'pending'`,
    [
      id,
      result.state,
      result.state === 'pending' ? result.nextAttemptAtMs : null,
      result.state === 'pending' || result.state === 'failed' ? result.error : null,
      result.state === 'delivered' ? result.atMs : null,
      result.state === 'delivered' || result.state === 'superseded' ? result.detail : null,
    ],
  );
  return rowCount > 0;
}

export async function outboxItems(q: SqlQueryable, filter: OutboxFilter): Promise<OutboxItem[]> {
  const { rows } = await q.query<Row>(
    `SELECT * FROM outbox
      WHERE ($1::text IS NULL OR channel = $1::text) AND ($2::text IS NULL OR state = $2::text)
        AND ($3::text IS NULL OR incident_id = $3::text) AND ($4::text IS NULL OR subject_key = $4::text)
      ORDER BY id LIMIT $5`,
    [filter.channel ?? null, filter.state ?? null, filter.incidentId ?? null, filter.subjectKey ?? null, filter.limit ?? 100_000],
  );
  return rows.map(outboxFromRow);
}

/** Finished rows older than the cutoff go; pending ones stay whatever their age. */
export async function pruneOutbox(q: SqlQueryable, cutoffMs: number): Promise<number> {
  const { rowCount } = await q.query(`DELETE FROM outbox WHERE state <> 'pending' AND created_at_ms < $1::bigint`, [cutoffMs]);
  return rowCount;
}
