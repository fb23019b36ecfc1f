/**
 * The soak's ledger: what the run's own database says was due, against what the fake Freshdesk and the
 * SMTP sink received. Read straight from PostgreSQL (not through the cut proxy, not through pathmon's
 * store API) so that it depends only on the tables: `paths` and `round_results` for rounds stored per
 * path, `incidents` and `incident_changes` for the notifications due, `tickets` for which ticket the
 * monitor recorded for which incident, and `outbox` when the store has one (its states say what was
 * delivered, superseded as stale, failed or still pending).
 *
 * Due per incident change: one mail, and one Freshdesk action (opened: a ticket, or a note when the
 * subject already has an open ticket; updated: a note; resolved: a resolve). A change the outbox judged
 * stale (superseded) is due nothing.
 */
import pg from 'pg';
import type { FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import type { SmtpSink } from '../../helpers/smtp-sink.js';

export interface RoundsStored {
  paths: number;
  min: number;
  median: number;
  max: number;
  /** Paths with fewer rows than the most-stored path, and how many fewer in total. */
  pathsShort: number;
  /** Distinct round start times in round_results (rounds for which at least one path was stored). */
  distinctRounds: number;
  /** Distinct stored round times before `splitAtMs` (the kill) and from it on. */
  distinctBefore: number;
  distinctAfter: number;
  /** The gap between the last stored round before the split and the first after it, in ms. */
  gapAtSplitMs: number | null;
}

export interface IncidentLine {
  id: string;
  subjectKey: string;
  label: string;
  kind: string;
  openedAtMs: number;
  resolvedAtMs: number | null;
  changes: Record<string, number>;
  /** Ticket ids the store recorded for this incident. */
  storedTickets: number[];
}

export interface NotificationLedger {
  changes: { opened: number; updated: number; resolved: number; total: number };
  incidents: IncidentLine[];
  /** channel -> state -> rows, when the store has an outbox table; null otherwise. */
  outbox: Record<string, Record<string, number>> | null;
  due: { mails: number; freshdeskActions: number };
  delivered: {
    mails: number;
    tickets: number;
    notes: number;
    resolves: number;
    freshdeskActions: number;
  };
  /** Per incident: tickets the fake Freshdesk holds carrying the subject's tag and created while the incident was open (or after). */
  ticketsPerIncident: { id: string; label: string; tickets: number }[];
  /** Tickets beyond one per incident (the same subject's tag, opened while another was still open). */
  duplicateTickets: number;
  /** Fake Freshdesk tickets whose id no stored ticket row names. */
  ticketsUnknownToStore: number;
}

export async function withSchema<T>(url: string, schema: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`bench.withSchema: schema ${JSON.stringify(schema)} is not a plain lower-case identifier`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`SET search_path TO ${schema}`);
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
};

export async function roundsStored(client: pg.Client, splitAtMs: number): Promise<RoundsStored & { perPath: number[] }> {
  const perPath = (await client.query<{ n: string }>(`SELECT count(r.path_id) AS n FROM paths p LEFT JOIN round_results r ON r.path_id = p.id WHERE p.gone_at_ms IS NULL GROUP BY p.id`)).rows.map(
    (row) => Number(row.n),
  );
  const times = (await client.query<{ at: string }>(`SELECT DISTINCT round_at_ms AS at FROM round_results ORDER BY 1`)).rows.map((row) => Number(row.at));
  const before = times.filter((t) => t < splitAtMs);
  const after = times.filter((t) => t >= splitAtMs);
  const max = perPath.length ? Math.max(...perPath) : 0;
  return {
    paths: perPath.length,
    min: perPath.length ? Math.min(...perPath) : 0,
    median: median(perPath),
    max,
    pathsShort: perPath.filter((n) => n < max).length,
    distinctRounds: times.length,
    distinctBefore: before.length,
    distinctAfter: after.length,
    gapAtSplitMs: before.length && after.length ? after[0]! - before.at(-1)! : null,
    perPath,
  };
}

const tagOf = (tags: string[]) => tags.find((tag) => /^pathmon-[0-9a-f]+$/.test(tag)) ?? null;

export async function notificationLedger(client: pg.Client, freshdesk: FakeFreshdesk, smtp: SmtpSink): Promise<NotificationLedger> {
  const incidents = (
    await client.query<{ id: string; subject_key: string; kind: string; opened_at_ms: string; resolved_at_ms: string | null; label: string | null }>(
      `SELECT id, subject_key, kind, opened_at_ms, resolved_at_ms, record->'subject'->>'label' AS label FROM incidents ORDER BY opened_at_ms`,
    )
  ).rows;
  const changeRows = (await client.query<{ incident_id: string; change: string; n: string }>(`SELECT incident_id, change, count(*) AS n FROM incident_changes GROUP BY 1, 2`)).rows;
  const ticketRows = (await client.query<{ ticket_id: string; incident_id: string | null }>(`SELECT ticket_id, incident_id FROM tickets`)).rows;
  const hasOutbox = (await client.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = 'outbox'`)).rowCount! > 0;
  let outbox: NotificationLedger['outbox'] = null;
  let superseded = { mails: 0, freshdesk: 0 };
  if (hasOutbox) {
    outbox = {};
    for (const row of (await client.query<{ channel: string; state: string; n: string }>(`SELECT channel, state, count(*) AS n FROM outbox GROUP BY 1, 2`)).rows) {
      (outbox[row.channel] ??= {})[row.state] = Number(row.n);
    }
    const stale = (channel: RegExp) =>
      Object.entries(outbox!)
        .filter(([name]) => channel.test(name))
        .reduce((sum, [, states]) => sum + (states.superseded ?? 0), 0);
    superseded = { mails: stale(/mail/), freshdesk: stale(/freshdesk/) };
  }

  const changes = { opened: 0, updated: 0, resolved: 0, total: 0 };
  const byIncident = new Map<string, Record<string, number>>();
  for (const row of changeRows) {
    const n = Number(row.n);
    if (row.change === 'opened' || row.change === 'updated' || row.change === 'resolved') changes[row.change] += n;
    changes.total += n;
    const own = byIncident.get(row.incident_id) ?? {};
    own[row.change] = (own[row.change] ?? 0) + n;
    byIncident.set(row.incident_id, own);
  }
  const lines: IncidentLine[] = incidents.map((row) => ({
    id: row.id,
    subjectKey: row.subject_key,
    label: row.label ?? row.subject_key,
    kind: row.kind,
    openedAtMs: Number(row.opened_at_ms),
    resolvedAtMs: row.resolved_at_ms === null ? null : Number(row.resolved_at_ms),
    changes: byIncident.get(row.id) ?? {},
    storedTickets: ticketRows.filter((t) => t.incident_id === row.id).map((t) => Number(t.ticket_id)),
  }));

  const tickets = freshdesk.tickets;
  const notes = tickets.reduce((sum, t) => sum + t.notes.length, 0);
  const resolves = tickets.filter((t) => t.updates.some((u) => u.status === 4 || u.status === 5)).length;
  // Tickets per incident: the ticket the store names for it, and any other fake ticket carrying the
  // same subject tag created while the incident was open (a second create for the same fault).
  const storedIds = new Set(ticketRows.map((t) => Number(t.ticket_id)));
  const tagOfTicketId = new Map(tickets.map((t) => [t.id, tagOf(t.tags)]));
  const ticketsPerIncident = lines.map((incident) => {
    const tags = new Set(incident.storedTickets.map((id) => tagOfTicketId.get(id)).filter((tag): tag is string => !!tag));
    const ids = new Set(incident.storedTickets);
    for (const ticket of tickets) {
      const tag = tagOf(ticket.tags);
      const during = ticket.createdAtMs >= incident.openedAtMs && (incident.resolvedAtMs === null || ticket.createdAtMs <= incident.resolvedAtMs);
      if (tag && tags.has(tag) && during) ids.add(ticket.id);
    }
    return { id: incident.id, label: incident.label, tickets: ids.size };
  });
  const duplicateTickets = ticketsPerIncident.reduce((sum, line) => sum + Math.max(0, line.tickets - 1), 0);
  const mailsDue = changes.total - superseded.mails;
  // Opened changes for subjects that already hold an open ticket become notes, not tickets: the due
  // count is per action, whichever kind.
  const freshdeskDue = changes.total - superseded.freshdesk;
  return {
    changes,
    incidents: lines,
    outbox,
    due: { mails: mailsDue, freshdeskActions: freshdeskDue },
    delivered: { mails: smtp.messages.length, tickets: tickets.length, notes, resolves, freshdeskActions: tickets.length + notes },
    ticketsPerIncident,
    duplicateTickets,
    ticketsUnknownToStore: tickets.filter((t) => !storedIds.has(t.id)).length,
  };
}
