/**
 * What the walk re-planner hands the monitor after a topology change, in the same shape as a path
 * PlanDiff: walks that are new (start probing), gone (stop; their links left the topology) and kept.
 * Walk ids are digests of the links crossed, so a walk that survives keeps its id and its baseline.
 */
import type { LinkCoverPlan, PathHops, Walk } from '../../topology/index.js';

export interface PlannedWalk {
  walk: Walk;
  /** Probe addressing; absent when the walk cannot be addressed (then `unaddressable` says why). */
  hops?: PathHops;
  unaddressable?: string;
}

export interface WalkPlanDiff {
  added: PlannedWalk[];
  gone: PlannedWalk[];
  kept: PlannedWalk[];
  /** The whole plan as it now is (coverage, groups, unreachable links); null when planning failed. */
  plan: LinkCoverPlan | null;
  /** Why there is no plan (the prober is not in the topology, ...), null when there is one. */
  problem: string | null;
  /** Change arrival to plan ready, ms; null for the first plan. */
  replanMs: number | null;
}
