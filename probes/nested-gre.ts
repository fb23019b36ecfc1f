/**
 * The nested-GRE probe: builds the packet that forces a UDP probe along a path (one IPv4+GRE layer per
 * hop, each addressed to the next router, a UDP datagram back to the prober at the core; the README's
 * "How a path is forced" has the addressing), and peels such packets layer by layer. Building happens once per
 * path in a ProbeTemplate; per packet only the sequence and send time change, so `stamp` patches those
 * 12 bytes and adjusts the UDP checksum by RFC 1624 instead of re-encoding: no allocation, no full
 * checksum pass at send time, where a slow path would show up as measured delay. Per round only the
 * session and the path's place in the round change, so `reidentify` patches those 8 bytes the same way
 * and one template serves a route for as long as it is probed (engine/template-cache.ts): at 100,000
 * routes, re-encoding and re-parsing every address each round was most of a round's CPU.
 */
import { PacketDecodeError, PacketEncodeError, requireUint } from './errors.js';
import { checksumAdjust } from './codec/checksum.js';
import * as gre from './codec/gre.js';
import * as ipv4 from './codec/ipv4.js';
import * as probePayload from './codec/probe-payload.js';
import * as udp from './codec/udp.js';
import { FLAG_HMAC, HMAC_TAG_BYTES, type ProbeSigner } from './auth/probe-hmac.js';

const LAYER = 'nested-gre';
const LAYER_OVERHEAD = ipv4.MIN_HEADER_LENGTH + 4; // IPv4 + plain GRE per hop
const CORE_LENGTH = ipv4.MIN_HEADER_LENGTH + udp.HEADER_LENGTH + probePayload.HEADER_LENGTH;
const MAX_HOPS = Math.floor((0xffff - CORE_LENGTH) / LAYER_OVERHEAD);

export interface ProbeAddressing {
  /** The prober's address: the source of every layer, so each leg's reply path is the prober's. */
  source: string;
  /** One address per layer, outermost first: hops[0] is the outer destination. */
  hops: string[];
  /** Destination of the innermost IPv4+UDP (normally the prober itself). */
  returnAddress: string;
  sourcePort: number;
  destinationPort: number;
  /** TTL of every layer. Default 64. */
  ttl?: number;
}

/** What identifies a probe stream; a ProbeTemplate's session and path change only through `reidentify`. */
export interface ProbeIdentity {
  sessionId: number;
  pathId: number;
  flags?: number;
}

export interface PeeledGre {
  outer: ipv4.Ipv4Header;
  gre: gre.GreHeader;
  /** Where the inner IPv4 packet starts. */
  innerOffset: number;
  /** Where it ends: the outer Total Length, so link-layer padding after it is excluded. */
  innerEnd: number;
}

export interface DecodedProbePacket {
  /** Every IPv4 header, outermost first; the last one carries the UDP. */
  layers: ipv4.Ipv4Header[];
  udp: udp.UdpHeader;
  /** The UDP checksum verifies against the innermost IPv4 pseudo-header. */
  udpChecksumValid: boolean;
  payload: probePayload.DecodedProbePayload;
}

/** Bytes of a probe for `hopCount` hops, with `trailerBytes` after the payload (an HMAC tag). */
export function probePacketLength(hopCount: number, trailerBytes = 0): number {
  return hopCount * LAYER_OVERHEAD + CORE_LENGTH + trailerBytes;
}

function validateAddressing(a: ProbeAddressing): void {
  if (!Array.isArray(a.hops) || a.hops.length === 0) {
    throw new PacketEncodeError(LAYER, `hops must list at least one address, got ${JSON.stringify(a.hops)}`);
  }
  // Every layer's Total Length must fit 16 bits, and the outermost is the longest.
  if (a.hops.length > MAX_HOPS) throw new PacketEncodeError(LAYER, `at most ${MAX_HOPS} hops fit in 64 KiB, got ${a.hops.length}`);
  a.hops.forEach((hop, i) => ipv4.parseAddress(hop, `hops[${i}]`));
  ipv4.parseAddress(a.source, 'source');
  ipv4.parseAddress(a.returnAddress, 'returnAddress');
  requireUint(LAYER, 'ttl', a.ttl ?? 64, 0xff);
}

/**
 * Encodes a complete probe with every IPv4 header checksum and the UDP checksum filled in.
 * `trailerBytes` zero bytes follow the payload inside the UDP datagram (room for an HMAC tag).
 */
export function encodeProbePacket(addressing: ProbeAddressing, payload: probePayload.ProbePayload, trailerBytes = 0): Buffer {
  return encodeInto(addressing, payload, trailerBytes, Buffer.alloc);
}

/** encodeProbePacket into a zero-filled buffer of the packet's length from `allocate`. */
function encodeInto(addressing: ProbeAddressing, payload: probePayload.ProbePayload, trailerBytes: number, allocate: (length: number) => Buffer): Buffer {
  validateAddressing(addressing);
  requireUint(LAYER, 'trailerBytes', trailerBytes, 1024);
  const { source, hops, returnAddress, ttl = 64 } = addressing;
  const buf = allocate(probePacketLength(hops.length, trailerBytes));
  // DF on every layer: a decapsulating router does not reassemble, so a probe too big for a link
  // should be lost (and reported) rather than fragmented.
  const common = { flags: ipv4.FLAG_DONT_FRAGMENT, ttl, source };
  let at = 0;
  for (const hop of hops) {
    ipv4.encode({ ...common, protocol: ipv4.PROTOCOL_GRE, destination: hop, payloadLength: buf.length - at - ipv4.MIN_HEADER_LENGTH }, buf, at);
    gre.encode({ protocolType: gre.PROTOCOL_TYPE_IPV4 }, buf, at + ipv4.MIN_HEADER_LENGTH);
    at += LAYER_OVERHEAD;
  }
  const udpAt = at + ipv4.MIN_HEADER_LENGTH;
  ipv4.encode({ ...common, protocol: ipv4.PROTOCOL_UDP, destination: returnAddress, payloadLength: buf.length - udpAt }, buf, at);
  udp.encode({ sourcePort: addressing.sourcePort, destinationPort: addressing.destinationPort, payloadLength: probePayload.HEADER_LENGTH + trailerBytes }, buf, udpAt);
  probePayload.encode(payload, buf, udpAt + udp.HEADER_LENGTH);
  buf.writeUInt16BE(udp.computeChecksum(buf, udpAt, source, returnAddress), udpAt + 6);
  return buf;
}

// Templates live as long as their route is probed, 100,000 at a time: each packet as a Buffer of its
// own cost ~640 bytes of RSS for ~250 bytes of probe (measured), so they are carved from shared 4 KiB
// slabs instead. A slab is freed once none of its packets is used; a route that outlives its slab-mates
// pins at most 4 KiB, which bounds the waste whatever the churn.
const SLAB_BYTES = 4096;
let slab = Buffer.alloc(0);
let slabAt = 0;

function templateBytes(length: number): Buffer {
  if (length > SLAB_BYTES / 4) return Buffer.alloc(length);
  if (slabAt + length > slab.length) {
    slab = Buffer.alloc(SLAB_BYTES);
    slabAt = 0;
  }
  const bytes = slab.subarray(slabAt, slabAt + length);
  // 8-byte aligned, so no two packets share a word.
  slabAt += (length + 7) & ~7;
  return bytes;
}

// stamp() keeps the words it replaces here between reading and adjusting: it runs synchronously, so one
// scratch serves every template (one less ArrayBuffer per route).
const stampScratch = new Uint16Array((12 + HMAC_TAG_BYTES) / 2);
// Session id and path id sit at bytes 8 and 12 of the probe payload (codec/probe-payload.ts).
const SESSION_OFFSET = 8;

export interface ProbeTemplateOptions {
  /** Sign every probe: an HMAC tag after the payload, flag 0x01 set (probes/auth/probe-hmac.ts). */
  signer?: ProbeSigner;
}

/**
 * One path's probe, encoded once. `stamp` rewrites sequence and send time (and the HMAC tag, when
 * signing) in place and returns the same buffer every call: send it before stamping again.
 * `reidentify` gives it another session and path id (a new round), so a route's template is built once
 * however many rounds probe it.
 */
export class ProbeTemplate {
  /** The one buffer `stamp` writes into; a sender may hold it and stamp just before the write. */
  readonly packet: Buffer;
  /** Where `stamp` writes the sequence (u32) and send time (u64 after it), for a sender that stamps itself. */
  readonly sequenceAt: number;
  /** Where the UDP checksum sits, patched by RFC 1624 whenever the stamped words change. */
  readonly checksumAt: number;
  private readonly payloadAt: number;
  private readonly signer: ProbeSigner | undefined;
  /** Words (u16) of sequence, send time and tag that `stamp` replaces. */
  private readonly stampedWords: number;
  // The UDP checksum as encoded, with the first identity and zero sequence, time and tag: `reidentify`
  // adjusts from here, not from the packet, so whatever a self-stamping sender wrote is forgotten.
  private readonly baseChecksum: number;
  private readonly baseSessionId: number;
  private readonly basePathId: number;
  private sessionIdValue: number;
  private pathIdValue: number;

  constructor(addressing: ProbeAddressing, identity: ProbeIdentity, options: ProbeTemplateOptions = {}) {
    this.signer = options.signer;
    const trailerBytes = this.signer ? HMAC_TAG_BYTES : 0;
    const flags = (identity.flags ?? 0) | (this.signer ? FLAG_HMAC : 0);
    this.packet = encodeInto(addressing, { ...identity, flags, sequence: 0, sendTimeNs: 0n }, trailerBytes, templateBytes);
    this.sessionIdValue = this.baseSessionId = identity.sessionId;
    this.pathIdValue = this.basePathId = identity.pathId;
    const udpAt = probePacketLength(addressing.hops.length, trailerBytes) - trailerBytes - probePayload.HEADER_LENGTH - udp.HEADER_LENGTH;
    this.checksumAt = udpAt + 6;
    this.baseChecksum = this.packet.readUInt16BE(this.checksumAt);
    this.payloadAt = udpAt + udp.HEADER_LENGTH;
    // Sequence, send time and the tag after them are contiguous and word-aligned relative to the UDP
    // header, which RFC 1624 word-by-word adjustment needs.
    this.sequenceAt = this.payloadAt + probePayload.SEQUENCE_OFFSET;
    this.stampedWords = (12 + trailerBytes) / 2;
    if (this.signer) {
      this.signer.sign(this.packet, this.payloadAt);
      this.packet.writeUInt16BE(0, this.checksumAt);
      this.packet.writeUInt16BE(udp.computeChecksum(this.packet, udpAt, addressing.source, addressing.returnAddress), this.checksumAt);
    }
  }

  get sessionId(): number {
    return this.sessionIdValue;
  }

  get pathId(): number {
    return this.pathIdValue;
  }

  get length(): number {
    return this.packet.length;
  }

  /** True when probes carry an HMAC tag, which only `stamp` can compute: a self-stamping sender must not send it. */
  get signed(): boolean {
    return this.signer !== undefined;
  }

  /**
   * Gives the probe a new session and path id and resets sequence and send time (and the tag) to zero,
   * the state a new template starts in, with the UDP checksum adjusted by RFC 1624 from the one
   * encoded at construction. Stamping afterwards gives exactly the bytes a new template would.
   */
  reidentify(sessionId: number, pathId: number): void {
    requireUint(LAYER, 'sessionId', sessionId, 0xffffffff);
    requireUint(LAYER, 'pathId', pathId, 0xffffffff);
    const p = this.packet;
    const sessionAt = this.payloadAt + SESSION_OFFSET;
    p.writeUInt32BE(sessionId, sessionAt);
    p.writeUInt32BE(pathId, sessionAt + 4);
    // Word by word: Buffer.fill costs more than these few writes.
    for (let i = 0; i < this.stampedWords; i++) p.writeUInt16BE(0, this.sequenceAt + 2 * i);
    let checksum = this.baseChecksum;
    checksum = checksumAdjust(checksum, this.baseSessionId >>> 16, sessionId >>> 16);
    checksum = checksumAdjust(checksum, this.baseSessionId & 0xffff, sessionId & 0xffff);
    checksum = checksumAdjust(checksum, this.basePathId >>> 16, pathId >>> 16);
    checksum = checksumAdjust(checksum, this.basePathId & 0xffff, pathId & 0xffff);
    p.writeUInt16BE(checksum || 0xffff, this.checksumAt);
    this.sessionIdValue = sessionId;
    this.pathIdValue = pathId;
  }

  /** Sets sequence (already wrapped to 32 bits) and send time, fixes the UDP checksum, returns the packet. */
  stamp(sequence: number, sendTimeNs: bigint): Buffer {
    requireUint(LAYER, 'sequence', sequence, 0xffffffff);
    probePayload.validateSendTime(sendTimeNs);
    const p = this.packet;
    const at = this.sequenceAt;
    const words = this.stampedWords;
    const old = stampScratch;
    for (let i = 0; i < words; i++) old[i] = p.readUInt16BE(at + 2 * i);
    p.writeUInt32BE(sequence, at);
    p.writeBigUInt64BE(sendTimeNs, at + 4);
    this.signer?.sign(p, this.payloadAt);
    let checksum = p.readUInt16BE(this.checksumAt);
    for (let i = 0; i < words; i++) checksum = checksumAdjust(checksum, old[i]!, p.readUInt16BE(at + 2 * i));
    // RFC 768: zero on the wire means "no checksum", so a computed zero goes out as all ones.
    p.writeUInt16BE(checksum || 0xffff, this.checksumAt);
    return p;
  }
}

function refuseFragment(ip: ipv4.Ipv4Header, offset: number): void {
  if (ip.flags & ipv4.FLAG_MORE_FRAGMENTS || ip.fragmentOffset !== 0) {
    throw new PacketDecodeError('ipv4', offset + 6, `fragment (flags ${ip.flags}, offset ${ip.fragmentOffset}); probes are never reassembled`);
  }
}

function peelDecoded(buf: Buffer, outer: ipv4.Ipv4Header, offset: number): PeeledGre {
  if (outer.protocol !== ipv4.PROTOCOL_GRE) {
    throw new PacketDecodeError('ipv4', offset + 9, `protocol ${outer.protocol}, expected 47 (GRE)`);
  }
  refuseFragment(outer, offset);
  const greAt = offset + outer.headerLength;
  const innerEnd = offset + outer.totalLength;
  const header = gre.decode(buf, greAt, innerEnd);
  // Only IPv4 is ever nested in a probe (RFC 2784 §3); anything else is not ours to forward.
  if (header.protocolType !== gre.PROTOCOL_TYPE_IPV4) {
    throw new PacketDecodeError('gre', greAt + 2, `protocol type 0x${header.protocolType.toString(16).padStart(4, '0')}, expected 0x0800 (IPv4)`);
  }
  return { outer, gre: header, innerOffset: greAt + header.headerLength, innerEnd };
}

/**
 * Decodes the outer IPv4 + GRE at `offset`: what a decapsulating router needs to forward
 * `buf.subarray(innerOffset, innerEnd)`. Checksums are reported on the headers, not enforced.
 */
export function peelGre(buf: Buffer, offset = 0): PeeledGre {
  return peelDecoded(buf, ipv4.decode(buf, offset), offset);
}

/** Peels every GRE layer of a probe and decodes the UDP and probe payload at its core. */
export function decodeProbePacket(buf: Buffer): DecodedProbePacket {
  const layers: ipv4.Ipv4Header[] = [];
  let view = buf;
  let at = 0;
  for (;;) {
    const ip = ipv4.decode(view, at);
    layers.push(ip);
    if (ip.protocol === ipv4.PROTOCOL_GRE) {
      const peeled = peelDecoded(view, ip, at);
      // Each inner layer must fit inside the one around it, whatever its own Total Length claims.
      view = view.subarray(0, peeled.innerEnd);
      at = peeled.innerOffset;
      continue;
    }
    if (ip.protocol !== ipv4.PROTOCOL_UDP) {
      throw new PacketDecodeError('ipv4', at + 9, `innermost protocol ${ip.protocol}, expected 17 (UDP)`);
    }
    refuseFragment(ip, at);
    view = view.subarray(0, at + ip.totalLength);
    const udpAt = at + ip.headerLength;
    const header = udp.decode(view, udpAt);
    const datagram = view.subarray(0, udpAt + header.length);
    return {
      layers,
      udp: header,
      udpChecksumValid: udp.checksumValid(datagram, udpAt, ip.source, ip.destination),
      payload: probePayload.decode(datagram, udpAt + udp.HEADER_LENGTH),
    };
  }
}
