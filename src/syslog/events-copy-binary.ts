/**
 * Syslog events in PostgreSQL's binary COPY format (see store/copy-binary.ts for the layout), the
 * server's fast path: the pg driver formats every array element of the unnest INSERT as quoted text
 * in JavaScript, which costs more than the server's work. Here each text is written once, straight
 * into one buffer. jsonb in binary form is a version byte (1) followed by the JSON text.
 * Column order is COLUMNS in event-queries.ts.
 *
 * Encoding runs for every stored event, so it is one pass with no per-row allocation: the buffer is
 * sized from the texts' lengths and grown in the rare case a row of multi-byte characters outruns it,
 * and the length words and integers are stored byte by byte rather than through Buffer's checked
 * writers and a BigInt per bigint.
 */
import type { SyslogEvent } from './syslog-event.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 21;
const TEXT_FIELDS = 13;
/** A row's bytes apart from its texts: field count, 21 length words, 3 bigints, 2 smallints, 3 booleans, 2 jsonb versions. */
const FIXED_ROW_BYTES = 2 + FIELDS * 4 + 3 * 8 + 2 * 2 + 3 + 2;
/** UTF-8 takes at most 3 bytes for one UTF-16 code unit. */
const MAX_UTF8_PER_UNIT = 3;
const TWO_32 = 2 ** 32;

/**
 * `text(event, out)` fills `out` with the row's text fields in column order (null for NULL); `ids` are
 * the ids drawn for the events.
 */
export function eventsCopyBinary(events: readonly SyslogEvent[], ids: readonly number[], text: (event: SyslogEvent, out: (string | null)[]) => void): Buffer {
  const fields: (string | null)[] = new Array(TEXT_FIELDS).fill(null);
  let buf = Buffer.allocUnsafe(SIGNATURE.length + 8 + 2 + events.length * (FIXED_ROW_BYTES + 512));
  let o = SIGNATURE.copy(buf, 0);
  o = int32(buf, o, 0);
  o = int32(buf, o, 0);

  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    text(e, fields);
    let units = 0;
    for (let f = 0; f < TEXT_FIELDS; f++) units += fields[f]?.length ?? 0;
    const need = FIXED_ROW_BYTES + units * MAX_UTF8_PER_UNIT + 2;
    if (o + need > buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(buf.length * 2, o + need + (events.length - i) * (FIXED_ROW_BYTES + 512)));
      buf.copy(grown, 0, 0, o);
      buf = grown;
    }
    const [sourceAddress, transport, host, program, errorCode, message, structuredData, facts, raw, status, node, linkKey, incidentId] = fields;
    buf[o++] = 0;
    buf[o++] = FIELDS;
    o = int64(buf, o, ids[i]!);
    o = int64(buf, o, e.receivedAtMs);
    o = int64(buf, o, e.deviceTimeMs);
    o = str(buf, o, sourceAddress!);
    o = str(buf, o, transport!);
    o = str(buf, o, host!);
    o = int16(buf, o, e.facility);
    o = int16(buf, o, e.severity);
    o = str(buf, o, program!);
    o = str(buf, o, errorCode!);
    o = str(buf, o, message!);
    o = jsonb(buf, o, structuredData!);
    o = jsonb(buf, o, facts!);
    o = bool(buf, o, e.parsed);
    o = bool(buf, o, e.truncated === true);
    o = bool(buf, o, e.invalidUtf8 === true);
    o = str(buf, o, raw!);
    o = str(buf, o, status!);
    o = str(buf, o, node!);
    o = str(buf, o, linkKey!);
    o = str(buf, o, incidentId!);
  }
  if (o + 2 > buf.length) {
    const grown = Buffer.allocUnsafe(o + 2);
    buf.copy(grown, 0, 0, o);
    buf = grown;
  }
  buf[o++] = 0xff;
  buf[o++] = 0xff;
  return buf.subarray(0, o);
}

function int32(buf: Buffer, o: number, v: number): number {
  buf[o] = v >>> 24;
  buf[o + 1] = v >>> 16;
  buf[o + 2] = v >>> 8;
  buf[o + 3] = v;
  return o + 4;
}

const NULL_FIELD = -1;

function int64(buf: Buffer, o: number, v: number | null): number {
  if (v === null) return int32(buf, o, NULL_FIELD);
  const whole = Math.trunc(v);
  const high = Math.floor(whole / TWO_32);
  o = int32(buf, o, 8);
  o = int32(buf, o, high);
  return int32(buf, o, whole - high * TWO_32);
}

function int16(buf: Buffer, o: number, v: number | null): number {
  if (v === null) return int32(buf, o, NULL_FIELD);
  o = int32(buf, o, 2);
  buf[o] = v >>> 8;
  buf[o + 1] = v;
  return o + 2;
}

function bool(buf: Buffer, o: number, v: boolean): number {
  o = int32(buf, o, 1);
  buf[o] = v ? 1 : 0;
  return o + 1;
}

function str(buf: Buffer, o: number, v: string | null): number {
  if (v === null) return int32(buf, o, NULL_FIELD);
  const length = buf.write(v, o + 4);
  int32(buf, o, length);
  return o + 4 + length;
}

function jsonb(buf: Buffer, o: number, v: string): number {
  buf[o + 4] = 1;
  const length = buf.write(v, o + 5);
  int32(buf, o, length + 1);
  return o + 5 + length;
}
