/**
 * Every statement on the syslog tables (migration 5), against the store's SqlClient, so both backends
 * run the same SQL. Events are written a batch per statement: ids are drawn from the sequence first (one
 * round trip), then the rows go in with one INSERT … SELECT FROM unnest(…) (PGlite) or one binary COPY
 * (the server: events-copy-binary.ts), whatever the batch size, so
 * each event handed to listeners carries the id it was stored under, in order, without trusting the
 * order of RETURNING.
 */
import type { SqlClient, SqlQueryable } from '../store/sql-client.js';
import { eventsCopyBinary } from './events-copy-binary.js';
import type { EventStatus, SyslogEvent, SyslogTransport } from './syslog-event.js';

type Row = Record<string, unknown>;

const COLUMNS = [
  'id',
  'received_at_ms',
  'device_time_ms',
  'source_address',
  'transport',
  'host',
  'facility',
  'severity',
  'program',
  'error_code',
  'message',
  'structured_data',
  'facts',
  'parsed',
  'truncated',
  'invalid_utf8',
  'raw',
  'status',
  'node',
  'link_key',
  'incident_id',
] as const;

const INSERT = `INSERT INTO syslog_events (${COLUMNS.join(', ')})
  SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::smallint[],
    $8::smallint[], $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::jsonb[], $14::boolean[], $15::boolean[],
    $16::boolean[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[])`;

/** PostgreSQL text cannot hold NUL; a device that sends one gets it as U+FFFD, like other bad bytes. */
const noNul = (text: string): string => (text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text);

/** NUL-free JSON: JSON escapes NUL as \u0000, which jsonb refuses too. */
const jsonText = (value: object): string => noNul(JSON.stringify(value)).replaceAll('\\u0000', '\\ufffd');

/** The text fields of an event in column order (see eventsCopyBinary), NUL-free, JSON as text, into `out`. */
function textFields(e: SyslogEvent, out: (string | null)[] = new Array(13)): (string | null)[] {
  out[0] = e.sourceAddress;
  out[1] = e.transport;
  out[2] = noNul(e.host);
  out[3] = e.program === null ? null : noNul(e.program);
  out[4] = e.errorCode;
  out[5] = noNul(e.message);
  out[6] = jsonText(e.structuredData);
  out[7] = jsonText(e.facts ?? {});
  out[8] = noNul(e.raw);
  out[9] = e.status;
  out[10] = e.node;
  out[11] = e.linkKey;
  out[12] = e.incidentId;
  return out;
}

/**
 * Stores `events` (ids ignored); returns the ids given to them, in the same order. With `copy` (the
 * server's client and the transaction `db` is), the rows go in by binary COPY; else by unnest INSERT.
 */
export async function insertEvents(db: SqlQueryable, events: readonly SyslogEvent[], copy?: SqlClient): Promise<number[]> {
  const ids = await nextEventIds(db, events.length);
  await insertEventsWithIds(db, events, ids, copy);
  return ids;
}

/** `count` ids drawn from the events' sequence, ascending. */
export async function nextEventIds(db: SqlQueryable, count: number): Promise<number[]> {
  if (count === 0) return [];
  const { rows } = await db.query<Row>(`SELECT nextval(pg_get_serial_sequence('syslog_events', 'id')) AS id FROM generate_series(1, $1::integer)`, [count]);
  return rows.map((row) => Number(row.id));
}

/** Stores `events` under `ids` (from nextEventIds), by binary COPY with `copy`, else by unnest INSERT. */
export async function insertEventsWithIds(db: SqlQueryable, events: readonly SyslogEvent[], ids: readonly number[], copy?: SqlClient): Promise<void> {
  if (events.length === 0) return;
  if (copy?.copyFrom) {
    await copy.copyFrom('syslog_events', [...COLUMNS], eventsCopyBinary(events, ids, textFields), db);
    return;
  }
  const columns: unknown[][] = COLUMNS.map(() => new Array(events.length));
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const t = textFields(e);
    const c = columns;
    c[0]![i] = ids[i];
    c[1]![i] = e.receivedAtMs;
    c[2]![i] = e.deviceTimeMs;
    c[3]![i] = t[0];
    c[4]![i] = t[1];
    c[5]![i] = t[2];
    c[6]![i] = e.facility;
    c[7]![i] = e.severity;
    c[8]![i] = t[3];
    c[9]![i] = t[4];
    c[10]![i] = t[5];
    c[11]![i] = t[6];
    c[12]![i] = t[7];
    c[13]![i] = e.parsed;
    c[14]![i] = e.truncated === true;
    c[15]![i] = e.invalidUtf8 === true;
    c[16]![i] = t[8];
    c[17]![i] = t[9];
    c[18]![i] = t[10];
    c[19]![i] = t[11];
    c[20]![i] = t[12];
  }
  await db.query(INSERT, columns);
}

export interface EventFilter {
  sinceMs?: number;
  untilMs?: number;
  /** Exact host (the HOSTNAME field, else the sender's address) or sender address. */
  host?: string;
  /** Exact code, or a prefix ending in `*` (`LINEPROTO-*`). */
  code?: string;
  /** Severity at most this (0 emergency .. 7 debug): `3` is errors and worse. */
  maxSeverity?: number;
  status?: EventStatus;
  /** Case-insensitive substring of the message or the raw line. */
  text?: string;
  parsed?: boolean;
  incidentId?: string;
  /** Only events with an id below this (the next page, newest first). */
  beforeId?: number;
  limit?: number;
}

/** Events matching `filter`, newest first. */
export async function listEvents(db: SqlQueryable, filter: EventFilter = {}): Promise<SyslogEvent[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replaceAll('?', `$${params.length}`));
  };
  if (filter.sinceMs !== undefined) add('received_at_ms >= ?::bigint', filter.sinceMs);
  if (filter.untilMs !== undefined) add('received_at_ms < ?::bigint', filter.untilMs);
  if (filter.host !== undefined) add('(host = ? OR source_address = ?)', filter.host);
  if (filter.code !== undefined) {
    if (filter.code.endsWith('*')) add(`error_code LIKE ? ESCAPE '\\'`, `${likeEscaped(filter.code.slice(0, -1))}%`);
    else add('error_code = ?', filter.code);
  }
  if (filter.maxSeverity !== undefined) add('severity <= ?::integer', filter.maxSeverity);
  if (filter.status !== undefined) add('status = ?', filter.status);
  if (filter.text !== undefined) add(`(message ILIKE ? ESCAPE '\\' OR raw ILIKE ? ESCAPE '\\')`, `%${likeEscaped(filter.text)}%`);
  if (filter.parsed !== undefined) add('parsed = ?::boolean', filter.parsed);
  if (filter.incidentId !== undefined) add('incident_id = ?', filter.incidentId);
  if (filter.beforeId !== undefined) add('id < ?::bigint', filter.beforeId);
  params.push(filter.limit ?? 1000);
  const { rows } = await db.query<Row>(`SELECT * FROM syslog_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}::integer`, params);
  return rows.map(eventFromRow);
}

export async function countEvents(db: SqlQueryable): Promise<{ total: number; unparsed: number }> {
  const { rows } = await db.query<Row>('SELECT count(*) AS total, count(*) FILTER (WHERE NOT parsed) AS unparsed FROM syslog_events');
  return { total: Number(rows[0]!.total), unparsed: Number(rows[0]!.unparsed) };
}

/** One event's correlation and status, as the correlation and remediation modules decide them. */
export interface EventUpdate {
  id: number;
  status?: EventStatus;
  node?: string | null;
  linkKey?: string | null;
  incidentId?: string | null;
}

/** Applies `updates` (fields left out are kept) in one statement. */
export async function updateEvents(db: SqlQueryable, updates: readonly EventUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  const json = JSON.stringify(
    updates.map((u) => ({
      id: u.id,
      status: u.status ?? null,
      set_node: u.node !== undefined,
      node: u.node ?? null,
      set_link: u.linkKey !== undefined,
      link_key: u.linkKey ?? null,
      set_incident: u.incidentId !== undefined,
      incident_id: u.incidentId ?? null,
    })),
  );
  await db.query(
    `UPDATE syslog_events e SET
       status = COALESCE(u.status, e.status),
       node = CASE WHEN u.set_node THEN u.node ELSE e.node END,
       link_key = CASE WHEN u.set_link THEN u.link_key ELSE e.link_key END,
       incident_id = CASE WHEN u.set_incident THEN u.incident_id ELSE e.incident_id END
     FROM jsonb_to_recordset($1::jsonb) AS u(id bigint, status text, set_node boolean, node text, set_link boolean,
       link_key text, set_incident boolean, incident_id text)
     WHERE e.id = u.id`,
    [json],
  );
}

/** What one sender added since the last flush. */
export interface SenderDelta {
  sourceAddress: string;
  host: string;
  firstSeenMs: number;
  lastSeenMs: number;
  received: number;
  stored: number;
  unparsed: number;
  truncated: number;
  invalidUtf8: number;
  suppressed: number;
  dropped: number;
}

export type SenderTotals = SenderDelta;

export async function addSenderCounts(db: SqlQueryable, deltas: readonly SenderDelta[]): Promise<void> {
  if (deltas.length === 0) return;
  const json = JSON.stringify(
    deltas.map((d) => ({
      source_address: d.sourceAddress,
      host: noNul(d.host),
      first_seen_ms: d.firstSeenMs,
      last_seen_ms: d.lastSeenMs,
      received: d.received,
      stored: d.stored,
      unparsed: d.unparsed,
      truncated: d.truncated,
      invalid_utf8: d.invalidUtf8,
      suppressed: d.suppressed,
      dropped: d.dropped,
    })),
  ).replaceAll('\\u0000', '\\ufffd');
  await db.query(
    `INSERT INTO syslog_senders AS s (source_address, host, first_seen_ms, last_seen_ms, received, stored, unparsed, truncated, invalid_utf8, suppressed, dropped)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(source_address text, host text, first_seen_ms bigint, last_seen_ms bigint,
       received bigint, stored bigint, unparsed bigint, truncated bigint, invalid_utf8 bigint, suppressed bigint, dropped bigint)
     ON CONFLICT (source_address) DO UPDATE SET host = CASE WHEN excluded.host = excluded.source_address THEN s.host ELSE excluded.host END,
       first_seen_ms = LEAST(s.first_seen_ms, excluded.first_seen_ms), last_seen_ms = GREATEST(s.last_seen_ms, excluded.last_seen_ms),
       received = s.received + excluded.received, stored = s.stored + excluded.stored, unparsed = s.unparsed + excluded.unparsed,
       truncated = s.truncated + excluded.truncated, invalid_utf8 = s.invalid_utf8 + excluded.invalid_utf8,
       suppressed = s.suppressed + excluded.suppressed, dropped = s.dropped + excluded.dropped`,
    [json],
  );
}

/** Every sender's totals, most lines first. */
export async function senderTotals(db: SqlQueryable, limit = 1000): Promise<SenderTotals[]> {
  const { rows } = await db.query<Row>('SELECT * FROM syslog_senders ORDER BY received DESC, source_address LIMIT $1::integer', [limit]);
  return rows.map((r) => ({
    sourceAddress: String(r.source_address),
    host: String(r.host),
    firstSeenMs: Number(r.first_seen_ms),
    lastSeenMs: Number(r.last_seen_ms),
    received: Number(r.received),
    stored: Number(r.stored),
    unparsed: Number(r.unparsed),
    truncated: Number(r.truncated),
    invalidUtf8: Number(r.invalid_utf8),
    suppressed: Number(r.suppressed),
    dropped: Number(r.dropped),
  }));
}

export function eventFromRow(r: Row): SyslogEvent {
  const json = <T>(value: unknown, fallback: T): T => (value == null ? fallback : typeof value === 'string' ? (JSON.parse(value) as T) : (value as T));
  const optNum = (value: unknown): number | null => (value == null ? null : Number(value));
  const optStr = (value: unknown): string | null => (value == null ? null : String(value));
  const event: SyslogEvent = {
    id: Number(r.id),
    receivedAtMs: Number(r.received_at_ms),
    deviceTimeMs: optNum(r.device_time_ms),
    sourceAddress: String(r.source_address),
    transport: String(r.transport) as SyslogTransport,
    host: String(r.host),
    facility: optNum(r.facility),
    severity: optNum(r.severity),
    program: optStr(r.program),
    errorCode: optStr(r.error_code),
    message: String(r.message),
    structuredData: json(r.structured_data, {}),
    parsed: Boolean(r.parsed),
    raw: String(r.raw),
    status: String(r.status) as EventStatus,
    node: optStr(r.node),
    linkKey: optStr(r.link_key),
    incidentId: optStr(r.incident_id),
    facts: json(r.facts, {}),
  };
  if (r.truncated === true) event.truncated = true;
  if (r.invalid_utf8 === true) event.invalidUtf8 = true;
  return event;
}

function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
