/**
 * What the re-planner hands the monitor after a topology change: which paths are new (start probing),
 * which are gone (report as GONE, never as failing) and which stayed. Paths keep their ids across
 * re-plans because ids are digests of the links crossed.
 */
import type { HostDeclaration, PathBounds, ReturnMode } from '../../topology/index.js';
import type { PlannedPath } from '../plan-paths.js';

/** One endpoint pair (or one pair of a group) the monitor watches. */
export interface PlanTarget {
  group: string;
  from: string;
  to: string;
  bounds: PathBounds;
  mode: ReturnMode;
  /**
   * How `from` attaches when it is a host declared by configuration rather than a node of the topology
   * (a BGP-LS graph has routers only); the planner attaches it before planning and after each change.
   */
  fromHost?: HostDeclaration;
  /** The same for `to`. */
  toHost?: HostDeclaration;
}

export interface GroupedPath extends PlannedPath {
  group: string;
  from: string;
  to: string;
}

export interface PlanDiff {
  added: GroupedPath[];
  gone: GroupedPath[];
  kept: GroupedPath[];
  /** Targets whose endpoints or paths are missing right now, with the reason. */
  problems: { target: PlanTarget; reason: string }[];
  /** When the change that caused this plan arrived (hrtime ns), null for the first plan. */
  changeReceivedAtNs: bigint | null;
  /** Change arrival to plan ready, in ms: the re-planning delay pathmon exposes. */
  replanMs: number | null;
  /** Planning time alone (debounce excluded), in ms. */
  computeMs?: number;
  /** ExaBGP's own print time of the first line of the change to plan ready, in ms (wall clocks; null when unknown). */
  sinceExabgpPrintMs?: number | null;
}
