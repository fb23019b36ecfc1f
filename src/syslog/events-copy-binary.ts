/**
 * Syslog events in PostgreSQL's binary COPY format (see store/copy-binary.ts for the layout), the
 * server's fast path: the pg driver formats every array element of the unnest INSERT as quoted text
 * in JavaScript, which costs more than the server's work. Here each text is written once, straight
 * into one buffer. jsonb in binary form is a version byte (1) followed by the JSON text.
 * Column order is COLUMNS in event-queries.ts.
 */
import type { SyslogEvent } from './syslog-event.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 21;

/** `texts[i]` holds the row's text fields in column order (null for NULL); `ids` the ids drawn for it. */
export function eventsCopyBinary(events: readonly SyslogEvent[], ids: readonly number[], text: (event: SyslogEvent) => (string | null)[]): Buffer {
  const rows = events.map(text);
  let size = SIGNATURE.length + 8 + 2;
  for (const fields of rows) {
    size += 2 + FIELDS * 4 + 8 + 8 + 8 + 2 + 2 + 1 * 3 + 2; // fixed-size values (+2 jsonb version bytes)
    for (const value of fields) if (value !== null) size += Buffer.byteLength(value, 'utf8');
  }
  const buf = Buffer.allocUnsafe(size);
  let o = SIGNATURE.copy(buf, 0);
  o = buf.writeInt32BE(0, o);
  o = buf.writeInt32BE(0, o);
  const int64 = (v: number | null): void => {
    if (v === null) {
      o = buf.writeInt32BE(-1, o);
      return;
    }
    o = buf.writeInt32BE(8, o);
    o = buf.writeBigInt64BE(BigInt(Math.trunc(v)), o);
  };
  const int16 = (v: number | null): void => {
    if (v === null) {
      o = buf.writeInt32BE(-1, o);
      return;
    }
    o = buf.writeInt32BE(2, o);
    o = buf.writeInt16BE(v, o);
  };
  const str = (v: string | null, jsonb = false): void => {
    if (v === null) {
      o = buf.writeInt32BE(-1, o);
      return;
    }
    const at = o;
    o += 4;
    if (jsonb) o = buf.writeUInt8(1, o);
    o += buf.write(v, o, 'utf8');
    buf.writeInt32BE(o - at - 4, at);
  };
  const bool = (v: boolean): void => {
    o = buf.writeInt32BE(1, o);
    o = buf.writeUInt8(v ? 1 : 0, o);
  };
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const [sourceAddress, transport, host, program, errorCode, message, structuredData, facts, raw, status, node, linkKey, incidentId] = rows[i]!;
    o = buf.writeInt16BE(FIELDS, o);
    int64(ids[i]!);
    int64(e.receivedAtMs);
    int64(e.deviceTimeMs);
    str(sourceAddress!);
    str(transport!);
    str(host!);
    int16(e.facility);
    int16(e.severity);
    str(program!);
    str(errorCode!);
    str(message!);
    str(structuredData!, true);
    str(facts!, true);
    bool(e.parsed);
    bool(e.truncated === true);
    bool(e.invalidUtf8 === true);
    str(raw!);
    str(status!);
    str(node!);
    str(linkKey!);
    str(incidentId!);
  }
  o = buf.writeInt16BE(-1, o);
  return buf.subarray(0, o);
}
