/**
 * Which user paths a link (or group) incident explains: those that cross one of its faulty directed
 * links and are failing (DEGRADED or DOWN). They get no ticket of their own while the incident is
 * open; the incident's ticket lists them. UP paths cross the link but show nothing, and GONE paths do
 * not exist, so neither is "explained".
 */
import type { PathStateName } from '../monitor/path-state.js';
import type { PathRecord } from '../store/records.js';

/** A monitored user path and its current state (a LivePath fits). */
export interface PathStatus {
  record: PathRecord;
  state: PathStateName;
  /** The path's own thresholds, quoted when a path incident opens without a transition to cite. */
  thresholds?: { delayMs: number; lossPct: number };
}

export function isFailing(state: PathStateName): boolean {
  return state === 'DEGRADED' || state === 'DOWN';
}

/** Whether a route crossing `routeLinkKeys` crosses any of `subjectLinkKeys`. */
export function crossesAny(routeLinkKeys: readonly string[], subjectLinkKeys: ReadonlySet<string>): boolean {
  return routeLinkKeys.some((key) => subjectLinkKeys.has(key));
}

/** Ids of failing paths crossing the subject's links, sorted. */
export function explainedPathIds(subjectLinkKeys: readonly string[], paths: readonly PathStatus[]): string[] {
  const keys = new Set(subjectLinkKeys);
  return paths
    .filter((path) => isFailing(path.state) && crossesAny(path.record.linkKeys, keys))
    .map((path) => path.record.id)
    .sort();
}
