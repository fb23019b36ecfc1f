/**
 * What the application asks of storage. Two implementations share one schema and one set of queries:
 * embedded PGlite (the default, nothing to install) and a PostgreSQL server through `pg`.
 * Writes of round results go through a batching writer that buffers (bounded, spilled to disk) while
 * the database is unreachable, so a database outage loses no round.
 */
import type { PathStateName } from '../monitor/path-state.js';
import type {
  NotificationRecord,
  PathRecord,
  RoundResultRecord,
  TicketRecord,
  TopologySnapshotRecord,
  TransitionRecord,
} from './records.js';

/** One point of a path's history: a round, or a rollup bucket when the range is long. */
export interface HistoryPoint {
  atMs: number;
  /** Rounds folded into this point (1 for a raw round). */
  rounds: number;
  sent: number;
  received: number;
  lossPct: number;
  rttMinMs: number | null;
  rttP50Ms: number | null;
  rttP95Ms: number | null;
  rttP99Ms: number | null;
  rttMaxMs: number | null;
}

/** A path's figures over a window, for `pathmon report` and the dashboard's table. */
export interface PathSummary {
  path: PathRecord;
  rounds: number;
  sent: number;
  received: number;
  lossPct: number;
  /** Percentiles over the window's rounds' RTT figures (p50 of round medians, and so on). */
  rttP50Ms: number | null;
  rttP95Ms: number | null;
  rttP99Ms: number | null;
  /** Current state and since when. */
  state: PathStateName | null;
  stateSinceMs: number | null;
  /** Milliseconds spent in each state inside the window. */
  timeInStateMs: Partial<Record<PathStateName, number>>;
  openTicketId: number | null;
}

export interface Store {
  /** `pglite:DIR` or `postgres://…`, with any password removed: safe to print. */
  readonly description: string;

  upsertPaths(paths: PathRecord[]): Promise<void>;
  markPathsGone(pathIds: string[], atMs: number): Promise<void>;
  paths(): Promise<PathRecord[]>;

  /** Writes now; the monitor calls it through the batching writer, never per round row. */
  insertResults(results: RoundResultRecord[]): Promise<void>;
  addTransition(transition: TransitionRecord): Promise<void>;
  /** Every path's latest state (from transitions), so a restarted monitor resumes where it was. */
  currentStates(): Promise<Map<string, { state: PathStateName; sinceMs: number }>>;
  transitions(pathId: string | null, sinceMs: number, untilMs?: number): Promise<TransitionRecord[]>;

  openTicket(pathId: string): Promise<TicketRecord | null>;
  saveTicket(ticket: TicketRecord): Promise<void>;
  openTickets(): Promise<TicketRecord[]>;

  addNotification(notification: NotificationRecord): Promise<void>;
  addTopologySnapshot(snapshot: TopologySnapshotRecord): Promise<void>;

  /** Raw rounds for short ranges, rollup buckets for long ones, at most about `maxPoints` points. */
  history(pathId: string, sinceMs: number, untilMs: number, maxPoints?: number): Promise<HistoryPoint[]>;
  summaries(sinceMs: number, untilMs: number): Promise<PathSummary[]>;

  /** Rolls up old rounds and deletes what is past retention; returns the rows removed. */
  applyRetention(nowMs: number): Promise<{ deletedRounds: number }>;
  close(): Promise<void>;
}
