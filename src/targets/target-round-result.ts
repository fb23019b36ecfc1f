/**
 * What one round says about each target: the kind's figures (the same RoundStats as a GRE path), the
 * address it probed (a DNS name's answer this round), and why it could not be probed when it could not.
 */
import type { KindDropCounts, RoundStats } from '../../probes/index.js';

export interface TargetRouteResult {
  stats: RoundStats;
  /** RTTs in ns by sequence, NaN for a lost probe. */
  samplesNs: Float64Array;
  /** The IPv4 address probed; null when the name did not resolve. */
  address: string | null;
  /** Why the round was lost without probing (a name that did not resolve, a prober that failed); null when probed. */
  problem: string | null;
  /** tcp: probes answered by RST (port closed, host reachable). */
  refused: number;
  /** tcp/udp with a swept source port: the ports whose probes were lost. */
  failedSourcePorts: number[];
}

export interface TargetRoundOutput {
  /** One per route given, in order. */
  results: TargetRouteResult[];
  drops: KindDropCounts;
}

/** A round in which none of `count` probes could be sent: judged as `count` probes lost. */
export function lostRound(count: number, address: string | null, problem: string | null): TargetRouteResult {
  return {
    stats: { sent: count, received: 0, lossPct: 100, late: 0, duplicates: 0, rttMs: null, jitterMs: null },
    samplesNs: new Float64Array(count).fill(Number.NaN),
    address,
    problem,
    refused: 0,
    failedSourcePorts: [],
  };
}
