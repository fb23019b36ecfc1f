/**
 * Where the monitor's graph comes from: a file read once, or ExaBGP run as a child process and applied
 * line by line while probing goes on. Both look the same to the planner, so a YAML lab and a live
 * fabric share one monitor.
 */
import type { TopologyEvent, TopologyGraph } from '../../topology/index.js';
import type { GraphChange } from './graph-changes.js';
import type { HostStatus } from './host-attacher.js';

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
  /** How long the graph has been stale (ms), null when it is not. */
  staleAgeMs?: number | null;
  /** Skipped lines by reason (`invalid JSON`, `bad shape at ...`, `line too long`). */
  skippedByReason?: Record<string, number>;
  /** Fields ExaBGP printed that pathmon could not use (`attribute-not-implemented`, ...), by name. */
  ignoredByField?: Record<string, number>;
  /** The most recent skipped lines (first 200 characters each). */
  lastSkipped?: { line: number; reason: string; excerpt: string }[];
  /** The running ExaBGP's pid, null while it is restarting (absent for a file). */
  exabgpPid?: number | null;
  /** Why ExaBGP was last restarted (`exited with code 1`, `cpu spin`, `silent past hold time`). */
  lastRestartReason?: string | null;
  /** Peers whose session is up. */
  peersUp?: string[];
  nodes?: number;
  links?: number;
  /** Hosts attached by configuration (--host, the config's hosts:) and where each is now. */
  hosts?: HostStatus[];
}

/** A batch of events already applied to the graph. */
export interface TopologyChange {
  events: TopologyEvent[];
  /** process.hrtime.bigint() when the first line of this batch arrived from ExaBGP. */
  receivedAtNs: bigint;
  /** What the events did to the graph (link down, metric change, session up, ...), for watchers and logs. */
  changes?: GraphChange[];
  /** ExaBGP's own `time` on the first line of the batch (epoch ms), when it printed one. */
  exabgpTimeMs?: number | null;
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
