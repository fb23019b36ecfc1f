/**
 * Probe kinds beside nested GRE: what a kind is, and what a round of one returns. The engine owns
 * pacing, timeouts, kernel timestamps, matching and statistics; a kind supplies how to build a probe,
 * how to stamp it (identifier, sequence, source port) and how to tell its reply from anything else.
 * Every kind reports the same RoundStats as GRE paths, so the monitor treats a target like a path.
 */
import type { RoundStats } from '../stats/round-stats.js';

export type ProbeKindName = 'gre' | 'icmp' | 'tcp' | 'udp';

/** One target of a round, already resolved to an IPv4 address. */
export interface TargetAddressing {
  /** IPv4 address probed (a DNS name is resolved by the caller each round). */
  address: string;
  /** TCP or UDP destination port; ignored by icmp. */
  port?: number;
  /** Source address to send from; the kernel chooses when absent. */
  sourceAddress?: string;
  /**
   * TCP or UDP source port: a number pins it (an application's port), a [first, last] range sweeps it
   * one probe per port in turn (ECMP paths one by one); absent, the engine chooses per probe.
   */
  sourcePort?: number | readonly [number, number];
  /** ICMP echo payload bytes (MTU checks); DF is set on every request. */
  payloadBytes?: number;
}

export interface TargetRoundOptions {
  count: number;
  intervalMs: number;
  timeoutMs: number;
  /** Called about once a second while the round runs (long one-off runs show progress). */
  onProgress?: (progress: TargetRoundProgress) => void;
}

export interface TargetRoundProgress {
  sent: number;
  received: number;
  elapsedMs: number;
}

export interface KindDropCounts {
  /** Not parseable as the kind's reply (truncated, wrong protocol, garbage). */
  malformed: number;
  /** Well formed but not ours: wrong identifier, another session, a port we did not probe. */
  foreign: number;
  /** Ours in form but from a source we did not probe, or a sequence we never sent. */
  forged: number;
}

export interface TargetRoundResult {
  /** In the order of the targets given. */
  perTarget: RoundStats[];
  /** Each target's RTTs in ns by sequence, NaN for a probe with no reply in time. */
  samplesNs: Float64Array[];
  /** tcp: probes answered by RST (port closed, host reachable); zero for other kinds. */
  refused: number[];
  /** tcp/udp with a swept source port: the source ports whose probes were lost, per target. */
  failedSourcePorts: number[][];
  drops: KindDropCounts;
  /** Probes that could not leave (counted as lost), by errno name: EMSGSIZE for a payload over the MTU with DF. */
  sendErrors?: Record<string, number>;
  /** From the first send to the last, so a caller can tell the rate it actually achieved. */
  sendSpanNs?: number;
}

/** One kind, bound to its sockets. */
export interface TargetProber {
  readonly kind: Exclude<ProbeKindName, 'gre'>;
  /** icmp: 'ping-socket' when it fell back to the unprivileged ping socket; 'raw' otherwise. */
  readonly socket?: 'raw' | 'ping-socket' | 'udp';
  runRound(targets: readonly TargetAddressing[], options: TargetRoundOptions): Promise<TargetRoundResult>;
  close(): Promise<void>;
}

export interface TargetProberOptions {
  /** Send from this address (the kernel chooses when absent). */
  sourceAddress?: string;
  /** Identifies this run's probes (ICMP identifier, payload session); random when absent. */
  sessionId?: number;
}

/**
 * Opens a kind's sockets. For icmp without CAP_NET_RAW it falls back to an unprivileged ping socket
 * where net.ipv4.ping_group_range allows, else throws an error that says what to grant.
 */
export type OpenTargetProber = (kind: Exclude<ProbeKindName, 'gre'>, options?: TargetProberOptions) => Promise<TargetProber>;
