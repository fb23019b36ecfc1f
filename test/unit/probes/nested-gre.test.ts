/**
 * The nested-GRE probe: byte-exact encode against scapy, the hackathon deck's 5-hop layout, the probe
 * template's in-place stamping against a fresh encode, and peeling, including every way it refuses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketEncodeError } from '../../../probes/errors.js';
import { decodeProbePacket, encodeProbePacket, peelGre, probePacketLength, ProbeTemplate, type ProbeAddressing } from '../../../probes/nested-gre.js';
import { assertDecodeError, fromHex, malformedPacket } from './packet-fixtures.js';

// Generated once with scapy 2.5.0 (payload bytes hand-written from the probe payload layout):
//   IP(src='192.0.2.1', dst='192.0.2.2', flags='DF', id=0, ttl=64)/GRE()
//   /IP(src='192.0.2.1', dst='192.0.2.1', flags='DF', id=0, ttl=64)/UDP(sport=33434, dport=33435)/Raw(payload)
const ONE_HOP = fromHex(`
  4500 0050 0000 4000 402f b67b c000 0201 c000 0202  0000 0800
  4500 0038 0000 4000 4011 b6b2 c000 0201 c000 0201  829a 829b 0024 aed8
  504d 4f4e 0100 0000 0000 abcd 0000 0003 0000 0102 0000 018c 2b3c 4d5e`);
const ONE_HOP_ADDRESSING: ProbeAddressing = {
  source: '192.0.2.1',
  hops: ['192.0.2.2'],
  returnAddress: '192.0.2.1',
  sourcePort: 33434,
  destinationPort: 33435,
};
const ONE_HOP_PAYLOAD = { sessionId: 0xabcd, pathId: 3, sequence: 0x102, sendTimeNs: 0x18c2b3c4d5en };

// The hackathon deck's probe for R1-R2-R4-R6 (seed-hackathon/README.md).
const DECK: ProbeAddressing = {
  source: '20.0.0.2',
  hops: ['20.0.0.1', '10.1.1.1', '10.1.1.5', '10.1.1.13', '20.0.0.6'],
  returnAddress: '20.0.0.2',
  sourcePort: 3000,
  destinationPort: 3000,
};

test('encodes a one-hop probe byte for byte as scapy does', () => {
  assert.deepEqual(encodeProbePacket(ONE_HOP_ADDRESSING, ONE_HOP_PAYLOAD), ONE_HOP);
});

test("the deck's 5-hop probe: one GRE layer per hop, UDP back to the prober, every checksum valid", () => {
  const payload = { sessionId: 1, pathId: 2, sequence: 3, sendTimeNs: 4n, flags: 5 };
  const packet = encodeProbePacket({ ...DECK, ttl: 9 }, payload);
  assert.equal(packet.length, probePacketLength(5));
  assert.equal(packet.length, 5 * 24 + 20 + 8 + 28);
  const decoded = decodeProbePacket(packet);
  assert.deepEqual(
    decoded.layers.map((l) => l.destination),
    [...DECK.hops, DECK.returnAddress],
  );
  assert.deepEqual(
    decoded.layers.map((l) => l.protocol),
    [47, 47, 47, 47, 47, 17],
  );
  assert.deepEqual(
    decoded.layers.map((l) => l.totalLength),
    [176, 152, 128, 104, 80, 56],
  );
  for (const layer of decoded.layers) {
    assert.equal(layer.source, '20.0.0.2');
    assert.equal(layer.ttl, 9);
    assert.equal(layer.checksumValid, true);
  }
  assert.equal(decoded.udp.sourcePort, 3000);
  assert.equal(decoded.udp.destinationPort, 3000);
  assert.equal(decoded.udpChecksumValid, true);
  assert.notEqual(decoded.udp.checksum, 0);
  const { kind, version, headerLength, ...values } = decoded.payload;
  assert.deepEqual(values, payload);
});

test('peelGre strips one layer at a time down to the UDP packet', () => {
  const packet = encodeProbePacket(DECK, ONE_HOP_PAYLOAD);
  let offset = 0;
  for (const hop of DECK.hops) {
    const peeled = peelGre(packet, offset);
    assert.equal(peeled.outer.destination, hop);
    assert.equal(peeled.gre.protocolType, 0x0800);
    assert.equal(peeled.innerOffset, offset + 24);
    assert.equal(peeled.innerEnd, packet.length);
    offset = peeled.innerOffset;
  }
  assertDecodeError(() => peelGre(packet, offset), 'ipv4', offset + 9);
});

test('stamp() output equals a fresh encodeProbePacket(), byte for byte, across wraparounds', () => {
  const identity = { sessionId: 0xfeedface, pathId: 41 };
  const template = new ProbeTemplate(DECK, identity);
  const first = template.stamp(0, 0n);
  const check = (sequence: number, sendTimeNs: bigint): void => {
    const stamped = template.stamp(sequence, sendTimeNs);
    assert.equal(stamped, first, 'stamp reuses one buffer');
    assert.deepEqual(stamped, encodeProbePacket(DECK, { ...identity, sequence, sendTimeNs }), `seq ${sequence} time ${sendTimeNs}`);
  };
  const sequences = [0, 1, 0xfffe, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0];
  const times = [0n, 1n, 0xffffn, 0x10000n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, 1_700_000_000_123_456_789n, 0n];
  for (const sequence of sequences) for (const time of times) check(sequence, time);
  // A send loop: consecutive sequences through the 32-bit wrap, clock advancing by odd steps.
  let time = 2n ** 48n - 5_000n;
  for (let i = 0; i < 3000; i++) check((0xffffff00 + i) % 2 ** 32, (time += 997_003n));
  assert.equal(template.sessionId, identity.sessionId);
  assert.equal(template.pathId, identity.pathId);
  assert.equal(template.length, probePacketLength(DECK.hops.length));
});

test('stamp() sends a computed zero UDP checksum as 0xFFFF, like a full encode', () => {
  const identity = { sessionId: 7, pathId: 8 };
  const udpChecksumAt = probePacketLength(1) - 28 - 2;
  // With send time 0 the checksum is C0 = ~S; adding d = 0xFFFF - S to the time's low word makes S
  // all ones, so the computed checksum is zero and must go out as 0xFFFF.
  const base = encodeProbePacket(ONE_HOP_ADDRESSING, { ...identity, sequence: 5, sendTimeNs: 0n });
  const sum = ~base.readUInt16BE(udpChecksumAt) & 0xffff;
  const sendTimeNs = BigInt(0xffff - sum);
  const full = encodeProbePacket(ONE_HOP_ADDRESSING, { ...identity, sequence: 5, sendTimeNs });
  assert.equal(full.readUInt16BE(udpChecksumAt), 0xffff);
  const template = new ProbeTemplate(ONE_HOP_ADDRESSING, identity);
  template.stamp(99, 12345n);
  assert.deepEqual(template.stamp(5, sendTimeNs), full);
  assert.deepEqual(template.stamp(6, 1n), encodeProbePacket(ONE_HOP_ADDRESSING, { ...identity, sequence: 6, sendTimeNs: 1n }));
});

test('stamp() validates sequence and send time', () => {
  const template = new ProbeTemplate(ONE_HOP_ADDRESSING, { sessionId: 1, pathId: 1 });
  assert.throws(() => template.stamp(2 ** 32, 0n), PacketEncodeError);
  assert.throws(() => template.stamp(-1, 0n), PacketEncodeError);
  assert.throws(() => template.stamp(0, -1n), PacketEncodeError);
});

test('encodeProbePacket validates the addressing', () => {
  const payload = ONE_HOP_PAYLOAD;
  const cases: Array<[Partial<ProbeAddressing>, string]> = [
    [{ hops: [] }, 'nested-gre'],
    [{ hops: ['10.0.0.1', '10.0.0.300'] }, 'ipv4'],
    [{ source: 'prober' }, 'ipv4'],
    [{ returnAddress: '1.2.3.4.5' }, 'ipv4'],
    [{ ttl: 256 }, 'nested-gre'],
    [{ sourcePort: 70000 }, 'udp'],
    [{ hops: new Array<string>(3000).fill('10.0.0.1') }, 'nested-gre'],
  ];
  for (const [patch, layer] of cases) {
    assert.throws(
      () => encodeProbePacket({ ...ONE_HOP_ADDRESSING, ...patch }, payload),
      (e: unknown) => e instanceof PacketEncodeError && e.layer === layer,
      JSON.stringify(patch).slice(0, 80),
    );
  }
  assert.throws(() => new ProbeTemplate({ ...ONE_HOP_ADDRESSING, hops: [] }, { sessionId: 1, pathId: 1 }), PacketEncodeError);
});

test('peelGre refuses what a decapsulating router must not forward', () => {
  const cases: Array<[string, string, number]> = [
    ['peel-gre-udp-packet', 'ipv4', 9],
    ['probe-packet-gre-ipv6-payload', 'gre', 22],
    ['probe-packet-gre-cut-by-outer-length', 'gre', 20],
    ['probe-packet-outer-fragment', 'ipv4', 6],
    ['probe-packet-truncated', 'ipv4', 2],
  ];
  for (const [name, layer, offset] of cases) assertDecodeError(() => peelGre(malformedPacket(name)), layer, offset);
  const badVersion = Buffer.from(ONE_HOP);
  badVersion[21] = 0x01;
  assertDecodeError(() => peelGre(badVersion), 'gre', 21);
});

test('decodeProbePacket names the layer that is malformed', () => {
  const cases: Array<[string, string, number]> = [
    ['probe-packet-inner-protocol-icmp', 'ipv4', 33],
    ['probe-packet-gre-ipv6-payload', 'gre', 22],
    ['probe-packet-inner-overruns-outer', 'ipv4', 26],
    ['probe-packet-outer-fragment', 'ipv4', 6],
    ['probe-packet-gre-cut-by-outer-length', 'gre', 20],
    ['probe-packet-udp-length-lying', 'udp', 48],
    ['probe-packet-wrong-magic', 'probe-payload', 52],
    ['probe-packet-truncated', 'ipv4', 2],
  ];
  for (const [name, layer, offset] of cases) assertDecodeError(() => decodeProbePacket(malformedPacket(name)), layer, offset);
});

test('every truncation of a probe throws PacketDecodeError', () => {
  for (let length = 0; length < ONE_HOP.length; length++) {
    assertDecodeError(() => decodeProbePacket(ONE_HOP.subarray(0, length)), 'ipv4');
    // Truncation with lengths rewritten to match: each layer in turn runs out of bytes.
    const cut = Buffer.from(ONE_HOP.subarray(0, length));
    if (length >= 4) cut.writeUInt16BE(length, 2);
    if (length >= 28) cut.writeUInt16BE(length - 24, 26);
    if (length >= 52) cut.writeUInt16BE(length - 44, 48);
    assert.throws(
      () => decodeProbePacket(cut),
      (e: unknown) => e instanceof Error && e.name === 'PacketDecodeError',
      `length ${length}`,
    );
  }
});
