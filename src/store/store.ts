/**
 * What the application asks of storage. Two implementations share one schema and one set of queries:
 * embedded PGlite (the default, nothing to install) and a PostgreSQL server through `pg`.
 * Writes of round results go through a batching writer that buffers (bounded, spilled to disk) while
 * the database is unreachable, so a database outage loses no round.
 */
import type { PathStateName } from './path-states.js';
import type { IncidentChange, IncidentRecord } from '../incidents/incident.js';
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
  /** A round's transitions in one statement: a fabric-wide outage can move tens of thousands at once. */
  addTransitions(transitions: readonly TransitionRecord[]): Promise<void>;
  /** Every path's latest state (from transitions), so a restarted monitor resumes where it was. */
  currentStates(): Promise<Map<string, { state: PathStateName; sinceMs: number }>>;
  transitions(pathId: string | null, sinceMs: number, untilMs?: number): Promise<TransitionRecord[]>;

  /** The open ticket of an incident subject (`path:<id>`, `link:<keys>`, `group:<id>`), if any. */
  openTicket(subjectKey: string): Promise<TicketRecord | null>;
  saveTicket(ticket: TicketRecord): Promise<void>;
  openTickets(): Promise<TicketRecord[]>;
  /** The subject's most recent ticket, open or not (a new ticket names the one before it). */
  lastTicket(subjectKey: string): Promise<TicketRecord | null>;

  addNotification(notification: NotificationRecord): Promise<void>;

  /** Cover walks, like paths: upserted when planned, marked gone when a re-plan drops them. */
  upsertWalks(walks: WalkRecord[]): Promise<void>;
  markWalksGone(walkIds: string[], atMs: number): Promise<void>;
  walks(): Promise<WalkRecord[]>;

  /**
   * Stores the incident as it now is and appends the change to its history, in one transaction; with
   * `outbox`, the notifications the change owes (one outbox row per channel) join that transaction, so
   * a change is never stored without them nor they without it.
   */
  recordIncidentChange(change: IncidentChange, outbox?: OutboxWrite): Promise<void>;

  /** Adds outbox rows outside an incident change (start-up reconciliation), in the given order. */
  enqueueOutbox(entries: OutboxEntry[]): Promise<void>;
  /**
   * Pending outbox rows, oldest first, of every (channel, subject) whose oldest pending row is due at
   * `nowMs`; at most `limit`. A subject's rows after its head are included: the dispatcher sends them in
   * order once the head is done.
   */
  pendingOutbox(nowMs: number, limit: number): Promise<OutboxItem[]>;
  /** Stores one delivery attempt's result; returns false when the row was no longer pending. */
  markOutbox(id: number, result: OutboxResult): Promise<boolean>;
  /** Outbox rows matching the filter, oldest first (status, tests, reconciliation). */
  outboxItems(filter: OutboxFilter): Promise<OutboxItem[]>;
  /** Open incidents, so a restarted monitor resumes them (and their tickets) instead of opening new ones. */
  openIncidents(): Promise<IncidentRecord[]>;
  /** Incidents open at any time inside the range, newest first. */
  incidents(sinceMs: number, untilMs: number): Promise<IncidentRecord[]>;
  incident(id: string): Promise<IncidentRecord | null>;
  /** An incident's changes, oldest first. */
  incidentChanges(id: string): Promise<IncidentChange[]>;

  /** Per-round link estimates; only subjects with a non-zero estimate are written (absent = healthy). */
  insertLinkEstimates(rows: LinkEstimateRecord[]): Promise<void>;
  /** One subject's estimates in a range, at most about `maxPoints` points (max per bucket when folded). */
  linkHistory(subjectKey: string, sinceMs: number, untilMs: number, maxPoints?: number): Promise<LinkEstimateRecord[]>;
  /** Round results of every route (paths and walks) in a range: what `pathmon localize --since` replays. */
  routeResults(sinceMs: number, untilMs: number): Promise<RoundResultRecord[]>;
  addTopologySnapshot(snapshot: TopologySnapshotRecord): Promise<void>;

  /** Raw rounds for short ranges, rollup buckets for long ones, at most about `maxPoints` points. */
  history(pathId: string, sinceMs: number, untilMs: number, maxPoints?: number): Promise<HistoryPoint[]>;
  summaries(sinceMs: number, untilMs: number): Promise<PathSummary[]>;

  /** Rolls up old rounds and deletes what is past retention; returns the rows removed. */
  applyRetention(nowMs: number): Promise<{ deletedRounds: number }>;
  close(): Promise<void>;
}
