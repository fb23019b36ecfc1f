/**
 * Where the monitor's graph comes from: a file read once, or ExaBGP run as a child process and applied
 * line by line while probing goes on. Both look the same to the planner, so a YAML lab and a live
 * fabric share one monitor.
 */
import type { TopologyEvent, TopologyGraph } from '../../topology/index.js';

export type TopologyFreshness =
  /** A file: never changes, never stale. */
  | 'static'
  /** ExaBGP started, End-of-RIB not seen yet. */
  | 'converging'
  /** Session up and End-of-RIB seen. */
  | 'live'
  /** Session down or ExaBGP restarting: the last graph is kept, marked with its age. */
  | 'stale';

export interface TopologySourceStatus {
  /** `file:PATH` or `exabgp:PATH`. */
  spec: string;
  freshness: TopologyFreshness;
  sessionUp: boolean;
  /** When the graph became stale (epoch ms), null when it is not. */
  staleSinceMs: number | null;
  lastChangeMs: number | null;
  /** Lines skipped as invalid JSON or unusable, since start. */
  skippedLines: number;
  /** ExaBGP restarts since start (exits, hangs, silence past hold time). */
  restarts: number;
}

/** A batch of events already applied to the graph. */
export interface TopologyChange {
  events: TopologyEvent[];
  /** process.hrtime.bigint() when the first line of this batch arrived from ExaBGP. */
  receivedAtNs: bigint;
}

export interface TopologySource {
  readonly graph: TopologyGraph;
  status(): TopologySourceStatus;
  /** Resolves once converged (End-of-RIB, or at once for a file); rejects with a clear error after waitMs. */
  ready(waitMs: number): Promise<void>;
  /** Called after each applied batch; returns the unsubscribe function. */
  onChange(listener: (change: TopologyChange) => void): () => void;
  close(): Promise<void>;
}
