/**
 * The rows pathmon keeps, as the application sees them. The store (PGlite or a PostgreSQL server) maps
 * them to one SQL schema; the monitor, the notifiers, the reports and the dashboard only know these shapes.
 * Times are epoch milliseconds; units live in field names.
 */
import type { PathStateName } from './path-states.js';
import type { IncidentChange } from '../incidents/incident.js';

/** One monitored path: what it crosses and which endpoint pair (group) it belongs to. */
export interface PathRecord {
  /** The topology's stable path id (a digest of the link keys crossed). */
  id: string;
  group: string;
  fromNode: string;
  toNode: string;
  /** Node names from prober to endpoint. */
  names: string[];
  /** Probe hop addresses, outermost first. */
  hops: string[];
  hopNames: string[];
  /** Keys of every directed link the probe crosses (the reverse ones too in loop mode). */
  linkKeys: string[];
  firstSeenMs: number;
  /** Set when the topology removed the path; cleared if it comes back. */
  goneAtMs: number | null;
}

/** One path's figures for one probing round. RTT fields are null when nothing came back. */
export interface RoundResultRecord {
  pathId: string;
  roundAtMs: number;
  sent: number;
  received: number;
  lossPct: number;
  rttMinMs: number | null;
  rttAvgMs: number | null;
  rttMaxMs: number | null;
  rttP50Ms: number | null;
  rttP95Ms: number | null;
  rttP99Ms: number | null;
  jitterMs: number | null;
}

/** A state change and why: the evidence is what tickets and mails quote. */
export interface TransitionRecord {
  pathId: string;
  atMs: number;
  from: PathStateName | null;
  to: PathStateName;
  /** One line an engineer reads: "loss 40 % > 5 % for 3 rounds". */
  reason: string;
  evidence: TransitionEvidence;
}

export interface TransitionEvidence {
  /** The rounds that decided the change, oldest first. */
  rounds: RoundResultRecord[];
  thresholds: { delayMs: number; lossPct: number };
  hysteresisRounds: number;
}

/**
 * The one Freshdesk ticket an incident subject may have open; remembered across restarts so none is
 * duplicated.
 */
export interface TicketRecord {
  /** `path:<id>`, `link:<keys>` or `group:<id>`: at most one open ticket per subject. */
  subjectKey: string;
  /** The incident occurrence the ticket was opened for. */
  incidentId: string;
  ticketId: number;
  openedAtMs: number;
  /** What the ticket last described: the incident kind (`down`, `loss`, `delay`) or a path state. */
  lastState: string;
  resolvedAtMs: number | null;
  /**
   * Set (true) when an agent resolved or closed the ticket in Freshdesk before pathmon did: pathmon then
   * never notes, resolves or reopens it, and the subject's next incident opens a new ticket naming this
   * one. Absent on tickets pathmon resolved itself or still keeps.
   */
  closedByPerson?: boolean;
}

/** One cover walk of the link-cover plan. */
export interface WalkRecord {
  id: string;
  /** Node names, prober first and last. */
  names: string[];
  /** Directed link keys crossed, in order. */
  linkKeys: string[];
  firstSeenMs: number;
  goneAtMs: number | null;
}

/** One subject's estimate in one round (only non-zero ones are stored). */
export interface LinkEstimateRecord {
  /** `link:<directed key>` or `group:<id>`. */
  subjectKey: string;
  atMs: number;
  lossRatio: number;
  addedDelayMs: number;
  down: boolean;
  confidence: number;
  support: number;
}

export type NotificationChannel = 'email' | 'freshdesk';

/** Every notification attempt, so "did anyone get told?" has an answer. */
export interface NotificationRecord {
  atMs: number;
  channel: NotificationChannel;
  /** Incident subject keys the notification was about (`path:<id>`, `link:<keys>`, `group:<id>`). */
  subjectKeys: string[];
  status: 'sent' | 'queued' | 'failed';
  /** Message id, ticket id or the error (never a secret). */
  detail: string;
}

/**
 * The durable outbox: one row per notification due (an incident change for one channel), written in
 * the transaction that stores the change, so a notification is never lost to a crash, a kill or a
 * restart. `pending` rows are delivered by the outbox dispatcher, oldest first per subject; the others
 * are finished and kept (for the record) until retention.
 */
export type OutboxState = 'pending' | 'delivered' | 'failed' | 'superseded';

export interface OutboxItem {
  id: number;
  channel: NotificationChannel;
  subjectKey: string;
  incidentId: string;
  /** The incident change as it was when the item was queued (the deliverer re-judges it when sending). */
  change: IncidentChange;
  createdAtMs: number;
  /** Delivery attempts made so far. */
  attempts: number;
  /** Not tried before this time (backoff, Retry-After). */
  nextAttemptAtMs: number;
  state: OutboxState;
  /** The last failure (scrubbed of secrets), null when none. */
  lastError: string | null;
  deliveredAtMs: number | null;
  /** What was done: ticket id, message id, or why the item was superseded. */
  detail: string | null;
}

/** Outbox rows to add for an incident change: one per channel. */
export interface OutboxWrite {
  channels: NotificationChannel[];
  /** created_at_ms and the first next_attempt_at_ms (due at once). */
  atMs: number;
}

/** One outbox row to add outside an incident change (start-up reconciliation). */
export interface OutboxEntry {
  channel: NotificationChannel;
  change: IncidentChange;
  atMs: number;
}

/** What became of one delivery attempt, as markOutbox stores it (each call counts one attempt). */
export type OutboxResult =
  | { state: 'delivered'; atMs: number; detail: string }
  | { state: 'superseded'; atMs: number; detail: string }
  | { state: 'failed'; atMs: number; error: string }
  /** Still pending: try again at nextAttemptAtMs. */
  | { state: 'pending'; atMs: number; error: string; nextAttemptAtMs: number };

/** Which outbox rows to list (all conditions must hold); oldest first. */
export interface OutboxFilter {
  channel?: NotificationChannel;
  state?: OutboxState;
  incidentId?: string;
  subjectKey?: string;
  limit?: number;
}

/** The topology as it was when the plan changed. */
export interface TopologySnapshotRecord {
  atMs: number;
  source: string;
  nodeCount: number;
  linkCount: number;
  /** The graph as `pathmon topology --json` prints it. */
  graph: unknown;
}
