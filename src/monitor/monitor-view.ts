/**
 * What the dashboard, the JSON API and /metrics read from a running monitor. The monitor implements it;
 * tests implement it over recorded data. Views never write.
 */
import type { RoundStats } from '../../probes/index.js';
import type { TopologyGraph } from '../../topology/index.js';
import type { TopologySourceStatus } from '../live/topology-source.js';
import type { PathRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { PathStateName } from './path-state.js';

export interface LivePath {
  record: PathRecord;
  state: PathStateName;
  stateSinceMs: number;
  /**
   * True while the path's first rounds (after it appeared, or came back from GONE) are still deciding its
   * state; `state` is then provisional (UP for a new path, GONE for a returned one).
   */
  deciding?: boolean;
  thresholds: { delayMs: number; lossPct: number };
  /** The latest round's figures, null before the first round. */
  lastRound: (RoundStats & { atMs: number }) | null;
  /** Every RTT since start, in Prometheus histogram form (cumulative counts per upper bound). */
  rttHistogram: { upperBoundsMs: number[]; cumulativeCounts: number[]; sumMs: number; count: number };
}

export interface MonitorCounters {
  rounds: number;
  probesSent: number;
  probesReceived: number;
  /** Packets on the probe port that were not ours, by reason. */
  drops: { malformed: number; otherSession: number; forged: number };
  lastRoundAtMs: number | null;
  /** The last re-plan's delay from topology change to new plan. */
  lastReplanMs: number | null;
}

export type MonitorUpdate =
  | { kind: 'round'; atMs: number; pathIds: string[] }
  | { kind: 'transition'; atMs: number; pathId: string; from: PathStateName | null; to: PathStateName }
  | { kind: 'topology'; atMs: number };

export interface MonitorView {
  paths(): LivePath[];
  topology(): { graph: TopologyGraph; status: TopologySourceStatus };
  counters(): MonitorCounters;
  /** History, transitions and tickets for the API. */
  store: Store;
  onUpdate(listener: (update: MonitorUpdate) => void): () => void;
}
