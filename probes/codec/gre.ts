/**
 * GRE header codec (RFC 2784). pathmon sends the plain 4-byte form (no checksum) and must read whatever
 * a router or peer sends back, so decode accepts the optional checksum and also the RFC 2890 Key and
 * Sequence Number fields: those are skipped over and reported, because Linux and most routers set them
 * when a tunnel is keyed and the payload is still an ordinary inner packet. RFC 1701 routing bits are
 * refused (RFC 2784 §2.3). Like IPv4 this writes the header only; the checksum, which covers the payload
 * too, is filled in afterwards with `computeChecksum` once the payload is in place.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C| |K|S| Reserved0       | Ver |         Protocol Type         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      Checksum (optional)      |       Reserved1 (Optional)    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         Key (optional)                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                 Sequence Number (Optional)                    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *        RFC 2784 §2.1, with the K and S fields of RFC 2890 §2
 */
import { PacketDecodeError, PacketEncodeError, requireBytes, requireUint } from '../errors.js';
import { internetChecksum, onesComplementSum } from './checksum.js';

const LAYER = 'gre';

export const PROTOCOL_TYPE_IPV4 = 0x0800;

const C_BIT = 0x8000;
const K_BIT = 0x2000;
const S_BIT = 0x1000;
// Bits 1, 4 and 5: RFC 1701's Routing Present, Strict Source Route and top Recursion bit.
const RFC1701_BITS = 0x4000 | 0x0800 | 0x0400;

export interface GreFields {
  /** Carry the Checksum and Reserved1 fields (C bit). Default false. */
  checksumPresent?: boolean;
  /** Value to write in the Checksum field; normally left 0 and filled by `computeChecksum`. */
  checksum?: number;
  /** EtherType of the payload, 0x0800 for IPv4 (RFC 2784 §3). */
  protocolType: number;
  /** RFC 2890 Key; written (K bit set) when defined. */
  key?: number;
  /** RFC 2890 Sequence Number; written (S bit set) when defined. */
  sequenceNumber?: number;
}

export interface GreHeader extends GreFields {
  kind: 'gre';
  checksumPresent: boolean;
  version: 0;
  /** Bytes the header occupies; the payload starts here. */
  headerLength: number;
  /** Whether the checksum over header and payload holds; undefined when no checksum is carried. */
  checksumValid: boolean | undefined;
}

export function encodingLength(v: GreFields): number {
  return 4 + (v.checksumPresent ? 4 : 0) + (v.key !== undefined ? 4 : 0) + (v.sequenceNumber !== undefined ? 4 : 0);
}

/** Writes the header at `offset` of `buf` (or of a new buffer) and returns the buffer written to. */
export function encode(v: GreFields, buf?: Buffer, offset = 0): Buffer {
  requireUint(LAYER, 'protocolType', v.protocolType, 0xffff);
  requireUint(LAYER, 'checksum', v.checksum ?? 0, 0xffff);
  if (v.key !== undefined) requireUint(LAYER, 'key', v.key, 0xffffffff);
  if (v.sequenceNumber !== undefined) requireUint(LAYER, 'sequenceNumber', v.sequenceNumber, 0xffffffff);
  const length = encodingLength(v);
  if (!buf) buf = Buffer.alloc(length + offset);
  if (buf.length - offset < length) {
    throw new PacketEncodeError(LAYER, `buffer has ${buf.length - offset} bytes at offset ${offset}, need ${length}`);
  }
  // Reserved0 and Version are written as zero (RFC 2784 §2.3, §2.3.1).
  let flags = 0;
  if (v.checksumPresent) flags |= C_BIT;
  if (v.key !== undefined) flags |= K_BIT;
  if (v.sequenceNumber !== undefined) flags |= S_BIT;
  buf.writeUInt16BE(flags, offset);
  buf.writeUInt16BE(v.protocolType, offset + 2);
  let at = offset + 4;
  if (v.checksumPresent) {
    buf.writeUInt16BE(v.checksum ?? 0, at);
    buf.writeUInt16BE(0, at + 2); // Reserved1 MUST be transmitted as zero (RFC 2784 §2.6).
    at += 4;
  }
  if (v.key !== undefined) {
    buf.writeUInt32BE(v.key, at);
    at += 4;
  }
  if (v.sequenceNumber !== undefined) buf.writeUInt32BE(v.sequenceNumber, at);
  return buf;
}

/**
 * The Checksum field value for the GRE packet (header and payload) in `buf[offset, end)`, computed as if
 * the field were zero (RFC 2784 §2.5). Only meaningful when the C bit is set.
 */
export function computeChecksum(buf: Buffer, offset: number, end: number): number {
  return ~onesComplementSum(buf, offset + 6, end, onesComplementSum(buf, offset, offset + 4)) & 0xffff;
}

/**
 * Decodes the header at `offset`. `end` is where the GRE packet stops (the outer IPv4 Total Length);
 * it bounds the checksum and the header itself, and defaults to the end of `buf`.
 */
export function decode(buf: Buffer, offset = 0, end = buf.length): GreHeader {
  const view = end < buf.length ? buf.subarray(0, end) : buf;
  requireBytes(LAYER, view, offset, 4, 'header');
  const flags = view.readUInt16BE(offset);
  const version = flags & 0x7;
  // RFC 2784 §2.3.1: "The Version Number field MUST contain the value zero." (1 is PPTP's enhanced GRE.)
  if (version !== 0) throw new PacketDecodeError(LAYER, offset + 1, `version ${version}, expected 0`);
  // RFC 2784 §2.3: a receiver not implementing RFC 1701 MUST discard a packet with any of bits 1-5 set;
  // RFC 2890 later gave bits 2 (K) and 3 (S) a meaning we do implement, so only 1, 4 and 5 are refused.
  // Bits 6-12 MUST be ignored on receipt.
  if (flags & RFC1701_BITS) {
    throw new PacketDecodeError(LAYER, offset, `RFC 1701 routing/recursion bits set (flags 0x${flags.toString(16).padStart(4, '0')})`);
  }
  const checksumPresent = (flags & C_BIT) !== 0;
  const header: GreHeader = {
    kind: 'gre',
    checksumPresent,
    version: 0,
    protocolType: view.readUInt16BE(offset + 2),
    headerLength: encodingLength({
      protocolType: 0,
      checksumPresent,
      key: flags & K_BIT ? 0 : undefined,
      sequenceNumber: flags & S_BIT ? 0 : undefined,
    }),
    checksumValid: undefined,
  };
  requireBytes(LAYER, view, offset, header.headerLength, 'header with optional fields');
  let at = offset + 4;
  if (checksumPresent) {
    header.checksum = view.readUInt16BE(at);
    header.checksumValid = internetChecksum(view, offset, view.length) === 0;
    at += 4;
  }
  if (flags & K_BIT) {
    header.key = view.readUInt32BE(at);
    at += 4;
  }
  if (flags & S_BIT) header.sequenceNumber = view.readUInt32BE(at);
  return header;
}
