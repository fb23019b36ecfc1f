/**
 * The fleet's round as one agent's evaluators see it: its own outcome joined with the other agents'
 * latest published rounds. Route ids need no qualifying by agent: a path or walk id is a digest of the
 * links it crosses from the node it starts at, and the fleet's work table holds each id once, so one
 * agent probes it. Only while a route moves between two agents standing on the same node can both
 * publish it for a round; then the first one met counts (this agent's own, else the first agent's by
 * id), and since the id is the same route, its baseline carries over to whoever probes it next.
 */
import type { PathStatus } from '../incidents/index.js';
import type { PathTransition, RoundOutcome, RouteOutcome } from '../monitor/index.js';
import type { PeerRound } from './round-outcome-queries.js';

/** This agent's outcome plus every route the others published that it does not have. */
export function mergedOutcome(own: RoundOutcome, peers: readonly PeerRound[]): RoundOutcome {
  if (peers.length === 0) return own;
  const seen = new Set(own.routes.map((route) => route.id));
  const routes: RouteOutcome[] = [...own.routes];
  for (const peer of peers) {
    for (const route of peer.routes) {
      if (seen.has(route.id)) continue;
      seen.add(route.id);
      routes.push(route);
    }
  }
  return { atMs: own.atMs, routes };
}

/**
 * Every monitored path of the fleet with its state: this agent's own, except where another agent
 * published a path this one monitors but does not hold (it stands on the same node): the holder's
 * state is the one measured.
 */
export function mergedPaths(own: readonly PathStatus[], holds: (routeId: string) => boolean, peers: readonly PeerRound[]): PathStatus[] {
  if (peers.length === 0) return [...own];
  const byId = new Map(own.map((status) => [status.record.id, status]));
  const published = new Set<string>();
  for (const peer of peers) {
    for (const status of peer.paths) {
      const id = status.record.id;
      if (published.has(id) || (byId.has(id) && holds(id))) continue;
      published.add(id);
      byId.set(id, status);
    }
  }
  return [...byId.values()];
}

/**
 * The other agents' path transitions, each handed out once: per agent, those of rounds after the last
 * one taken. After a reset (a new term as leader) the rounds still kept in the rows are taken again;
 * the incident desk treats a transition it already acted on as no change.
 */
export class PeerTransitions {
  private readonly takenUntil = new Map<string, number>();

  take(peers: readonly PeerRound[]): PathTransition[] {
    const out: PathTransition[] = [];
    for (const peer of peers) {
      const until = this.takenUntil.get(peer.agentId) ?? Number.NEGATIVE_INFINITY;
      let newest = until;
      for (const entry of peer.transitions) {
        if (entry.roundAtMs <= until) continue;
        out.push({ path: entry.path, transition: entry.transition });
        newest = Math.max(newest, entry.roundAtMs);
      }
      // The row's own round counts as taken even when it brought no transition.
      this.takenUntil.set(peer.agentId, Math.max(newest, peer.roundAtMs));
    }
    return out;
  }

  reset(): void {
    this.takenUntil.clear();
  }
}
