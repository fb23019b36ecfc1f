/**
 * Round results in PostgreSQL's binary COPY format (protocol docs, "COPY … Binary Format"): an
 * 11-byte signature, flags and extension length, then per row a field count and length-prefixed
 * fields (-1 for NULL), then a -1 trailer. Binary because formatting a million floats as text and
 * having the server parse them back is most of the cost of a text COPY.
 */
import type { RoundResultRecord } from './records.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 12;

/** Bytes one row takes apart from its path id: field count, 12 length words and the fixed-size values. */
const FIXED_ROW_BYTES = 2 + FIELDS * 4 + 8 + 4 + 4 + 8 * 8;

export function roundResultsCopyBinary(rows: readonly RoundResultRecord[]): Buffer {
  const ids = rows.map((r) => Buffer.from(r.pathId, 'utf8'));
  let size = SIGNATURE.length + 8 + 2;
  for (const id of ids) size += FIXED_ROW_BYTES + id.length;
  const buf = Buffer.allocUnsafe(size);
  let o = SIGNATURE.copy(buf, 0);
  o = buf.writeInt32BE(0, o);
  o = buf.writeInt32BE(0, o);
  const float = (v: number | null): void => {
    if (v === null || v === undefined) {
      o = buf.writeInt32BE(-1, o);
    } else {
      o = buf.writeInt32BE(8, o);
      o = buf.writeDoubleBE(v, o);
    }
  };
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const id = ids[i]!;
    o = buf.writeInt16BE(FIELDS, o);
    o = buf.writeInt32BE(id.length, o);
    o += id.copy(buf, o);
    o = buf.writeInt32BE(8, o);
    o = buf.writeBigInt64BE(BigInt(Math.trunc(r.roundAtMs)), o);
    o = buf.writeInt32BE(4, o);
    o = buf.writeInt32BE(r.sent, o);
    o = buf.writeInt32BE(4, o);
    o = buf.writeInt32BE(r.received, o);
    float(r.lossPct);
    float(r.rttMinMs);
    float(r.rttAvgMs);
    float(r.rttMaxMs);
    float(r.rttP50Ms);
    float(r.rttP95Ms);
    float(r.rttP99Ms);
    float(r.jitterMs);
  }
  o = buf.writeInt16BE(-1, o);
  return buf.subarray(0, o);
}
