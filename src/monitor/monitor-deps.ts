/**
 * Everything the monitor loop touches, passed in. Sockets hide behind `runRound`, time behind `clock`,
 * the database behind `store` and `writer`, so unit tests run whole monitoring sessions (impairments,
 * database outages, topology changes, SIGTERM) on a fake clock with fakes, and `pathmon run` wires the
 * real ones in one place (commands/run-command.ts).
 */
import { systemClock, type Clock } from '../clock.js';
import type { PathAddressing, RoundOptions, RoundResult } from '../../probes/index.js';
import type { MonitorConfig } from '../config/index.js';
import type { PlanDiff } from '../live/plan-diff.js';
import type { WalkPlanDiff } from '../live/walk-plan-diff.js';
import type { LinkCoverPlan } from '../../topology/index.js';
import type { IncidentRecord } from '../incidents/incident.js';
import type { RoundEvaluator } from './round-evaluator.js';
import type { TopologySource } from '../live/topology-source.js';
import type { Notifier } from '../notify/notifier.js';
import type { RoundResultRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { TargetRoundOutput, TargetRoute } from '../targets/index.js';

/** The monitor's slice of the application clock: wall time and a wait that a stop cuts short. */
export type MonitorClock = Pick<Clock, 'nowMs' | 'sleepMs'>;

export const systemMonitorClock: MonitorClock = systemClock;

/** One probing round over the given paths (the engine's runProbeRound with sockets bound). */
export type RoundRunner = (paths: PathAddressing[], options: RoundOptions) => Promise<RoundResult>;

/** The part of live/Replanner the monitor uses. */
export interface Planner {
  start(): PlanDiff;
  onPlan(listener: (diff: PlanDiff) => void): () => void;
  close(): void;
}

/** The part of live/WalkReplanner the monitor uses: the link-cover plan, kept in step with the topology. */
export interface WalkPlanner {
  start(): WalkPlanDiff;
  onPlan(listener: (diff: WalkPlanDiff) => void): () => void;
  plan(): LinkCoverPlan | null;
  close(): void;
}

/** An evaluator that keeps incidents open across rounds: told at start which ones the store has open. */
export interface ResumingEvaluator extends RoundEvaluator {
  resume(open: IncidentRecord[]): void;
}

/** The part of store/ResultWriter the monitor uses: add never waits for the database. */
export interface ResultQueue {
  add(rows: readonly RoundResultRecord[]): void;
  close(): Promise<unknown>;
  stats(): { buffered: number; spilled: number; state: string; lastError: string | null };
}

/**
 * ICMP/TCP/UDP targets (targets/ProberTargetRounds with the probe kinds bound): the routes are fixed for
 * the run; the monitor asks for a round over the ones that are due, after the paths and walks.
 */
export interface TargetRounds {
  readonly routes: readonly TargetRoute[];
  /** One result per route given, in order; never rejects for a target (a lost round says why). */
  run(routes: readonly TargetRoute[]): Promise<TargetRoundOutput>;
  close(): Promise<void>;
}

export interface MonitorLog {
  info(line: string): void;
  warn(line: string): void;
}

export interface MonitorDeps {
  config: Pick<MonitorConfig, 'probing' | 'hysteresisRounds' | 'groups' | 'thresholds'> & Partial<Pick<MonitorConfig, 'localize' | 'metrics'>>;
  source: TopologySource;
  planner: Planner;
  /** The link-cover planner; absent, no walks are probed. */
  walkPlanner?: WalkPlanner;
  /**
   * What decides, after the path states, in order: link estimation, incidents, ... Each reads the
   * round's outcome and what the ones before it found.
   */
  evaluators?: (RoundEvaluator | ResumingEvaluator)[];
  store: Store;
  writer: ResultQueue;
  runRound: RoundRunner;
  /** ICMP/TCP/UDP targets, monitored like paths; absent, there are none. */
  targetRounds?: TargetRounds;
  /** Deliverers of the store's notification outbox, one per channel (see notify/outbox-dispatcher.ts). */
  notifiers: Notifier[];
  /** Pending outbox rows read per delivery pass (default 1000). */
  outboxBatchLimit?: number;
  clock: MonitorClock;
  log: MonitorLog;
  /** How often rollups and retention run. Default 15 minutes. */
  retentionEveryMs?: number;
  /**
   * Fleet mode: a route (path, walk or target) is probed only while this agent holds it in the fleet's
   * work assignment. Absent: every route.
   */
  assignment?: { isAssigned(routeId: string): boolean };
  /**
   * Fleet mode: the outbox is delivered and retention applied only by the fleet's leader, so one process
   * sends each ticket and mail. Absent: this process always leads.
   */
  leads?: () => boolean;
}
