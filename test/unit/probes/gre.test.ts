/**
 * GRE header codec: plain, checksummed and keyed/sequenced headers from independent bytes, round trips,
 * the RFC 2784 checksum, and the headers a receiver must refuse.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as gre from '../../../probes/codec/gre.js';
import { PacketEncodeError } from '../../../probes/errors.js';
import { assertDecodeError, atOffset, fromHex, malformedPacket } from './packet-fixtures.js';

// GRE packets (header + inner IPv4), generated once with scapy 2.5.0 and cut after the outer IPv4:
//   IP(src='192.0.2.1', dst='198.51.100.2')/GRE(chksum_present=1)/IP(src='10.0.0.1', dst='10.0.0.2', id=7)/UDP(sport=1, dport=2)/Raw(b'hi')
const CHECKSUMMED = fromHex('8000 0800 8c1d 0000 4500 001e 0007 0000 4011 66c6 0a00 0001 0a00 0002 0001 0002 000a 836b 6869');
//   IP(src='192.0.2.1', dst='198.51.100.2')/GRE(key_present=1, key=0xdeadbeef, seqnum_present=1, seqence_number=7)/IP(src='10.0.0.1', dst='10.0.0.2', id=7)
const KEYED = fromHex('3000 0800 dead beef 0000 0007 4500 0014 0007 0000 4000 66e1 0a00 0001 0a00 0002');
// Hand-written from RFC 2784 §2.1: no flags, version 0, protocol type 0x0800.
const PLAIN = fromHex('0000 0800');

test('decodes the plain 4-byte header', () => {
  assert.deepEqual(gre.decode(PLAIN), {
    kind: 'gre',
    checksumPresent: false,
    version: 0,
    protocolType: 0x0800,
    headerLength: 4,
    checksumValid: undefined,
  });
});

for (const offset of [0, 10]) {
  test(`decodes scapy's checksummed GRE and verifies its checksum, at offset ${offset}`, () => {
    const buf = atOffset(CHECKSUMMED, offset);
    const h = gre.decode(buf, offset);
    assert.equal(h.checksumPresent, true);
    assert.equal(h.checksum, 0x8c1d);
    assert.equal(h.checksumValid, true);
    assert.equal(h.headerLength, 8);
    assert.equal(h.protocolType, gre.PROTOCOL_TYPE_IPV4);
    assert.equal(gre.computeChecksum(buf, offset, buf.length), 0x8c1d);
    assert.equal(gre.decode(buf, offset, buf.length - 1).checksumValid, false, '`end` bounds the checksum');
  });

  test(`decodes scapy's RFC 2890 key and sequence number, at offset ${offset}`, () => {
    const h = gre.decode(atOffset(KEYED, offset), offset);
    assert.equal(h.key, 0xdeadbeef);
    assert.equal(h.sequenceNumber, 7);
    assert.equal(h.headerLength, 12);
    assert.equal(h.checksumPresent, false);
  });

  test(`encode reproduces scapy's bytes and round trips, at offset ${offset}`, () => {
    for (const [sample, fields] of [
      [CHECKSUMMED, { checksumPresent: true, protocolType: 0x0800 }],
      [KEYED, { protocolType: 0x0800, key: 0xdeadbeef, sequenceNumber: 7 }],
      [PLAIN, { protocolType: 0x0800 }],
    ] as const) {
      const buf = Buffer.alloc(offset + sample.length, 0xee);
      const length = gre.encodingLength(fields);
      assert.equal(gre.encode(fields, buf, offset), buf);
      sample.copy(buf, offset + length, length);
      if (fields.checksumPresent) buf.writeUInt16BE(gre.computeChecksum(buf, offset, buf.length), offset + 4);
      assert.deepEqual(buf.subarray(offset), sample);
      const again = Buffer.from(sample);
      again.fill(0, 0, length);
      gre.encode(gre.decode(buf, offset), again, 0);
      assert.deepEqual(again, sample);
    }
  });
}

test('reserved bits 6-12 are ignored on receipt (RFC 2784 §2.3)', () => {
  assert.equal(gre.decode(fromHex('03f8 0800')).headerLength, 4);
});

test('unknown protocol types decode as plain numbers', () => {
  assert.equal(gre.decode(fromHex('0000 88be')).protocolType, 0x88be);
});

test('every truncation of a keyed header throws PacketDecodeError for gre', () => {
  for (let length = 0; length < 12; length++) assertDecodeError(() => gre.decode(KEYED.subarray(0, length)), 'gre');
  assertDecodeError(() => gre.decode(KEYED, 0, 11), 'gre');
});

test('malformed headers throw PacketDecodeError at the offending byte', () => {
  const cases: Array<[string, number]> = [
    ['gre-truncated', 0],
    ['gre-version-1', 1],
    ['gre-routing-bit', 0],
    ['gre-checksum-truncated', 0],
    ['gre-key-truncated', 0],
  ];
  for (const [name, offset] of cases) {
    assertDecodeError(() => gre.decode(malformedPacket(name)), 'gre', offset);
    assertDecodeError(() => gre.decode(atOffset(malformedPacket(name), 10), 10), 'gre', offset + 10);
  }
});

test('encode validates before writing', () => {
  for (const fields of [{ protocolType: 0x10000 }, { protocolType: 0x800, key: -1 }, { protocolType: 0x800, sequenceNumber: 2 ** 32 }]) {
    assert.throws(
      () => gre.encode(fields),
      (e: unknown) => e instanceof PacketEncodeError && e.layer === 'gre',
    );
  }
  assert.throws(() => gre.encode({ protocolType: 0x800, checksumPresent: true }, Buffer.alloc(7)), PacketEncodeError);
});
