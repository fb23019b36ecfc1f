/**
 * Probe templates kept across rounds: a reidentified template must send exactly the bytes a fresh one
 * would (checked against scapy's bytes and against a fresh encode), whatever it was stamped with or a
 * self-stamping sender scribbled into it before; and the round runner must reuse templates for routes
 * it has seen, give each round its own session, and never send a stale probe for a route that changed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PacketEncodeError } from '../../../probes/errors.js';
import {
  createRoundRunner,
  decodeProbePacket,
  encodeProbePacket,
  FLAG_HMAC,
  HMAC_TAG_BYTES,
  probePayload,
  ProbeSigner,
  ProbeTemplate,
  ProbeTemplateCache,
  type PathAddressing,
  type ProbeAddressing,
  type ProbeSender,
} from '../../../probes/index.js';
import { SimulatedNetwork } from '../../helpers/simulated-network.js';
import { fromHex } from './packet-fixtures.js';

// The scapy-generated one-hop probe of nested-gre.test.ts: session 0xabcd, path 3, sequence 0x102.
const ONE_HOP = fromHex(`
  4500 0050 0000 4000 402f b67b c000 0201 c000 0202  0000 0800
  4500 0038 0000 4000 4011 b6b2 c000 0201 c000 0201  829a 829b 0024 aed8
  504d 4f4e 0100 0000 0000 abcd 0000 0003 0000 0102 0000 018c 2b3c 4d5e`);
const ONE_HOP_ADDRESSING: ProbeAddressing = { source: '192.0.2.1', hops: ['192.0.2.2'], returnAddress: '192.0.2.1', sourcePort: 33434, destinationPort: 33435 };
const FIVE_HOPS: ProbeAddressing = {
  source: '20.0.0.2',
  hops: ['20.0.0.1', '10.1.1.1', '10.1.1.5', '10.1.1.13', '20.0.0.6'],
  returnAddress: '20.0.0.2',
  sourcePort: 3000,
  destinationPort: 3000,
};

function assertChecksumsValid(packet: Buffer): void {
  const decoded = decodeProbePacket(packet);
  assert.equal(decoded.udpChecksumValid, true, 'UDP checksum');
  for (const layer of decoded.layers) assert.equal(layer.checksumValid, true, `IPv4 header checksum to ${layer.destination}`);
}

test('a reidentified template stamps the bytes scapy built for that session and path', () => {
  const template = new ProbeTemplate(ONE_HOP_ADDRESSING, { sessionId: 0xffffffff, pathId: 0x7fff0001 });
  template.stamp(0xffffffff, 2n ** 64n - 1n);
  template.reidentify(0xabcd, 3);
  assert.equal(template.sessionId, 0xabcd);
  assert.equal(template.pathId, 3);
  assert.deepEqual(template.stamp(0x102, 0x18c2b3c4d5en), ONE_HOP);
});

test('reidentify then stamp equals a fresh encodeProbePacket across identities, sequences and times', () => {
  const template = new ProbeTemplate(FIVE_HOPS, { sessionId: 1, pathId: 0 });
  const identities = [
    [0, 0],
    [1, 1],
    [0xffff, 0x10000],
    [0x80000000, 0xffffffff],
    [0xffffffff, 0],
    [0x12345678, 41],
    [1, 0],
  ] as const;
  const stamps = [
    [0, 0n],
    [1, 1n],
    [0xffffffff, 2n ** 64n - 1n],
    [0x10000, 1_700_000_000_123_456_789n],
  ] as const;
  for (const [sessionId, pathId] of identities) {
    template.reidentify(sessionId, pathId);
    assertChecksumsValid(template.packet);
    for (const [sequence, sendTimeNs] of stamps) {
      const packet = template.stamp(sequence, sendTimeNs);
      assert.deepEqual(packet, encodeProbePacket(FIVE_HOPS, { sessionId, pathId, sequence, sendTimeNs }), `session ${sessionId} path ${pathId} seq ${sequence}`);
      assertChecksumsValid(packet);
    }
  }
});

test('reidentify forgets what a self-stamping sender wrote into the packet without fixing the checksum', () => {
  const template = new ProbeTemplate(FIVE_HOPS, { sessionId: 5, pathId: 6 });
  // What a careless sender might do: sequence and time written, checksum left stale.
  template.packet.writeUInt32BE(77, template.sequenceAt);
  template.packet.writeBigUInt64BE(123_456n, template.sequenceAt + 4);
  template.reidentify(9, 10);
  assert.deepEqual(template.packet, encodeProbePacket(FIVE_HOPS, { sessionId: 9, pathId: 10, sequence: 0, sendTimeNs: 0n }));
  assert.deepEqual(template.stamp(3, 99n), encodeProbePacket(FIVE_HOPS, { sessionId: 9, pathId: 10, sequence: 3, sendTimeNs: 99n }));
});

test('a reidentified signed template is byte-identical to a fresh signed one and its tag verifies', () => {
  const signer = new ProbeSigner(Buffer.alloc(32, 0x33));
  const kept = new ProbeTemplate(FIVE_HOPS, { sessionId: 1, pathId: 2 }, { signer });
  kept.stamp(5, 500n);
  kept.reidentify(0xdeadbeef, 17);
  const fresh = new ProbeTemplate(FIVE_HOPS, { sessionId: 0xdeadbeef, pathId: 17 }, { signer });
  for (const [sequence, time] of [
    [0, 1n],
    [1, 2n ** 40n],
    [0xffffffff, 2n ** 63n],
  ] as const) {
    const packet = kept.stamp(sequence, time);
    assert.deepEqual(packet, fresh.stamp(sequence, time));
    assertChecksumsValid(packet);
    const decoded = decodeProbePacket(packet);
    assert.equal(decoded.payload.flags & FLAG_HMAC, FLAG_HMAC);
    assert.equal(signer.verify(packet.subarray(packet.length - probePayload.HEADER_LENGTH - HMAC_TAG_BYTES)), true);
  }
});

test('reidentify refuses ids that do not fit 32 bits', () => {
  const template = new ProbeTemplate(FIVE_HOPS, { sessionId: 1, pathId: 2 });
  assert.throws(() => template.reidentify(2 ** 32, 0), PacketEncodeError);
  assert.throws(() => template.reidentify(0, -1), PacketEncodeError);
  assert.throws(() => template.reidentify(1.5, 0), PacketEncodeError);
});

const routes: PathAddressing[] = [
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.0'], returnAddress: '10.2.0.0' },
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.2'], returnAddress: '10.2.0.0' },
  { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.2', '10.1.1.10'], returnAddress: '10.2.0.0' },
];

/** A simulated network whose sender checks every probe against a fresh encode and remembers which buffer each path's probes left from. */
function checkingNetwork(rttMs = 2) {
  const network = new SimulatedNetwork(() => rttMs);
  let current: PathAddressing[] = [];
  const buffers = new Map<number, Buffer>();
  const sessions = new Set<number>();
  const sender: ProbeSender = {
    send(packet, hop, stamp) {
      network.sender.send(packet, hop, stamp);
      const { payload } = decodeProbePacket(packet);
      const route = current[payload.pathId]!;
      assert.equal(hop, route.hops[0]);
      assert.deepEqual(packet, encodeProbePacket({ ...route, sourcePort: network.receiver.port, destinationPort: network.receiver.port }, payload));
      buffers.set(payload.pathId, packet);
      sessions.add(payload.sessionId);
    },
    close: () => {},
  };
  return {
    deps: { sender, receiver: network.receiver, clock: network },
    network,
    buffers,
    sessions,
    round(paths: PathAddressing[]) {
      current = paths;
      buffers.clear();
      return paths;
    },
  };
}

const options = { count: 3, intervalMs: 10, timeoutMs: 50 };

test("the round runner reuses each route's template across rounds, under a new session each round", async () => {
  const net = checkingNetwork();
  const run = createRoundRunner(net.deps);
  const first = await run(net.round(routes), options);
  const firstBuffers = new Map(net.buffers);
  // New objects with the same addressing, in another order: still the same templates.
  const reordered = [routes[2]!, routes[0]!, routes[1]!].map((route) => ({ ...route, hops: [...route.hops] }));
  const second = await run(net.round(reordered), options);
  assert.equal(net.sessions.size, 2, 'one session per round');
  assert.deepEqual(run.cache.lastRun, { reused: 3, built: 0, evicted: 0 });
  assert.equal(net.buffers.get(0), firstBuffers.get(2));
  assert.equal(net.buffers.get(1), firstBuffers.get(0));
  assert.equal(net.buffers.get(2), firstBuffers.get(1));
  for (const result of [first, second]) {
    assert.deepEqual(
      result.perPath.map((stats) => [stats.sent, stats.received, stats.rttMs?.p50]),
      [
        [3, 3, 2],
        [3, 3, 2],
        [3, 3, 2],
      ],
    );
    assert.deepEqual(result.drops, { malformed: 0, otherSession: 0, forged: 0 });
  }
});

test('a route whose hops array changed in place gets a new probe, not the stale one', async () => {
  const net = checkingNetwork();
  const run = createRoundRunner(net.deps);
  const mutable: PathAddressing[] = routes.map((route) => ({ ...route, hops: [...route.hops] }));
  await run(net.round(mutable), options);
  mutable[1]!.hops[1] = '10.9.9.9';
  const result = await run(net.round(mutable), options);
  assert.deepEqual(run.cache.lastRun, { reused: 2, built: 1, evicted: 0 });
  assert.equal(result.perPath[1]!.received, 3);
  // checkingNetwork compared every probe with a fresh encode of the route as it is now.
});

test('the same route twice in one round gets two templates; routes unused for keepUnusedRuns rounds are dropped', async () => {
  const net = checkingNetwork();
  const run = createRoundRunner(net.deps, { keepUnusedRuns: 2 });
  const twice = [routes[0]!, routes[1]!, routes[0]!];
  const result = await run(net.round(twice), options);
  assert.notEqual(net.buffers.get(0), net.buffers.get(2));
  assert.deepEqual(
    result.perPath.map((stats) => stats.received),
    [3, 3, 3],
  );
  assert.equal(run.cache.size, 3);
  await run(net.round([routes[2]!]), options);
  assert.deepEqual(run.cache.lastRun, { reused: 0, built: 1, evicted: 0 });
  await run(net.round([routes[2]!]), options);
  assert.deepEqual(run.cache.lastRun, { reused: 1, built: 0, evicted: 3 });
  assert.equal(run.cache.size, 1);
});

test('a new signer or receiver port rebuilds every template', () => {
  const cache = new ProbeTemplateCache();
  const before = cache.templatesFor(routes, 1, 4000);
  assert.equal(cache.templatesFor(routes, 2, 4000)[0], before[0]);
  const signer = new ProbeSigner(Buffer.alloc(32, 0x44));
  const signed = cache.templatesFor(routes, 3, 4000, signer);
  assert.deepEqual(cache.lastRun, { reused: 0, built: 3, evicted: 0 });
  assert.equal(signed[0]!.signed, true);
  const otherPort = cache.templatesFor(routes, 4, 4001, signer);
  assert.deepEqual(cache.lastRun, { reused: 0, built: 3, evicted: 0 });
  assert.equal(decodeProbePacket(otherPort[0]!.stamp(0, 1n)).udp.destinationPort, 4001);
});

test("a route that cannot be encoded fails the round with the encoder's error, every round", async () => {
  const net = checkingNetwork();
  const run = createRoundRunner(net.deps);
  const bad = [...routes, { source: '10.2.0.0', hops: ['10.2.0.1', '10.1.1.300'], returnAddress: '10.2.0.0' }];
  for (let round = 0; round < 2; round++) {
    await assert.rejects(run(net.round(bad), options), (error: unknown) => error instanceof PacketEncodeError && error.layer === 'ipv4');
  }
  assert.equal(net.network.sentPackets.length, 0);
  const notArray = [{ source: '10.2.0.0', hops: '10.2.0.1' as unknown as string[], returnAddress: '10.2.0.0' }];
  await assert.rejects(run(net.round(notArray), options), PacketEncodeError);
});

test('a second round on one runner while the first runs is refused', async () => {
  const net = checkingNetwork();
  const run = createRoundRunner(net.deps);
  const first = run(net.round(routes), options);
  await assert.rejects(run(routes, options), /already running/);
  assert.equal((await first).perPath.length, 3);
});
