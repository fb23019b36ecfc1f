/**
 * When an agent reports next. Two rules, both about the database server a whole fleet shares:
 *  - jitter: each wait is a random part (the last REPORT_JITTER) short of the report interval, never
 *    longer, so agents started together drift apart instead of all reporting in the same instant, while
 *    the hold time and the leader lease (sized from the interval) keep their margin;
 *  - expiry: an agent that would take over another's work (its heir, by rendezvous) reports just after
 *    that agent would expire, instead of up to a whole interval later. Every report learns how long
 *    each live agent has left, so this costs no query; only an agent's heirs wake, not the fleet.
 */
import type { ReportedAgent } from './agent-registry.js';

/** The share of the interval a wait may be shortened by at random. */
export const REPORT_JITTER = 0.2;
/** How long after another agent's expiry (by the server's clock, as last read) its heir reports. */
export const EXPIRY_MARGIN_MS = 100;
/** The shortest wait between two reports, so a wake that comes early cannot spin. */
export const MIN_REPORT_GAP_MS = 50;

/**
 * The wait before the next report: the interval less a random jitter, or less when a wake is due
 * sooner. `random` returns a number in [0, 1).
 */
export function nextReportDelayMs(intervalMs: number, random: () => number, wakeInMs: number | null): number {
  const regular = intervalMs * (1 - REPORT_JITTER * Math.min(1, Math.max(0, random())));
  return wakeInMs === null ? regular : Math.max(MIN_REPORT_GAP_MS, Math.min(regular, wakeInMs));
}

/**
 * How long from the report's answer until the first of `heirOf` (other agents whose work this one would
 * take) has expired, with the margin; null when none of them is live.
 */
export function expiryWakeInMs(agents: readonly ReportedAgent[], heirOf: ReadonlySet<string>, selfId: string): number | null {
  let soonest = Number.POSITIVE_INFINITY;
  for (const agent of agents) {
    if (agent.agentId !== selfId && heirOf.has(agent.agentId)) soonest = Math.min(soonest, agent.expiresInMs);
  }
  return Number.isFinite(soonest) ? Math.max(0, soonest) + EXPIRY_MARGIN_MS : null;
}
