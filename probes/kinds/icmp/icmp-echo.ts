/**
 * ICMP echo request / echo reply codec (RFC 792). Only the echo messages are decoded into fields; any
 * other ICMP type decodes to its type and code with the rest left as data, so a receiver can tell "not
 * an echo reply" from "not ICMP at all". The checksum covers the whole message and is reported, not
 * enforced, by decode: the kind decides what a bad one means.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Type      |     Code      |          Checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Identifier          |        Sequence Number        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |     Data ...
 * +-+-+-+-+-
 *                 RFC 792, "Echo or Echo Reply Message"
 */
import { PacketEncodeError, requireBytes, requireUint } from '../../errors.js';
import { internetChecksum } from '../../codec/checksum.js';

const LAYER = 'icmp-echo';

export const HEADER_LENGTH = 8;
export const TYPE_ECHO_REPLY = 0;
export const TYPE_ECHO_REQUEST = 8;
export const PROTOCOL_ICMP = 1;

export interface IcmpEchoFields {
  type: typeof TYPE_ECHO_REQUEST | typeof TYPE_ECHO_REPLY;
  identifier: number;
  sequence: number;
  data: Uint8Array;
}

export interface DecodedIcmp {
  kind: 'icmp';
  type: number;
  code: number;
  checksum: number;
  /** RFC 792: the checksum over the whole message verifies. */
  checksumValid: boolean;
  /** Echo messages only (type 0 or 8); 0 for other types. */
  identifier: number;
  sequence: number;
  /** The bytes after the 8-byte header: a view into the decoded buffer. */
  data: Buffer;
}

export function encodingLength(v: Pick<IcmpEchoFields, 'data'>): number {
  return HEADER_LENGTH + v.data.length;
}

/** Writes the echo message, checksum included, at `offset` of `buf` (or of a new buffer). */
export function encode(v: IcmpEchoFields, buf?: Buffer, offset = 0): Buffer {
  if (v.type !== TYPE_ECHO_REQUEST && v.type !== TYPE_ECHO_REPLY) {
    throw new PacketEncodeError(LAYER, `type must be ${TYPE_ECHO_REQUEST} (echo) or ${TYPE_ECHO_REPLY} (echo reply), got ${String(v.type)}`);
  }
  requireUint(LAYER, 'identifier', v.identifier, 0xffff);
  requireUint(LAYER, 'sequence', v.sequence, 0xffff);
  // IPv4 Total Length is 16 bits: 20 bytes of IPv4 header and 8 of ICMP leave 65507 bytes of data.
  if (v.data.length > 65507) throw new PacketEncodeError(LAYER, `data must be at most 65507 bytes, got ${v.data.length}`);
  const length = encodingLength(v);
  if (!buf) buf = Buffer.alloc(length + offset);
  if (buf.length - offset < length) throw new PacketEncodeError(LAYER, `buffer has ${buf.length - offset} bytes at offset ${offset}, need ${length}`);
  buf[offset] = v.type;
  buf[offset + 1] = 0;
  buf.writeUInt16BE(0, offset + 2);
  buf.writeUInt16BE(v.identifier, offset + 4);
  buf.writeUInt16BE(v.sequence, offset + 6);
  buf.set(v.data, offset + HEADER_LENGTH);
  buf.writeUInt16BE(internetChecksum(buf, offset, offset + length), offset + 2);
  return buf;
}

/** Decodes the ICMP message in `buf[offset, end)`. */
export function decode(buf: Buffer, offset = 0, end = buf.length): DecodedIcmp {
  const view = buf.subarray(0, end);
  requireBytes(LAYER, view, offset, HEADER_LENGTH, 'ICMP header');
  const type = view[offset]!;
  const echo = type === TYPE_ECHO_REPLY || type === TYPE_ECHO_REQUEST;
  return {
    kind: 'icmp',
    type,
    code: view[offset + 1]!,
    checksum: view.readUInt16BE(offset + 2),
    checksumValid: internetChecksum(view, offset, end) === 0,
    identifier: echo ? view.readUInt16BE(offset + 4) : 0,
    sequence: echo ? view.readUInt16BE(offset + 6) : 0,
    data: view.subarray(offset + HEADER_LENGTH, end),
  };
}
