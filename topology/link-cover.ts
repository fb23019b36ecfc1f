/**
 * What a link-cover plan is: the walks a prober sends so that every directed link it can reach is
 * crossed `coverage` times and is 1-identifiable (the set of walks crossing it differs from every other
 * link's), and the link groups no set of walks can separate. The planner that builds one lives in
 * link-cover-planner.ts; this file is the vocabulary the monitor, the estimator and the views share.
 */
import type { Walk } from './walk.js';

export interface LinkCoverOptions {
  /** The prober's node (name, id or router-id). Every walk starts and ends there. */
  prober: string;
  /** Walks each directed link should be crossed by. Default 2. */
  coverage?: number;
  /** Most links one walk may cross (the header budget: 24 bytes per leg). Default 16. */
  maxHops?: number;
  /**
   * Walks each directed link whose reverse the plan is also about should be crossed by without its
   * reverse. Walks crossing both directions only bound the sum of the two losses; these walks split it,
   * so a loss on both directions of one link is estimated per direction. Default: `coverage` + 1; 0: none.
   */
  separation?: number;
  /** Walks the plan may hold at most; the plan says what it could not reach. Default 100,000. */
  maxWalks?: number;
  /**
   * The previous plan's walks: those whose links all still exist are kept (their ids and baselines
   * survive a re-plan) and only what the change touched is refined.
   */
  previous?: readonly Walk[];
}

/** Links whose signatures no plan can separate: one unknown for the estimator, one subject for incidents. */
export interface LinkGroup {
  /** Stable: `g` + a digest of the sorted member keys. */
  id: string;
  /** Directed link keys, sorted. */
  linkKeys: string[];
  /** Members as people say them: `dev1→R1`, `R1→dev1`. */
  labels: string[];
  /** Why they cannot be told apart: "every walk crosses both (the prober's access link)", ... */
  reason: string;
}

export interface LinkCoverPlan {
  walks: Walk[];
  /** Directed links the plan is about (reachable from the prober within maxHops). */
  linkKeys: string[];
  /** Per directed link key: how many walks cross it. */
  coverage: Map<string, number>;
  /** Groups of two or more links with one signature; every other link in `linkKeys` is identifiable. */
  groups: LinkGroup[];
  /** Links the plan cannot cross at all, with the reason (a host's access link, beyond maxHops, unnumbered). */
  unreachable: { linkKey: string; reason: string }[];
  /** Links crossed fewer than `coverage` times although reachable, with the reason. */
  underCovered: { linkKey: string; walks: number; reason: string }[];
  /** Per directed link key with a reverse in the plan: how many walks cross it without its reverse. */
  separated?: Map<string, number>;
  /**
   * Directions crossed without their reverse by fewer than `separation` walks, with the reason (no walk
   * within maxHops can, say: a dead end, a bridge, the prober's access link).
   */
  underSeparated?: { linkKey: string; walks: number; reason: string }[];
  /** Links alone in their signature class. */
  identifiable: number;
  /** Planning time in ms. */
  computeMs: number;
}
