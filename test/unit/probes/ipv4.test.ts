/**
 * IPv4 header codec: decode of bytes from independent sources, round trips, checksum, malformed input,
 * and encode-time validation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internetChecksum } from '../../../probes/codec/checksum.js';
import * as ipv4 from '../../../probes/codec/ipv4.js';
import { PacketEncodeError } from '../../../probes/errors.js';
import { assertDecodeError, atOffset, fromHex, malformedPacket } from './packet-fixtures.js';

// The widely reproduced IPv4 header checksum example (checksum b861), followed by 95 payload bytes so
// that Total Length 115 is honest.
const CLASSIC = Buffer.concat([fromHex('4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7'), Buffer.alloc(95)]);

// Generated once with scapy 2.5.0:
//   IP(src='192.0.2.1', dst='198.51.100.2', id=0x1234, flags='DF', ttl=17, tos=0xb8, proto=47,
//      options=[IPOption_Router_Alert()]) / Raw(b'\x00\x00\x08\x00')
const WITH_OPTIONS = fromHex('46b8 001c 1234 4000 112f d58b c000 0201 c633 6402 9404 0000 0000 0800');
const WITH_OPTIONS_FIELDS: ipv4.Ipv4Fields = {
  tos: 0xb8,
  id: 0x1234,
  flags: ipv4.FLAG_DONT_FRAGMENT,
  fragmentOffset: 0,
  ttl: 17,
  protocol: 47,
  source: '192.0.2.1',
  destination: '198.51.100.2',
  options: fromHex('9404 0000'),
  payloadLength: 4,
};

test('decodes the classic header', () => {
  const h = ipv4.decode(CLASSIC);
  assert.equal(h.kind, 'ipv4');
  assert.equal(h.headerLength, 20);
  assert.equal(h.totalLength, 115);
  assert.equal(h.payloadLength, 95);
  assert.equal(h.flags, ipv4.FLAG_DONT_FRAGMENT);
  assert.equal(h.ttl, 64);
  assert.equal(h.protocol, 17);
  assert.equal(h.checksum, 0xb861);
  assert.equal(h.checksumValid, true);
  assert.equal(h.source, '192.168.0.1');
  assert.equal(h.destination, '192.168.0.199');
  assert.equal(h.options.length, 0);
});

for (const offset of [0, 10]) {
  test(`decodes scapy's header with options at offset ${offset}`, () => {
    const h = ipv4.decode(atOffset(WITH_OPTIONS, offset), offset);
    const { kind, headerLength, totalLength, checksum, checksumValid, ...fields } = h;
    assert.deepEqual(
      { kind, headerLength, totalLength, checksum, checksumValid },
      {
        kind: 'ipv4',
        headerLength: 24,
        totalLength: 28,
        checksum: 0xd58b,
        checksumValid: true,
      },
    );
    assert.deepEqual({ ...fields, options: Buffer.from(fields.options) }, WITH_OPTIONS_FIELDS);
  });

  test(`encodes scapy's header byte for byte, then round trips, at offset ${offset}`, () => {
    const buf = Buffer.alloc(offset + 28, 0xee);
    WITH_OPTIONS.copy(buf, offset + 24, 24); // the payload is the caller's to write
    assert.equal(ipv4.encode(WITH_OPTIONS_FIELDS, buf, offset), buf);
    assert.deepEqual(buf.subarray(offset), WITH_OPTIONS);
    const again = Buffer.alloc(28);
    ipv4.encode(ipv4.decode(buf, offset), again, 0);
    WITH_OPTIONS.copy(again, 24, 24);
    assert.deepEqual(again, WITH_OPTIONS);
  });
}

test('encode without a buffer allocates exactly the header', () => {
  const buf = ipv4.encode({ protocol: 253, source: '10.0.0.1', destination: '10.0.0.2', payloadLength: 0 });
  assert.equal(buf.length, ipv4.encodingLength({}));
  assert.equal(internetChecksum(buf, 0, 20), 0);
  assert.equal(ipv4.decode(buf).protocol, 253, 'unknown protocol numbers decode as plain numbers');
  assert.equal(ipv4.decode(buf).ttl, 64);
});

test('a corrupted header decodes with checksumValid false', () => {
  const buf = Buffer.from(CLASSIC);
  buf[8] = 63;
  assert.equal(ipv4.decode(buf).checksumValid, false);
});

test('trailing bytes after Total Length are ignored', () => {
  const h = ipv4.decode(Buffer.concat([WITH_OPTIONS, Buffer.alloc(6)]));
  assert.equal(h.totalLength, 28);
});

test('every truncation of a valid packet throws PacketDecodeError for ipv4', () => {
  for (let length = 0; length < WITH_OPTIONS.length; length++) {
    assertDecodeError(() => ipv4.decode(WITH_OPTIONS.subarray(0, length)), 'ipv4');
  }
});

test('malformed headers throw PacketDecodeError at the offending byte', () => {
  const cases: Array<[string, number]> = [
    ['ipv4-empty', 0],
    ['ipv4-truncated-header', 0],
    ['ipv4-version-6', 0],
    ['ipv4-ihl-4', 0],
    ['ipv4-ihl-beyond-buffer', 0],
    ['ipv4-total-length-exceeds-buffer', 2],
    ['ipv4-total-length-below-header', 2],
  ];
  for (const [name, offset] of cases) {
    assertDecodeError(() => ipv4.decode(malformedPacket(name)), 'ipv4', offset);
    assertDecodeError(() => ipv4.decode(atOffset(malformedPacket(name), 10), 10), 'ipv4', offset + 10);
  }
});

test('encode validates before writing', () => {
  const good: ipv4.Ipv4Fields = { protocol: 17, source: '10.0.0.1', destination: '10.0.0.2', payloadLength: 8 };
  const bad: Array<Partial<ipv4.Ipv4Fields>> = [
    { source: '256.0.0.1' },
    { source: '10.0.0' },
    { destination: '010.0.0.1' },
    { destination: '' },
    { ttl: 256 },
    { id: -1 },
    { id: 1.5 },
    { flags: 8 },
    { fragmentOffset: 0x2000 },
    { protocol: 300 },
    { options: Buffer.alloc(3) },
    { options: Buffer.alloc(44) },
    { payloadLength: 0xffff - 19 },
  ];
  for (const patch of bad) {
    const buf = Buffer.alloc(20, 0xee);
    assert.throws(
      () => ipv4.encode({ ...good, ...patch }, buf),
      (e: unknown) => e instanceof PacketEncodeError && e.layer === 'ipv4',
      JSON.stringify(patch),
    );
    assert.deepEqual(buf, Buffer.alloc(20, 0xee), 'nothing written on a validation failure');
  }
  assert.throws(() => ipv4.encode(good, Buffer.alloc(19)), PacketEncodeError);
  assert.equal(ipv4.encode({ ...good, payloadLength: 0xffff - 20 }).readUInt16BE(2), 0xffff);
});
