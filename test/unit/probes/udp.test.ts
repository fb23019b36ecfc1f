/**
 * UDP header codec: decode and checksum of scapy's bytes, round trips, the zero-checksum rule of RFC 768,
 * malformed lengths and encode-time validation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onesComplementSum } from '../../../probes/codec/checksum.js';
import * as udp from '../../../probes/codec/udp.js';
import { PacketEncodeError } from '../../../probes/errors.js';
import { assertDecodeError, atOffset, fromHex, malformedPacket } from './packet-fixtures.js';

// Generated once with scapy 2.5.0 and cut after the IPv4 header:
//   IP(src='192.0.2.1', dst='198.51.100.2', id=1)/UDP(sport=40000, dport=3000)/Raw(b'pathmon')
const DATAGRAM = fromHex('9c40 0bb8 000f ab66 7061 7468 6d6f 6e');
const SRC = '192.0.2.1';
const DST = '198.51.100.2';

for (const offset of [0, 10]) {
  test(`decodes scapy's datagram and validates its checksum, at offset ${offset}`, () => {
    const buf = atOffset(DATAGRAM, offset);
    assert.deepEqual(udp.decode(buf, offset), {
      kind: 'udp',
      sourcePort: 40000,
      destinationPort: 3000,
      length: 15,
      checksum: 0xab66,
      headerLength: 8,
      payloadLength: 7,
    });
    assert.equal(udp.checksumValid(buf, offset, SRC, DST), true);
    assert.equal(udp.checksumValid(buf, offset, SRC, '198.51.100.3'), false, 'the pseudo-header is covered');
    assert.equal(udp.computeChecksum(buf, offset, SRC, DST), 0xab66);
  });

  test(`encode reproduces scapy's bytes and round trips, at offset ${offset}`, () => {
    const buf = Buffer.alloc(offset + DATAGRAM.length, 0xee);
    assert.equal(udp.encode({ sourcePort: 40000, destinationPort: 3000, payloadLength: 7 }, buf, offset), buf);
    buf.write('pathmon', offset + 8, 'latin1');
    assert.equal(buf.readUInt16BE(offset + 6), 0, 'no checksum until computed');
    buf.writeUInt16BE(udp.computeChecksum(buf, offset, SRC, DST), offset + 6);
    assert.deepEqual(buf.subarray(offset), DATAGRAM);
    const again = Buffer.from(DATAGRAM);
    again.fill(0, 0, 8);
    udp.encode(udp.decode(buf, offset), again, 0);
    assert.deepEqual(again, DATAGRAM);
  });
}

test('a computed checksum of zero is sent as 0xFFFF; a zero field means none (RFC 768)', () => {
  const buf = fromHex('9c40 0bb8 000a 0000 0000');
  // Choose the last word so the ones-complement sum over pseudo-header and datagram is 0xFFFF.
  const partial = onesComplementSum(buf, 0, 8, udp.pseudoHeaderSum(SRC, DST, 10));
  buf.writeUInt16BE(0xffff - partial, 8);
  assert.equal(udp.computeChecksum(buf, 0, SRC, DST), 0xffff);
  assert.equal(udp.checksumValid(buf, 0, SRC, DST), true);
  buf.writeUInt16BE(0xffff, 6);
  assert.equal(udp.checksumValid(buf, 0, SRC, DST), true);
});

test('a corrupted payload fails the checksum', () => {
  const buf = Buffer.from(DATAGRAM);
  buf[9] ^= 1;
  assert.equal(udp.checksumValid(buf, 0, SRC, DST), false);
});

test('every truncation of the datagram throws PacketDecodeError for udp', () => {
  for (let length = 0; length < DATAGRAM.length; length++) {
    assertDecodeError(() => udp.decode(DATAGRAM.subarray(0, length)), 'udp');
    assertDecodeError(() => udp.checksumValid(DATAGRAM.subarray(0, length), 0, SRC, DST), 'udp');
  }
});

test('malformed headers throw PacketDecodeError at the offending byte', () => {
  const cases: Array<[string, number]> = [
    ['udp-truncated', 0],
    ['udp-length-4', 4],
    ['udp-length-exceeds-buffer', 4],
  ];
  for (const [name, offset] of cases) {
    assertDecodeError(() => udp.decode(malformedPacket(name)), 'udp', offset);
    assertDecodeError(() => udp.decode(atOffset(malformedPacket(name), 10), 10), 'udp', offset + 10);
  }
});

test('encode validates before writing', () => {
  const good = { sourcePort: 1, destinationPort: 2, payloadLength: 0 };
  for (const patch of [{ sourcePort: 65536 }, { destinationPort: -1 }, { sourcePort: 1.5 }, { payloadLength: 0xffff - 7 }, { checksum: 0x10000 }]) {
    assert.throws(
      () => udp.encode({ ...good, ...patch }),
      (e: unknown) => e instanceof PacketEncodeError && e.layer === 'udp',
      JSON.stringify(patch),
    );
  }
  assert.throws(() => udp.computeChecksum(Buffer.alloc(4), 0, SRC, DST), PacketEncodeError);
  assert.throws(() => udp.pseudoHeaderSum('1.2.3', DST, 8), PacketEncodeError);
});
