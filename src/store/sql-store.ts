/**
 * The Store over either backend: every statement is written once here (or in history-queries.ts,
 * incident-queries.ts, link-queries.ts, outbox-queries.ts, retention.ts, results-insert.ts) against the SqlClient
 * interface. Each public method turns driver errors into StoreError ('unreachable' or 'query-failed',
 * 'duplicate-open-ticket', 'duplicate-open-incident', 'bad-value') with the password scrubbed, so
 * callers can branch on the code and print the message.
 */
import type { IncidentChange, IncidentRecord } from '../incidents/incident.js';
import type { PathStateName } from './path-states.js';
import { historyPoints, pathSummaries } from './history-queries.js';
import { incidentById, incidentChanges, incidentsIn, openIncidents, recordIncidentChange } from './incident-queries.js';
import { badEstimate, insertLinkEstimates, linkHistory, markWalksGone, routeResults, upsertWalks, walks } from './link-queries.js';
import { badOutboxEntry, insertOutbox, markOutbox, outboxEntriesOf, outboxItems, pendingOutbox, pruneOutbox } from './outbox-queries.js';
import type {
  LinkEstimateRecord,
  NotificationRecord,
  OutboxEntry,
  OutboxFilter,
  OutboxItem,
  OutboxResult,
  OutboxWrite,
  PathRecord,
  RoundResultRecord,
  TicketRecord,
  TopologySnapshotRecord,
  TransitionRecord,
  WalkRecord,
} from './records.js';
import { insertResults, type InsertMethod } from './results-insert.js';
import { applyRetention, type RetentionOptions } from './retention.js';
import { notificationFromRow, num, pathFromRow, roundResultFromRow, snapshotFromRow, ticketFromRow, transitionFromRow, type Row } from './row-mappers.js';
import type { SqlClient, SqlQueryable } from './sql-client.js';
import { StoreError, isUnreachable, scrubbedMessage } from './store-error.js';
import type { HistoryPoint, PathSummary, Store } from './store.js';

export interface SqlStoreOptions {
  description: string;
  secrets: string[];
  schema: string;
  schemaVersion: number;
  retention: RetentionOptions;
  insertMethod: InsertMethod;
}

export class SqlStore implements Store {
  readonly description: string;
  /** The schema (namespace) the tables live in. */
  readonly schema: string;
  /** The migration version in place after opening. */
  readonly schemaVersion: number;
  /** Which backend this is: 'pglite' or 'postgres'. */
  readonly backend: 'pglite' | 'postgres';
  /** How insertResults writes (see results-insert.ts). */
  insertMethod: InsertMethod;
  private closed = false;

  /** The connection, for the feature modules that own their tables (syslog events, action runs, the fleet). */
  get sqlClient(): SqlClient {
    return this.client;
  }

  constructor(
    private readonly client: SqlClient,
    private readonly options: SqlStoreOptions,
  ) {
    this.description = options.description;
    this.schema = options.schema;
    this.schemaVersion = options.schemaVersion;
    this.backend = client.kind;
    this.insertMethod = options.insertMethod;
  }

  upsertPaths(paths: PathRecord[]): Promise<void> {
    return this.run('store.upsertPaths', async () => {
      if (paths.length === 0) return;
      const json = JSON.stringify(
        paths.map((p) => ({
          id: p.id,
          grp: p.group,
          from_node: p.fromNode,
          to_node: p.toNode,
          names: p.names,
          hops: p.hops,
          hop_names: p.hopNames,
          link_keys: p.linkKeys,
          first_seen_ms: p.firstSeenMs,
          gone_at_ms: p.goneAtMs,
        })),
      );
      await this.client.query(
        `INSERT INTO paths (id, grp, from_node, to_node, names, hops, hop_names, link_keys, first_seen_ms, gone_at_ms)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, grp text, from_node text, to_node text, names jsonb,
           hops jsonb, hop_names jsonb, link_keys jsonb, first_seen_ms bigint, gone_at_ms bigint)
         ON CONFLICT (id) DO UPDATE SET grp = excluded.grp, from_node = excluded.from_node, to_node = excluded.to_node,
           names = excluded.names, hops = excluded.hops, hop_names = excluded.hop_names, link_keys = excluded.link_keys,
           first_seen_ms = LEAST(paths.first_seen_ms, excluded.first_seen_ms), gone_at_ms = excluded.gone_at_ms`,
        [json],
      );
    });
  }

  markPathsGone(pathIds: string[], atMs: number): Promise<void> {
    return this.run('store.markPathsGone', async () => {
      if (pathIds.length === 0) return;
      await this.client.query('UPDATE paths SET gone_at_ms = $2 WHERE id = ANY($1::text[]) AND gone_at_ms IS NULL', [pathIds, atMs]);
    });
  }

  paths(): Promise<PathRecord[]> {
    return this.run('store.paths', async () => (await this.client.query<Row>('SELECT * FROM paths ORDER BY grp, id')).rows.map(pathFromRow));
  }

  insertResults(results: RoundResultRecord[]): Promise<void> {
    return this.run('store.insertResults', async () => {
      await insertResults(this.client, results, this.insertMethod);
    });
  }

  /** Number of round rows stored for a path (or all paths): what tests and `pathmon status` count. */
  countResults(pathId?: string): Promise<number> {
    return this.run('store.countResults', async () => {
      const { rows } =
        pathId === undefined
          ? await this.client.query<Row>('SELECT count(*) AS n FROM round_results')
          : await this.client.query<Row>('SELECT count(*) AS n FROM round_results WHERE path_id = $1', [pathId]);
      return num(rows[0]!.n);
    });
  }

  /** Raw rounds of one path in [sinceMs, untilMs), oldest first. */
  results(pathId: string, sinceMs: number, untilMs: number): Promise<RoundResultRecord[]> {
    return this.run('store.results', async () => {
      const { rows } = await this.client.query<Row>('SELECT * FROM round_results WHERE path_id = $1 AND round_at_ms >= $2::bigint AND round_at_ms < $3::bigint ORDER BY round_at_ms', [
        pathId,
        sinceMs,
        untilMs,
      ]);
      return rows.map(roundResultFromRow);
    });
  }

  addTransition(t: TransitionRecord): Promise<void> {
    return this.run('store.addTransition', async () => {
      await this.client.query('INSERT INTO transitions (path_id, at_ms, from_state, to_state, reason, evidence) VALUES ($1, $2, $3, $4, $5, $6::jsonb)', [
        t.pathId,
        t.atMs,
        t.from,
        t.to,
        t.reason,
        JSON.stringify(t.evidence),
      ]);
    });
  }

  addTransitions(ts: readonly TransitionRecord[]): Promise<void> {
    if (ts.length === 0) return Promise.resolve();
    return this.run('store.addTransitions', async () => {
      // One statement for the whole round; ORDINALITY keeps the ids in the order the evaluator made them.
      await this.client.query(
        `INSERT INTO transitions (path_id, at_ms, from_state, to_state, reason, evidence)
         SELECT p, a, f, t, r, e::jsonb FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
           WITH ORDINALITY AS u(p, a, f, t, r, e, n) ORDER BY n`,
        [ts.map((t) => t.pathId), ts.map((t) => t.atMs), ts.map((t) => t.from), ts.map((t) => t.to), ts.map((t) => t.reason), ts.map((t) => JSON.stringify(t.evidence))],
      );
    });
  }

  currentStates(): Promise<Map<string, { state: PathStateName; sinceMs: number }>> {
    return this.run('store.currentStates', async () => {
      const { rows } = await this.client.query<Row>('SELECT DISTINCT ON (path_id) path_id, to_state, at_ms FROM transitions ORDER BY path_id, at_ms DESC, id DESC');
      return new Map(rows.map((r) => [String(r.path_id), { state: r.to_state as PathStateName, sinceMs: num(r.at_ms) }]));
    });
  }

  transitions(pathId: string | null, sinceMs: number, untilMs?: number): Promise<TransitionRecord[]> {
    return this.run('store.transitions', async () => {
      const { rows } = await this.client.query<Row>(
        `SELECT * FROM transitions WHERE ($1::text IS NULL OR path_id = $1::text) AND at_ms >= $2::bigint
           AND ($3::bigint IS NULL OR at_ms < $3::bigint) ORDER BY at_ms, id`,
        [pathId, sinceMs, untilMs ?? null],
      );
      return rows.map(transitionFromRow);
    });
  }

  openTicket(subjectKey: string): Promise<TicketRecord | null> {
    return this.run('store.openTicket', async () => {
      const { rows } = await this.client.query<Row>('SELECT * FROM tickets WHERE subject_key = $1 AND resolved_at_ms IS NULL', [subjectKey]);
      return rows[0] ? ticketFromRow(rows[0]) : null;
    });
  }

  saveTicket(t: TicketRecord): Promise<void> {
    return this.run('store.saveTicket', async () => {
      try {
        await this.client.query(
          `INSERT INTO tickets (ticket_id, subject_key, incident_id, opened_at_ms, last_state, resolved_at_ms, closed_by_person)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (ticket_id) DO UPDATE SET subject_key = excluded.subject_key, incident_id = excluded.incident_id,
             opened_at_ms = excluded.opened_at_ms, last_state = excluded.last_state, resolved_at_ms = excluded.resolved_at_ms,
             closed_by_person = excluded.closed_by_person`,
          [t.ticketId, t.subjectKey, t.incidentId, t.openedAtMs, t.lastState, t.resolvedAtMs, t.closedByPerson === true],
        );
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw new StoreError(
            'duplicate-open-ticket',
            this.description,
            `store.saveTicket: subject ${t.subjectKey} already has an open ticket; expected ticket ${t.ticketId} to be resolved or the open one updated`,
          );
        }
        throw err;
      }
    });
  }

  openTickets(): Promise<TicketRecord[]> {
    return this.run('store.openTickets', async () => (await this.client.query<Row>('SELECT * FROM tickets WHERE resolved_at_ms IS NULL ORDER BY opened_at_ms, ticket_id')).rows.map(ticketFromRow));
  }

  lastTicket(subjectKey: string): Promise<TicketRecord | null> {
    return this.run('store.lastTicket', async () => {
      const { rows } = await this.client.query<Row>('SELECT * FROM tickets WHERE subject_key = $1 ORDER BY (resolved_at_ms IS NULL) DESC, opened_at_ms DESC, ticket_id DESC LIMIT 1', [subjectKey]);
      return rows[0] ? ticketFromRow(rows[0]) : null;
    });
  }

  addNotification(n: NotificationRecord): Promise<void> {
    return this.run('store.addNotification', async () => {
      await this.client.query('INSERT INTO notifications (at_ms, channel, subject_keys, status, detail) VALUES ($1, $2, $3::jsonb, $4, $5)', [
        n.atMs,
        n.channel,
        JSON.stringify(n.subjectKeys),
        n.status,
        n.detail,
      ]);
    });
  }

  upsertWalks(list: WalkRecord[]): Promise<void> {
    return this.run('store.upsertWalks', () => upsertWalks(this.client, list));
  }

  markWalksGone(walkIds: string[], atMs: number): Promise<void> {
    return this.run('store.markWalksGone', () => markWalksGone(this.client, walkIds, atMs));
  }

  walks(): Promise<WalkRecord[]> {
    return this.run('store.walks', () => walks(this.client));
  }

  recordIncidentChange(change: IncidentChange, outbox?: OutboxWrite): Promise<void> {
    return this.run('store.recordIncidentChange', async () => {
      const entries = outbox === undefined ? [] : outboxEntriesOf(change, outbox.channels, outbox.atMs);
      this.checkOutbox('store.recordIncidentChange', entries);
      try {
        await this.client.transaction(async (tx) => {
          await recordIncidentChange(boundTo(tx, this.client.kind), change);
          await insertOutbox(tx, entries);
        });
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw new StoreError(
            'duplicate-open-incident',
            this.description,
            `store.recordIncidentChange: subject ${change.incident.subjectKey} already has an open incident other than ${change.incident.id}; ` +
              'expected the open one to be updated or resolved first',
          );
        }
        throw err;
      }
    });
  }

  enqueueOutbox(entries: OutboxEntry[]): Promise<void> {
    return this.run('store.enqueueOutbox', async () => {
      this.checkOutbox('store.enqueueOutbox', entries);
      await insertOutbox(this.client, entries);
    });
  }

  pendingOutbox(nowMs: number, limit: number): Promise<OutboxItem[]> {
    return this.run('store.pendingOutbox', async () => {
      if (!Number.isFinite(nowMs) || !Number.isInteger(limit) || limit < 1) {
        throw new StoreError('bad-value', this.description, `store.pendingOutbox: nowMs ${String(nowMs)} and limit ${String(limit)}: expected epoch milliseconds and a positive integer`);
      }
      return pendingOutbox(this.client, nowMs, limit);
    });
  }

  markOutbox(id: number, result: OutboxResult): Promise<boolean> {
    return this.run('store.markOutbox', () => markOutbox(this.client, id, result));
  }

  outboxItems(filter: OutboxFilter): Promise<OutboxItem[]> {
    return this.run('store.outboxItems', () => outboxItems(this.client, filter));
  }

  openIncidents(): Promise<IncidentRecord[]> {
    return this.run('store.openIncidents', () => openIncidents(this.client));
  }

  incidents(sinceMs: number, untilMs: number): Promise<IncidentRecord[]> {
    return this.run('store.incidents', () => incidentsIn(this.client, sinceMs, untilMs));
  }

  incident(id: string): Promise<IncidentRecord | null> {
    return this.run('store.incident', () => incidentById(this.client, id));
  }

  incidentChanges(id: string): Promise<IncidentChange[]> {
    return this.run('store.incidentChanges', () => incidentChanges(this.client, id));
  }

  insertLinkEstimates(rows: LinkEstimateRecord[]): Promise<void> {
    return this.run('store.insertLinkEstimates', async () => {
      for (const [i, row] of rows.entries()) {
        const problem = badEstimate(row);
        if (problem !== null) {
          throw new StoreError('bad-value', this.description, `store.insertLinkEstimates: row ${i} (${String(row.subjectKey)} at ${String(row.atMs)}): ${problem}`);
        }
      }
      await insertLinkEstimates(this.client, rows);
    });
  }

  linkHistory(subjectKey: string, sinceMs: number, untilMs: number, maxPoints = 500): Promise<LinkEstimateRecord[]> {
    return this.run('store.linkHistory', () => linkHistory(this.client, subjectKey, sinceMs, untilMs, maxPoints));
  }

  routeResults(sinceMs: number, untilMs: number): Promise<RoundResultRecord[]> {
    return this.run('store.routeResults', () => routeResults(this.client, sinceMs, untilMs));
  }

  /** Notifications in [sinceMs, untilMs), oldest first. */
  notifications(sinceMs: number, untilMs?: number): Promise<NotificationRecord[]> {
    return this.run('store.notifications', async () => {
      const { rows } = await this.client.query<Row>('SELECT * FROM notifications WHERE at_ms >= $1::bigint AND ($2::bigint IS NULL OR at_ms < $2::bigint) ORDER BY at_ms, id', [
        sinceMs,
        untilMs ?? null,
      ]);
      return rows.map(notificationFromRow);
    });
  }

  addTopologySnapshot(s: TopologySnapshotRecord): Promise<void> {
    return this.run('store.addTopologySnapshot', async () => {
      await this.client.query('INSERT INTO topology_snapshots (at_ms, source, node_count, link_count, graph) VALUES ($1, $2, $3, $4, $5::jsonb)', [
        s.atMs,
        s.source,
        s.nodeCount,
        s.linkCount,
        JSON.stringify(s.graph ?? null),
      ]);
    });
  }

  /** The most recent topology snapshot, or null. */
  latestTopologySnapshot(): Promise<TopologySnapshotRecord | null> {
    return this.run('store.latestTopologySnapshot', async () => {
      const { rows } = await this.client.query<Row>('SELECT * FROM topology_snapshots ORDER BY at_ms DESC, id DESC LIMIT 1');
      return rows[0] ? snapshotFromRow(rows[0]) : null;
    });
  }

  history(pathId: string, sinceMs: number, untilMs: number, maxPoints = 500): Promise<HistoryPoint[]> {
    return this.run('store.history', () => historyPoints(this.client, pathId, sinceMs, untilMs, maxPoints));
  }

  summaries(sinceMs: number, untilMs: number): Promise<PathSummary[]> {
    return this.run('store.summaries', () => pathSummaries(this.client, sinceMs, untilMs));
  }

  applyRetention(nowMs: number): Promise<{ deletedRounds: number }> {
    return this.run('store.applyRetention', async () => {
      const result = await applyRetention(this.client, nowMs, this.options.retention);
      await pruneOutbox(this.client, nowMs - this.options.retention.retentionDays * 24 * 3600 * 1000);
      return result;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close().catch(() => {
      /* closing a broken connection has nothing to report */
    });
  }

  private checkOutbox(operation: string, entries: OutboxEntry[]): void {
    for (const [i, entry] of entries.entries()) {
      const problem = badOutboxEntry(entry);
      if (problem !== null) throw new StoreError('bad-value', this.description, `${operation}: outbox entry ${i}: ${problem}`);
    }
  }

  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('closed', this.description, `${operation}: store ${this.description} is closed; expected an open store`);
    try {
      return await work();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const detail = scrubbedMessage(err, this.options.secrets);
      if (isUnreachable(err)) {
        throw new StoreError('unreachable', this.description, `${operation}: database ${this.description} unreachable (${detail}); expected it to accept connections`);
      }
      throw new StoreError('query-failed', this.description, `${operation}: ${detail} (database ${this.description})`);
    }
  }
}

/** A client whose "transaction" is the one already open: lets a query helper that opens its own join the caller's. */
function boundTo(tx: SqlQueryable, kind: SqlClient['kind']): SqlClient {
  return {
    kind,
    query: (sql, params) => tx.query(sql, params),
    exec: (sql) => tx.exec(sql),
    transaction: (work) => work(tx),
    close: async () => undefined,
  };
}
