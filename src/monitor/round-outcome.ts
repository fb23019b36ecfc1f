/**
 * A round is an event: the monitor probes, then hands one RoundOutcome to every evaluator that
 * subscribed (path states, link localization, and whatever comes next), instead of deciding anything
 * inline. Each route carries the directed links it crossed, so an evaluator needs no planner to know
 * what a figure is evidence about.
 */
import type { RoundStats } from '../../probes/index.js';

export interface RouteOutcome {
  /** A user path (from a group's endpoint pair), a cover walk, or an ICMP/TCP/UDP target (no links). */
  kind: 'path' | 'walk' | 'target';
  /** Path id or walk id. */
  id: string;
  /** The path's or target's group; null for walks. */
  group: string | null;
  /** Directed link keys crossed, in order, a key once per crossing. */
  linkKeys: readonly string[];
  stats: RoundStats;
}

export interface RoundOutcome {
  atMs: number;
  routes: RouteOutcome[];
}
