/**
 * The Store over either backend: every statement is written once here (or in history-queries.ts,
 * retention.ts, results-insert.ts) against the SqlClient interface. Each public method turns driver
 * errors into StoreError ('unreachable' or 'query-failed', or 'duplicate-open-ticket') with the
 * password scrubbed, so callers can branch on the code and print the message.
 */
import type { PathStateName } from '../monitor/path-state.js';
import { historyPoints, pathSummaries } from './history-queries.js';
import type {
  NotificationRecord, PathRecord, RoundResultRecord, TicketRecord, TopologySnapshotRecord, TransitionRecord,
} from './records.js';
import { insertResults, type InsertMethod } from './results-insert.js';
import { applyRetention, type RetentionOptions } from './retention.js';
import {
  notificationFromRow, num, pathFromRow, snapshotFromRow, ticketFromRow, transitionFromRow, type Row,
} from './row-mappers.js';
import type { SqlClient } from './sql-client.js';
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

  constructor(private readonly client: SqlClient, private readonly options: SqlStoreOptions) {
    this.description = options.description;
    this.schema = options.schema;
    this.schemaVersion = options.schemaVersion;
    this.backend = client.kind;
    this.insertMethod = options.insertMethod;
  }

  upsertPaths(paths: PathRecord[]): Promise<void> {
    return this.run('store.upsertPaths', async () => {
      if (paths.length === 0) return;
      const json = JSON.stringify(paths.map((p) => ({
        id: p.id, grp: p.group, from_node: p.fromNode, to_node: p.toNode, names: p.names, hops: p.hops,
        hop_names: p.hopNames, link_keys: p.linkKeys, first_seen_ms: p.firstSeenMs, gone_at_ms: p.goneAtMs,
      })));
      await this.client.query(
        `INSERT INTO paths (id, grp, from_node, to_node, names, hops, hop_names, link_keys, first_seen_ms, gone_at_ms)
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(id text, grp text, from_node text, to_node text, names jsonb,
           hops jsonb, hop_names jsonb, link_keys jsonb, first_seen_ms bigint, gone_at_ms bigint)
         ON CONFLICT (id) DO UPDATE SET grp = excluded.grp, from_node = excluded.from_node, to_node = excluded.to_node,
           names = excluded.names, hops = excluded.hops, hop_names = excluded.hop_names, link_keys = excluded.link_keys,
           first_seen_ms = LEAST(paths.first_seen_ms, excluded.first_seen_ms), gone_at_ms = excluded.gone_at_ms`,
        [json]);
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
      const { rows } = pathId === undefined
        ? await this.client.query<Row>('SELECT count(*) AS n FROM round_results')
        : await this.client.query<Row>('SELECT count(*) AS n FROM round_results WHERE path_id = $1', [pathId]);
      return num(rows[0]!.n);
    });
  }

  /** Raw rounds of one path in [sinceMs, untilMs), oldest first. */
  results(pathId: string, sinceMs: number, untilMs: number): Promise<RoundResultRecord[]> {
    return this.run('store.results', async () => {
      const { rows } = await this.client.query<Row>(
        'SELECT * FROM round_results WHERE path_id = $1 AND round_at_ms >= $2::bigint AND round_at_ms < $3::bigint ORDER BY round_at_ms',
        [pathId, sinceMs, untilMs]);
      return rows.map((r) => ({
        pathId: String(r.path_id), roundAtMs: num(r.round_at_ms), sent: num(r.sent), received: num(r.received),
        lossPct: num(r.loss_pct), rttMinMs: nn(r.rtt_min_ms), rttAvgMs: nn(r.rtt_avg_ms), rttMaxMs: nn(r.rtt_max_ms),
        rttP50Ms: nn(r.rtt_p50_ms), rttP95Ms: nn(r.rtt_p95_ms), rttP99Ms: nn(r.rtt_p99_ms), jitterMs: nn(r.jitter_ms),
      }));
    });
  }

  addTransition(t: TransitionRecord): Promise<void> {
    return this.run('store.addTransition', async () => {
      await this.client.query(
        'INSERT INTO transitions (path_id, at_ms, from_state, to_state, reason, evidence) VALUES ($1, $2, $3, $4, $5, $6::jsonb)',
        [t.pathId, t.atMs, t.from, t.to, t.reason, JSON.stringify(t.evidence)]);
    });
  }

  currentStates(): Promise<Map<string, { state: PathStateName; sinceMs: number }>> {
    return this.run('store.currentStates', async () => {
      const { rows } = await this.client.query<Row>(
        'SELECT DISTINCT ON (path_id) path_id, to_state, at_ms FROM transitions ORDER BY path_id, at_ms DESC, id DESC');
      return new Map(rows.map((r) => [String(r.path_id), { state: r.to_state as PathStateName, sinceMs: num(r.at_ms) }]));
    });
  }

  transitions(pathId: string | null, sinceMs: number, untilMs?: number): Promise<TransitionRecord[]> {
    return this.run('store.transitions', async () => {
      const { rows } = await this.client.query<Row>(
        `SELECT * FROM transitions WHERE ($1::text IS NULL OR path_id = $1::text) AND at_ms >= $2::bigint
           AND ($3::bigint IS NULL OR at_ms < $3::bigint) ORDER BY at_ms, id`,
        [pathId, sinceMs, untilMs ?? null]);
      return rows.map(transitionFromRow);
    });
  }

  openTicket(pathId: string): Promise<TicketRecord | null> {
    return this.run('store.openTicket', async () => {
      const { rows } = await this.client.query<Row>('SELECT * FROM tickets WHERE path_id = $1 AND resolved_at_ms IS NULL', [pathId]);
      return rows[0] ? ticketFromRow(rows[0]) : null;
    });
  }

  saveTicket(t: TicketRecord): Promise<void> {
    return this.run('store.saveTicket', async () => {
      try {
        await this.client.query(
          `INSERT INTO tickets (ticket_id, path_id, opened_at_ms, last_state, resolved_at_ms) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (ticket_id) DO UPDATE SET path_id = excluded.path_id, opened_at_ms = excluded.opened_at_ms,
             last_state = excluded.last_state, resolved_at_ms = excluded.resolved_at_ms`,
          [t.ticketId, t.pathId, t.openedAtMs, t.lastState, t.resolvedAtMs]);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') {
          throw new StoreError('duplicate-open-ticket', this.description,
            `store.saveTicket: path ${t.pathId} already has an open ticket; expected ticket ${t.ticketId} to be resolved or the open one updated`);
        }
        throw err;
      }
    });
  }

  openTickets(): Promise<TicketRecord[]> {
    return this.run('store.openTickets', async () =>
      (await this.client.query<Row>('SELECT * FROM tickets WHERE resolved_at_ms IS NULL ORDER BY opened_at_ms, ticket_id')).rows.map(ticketFromRow));
  }

  addNotification(n: NotificationRecord): Promise<void> {
    return this.run('store.addNotification', async () => {
      await this.client.query('INSERT INTO notifications (at_ms, channel, path_ids, status, detail) VALUES ($1, $2, $3::jsonb, $4, $5)',
        [n.atMs, n.channel, JSON.stringify(n.pathIds), n.status, n.detail]);
    });
  }

  /** Notifications in [sinceMs, untilMs), oldest first. */
  notifications(sinceMs: number, untilMs?: number): Promise<NotificationRecord[]> {
    return this.run('store.notifications', async () => {
      const { rows } = await this.client.query<Row>(
        'SELECT * FROM notifications WHERE at_ms >= $1::bigint AND ($2::bigint IS NULL OR at_ms < $2::bigint) ORDER BY at_ms, id',
        [sinceMs, untilMs ?? null]);
      return rows.map(notificationFromRow);
    });
  }

  addTopologySnapshot(s: TopologySnapshotRecord): Promise<void> {
    return this.run('store.addTopologySnapshot', async () => {
      await this.client.query('INSERT INTO topology_snapshots (at_ms, source, node_count, link_count, graph) VALUES ($1, $2, $3, $4, $5::jsonb)',
        [s.atMs, s.source, s.nodeCount, s.linkCount, JSON.stringify(s.graph ?? null)]);
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
    return this.run('store.applyRetention', () => applyRetention(this.client, nowMs, this.options.retention));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close().catch(() => { /* closing a broken connection has nothing to report */ });
  }

  private async run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError('closed', this.description, `${operation}: store ${this.description} is closed; expected an open store`);
    try {
      return await work();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      const detail = scrubbedMessage(err, this.options.secrets);
      if (isUnreachable(err)) {
        throw new StoreError('unreachable', this.description,
          `${operation}: database ${this.description} unreachable (${detail}); expected it to accept connections`);
      }
      throw new StoreError('query-failed', this.description, `${operation}: ${detail} (database ${this.description})`);
    }
  }
}

const nn = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
