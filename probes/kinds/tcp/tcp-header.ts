/**
 * TCP header codec (RFC 9293 §3.1), for the handshake probe: enough to write a SYN or a RST and to read
 * a SYN/ACK or a RST. Options are kept as raw bytes. The checksum covers a pseudo-header from the
 * IPv4 layer (the kernel writes that layer for a raw TCP socket), so `encode` takes both addresses.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |          Source Port          |       Destination Port        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        Sequence Number                        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Acknowledgment Number                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Data |       |C|E|U|A|P|R|S|F|                               |
 * | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
 * |       |       |R|E|G|K|H|T|N|N|                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           Checksum            |         Urgent Pointer        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Options                    |    Padding    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                      RFC 9293 §3.1, Figure 1
 */
import { PacketDecodeError, PacketEncodeError, requireBytes, requireUint } from '../../errors.js';
import { onesComplementSum } from '../../codec/checksum.js';
import { parseAddress } from '../../codec/ipv4.js';

const LAYER = 'tcp';

export const MIN_HEADER_LENGTH = 20;
export const PROTOCOL_TCP = 6;
export const FLAG_FIN = 0x01;
export const FLAG_SYN = 0x02;
export const FLAG_RST = 0x04;
export const FLAG_PSH = 0x08;
export const FLAG_ACK = 0x10;

export interface TcpFields {
  sourcePort: number;
  destinationPort: number;
  sequence: number;
  acknowledgment: number;
  flags: number;
  window: number;
  /** Raw option bytes, padded to a multiple of 4 (at most 40). */
  options?: Uint8Array;
}

export interface TcpHeader extends Required<TcpFields> {
  kind: 'tcp';
  headerLength: number;
  checksum: number;
}

export function encodingLength(v: Pick<TcpFields, 'options'>): number {
  return MIN_HEADER_LENGTH + (v.options?.length ?? 0);
}

/** Writes a segment with no data, checksum included for `source` → `destination`. */
export function encode(v: TcpFields, source: string, destination: string, buf?: Buffer, offset = 0): Buffer {
  requireUint(LAYER, 'sourcePort', v.sourcePort, 0xffff);
  requireUint(LAYER, 'destinationPort', v.destinationPort, 0xffff);
  requireUint(LAYER, 'sequence', v.sequence, 0xffffffff);
  requireUint(LAYER, 'acknowledgment', v.acknowledgment, 0xffffffff);
  requireUint(LAYER, 'flags', v.flags, 0xff);
  requireUint(LAYER, 'window', v.window, 0xffff);
  const optionsLength = v.options?.length ?? 0;
  // RFC 9293 §3.1 Data Offset counts 32-bit words in 4 bits: options pad to 4 and stop at 40 bytes.
  if (optionsLength % 4 !== 0 || optionsLength > 40) throw new PacketEncodeError(LAYER, `options must be a multiple of 4 bytes and at most 40, got ${optionsLength}`);
  const src = parseAddress(source, 'source');
  const dst = parseAddress(destination, 'destination');
  const length = MIN_HEADER_LENGTH + optionsLength;
  if (!buf) buf = Buffer.alloc(length + offset);
  if (buf.length - offset < length) throw new PacketEncodeError(LAYER, `buffer has ${buf.length - offset} bytes at offset ${offset}, need ${length}`);
  buf.writeUInt16BE(v.sourcePort, offset);
  buf.writeUInt16BE(v.destinationPort, offset + 2);
  buf.writeUInt32BE(v.sequence, offset + 4);
  buf.writeUInt32BE(v.acknowledgment, offset + 8);
  buf[offset + 12] = (length / 4) << 4;
  buf[offset + 13] = v.flags;
  buf.writeUInt16BE(v.window, offset + 14);
  buf.writeUInt32BE(0, offset + 16);
  if (v.options) buf.set(v.options, offset + MIN_HEADER_LENGTH);
  buf.writeUInt16BE(segmentChecksum(buf, offset, offset + length, src, dst), offset + 16);
  return buf;
}

/** RFC 9293 §3.1 Checksum over the pseudo-header and `buf[start, end)` (checksum field included as it is). */
function segmentChecksum(buf: Buffer, start: number, end: number, src: number, dst: number): number {
  const pseudo = (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + PROTOCOL_TCP + (end - start);
  return ~onesComplementSum(buf, start, end, pseudo) & 0xffff;
}

/** Whether the segment `buf[start, end)` from `source` to `destination` carries a correct checksum. */
export function checksumValid(buf: Buffer, start: number, end: number, source: string, destination: string): boolean {
  return segmentChecksum(buf, start, end, parseAddress(source, 'source'), parseAddress(destination, 'destination')) === 0;
}

/** Decodes the header of the segment in `buf[offset, end)`. */
export function decode(buf: Buffer, offset = 0, end = buf.length): TcpHeader {
  const view = buf.subarray(0, end);
  requireBytes(LAYER, view, offset, MIN_HEADER_LENGTH, 'header');
  const headerLength = (view[offset + 12]! >> 4) * 4;
  // RFC 9293 §3.1 Data Offset: at least 5 words, the fixed header.
  if (headerLength < MIN_HEADER_LENGTH) throw new PacketDecodeError(LAYER, offset + 12, `data offset ${headerLength / 4} is below the minimum of 5`);
  requireBytes(LAYER, view, offset, headerLength, 'header with options');
  return {
    kind: 'tcp',
    sourcePort: view.readUInt16BE(offset),
    destinationPort: view.readUInt16BE(offset + 2),
    sequence: view.readUInt32BE(offset + 4),
    acknowledgment: view.readUInt32BE(offset + 8),
    flags: view[offset + 13]!,
    window: view.readUInt16BE(offset + 14),
    checksum: view.readUInt16BE(offset + 16),
    options: Buffer.from(view.subarray(offset + MIN_HEADER_LENGTH, offset + headerLength)),
    headerLength,
  };
}
