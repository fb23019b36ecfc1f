/**
 * pathmon's probe payload: the UDP data that identifies a probe (session, path, sequence) and carries
 * its send time, so a returning packet can be matched and timed without any state in the network.
 * Fixed layout, big-endian, 28 bytes; the sequence and send time sit on 32-bit boundaries so the probe
 * template can patch them and adjust the UDP checksum word by word. Bytes after the 28 (padding to a
 * configured probe size) are allowed and ignored. The magic and version let a receiver sharing a port
 * with other traffic reject foreign datagrams cheaply.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    Magic 0x504d4f4e ("PMON")                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  Version = 1  |     Flags     |      Reserved (send 0)        |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Session Id                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                            Path Id                            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           Sequence                            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                                                               |
 * +             Send Time (nanoseconds, unsigned 64)              +
 * |                                                               |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { PacketDecodeError, PacketEncodeError, requireBytes, requireUint } from '../errors.js';

const LAYER = 'probe-payload';

export const MAGIC = 0x504d4f4e;
export const VERSION = 1;
export const HEADER_LENGTH = 28;
/** Byte offsets of the fields the probe template patches per packet. */
export const SEQUENCE_OFFSET = 16;
export const SEND_TIME_OFFSET = 20;

const MAX_U64 = (1n << 64n) - 1n;

export interface ProbePayload {
  /** Default 0. */
  flags?: number;
  sessionId: number;
  pathId: number;
  sequence: number;
  sendTimeNs: bigint;
}

export interface DecodedProbePayload extends Required<ProbePayload> {
  kind: 'probe-payload';
  version: typeof VERSION;
  headerLength: typeof HEADER_LENGTH;
}

export function encodingLength(_v?: ProbePayload): number {
  return HEADER_LENGTH;
}

/** Throws PacketEncodeError unless `sendTimeNs` fits the unsigned 64-bit field. */
export function validateSendTime(sendTimeNs: bigint): void {
  if (typeof sendTimeNs !== 'bigint' || sendTimeNs < 0n || sendTimeNs > MAX_U64) {
    throw new PacketEncodeError(LAYER, `sendTimeNs must be a bigint in 0..2^64-1, got ${String(sendTimeNs)}`);
  }
}

export function encode(v: ProbePayload, buf?: Buffer, offset = 0): Buffer {
  requireUint(LAYER, 'flags', v.flags ?? 0, 0xff);
  requireUint(LAYER, 'sessionId', v.sessionId, 0xffffffff);
  requireUint(LAYER, 'pathId', v.pathId, 0xffffffff);
  requireUint(LAYER, 'sequence', v.sequence, 0xffffffff);
  validateSendTime(v.sendTimeNs);
  if (!buf) buf = Buffer.alloc(HEADER_LENGTH + offset);
  if (buf.length - offset < HEADER_LENGTH) {
    throw new PacketEncodeError(LAYER, `buffer has ${buf.length - offset} bytes at offset ${offset}, need ${HEADER_LENGTH}`);
  }
  buf.writeUInt32BE(MAGIC, offset);
  buf[offset + 4] = VERSION;
  buf[offset + 5] = v.flags ?? 0;
  buf.writeUInt16BE(0, offset + 6);
  buf.writeUInt32BE(v.sessionId, offset + 8);
  buf.writeUInt32BE(v.pathId, offset + 12);
  buf.writeUInt32BE(v.sequence, offset + SEQUENCE_OFFSET);
  buf.writeBigUInt64BE(v.sendTimeNs, offset + SEND_TIME_OFFSET);
  return buf;
}

export function decode(buf: Buffer, offset = 0): DecodedProbePayload {
  requireBytes(LAYER, buf, offset, 4, 'magic');
  const magic = buf.readUInt32BE(offset);
  if (magic !== MAGIC) {
    throw new PacketDecodeError(LAYER, offset, `magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x504d4f4e ("PMON")`);
  }
  requireBytes(LAYER, buf, offset, 5, 'version');
  const version = buf[offset + 4]!;
  // A later version may move fields, so guessing would misread sequence and time: refuse instead.
  if (version !== VERSION) throw new PacketDecodeError(LAYER, offset + 4, `version ${version}, expected ${VERSION}`);
  requireBytes(LAYER, buf, offset, HEADER_LENGTH, 'probe payload');
  return {
    kind: 'probe-payload',
    version: VERSION,
    flags: buf[offset + 5]!,
    sessionId: buf.readUInt32BE(offset + 8),
    pathId: buf.readUInt32BE(offset + 12),
    sequence: buf.readUInt32BE(offset + SEQUENCE_OFFSET),
    sendTimeNs: buf.readBigUInt64BE(offset + SEND_TIME_OFFSET),
    headerLength: HEADER_LENGTH,
  };
}
