/**
 * What the dashboard, the JSON API and /metrics read from a running monitor. The monitor implements it;
 * tests implement it over recorded data. Views never write.
 */
import type { ProbeKindName, RoundStats } from '../../probes/index.js';
import type { TopologyGraph } from '../../topology/index.js';
import type { TopologySourceStatus } from '../live/topology-source.js';
import type { IncidentRecord } from '../incidents/incident.js';
import type { PathRecord } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { PathStateName } from './path-state.js';

export interface LivePath {
  record: PathRecord;
  /** How it is probed: nested GRE along a path, or an ICMP/TCP/UDP target. Absent: gre. */
  kind?: ProbeKindName;
  /** A target's own figures (absent for paths). */
  target?: LiveTarget;
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

/** What a target's last round found beyond its RoundStats. */
export interface LiveTarget {
  /** The target as written (`db1`, `10.2.0.9`) and its destination port (null for icmp). */
  host: string;
  port: number | null;
  /** The address the last round probed (a DNS name's answer then); null before, or when it did not resolve. */
  address: string | null;
  /** Why the last round was lost without probing (a name that did not resolve); null when probed. */
  problem: string | null;
  /** tcp: probes of the last round answered by RST (port closed, host reachable). */
  refused: number;
  /** Swept source ports whose probes were lost in the last round. */
  failedSourcePorts: number[];
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

/** One directed link (or link group) as the localizer last estimated it. */
export interface LiveLink {
  /** `link:<directed key>` or `group:<id>`. */
  subjectKey: string;
  /** Directed link keys: one for a link, the members for a group. */
  linkKeys: string[];
  /** `R4→R6`, or the group's members. */
  label: string;
  lossRatio: number;
  addedDelayMs: number;
  down: boolean;
  confidence: number;
  /** Walks and paths crossing it in the last estimate. */
  support: number;
  /** The open incident blaming it, if any. */
  incidentId: string | null;
  atMs: number;
}

/** The link-cover plan as views show it. */
export interface LivePlan {
  walks: number;
  links: number;
  identifiable: number;
  groups: { id: string; labels: string[]; reason: string }[];
  unreachable: number;
  coverage: number;
}

export type MonitorUpdate =
  | { kind: 'round'; atMs: number; pathIds: string[] }
  | { kind: 'incident'; atMs: number; incidentId: string; change: 'opened' | 'updated' | 'resolved' }
  | { kind: 'transition'; atMs: number; pathId: string; from: PathStateName | null; to: PathStateName }
  | { kind: 'topology'; atMs: number };

export interface MonitorView {
  paths(): LivePath[];
  topology(): { graph: TopologyGraph; status: TopologySourceStatus };
  counters(): MonitorCounters;
  /** Open incidents, newest first. */
  incidents(): IncidentRecord[];
  /** The latest estimate of every directed link and link group the cover plan probes. */
  links(): LiveLink[];
  /** The current link-cover plan's figures; null when localization is off. */
  plan(): LivePlan | null;
  /** History, transitions and tickets for the API. */
  store: Store;
  onUpdate(listener: (update: MonitorUpdate) => void): () => void;
}
