/**
 * The lab's stand-in for a router's GRE decapsulation: take a GRE packet addressed to this router, strip
 * the outer IPv4 + GRE, apply the impairments of the links it crosses, and send the inner packet on.
 *
 * With pathmon's hop addressing, the outer destination is this router's address on the link the packet
 * arrived over, and the inner destination, when it is a neighbor's address, names the link it leaves
 * by. So the router knows both links without asking the kernel. Each link direction is impaired exactly
 * once: by the router that sends onto it, or, when the sender is a host (which runs no router process),
 * by the router that receives from it.
 *
 * Sockets, clock and randomness come in through the constructor so the decisions are unit-tested.
 */
import { peelGre } from '../../probes/nested-gre.js';
import { decode as decodeIpv4 } from '../../probes/codec/ipv4.js';
import type { LabInterface } from '../lab-plan.js';
import { directionKey, verdictFor, type ImpairmentTable } from './impairments.js';

export interface RouterCounters {
  received: number;
  forwarded: number;
  delayed: number;
  dropped: { malformed: number; ttlExpired: number; down: number; loss: number; sendError: number };
  /** Time from receiving a packet to handing it to the socket, less any intended delay: the lab's own cost. */
  overheadUs: { count: number; mean: number; max: number };
  /** How late delayed packets left, beyond their intended delay (timer granularity). */
  releaseLateUs: { count: number; mean: number; max: number };
}

export interface RouterDeps {
  send(packet: Buffer, destination: string): void;
  delay(packet: OutgoingPacket, delayNs: number): void;
  random(): number;
  nowNs(): bigint;
  /**
   * Called for every forwarded packet when the lab records ground truth (truth-records.ts): the delay
   * actually applied (intended + released late) and the whole time the packet was held here.
   */
  recordTruth?(packet: Buffer, appliedDelayNs: number, holdNs: number): void;
}

export interface OutgoingPacket {
  packet: Buffer;
  destination: string;
  receivedNs: bigint;
  delayNs: number;
}

export class GreRouter {
  impairments: ImpairmentTable = {};
  readonly counters: RouterCounters = {
    received: 0,
    forwarded: 0,
    delayed: 0,
    dropped: { malformed: 0, ttlExpired: 0, down: 0, loss: 0, sendError: 0 },
    overheadUs: { count: 0, mean: 0, max: 0 },
    releaseLateUs: { count: 0, mean: 0, max: 0 },
  };
  private readonly byLocalAddress = new Map<string, LabInterface>();
  private readonly byPeerAddress = new Map<string, LabInterface>();

  constructor(
    readonly node: string,
    interfaces: LabInterface[],
    private readonly deps: RouterDeps,
  ) {
    for (const iface of interfaces) {
      this.byLocalAddress.set(iface.address, iface);
      this.byPeerAddress.set(iface.peerAddress, iface);
    }
  }

  /** Handles one IPv4 packet from the GRE raw socket. The buffer must be the caller's to keep. */
  handle(packet: Buffer): void {
    const receivedNs = this.deps.nowNs();
    this.counters.received++;
    let inner: Buffer;
    let destination: string;
    let outerDestination: string;
    try {
      const peeled = peelGre(packet, 0);
      outerDestination = peeled.outer.destination;
      inner = packet.subarray(peeled.innerOffset, peeled.innerEnd);
      destination = decodeIpv4(inner, 0).destination;
    } catch {
      this.counters.dropped.malformed++;
      return;
    }
    if (!decrementTtl(inner)) {
      this.counters.dropped.ttlExpired++;
      return;
    }

    const ingress = this.byLocalAddress.get(outerDestination);
    const egress = this.byPeerAddress.get(destination);
    const verdict = verdictFor(
      [
        ingress?.peerKind === 'host' ? this.impairments[directionKey(ingress.peer, this.node, ingress.linkId)] : undefined,
        egress ? this.impairments[directionKey(this.node, egress.peer, egress.linkId)] : undefined,
      ],
      this.deps.random,
    );
    if (verdict.kind === 'drop') {
      this.counters.dropped[verdict.reason]++;
      return;
    }
    const outgoing = { packet: inner, destination, receivedNs, delayNs: verdict.delayNs };
    if (verdict.delayNs > 0) {
      this.counters.delayed++;
      this.deps.delay(outgoing, verdict.delayNs);
    } else {
      this.transmit(outgoing);
    }
  }

  /** Sends a packet now; called directly, or by the delay queue when its time has come. */
  transmit(outgoing: OutgoingPacket, lateNs = 0n): void {
    const holdNs = Number(this.deps.nowNs() - outgoing.receivedNs);
    const overheadNs = holdNs - outgoing.delayNs - Number(lateNs);
    try {
      this.deps.send(outgoing.packet, outgoing.destination);
      this.counters.forwarded++;
    } catch {
      this.counters.dropped.sendError++;
      return;
    }
    addSample(this.counters.overheadUs, Math.max(0, overheadNs) / 1e3);
    if (outgoing.delayNs > 0) addSample(this.counters.releaseLateUs, Number(lateNs) / 1e3);
    this.deps.recordTruth?.(outgoing.packet, outgoing.delayNs + Number(lateNs), holdNs);
  }

  countSendError(): void {
    this.counters.forwarded--;
    this.counters.dropped.sendError++;
  }
}

/** A forwarding router decrements TTL (RFC 791 §3.2); the header checksum is patched per RFC 1624. */
function decrementTtl(ipv4: Buffer): boolean {
  const ttl = ipv4[8]!;
  if (ttl <= 1) return false;
  const oldWord = (ttl << 8) | ipv4[9]!;
  ipv4[8] = ttl - 1;
  const newWord = ((ttl - 1) << 8) | ipv4[9]!;
  let sum = (~ipv4.readUInt16BE(10) & 0xffff) + (~oldWord & 0xffff) + newWord;
  sum = (sum & 0xffff) + (sum >>> 16);
  sum = (sum & 0xffff) + (sum >>> 16);
  ipv4.writeUInt16BE(~sum & 0xffff, 10);
  return true;
}

function addSample(stat: { count: number; mean: number; max: number }, value: number): void {
  stat.count++;
  stat.mean += (value - stat.mean) / stat.count;
  if (value > stat.max) stat.max = value;
}
