/**
 * The rows pathmon keeps, as the application sees them. The store (PGlite or a PostgreSQL server) maps
 * them to one SQL schema; the monitor, the notifiers, the reports and the dashboard only know these shapes.
 * Times are epoch milliseconds; units live in field names.
 */
import type { PathStateName } from '../monitor/path-state.js';

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

/** The one Freshdesk ticket a path may have open; remembered across restarts so none is duplicated. */
export interface TicketRecord {
  pathId: string;
  ticketId: number;
  openedAtMs: number;
  /** The path state the ticket last described (opening, or the last note). */
  lastState: PathStateName;
  resolvedAtMs: number | null;
}

export type NotificationChannel = 'email' | 'freshdesk';

/** Every notification attempt, so "did anyone get told?" has an answer. */
export interface NotificationRecord {
  atMs: number;
  channel: NotificationChannel;
  pathIds: string[];
  status: 'sent' | 'queued' | 'failed';
  /** Message id, ticket id or the error (never a secret). */
  detail: string;
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
