/**
 * IPv4 header codec (RFC 791). It encodes and decodes the header only: the caller says how many payload
 * bytes follow (`payloadLength`) so nested layers can be written inside out into one buffer without
 * copying. Decode is strict about lengths (a packet whose Total Length claims more bytes than it has is
 * malformed) and lenient about values (any protocol number, options kept as raw bytes), and it reports
 * whether the header checksum holds instead of throwing, so diagnostics can still show a bad packet.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |Version|  IHL  |Type of Service|          Total Length         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |         Identification        |Flags|      Fragment Offset    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                       Source Address                          |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Destination Address                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                 RFC 791 §3.1, Figure 4
 */
import { PacketDecodeError, PacketEncodeError, requireBytes, requireUint } from '../errors.js';
import { internetChecksum } from './checksum.js';

const LAYER = 'ipv4';

export const MIN_HEADER_LENGTH = 20;
export const PROTOCOL_UDP = 17;
export const PROTOCOL_GRE = 47;
/** Bits of the 3-bit Flags field. */
export const FLAG_DONT_FRAGMENT = 0b010;
export const FLAG_MORE_FRAGMENTS = 0b001;

/** What a caller supplies to encode one header. */
export interface Ipv4Fields {
  /** The whole Type of Service byte (DSCP and ECN). Default 0. */
  tos?: number;
  /** Default 0. */
  id?: number;
  /** 3 bits, see FLAG_*. Default 0. */
  flags?: number;
  /** In 8-octet units. Default 0. */
  fragmentOffset?: number;
  /** Default 64. */
  ttl?: number;
  protocol: number;
  source: string;
  destination: string;
  /** Raw option bytes, already padded to a multiple of 4 (at most 40). */
  options?: Uint8Array;
  /** Bytes after the header; Total Length is derived from it. */
  payloadLength: number;
}

export interface Ipv4Header extends Required<Ipv4Fields> {
  kind: 'ipv4';
  /** Bytes the header occupies (IHL × 4); the payload starts here. */
  headerLength: number;
  totalLength: number;
  checksum: number;
  /** The header checksum verifies (RFC 791 §3.1 Header Checksum). */
  checksumValid: boolean;
}

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
// Leading zeros are refused: some parsers read "010" as octal, so the text would be ambiguous.
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isAddress(text: string): boolean {
  return typeof text === 'string' && DOTTED_QUAD.test(text);
}

/** The address as an unsigned 32-bit number; throws PacketEncodeError naming `field` if it is not dotted-quad text. */
export function parseAddress(text: string, field = 'address'): number {
  if (!isAddress(text)) {
    throw new PacketEncodeError(LAYER, `${field} must be a dotted-quad IPv4 address, got ${JSON.stringify(text)}`);
  }
  return text.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

export function formatAddress(buf: Buffer, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

export function encodingLength(v: Pick<Ipv4Fields, 'options'>): number {
  return MIN_HEADER_LENGTH + (v.options?.length ?? 0);
}

function validate(v: Ipv4Fields): void {
  requireUint(LAYER, 'tos', v.tos ?? 0, 0xff);
  requireUint(LAYER, 'id', v.id ?? 0, 0xffff);
  requireUint(LAYER, 'flags', v.flags ?? 0, 0b111);
  requireUint(LAYER, 'fragmentOffset', v.fragmentOffset ?? 0, 0x1fff);
  requireUint(LAYER, 'ttl', v.ttl ?? 64, 0xff);
  requireUint(LAYER, 'protocol', v.protocol, 0xff);
  parseAddress(v.source, 'source');
  parseAddress(v.destination, 'destination');
  const optionsLength = v.options?.length ?? 0;
  // RFC 791 §3.1: IHL counts 32-bit words and is 4 bits wide, so options pad to 4 and stop at 40 bytes.
  if (optionsLength % 4 !== 0 || optionsLength > 40) {
    throw new PacketEncodeError(LAYER, `options must be a multiple of 4 bytes and at most 40, got ${optionsLength}`);
  }
  const headerLength = MIN_HEADER_LENGTH + optionsLength;
  requireUint(LAYER, 'payloadLength', v.payloadLength, 0xffff - headerLength);
}

/**
 * Writes the header (checksum included) at `offset` of `buf`, or of a new buffer just big enough for
 * the header. Returns the buffer written to. The payload is the caller's to write.
 */
export function encode(v: Ipv4Fields, buf?: Buffer, offset = 0): Buffer {
  validate(v);
  const headerLength = encodingLength(v);
  if (!buf) buf = Buffer.alloc(headerLength + offset);
  if (buf.length - offset < headerLength) {
    throw new PacketEncodeError(LAYER, `buffer has ${buf.length - offset} bytes at offset ${offset}, need ${headerLength}`);
  }
  buf[offset] = 0x40 | (headerLength >> 2);
  buf[offset + 1] = v.tos ?? 0;
  buf.writeUInt16BE(headerLength + v.payloadLength, offset + 2);
  buf.writeUInt16BE(v.id ?? 0, offset + 4);
  buf.writeUInt16BE(((v.flags ?? 0) << 13) | (v.fragmentOffset ?? 0), offset + 6);
  buf[offset + 8] = v.ttl ?? 64;
  buf[offset + 9] = v.protocol;
  buf.writeUInt16BE(0, offset + 10);
  buf.writeUInt32BE(parseAddress(v.source), offset + 12);
  buf.writeUInt32BE(parseAddress(v.destination), offset + 16);
  if (v.options) buf.set(v.options, offset + MIN_HEADER_LENGTH);
  // RFC 791 §3.1 Header Checksum: computed over the header only, with the field itself as zero.
  buf.writeUInt16BE(internetChecksum(buf, offset, offset + headerLength), offset + 10);
  return buf;
}

export function decode(buf: Buffer, offset = 0): Ipv4Header {
  requireBytes(LAYER, buf, offset, 1, 'version/IHL byte');
  const version = buf[offset]! >> 4;
  // RFC 791 §3.1 Version: this format is version 4 only.
  if (version !== 4) throw new PacketDecodeError(LAYER, offset, `version ${version}, expected 4`);
  const ihl = buf[offset]! & 0x0f;
  // RFC 791 §3.1 IHL: "the minimum value for a correct header is 5".
  if (ihl < 5) throw new PacketDecodeError(LAYER, offset, `IHL ${ihl} is below the minimum of 5`);
  const headerLength = ihl * 4;
  requireBytes(LAYER, buf, offset, headerLength, 'header');
  const totalLength = buf.readUInt16BE(offset + 2);
  // RFC 791 §3.1 Total Length covers header and data, so it can be neither shorter than the header
  // nor longer than what arrived; bytes after it (link padding) are not ours.
  if (totalLength < headerLength) {
    throw new PacketDecodeError(LAYER, offset + 2, `total length ${totalLength} is smaller than the header length ${headerLength}`);
  }
  if (totalLength > buf.length - offset) {
    throw new PacketDecodeError(LAYER, offset + 2, `total length ${totalLength} exceeds the ${buf.length - offset} bytes available`);
  }
  const flagsAndOffset = buf.readUInt16BE(offset + 6);
  return {
    kind: 'ipv4',
    tos: buf[offset + 1]!,
    id: buf.readUInt16BE(offset + 4),
    flags: flagsAndOffset >> 13,
    fragmentOffset: flagsAndOffset & 0x1fff,
    ttl: buf[offset + 8]!,
    protocol: buf[offset + 9]!,
    checksum: buf.readUInt16BE(offset + 10),
    checksumValid: internetChecksum(buf, offset, offset + headerLength) === 0,
    source: formatAddress(buf, offset + 12),
    destination: formatAddress(buf, offset + 16),
    options: Buffer.from(buf.subarray(offset + MIN_HEADER_LENGTH, offset + headerLength)),
    headerLength,
    totalLength,
    payloadLength: totalLength - headerLength,
  };
}
