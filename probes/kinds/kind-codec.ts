/**
 * What a target probe kind supplies to the engine (target-round.ts): how to build one probe, stamped
 * with the kind's identifier and the probe's slot, and how to tell its reply from anything else. The
 * engine owns everything else (pacing, timeouts, send and receive times, source ports, statistics), so
 * every kind is measured the same way and a new kind is one file behind this interface.
 *
 * A kind's `match` says which slot a reply claims to answer and where it claims to come from; the
 * engine then checks the claim against what it sent (the address, the ports, that the slot was sent),
 * so a kind cannot be fooled into bending a figure by a reply that only looks right.
 */
import type { TargetAddressing } from './probe-kind.js';

/** A packet the helper read, as a kind sees it. */
export interface ReceivedDatagram {
  /** The bytes as read (at most the first 128), starting with the IPv4 header when `withIpHeader`. */
  data: Buffer;
  withIpHeader: boolean;
  /** The packet's full length as read from the socket (can exceed `data.length`). */
  length: number;
  /** Source address of the packet, from the socket. */
  fromAddress: string;
  /** UDP: the source port; 0 where the socket has none (raw, ping). */
  fromPort: number;
  /** UDP: the local port the datagram arrived on. */
  localPort: number;
}

/** One probe as the helper sends it: the bytes after the IPv4 header (or the UDP payload). */
export interface BuiltProbe {
  data: Buffer;
}

export type DropReason = 'malformed' | 'foreign' | 'forged' | 'ignored';

/**
 * A kind's reading of a reply: the slot it answers and the addressing it came with, or why it is not a
 * reply at all. `ignored` is for traffic that is not a reply and not aimed at us (a raw TCP socket sees
 * every segment the host receives): it is not counted, because it says nothing about the probes.
 */
export type ReplyVerdict =
  | {
      slot: number;
      fromAddress: string;
      /** tcp/udp: the reply's source port (must be the target's port). */
      fromPort?: number;
      /** tcp/udp: the reply's destination port (must be the probe's source port). */
      toPort?: number;
      /** tcp: answered by RST, the port is closed and the host reachable. */
      refused?: boolean;
      /** Sent (untimed) once this reply is accepted: the TCP RST that ends a half-open handshake. */
      followUp?: { destination: string; data: Buffer };
    }
  | { drop: DropReason };

export interface RoundContext {
  sessionId: number;
  targets: readonly TargetAddressing[];
  count: number;
  /** Echo identifier the kernel writes (ping socket); the kind's own choice otherwise. */
  identifier?: number;
  /** The source address probes to `address` leave from (for checksums over a pseudo-header). */
  localAddressFor(address: string): string;
}

export interface KindRound {
  /** The probe for `slot` = targetIndex * count + sequence, leaving from `sourcePort` (tcp, udp). */
  build(targetIndex: number, sequence: number, slot: number, sourcePort: number): BuiltProbe;
  match(datagram: ReceivedDatagram): ReplyVerdict;
}

export interface KindCodec {
  readonly name: 'icmp' | 'tcp' | 'udp';
  /** tcp and udp have ports: the engine plans source ports and checks both ports of a reply. */
  readonly ported: boolean;
  /** Checks a round's targets before anything is sent; throws a message naming the bad value. */
  validate(targets: readonly TargetAddressing[], count: number): void;
  startRound(context: RoundContext): KindRound;
}
