/**
 * Internet checksum and its incremental update, against the worked examples in RFC 1071 and RFC 1624
 * and against a full recompute.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checksumAdjust, internetChecksum, onesComplementSum } from '../../../probes/codec/checksum.js';
import { fromHex } from './packet-fixtures.js';

test('RFC 1071 §3 example: sum of 0001 f203 f4f5 f6f7 is 0xddf2', () => {
  const buf = fromHex('0001 f203 f4f5 f6f7');
  assert.equal(onesComplementSum(buf, 0, buf.length), 0xddf2);
  assert.equal(internetChecksum(buf, 0, buf.length), 0x220d);
});

test('an odd trailing byte is padded with zero (RFC 1071 §4.1)', () => {
  const buf = fromHex('0001 f203 f4');
  assert.equal(onesComplementSum(buf, 0, buf.length), 0x0001 + 0xf203 + 0xf400 - 0xffff);
});

test('initialSum chains partial sums across regions', () => {
  const buf = fromHex('0001 f203 f4f5 f6f7');
  assert.equal(onesComplementSum(buf, 4, 8, onesComplementSum(buf, 0, 4)), 0xddf2);
});

test('a header carrying its correct checksum sums to zero (well-known 4500 0073 ... b861 example)', () => {
  const header = fromHex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7');
  assert.equal(internetChecksum(header, 0, 20), 0);
  header.writeUInt16BE(0, 10);
  assert.equal(internetChecksum(header, 0, 20), 0xb861);
});

test('RFC 1624 §4: eqn 3 gives 0x0000 where eqn 2 would give 0xFFFF', () => {
  assert.equal(checksumAdjust(0xdd2f, 0x5555, 0x3285), 0x0000);
});

test('checksumAdjust matches a full recompute for random word changes', () => {
  let seed = 12345;
  const next = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  for (let trial = 0; trial < 2000; trial++) {
    const buf = Buffer.alloc(24);
    for (let i = 0; i < buf.length; i += 2) buf.writeUInt16BE(next(), i);
    buf[0] = 0x45; // never all zero, where 0x0000 and 0xFFFF stop being interchangeable
    const before = internetChecksum(buf, 0, buf.length);
    const at = 2 * (next() % 12);
    const oldWord = buf.readUInt16BE(at);
    const newWord = trial % 7 === 0 ? 0xffff - oldWord : next();
    buf.writeUInt16BE(newWord, at);
    assert.equal(checksumAdjust(before, oldWord, newWord), internetChecksum(buf, 0, buf.length), `trial ${trial}`);
  }
});
