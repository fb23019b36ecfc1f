/**
 * UDP header codec (RFC 768). The checksum covers a pseudo-header taken from the enclosing IPv4 layer,
 * so the header codec cannot compute it alone: `encode` writes the header with the checksum the caller
 * gives (0, "none", by default) and `computeChecksum` fills it once the payload is in place, the same
 * two-step shape as GRE. The probe template patches it incrementally instead (see nested-gre.ts).
 *
 *  0      7 8     15 16    23 24    31
 * +--------+--------+--------+--------+
 * |     Source      |   Destination   |
 * |      Port       |      Port       |
 * +--------+--------+--------+--------+
 * |                 |                 |
 * |     Length      |    Checksum     |
 * +--------+--------+--------+--------+
 *
 * pseudo-header, prefixed for the checksum only:
 * +--------+--------+--------+--------+
 * |          source address           |
 * +--------+--------+--------+--------+
 * |        destination address        |
 * +--------+--------+--------+--------+
 * |  zero  |protocol|   UDP length    |
 * +--------+--------+--------+--------+
 *          RFC 768, "Format" and "Fields"
 */
import { PacketDecodeError, PacketEncodeError, requireBytes, requireUint } from '../errors.js';
import { onesComplementSum } from './checksum.js';
import { parseAddress, PROTOCOL_UDP } from './ipv4.js';

const LAYER = 'udp';

export const HEADER_LENGTH = 8;

export interface UdpFields {
  sourcePort: number;
  destinationPort: number;
  /** Bytes after the header; the Length field is derived from it. */
  payloadLength: number;
  /** Value to write in the Checksum field; default 0 (no checksum), normally filled by `computeChecksum`. */
  checksum?: number;
}

export interface UdpHeader extends Required<UdpFields> {
  kind: 'udp';
  /** The Length field: header plus payload. */
  length: number;
  headerLength: typeof HEADER_LENGTH;
}

export function encodingLength(_v?: UdpFields): number {
  return HEADER_LENGTH;
}

/** Writes the header at `offset` of `buf` (or of a new buffer) and returns the buffer written to. */
export function encode(v: UdpFields, buf?: Buffer, offset = 0): Buffer {
  requireUint(LAYER, 'sourcePort', v.sourcePort, 0xffff);
  requireUint(LAYER, 'destinationPort', v.destinationPort, 0xffff);
  requireUint(LAYER, 'payloadLength', v.payloadLength, 0xffff - HEADER_LENGTH);
  requireUint(LAYER, 'checksum', v.checksum ?? 0, 0xffff);
  if (!buf) buf = Buffer.alloc(HEADER_LENGTH + offset);
  if (buf.length - offset < HEADER_LENGTH) {
    throw new PacketEncodeError(LAYER, `buffer has ${buf.length - offset} bytes at offset ${offset}, need ${HEADER_LENGTH}`);
  }
  buf.writeUInt16BE(v.sourcePort, offset);
  buf.writeUInt16BE(v.destinationPort, offset + 2);
  buf.writeUInt16BE(HEADER_LENGTH + v.payloadLength, offset + 4);
  buf.writeUInt16BE(v.checksum ?? 0, offset + 6);
  return buf;
}

/** Ones-complement sum of the RFC 768 pseudo-header, to seed the checksum over the datagram. */
export function pseudoHeaderSum(source: string, destination: string, udpLength: number): number {
  const src = parseAddress(source, 'source');
  const dst = parseAddress(destination, 'destination');
  return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + PROTOCOL_UDP + udpLength;
}

/**
 * The Checksum field value for the datagram at `offset` (length from its Length field), computed as if
 * the field were zero. RFC 768: a computed checksum of zero is transmitted as all ones, because zero on
 * the wire means "no checksum".
 */
export function computeChecksum(buf: Buffer, offset: number, source: string, destination: string): number {
  const length = buf.length - offset >= HEADER_LENGTH ? buf.readUInt16BE(offset + 4) : -1;
  if (length < HEADER_LENGTH || length > buf.length - offset) {
    throw new PacketEncodeError(LAYER, `no complete datagram at offset ${offset} (length field ${length}, ${buf.length - offset} bytes)`);
  }
  let sum = pseudoHeaderSum(source, destination, length);
  sum = onesComplementSum(buf, offset, offset + 6, sum);
  sum = onesComplementSum(buf, offset + HEADER_LENGTH, offset + length, sum);
  return ~sum & 0xffff || 0xffff;
}

/** Whether the datagram's checksum holds; a zero field (checksum not sent, RFC 768) counts as valid. */
export function checksumValid(buf: Buffer, offset: number, source: string, destination: string): boolean {
  const field = decode(buf, offset).checksum;
  return field === 0 || computeChecksum(buf, offset, source, destination) === field;
}

export function decode(buf: Buffer, offset = 0): UdpHeader {
  requireBytes(LAYER, buf, offset, HEADER_LENGTH, 'header');
  const length = buf.readUInt16BE(offset + 4);
  // RFC 768 Length: "the minimum value of the length is eight".
  if (length < HEADER_LENGTH) {
    throw new PacketDecodeError(LAYER, offset + 4, `length ${length} is below the minimum of ${HEADER_LENGTH}`);
  }
  if (length > buf.length - offset) {
    throw new PacketDecodeError(LAYER, offset + 4, `length ${length} exceeds the ${buf.length - offset} bytes available`);
  }
  return {
    kind: 'udp',
    sourcePort: buf.readUInt16BE(offset),
    destinationPort: buf.readUInt16BE(offset + 2),
    length,
    checksum: buf.readUInt16BE(offset + 6),
    headerLength: HEADER_LENGTH,
    payloadLength: length - HEADER_LENGTH,
  };
}
